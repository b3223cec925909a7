"""Admin consent: the Microsoft 365 admin agrees once, for the whole organisation, that cmxOrganize may send mail.

Many schools and companies do not let users consent to apps ("Need admin approval"). Microsoft's admin consent
endpoint (``/{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state``, ENTRA-ADMINCONSENT in
../shared/reference/next-features.md §3) lets an admin grant it in one step; it sends the browser back to the
registered redirect URI with ``admin_consent=True&tenant=…&scope=…&state=…``, or with ``error=…`` (and
``admin_consent=True``) when it did not happen. The product uses the redirect URI the admin guide already
registers, so nothing more needs registering; ``state`` is bound to the admin's session, like a sign-in's.
The ``tenant`` Microsoft reports is never trusted for anything but a comparison (ENTRA-ADMINCONSENT).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from cmx_hostapi import Host, Request

from .. import identity, store
from ..config import Missing, Options, azure_app
from ..diagnosis import Finding, from_oauth
from ..wording import SEE_GREEN_FIELD
from .redirect_uri import browser_mismatch, redirect_uri

CHECK = "admin_consent"
LIFETIME = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Result:
    ok: bool
    level: str
    text: str


def scopes(options: Options) -> str:
    """What the admin consents to: SMTP.Send and Graph's Mail.Send and Mail.Send.Shared (both sending routes), and
    the OpenID scopes msal adds to every sign-in (which need consent too where users may not consent at all)."""
    return f"{' '.join(options.signin_scopes)} offline_access openid profile"


def start(host: Host, request: Request) -> tuple[str | None, Result | None]:
    """Prepare the admin consent. Returns (Microsoft's URL for the browser, None) or (None, why not)."""
    azure = azure_app(host)
    if isinstance(azure, Missing):
        return None, Result(False, "error", "Administratorzustimmung nicht möglich: " + " ".join(azure.items))
    mismatch = browser_mismatch(host.public_base_url, request.base_url)
    if mismatch:
        return None, Result(False, "error", mismatch)
    options = Options.of(host)
    state = secrets.token_urlsafe(32)
    store.add_consent_request(
        host, state=state, session_id=request.session_id, user_id=request.user.id, lifetime=LIFETIME
    )
    query = urlencode(
        {
            "client_id": azure.client_id,
            "scope": scopes(options),
            "redirect_uri": redirect_uri(host.public_base_url),
            "state": state,
        }
    )
    store.add_event(host, "consent_started", f"Administratorzustimmung angefragt von {request.user.display_name}.")
    return f"{identity.authority(options, azure)}/v2.0/adminconsent?{query}", None


def is_answer(answer: dict) -> bool:
    """Whether Microsoft's answer at continue_oauth belongs to an admin consent (not to a sign-in)."""
    return bool(answer.get("admin_consent"))


def finish(host: Host, request: Request, answer: dict) -> Result:
    """Handle the admin consent endpoint's answer (the validated query of continue_oauth)."""
    pending = store.find_consent_request(host, answer["state"])
    if pending is None:
        return Result(
            False,
            "error",
            "Diese Administratorzustimmung ist cmxOrganize nicht bekannt. Bitte in der Azure-Schnittstelle erneut "
            "„Administratorzustimmung erteilen“ wählen.",
        )
    if pending.session_hash != store.digest(request.session_id) or pending.user_id != request.user.id:
        return Result(
            False,
            "error",
            "Diese Administratorzustimmung wurde in einer anderen Sitzung begonnen und wird hier nicht fortgesetzt.",
        )
    if pending.expires_at < store.utcnow() or not store.use_consent_request(host, answer["state"]):
        return Result(
            False,
            "info",
            "Diese Administratorzustimmung ist abgelaufen oder bereits abgeschlossen; es wurde nichts geändert.",
        )
    if answer.get("error"):
        finding = from_oauth(answer["error"], answer.get("error_description", ""))
        text = not_granted(finding)
        store.record_check(host, CHECK, ok=False, code=finding.code, text=text)
        store.add_event(host, "consent_failed", text, code=finding.code)
        # The Azure interface's green field states the check in full; the message on the same page only points to it.
        short = f"Die Administratorzustimmung wurde nicht erteilt: {finding.entry.title} (Code {finding.code}) – "
        return Result(False, "error", short + SEE_GREEN_FIELD)
    reported = (answer.get("tenant") or "").lower()
    expected = _tenant_guid(host)
    if not (reported and expected) or str(answer.get("admin_consent", "")).lower() != "true":
        # Granted counts only for the directory it was asked for (admin-consent: Microsoft answers admin_consent=True
        # and the tenant). Without them it may be another directory's (the admin's own) or none at all.
        text = (
            "Ob die Administratorzustimmung für Ihre Organisation gilt, ist unklar: Microsoft hat sie ohne Angabe des "
            "Verzeichnisses bestätigt. Was tun: Der Microsoft-365-Admin Ihrer Organisation wählt in der "
            "Azure-Schnittstelle erneut „Administratorzustimmung erteilen“ und meldet sich dabei mit seinem Konto "
            "dieser Organisation an. (Code CONSENT-UNKNOWN)"
        )
        store.record_check(host, CHECK, ok=False, code="CONSENT-UNKNOWN", text=text)
        store.add_event(host, "consent_unknown", text, code="CONSENT-UNKNOWN")
        return Result(False, "warning", text)
    if reported != expected.lower():
        text = (
            f"Microsoft meldet die Zustimmung für das Verzeichnis {reported}, eingestellt ist aber {expected}. "
            "Bitte mit einem Administratorkonto Ihrer Organisation erneut zustimmen."
        )
        store.record_check(host, CHECK, ok=False, code="TENANT-MISMATCH", text=text)
        return Result(False, "error", text)
    # Microsoft's answer names the directory, not the account that consented (admin-consent: admin_consent, tenant,
    # scope, state): so the text says who asked from cmxOrganize and leaves the Microsoft account unnamed.
    text = (
        "Administratorzustimmung erteilt – bei Microsoft mit einem Administratorkonto Ihrer Organisation, angefragt "
        f"in cmxOrganize von {request.user.display_name}: Alle Konten Ihrer Organisation können sich jetzt ohne "
        "eigene Zustimmung anmelden."
    )
    store.record_check(host, CHECK, ok=True, text=text)
    store.add_event(host, "consent_granted", text)
    return Result(True, "success", text)


def not_granted(finding: Finding) -> str:
    """Microsoft's refusal at the admin consent endpoint, for this flow: there is no mailbox and no sign-in to repeat
    — the person is the Microsoft 365 admin, the next step the same button again (the catalogue's advice is a user
    sign-in's)."""
    return (
        f"Die Administratorzustimmung wurde nicht erteilt: {finding.entry.title}. Was tun: Ein Microsoft-365-Admin "
        "Ihrer Organisation wählt in der Azure-Schnittstelle erneut „Administratorzustimmung erteilen“, meldet sich "
        "bei Microsoft mit seinem Administratorkonto an und bestätigt mit „Akzeptieren“. (Zuständig: "
        f"Microsoft-365-Admin; Code {finding.code})"
    )


def _tenant_guid(host: Host) -> str | None:
    azure = azure_app(host)
    if isinstance(azure, Missing):
        return None
    try:
        return identity.tenant_guid(identity.build(Options.of(host), azure))
    except identity.MicrosoftError:
        return None


def granted(host: Host) -> store.CheckResult | None:
    return store.checks(host).get(CHECK)
