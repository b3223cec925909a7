"""Connecting a mail account: the sign-in at Microsoft, from the button to the stored, encrypted tokens.

``start`` prepares an auth code flow (PKCE, state, nonce) and keeps it in the database, encrypted and bound to
the host session, user and account, for ten minutes and one use. ``finish`` takes Microsoft's answer, checks it
against that record, redeems the code, and stores the tokens only when the right person signed in to the right
directory. Both return what the person should read; neither raises for anything a person can cause.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import msal

from cmx_hostapi import Host, MailError, Request

from . import identity, store, tokens
from .checks import probe_auth_uri
from .config import AzureApp, Missing, Options, azure_app
from .diagnosis import Finding, Kind, from_oauth
from .redirect_uri import browser_mismatch, redirect_uri


@dataclass(frozen=True)
class Outcome:
    """What happened, for the person: ``level`` success/info/warning/error and a German text."""

    ok: bool
    level: str
    text: str
    account_id: int | None = None


def prerequisites(host: Host, account_id: int) -> list[str]:
    """What must be fixed before this account can sign in (German sentences naming where), or nothing."""
    problems = []
    azure = azure_app(host)
    if isinstance(azure, Missing):
        problems.extend(azure.items)
    account = host.mail_account(account_id)
    if account is None:
        return ["Das E-Mailkonto gibt es nicht (mehr)."]
    if not account.address:
        problems.append("Im E-Mailkonto fehlt die E-Mailadresse.")
    if not account.username:
        problems.append(
            "Im E-Mailkonto fehlt der Benutzername (in der Regel die E-Mailadresse, mit der Sie sich bei "
            "Microsoft anmelden)."
        )
    return problems


def start(host: Host, request: Request, account_id: int) -> tuple[str | None, Outcome | None]:
    """Prepare the sign-in. Returns (Microsoft's URL to send the browser to, None) or (None, why not)."""
    missing = prerequisites(host, account_id)
    if missing:
        return None, Outcome(False, "error", "Anmeldung nicht möglich: " + " ".join(missing), account_id)
    if store.account_state(host, account_id) is None:
        return None, Outcome(False, "error", "Für dieses E-Mailkonto ist OAuth nicht eingeschaltet.", account_id)
    mismatch = browser_mismatch(host.public_base_url, request.base_url)
    if mismatch:
        return None, Outcome(False, "error", mismatch, account_id)
    options, azure, account = Options.of(host), azure_app(host), host.mail_account(account_id)
    try:
        app = identity.build(options, azure)
    except identity.MicrosoftError as error:
        return None, _failed(host, account_id, error.finding, "Die Anmeldung konnte nicht beginnen")
    flow = identity.initiate(app, redirect_uri=redirect_uri(host.public_base_url), login_hint=account.username)
    finding = probe_auth_uri(options, flow["auth_uri"])
    if finding is not None:  # Microsoft would show an error page and never send the person back: say it here
        return None, _failed(host, account_id, finding, "Die Anmeldung bei Microsoft würde scheitern")
    store.add_signin(
        host,
        state=flow["state"],
        account_id=account_id,
        session_id=request.session_id,
        user_id=request.user.id,
        flow=tokens.vault_of(host).encrypt(json.dumps(flow).encode()),
        lifetime=dt.timedelta(minutes=options.signin_minutes),
    )
    store.add_event(
        host,
        "signin_started",
        f"Anmeldung bei Microsoft gestartet von {request.user.display_name}.",
        account_id=account_id,
    )
    return flow["auth_uri"], None


def finish(host: Host, request: Request, answer: dict) -> Outcome:
    """Handle Microsoft's answer (the validated query of continue_oauth)."""
    pending = store.find_signin(host, answer["state"])
    if pending is None:
        return Outcome(
            False,
            "error",
            "Diese Anmeldung ist cmxOrganize nicht bekannt. Bitte starten Sie sie im "
            "E-Mailkonto mit „Bei Microsoft anmelden“ neu.",
        )
    account_id = pending.account_id
    if pending.session_hash != store.digest(request.session_id) or pending.user_id != request.user.id:
        return Outcome(
            False,
            "error",
            "Diese Anmeldung wurde in einer anderen Sitzung begonnen und wird hier nicht "
            "fortgesetzt. Bitte starten Sie sie im E-Mailkonto neu.",
            account_id,
        )
    if pending.used_at is not None:
        return Outcome(
            False,
            "info",
            "Diese Anmeldung ist bereits abgeschlossen (die Seite wurde neu geladen "
            "oder doppelt aufgerufen); es wurde nichts geändert.",
            account_id,
        )
    if pending.expires_at < store.utcnow():
        minutes = Options.of(host).signin_minutes
        return Outcome(
            False,
            "error",
            f"Diese Anmeldung ist abgelaufen (sie muss innerhalb von {minutes} Minuten "
            "abgeschlossen werden). Bitte starten Sie sie im E-Mailkonto neu.",
            account_id,
        )
    if not store.use_signin(host, answer["state"]):
        return Outcome(
            False, "info", "Diese Anmeldung ist bereits abgeschlossen; es wurde nichts geändert.", account_id
        )
    if answer.get("error"):
        finding = from_oauth(answer["error"], answer.get("error_description", ""))
        return _failed(host, account_id, finding, "Die Anmeldung bei Microsoft ist gescheitert")
    return _redeem(host, request, account_id, pending, answer)


def _redeem(host: Host, request: Request, account_id: int, pending: store.PendingSignIn, answer: dict) -> Outcome:
    azure = azure_app(host)
    account = host.mail_account(account_id)
    if isinstance(azure, Missing) or account is None:
        return Outcome(
            False,
            "error",
            "Die Einrichtung wurde während der Anmeldung geändert: "
            + " ".join(azure.items if isinstance(azure, Missing) else ["E-Mailkonto fehlt."]),
            account_id,
        )
    flow = json.loads(tokens.vault_of(host).decrypt(pending.flow))
    cache = msal.SerializableTokenCache()
    try:
        app = identity.build(Options.of(host), azure, cache)
        result = identity.redeem(app, flow, {k: v for k, v in answer.items() if v is not None})
    except identity.MicrosoftError as error:
        return _failed(host, account_id, error.finding, "Die Anmeldung bei Microsoft ist gescheitert")
    claims = result.get("id_token_claims") or {}
    problem = _wrong_identity(azure, identity.tenant_guid(app), claims, account.username)
    if problem:
        store.add_event(host, "signin_refused", problem, account_id=account_id, code="ACCOUNT-MISMATCH")
        return Outcome(False, "error", problem, account_id)
    signed_in_as = (claims.get("preferred_username") or claims.get("upn") or "").lower()
    store.connect(
        host,
        account_id,
        token_cache=tokens.seal(host, cache),
        signed_in_as=signed_in_as,
        tenant_id=claims.get("tid", ""),
    )
    tokens.forget(account_id)
    store.add_event(
        host,
        "connected",
        f"Bei Microsoft angemeldet als {signed_in_as} (von {request.user.display_name}).",
        account_id=account_id,
    )
    return send_test_mail(host, account_id, after_signin=True)


def _wrong_identity(azure: AzureApp, tenant_guid: str, claims: dict, username: str) -> str | None:
    """Why the signed-in identity must not be stored for this account, or None."""
    signed_in = (claims.get("preferred_username") or claims.get("upn") or "").lower()
    if claims.get("tid", "").lower() != tenant_guid.lower():
        return (
            f"Die Anmeldung erfolgte im Microsoft-Verzeichnis {claims.get('tid')}, eingestellt ist aber "
            f"{azure.tenant}. Es wurde nichts gespeichert. Bitte mit einem Konto Ihrer Organisation anmelden."
        )
    if signed_in != username.strip().lower():
        return (
            f"Sie haben sich als {signed_in} angemeldet; dieses E-Mailkonto gehört zu {username}. Es wurde nichts "
            f"gespeichert. Bitte erneut „Bei Microsoft anmelden“ wählen und im Kontoauswahl-Fenster {username} "
            "wählen (oder „Anderes Konto verwenden“)."
        )
    return None


def send_test_mail(host: Host, account_id: int, *, after_signin: bool = False) -> Outcome:
    """Send a test mail to the account's own address through the host's mailer (the path every mail takes)."""
    account = host.mail_account(account_id)
    done = "Bei Microsoft angemeldet. " if after_signin else ""
    try:
        host.send_mail(
            account_id,
            account.address,
            "cmxOrganize: Testmail",
            f"Diese Testmail bestätigt, dass cmxOrganize über das E-Mailkonto {account.address} mit "
            "Microsoft 365 (OAuth 2.0) senden kann.\n\nSie brauchen nichts weiter zu tun.",
        )
    except MailError as error:
        store.add_event(host, "test_failed", str(error), account_id=account_id, code=error.code)
        return Outcome(False, "error", f"{done}Die Testmail konnte nicht gesendet werden. {error}", account_id)
    store.add_event(host, "test_sent", f"Testmail an {account.address} gesendet.", account_id=account_id)
    waiting = host.release_held_mail(account_id)
    queued = f" {waiting} wartende Mail(s) werden jetzt gesendet." if waiting else ""
    text = (
        f"E-Mailkonto eingerichtet, Testmail an {account.address} gesendet.{queued}"
        if after_signin
        else f"Testmail an {account.address} gesendet.{queued}"
    )
    return Outcome(True, "success", text, account_id)


def _failed(host: Host, account_id: int, finding: Finding, what: str) -> Outcome:
    store.add_event(host, "signin_failed", finding.message(), account_id=account_id, code=finding.code)
    level = "warning" if finding.kind is Kind.TEMPORARY else "error"
    return Outcome(False, level, f"{what}. {finding.message()}", account_id)
