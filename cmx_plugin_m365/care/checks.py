"""Online checks of what the admin enters, before it is stored, and of the redirect URI before a sign-in.

A value that fails is refused with the German diagnosis (and the previous, working values stay in force). When
Microsoft cannot be reached, the value is refused too: storing something unproven could break a working setup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import requests
from cmx_hostapi import Host, Message
from marshmallow import ValidationError

from .. import certificates, identity, status, store
from ..config import AzureApp, Missing, Options, azure_app
from ..diagnosis import Finding, from_exception, from_oauth
from ..names import INTERFACE_TYPE
from ..signin.redirect_uri import record_redirect_probe, redirect_uri
from ..status import SECRET_CODES
from ..wording import SEE_GREEN_FIELD, count, headline
from . import client_secret

CREDENTIALS_OK = "Anwendungs-ID, Schlüssel und Verzeichnis passen."
CERTIFICATE_OK = "Anwendungs-ID, Zertifikat und Verzeichnis passen."
NOT_STORED = "Nicht gespeichert – die bisherigen Werte gelten weiter. "
NOT_STORED_FIRST = "Nicht gespeichert. "


def _not_stored(first: bool) -> str:
    """ "die bisherigen Werte gelten weiter" only where there are earlier values."""
    return NOT_STORED_FIRST if first else NOT_STORED


def discover(options: Options, tenant: str) -> str:
    """The directory's GUID for a tenant GUID or domain (OpenID discovery); raises MicrosoftError."""
    url = f"{options.login_base_url.rstrip('/')}/{tenant}/v2.0/.well-known/openid-configuration"
    try:
        response = identity.session(options).get(url)
    except requests.RequestException as error:
        raise identity.MicrosoftError(from_exception(error)) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):  # not Microsoft's JSON (a proxy's page): an unexpected answer
        raise identity.MicrosoftError(from_exception(ValueError("discovery answered without JSON")))
    if response.status_code != 200:
        raise identity.MicrosoftError(
            from_oauth(
                str(body.get("error", "")), str(body.get("error_description", "")), error_codes=body.get("error_codes")
            )
        )
    endpoint = str(body.get("token_endpoint", "")).split("/")
    if len(endpoint) < 4 or not endpoint[3]:
        raise identity.MicrosoftError(from_exception(ValueError("discovery named no token endpoint")))
    return endpoint[3]


def check_tenant(values: Mapping[str, Any], host: Host) -> None:
    """TenantID: the directory must exist; with an Azure interface present, the app must live in it."""
    options = Options.of(host)
    first = not (host.setting("Einstellungen", "TenantID") or "").strip()
    try:
        discover(options, values["value"])
    except identity.MicrosoftError as error:
        raise ValidationError({"value": [_not_stored(first) + error.finding.message()]}) from None
    azure = azure_app(host, tenant=values["value"])
    if not isinstance(azure, Missing):  # an interface with a credential (secret or certificate)
        finding = _credentials(options, azure)
        if finding is not None and finding.code == "AADSTS700016":
            raise ValidationError({"value": [_not_stored(first) + finding.message()]})
        store.record_check(
            host,
            "credentials",
            ok=finding is None,
            code=finding.code if finding else None,
            text=finding.message() if finding else ok_text(azure),
        )
        if finding is None:
            mark_validated(host, azure)


def check_interface(values: Mapping[str, Any], host: Host) -> None:
    """Azure interface: client ID, secret value and tenant must work together (a client-credentials request).

    Without a TenantID yet (the guide enters it after the interface) only the schema's rules apply; the check
    runs when TenantID is saved.
    """
    tenant = (host.setting("Einstellungen", "TenantID") or "").strip()
    if not tenant:
        return
    azure = AzureApp(values["username"], values["password"], tenant)
    in_use = azure_app(host)
    same_app = not isinstance(in_use, Missing) and in_use.client_id == values["username"]
    if same_app and in_use.thumbprint:
        # Certificate mode: the app proves itself with the certificate; a secret in the password field is not used
        # (and may be deleted in Entra already), so it is never what decides whether the interface can be saved.
        azure = in_use
    elif not values["password"]:
        # No secret and no certificate in use for this app: it has no credential yet (the green field then offers
        # "Zertifikat erstellen"); the client ID alone cannot be proven.
        if not same_app:
            return
        azure = in_use
    finding = _credentials(Options.of(host), azure)
    if finding is not None:
        field = "password" if finding.code in SECRET_CODES else "username"
        first = not host.interfaces(INTERFACE_TYPE)
        raise ValidationError({field: [_not_stored(first) + finding.message()]})
    store.record_check(host, "credentials", ok=True, text=ok_text(azure))


def ok_text(azure: AzureApp) -> str:
    """What a ✓ of the app's credentials says: with the secret or with the certificate."""
    return CERTIFICATE_OK if azure.thumbprint else CREDENTIALS_OK


def mark_validated(host: Host, azure: AzureApp) -> None:
    """Microsoft just accepted the app's credential: note it on the secret or the certificate."""
    if azure.thumbprint:
        certificates.update(host, azure.thumbprint, proven_at=store.utcnow(), last_code=None)
    else:
        client_secret.mark_validated(host)


def _credentials(options: Options, azure: AzureApp) -> Finding | None:
    try:
        identity.check_credentials(options, azure)
    except identity.MicrosoftError as error:
        return error.finding
    return None


def recheck(host: Host) -> list[Message]:
    """Check the setup now — the app's credentials at Microsoft and the redirect URI — record the results, and clear
    every account problem a success disproves (their held mail goes out). For "Jetzt prüfen" and the daily job."""
    azure = azure_app(host)
    if isinstance(azure, Missing):
        return [Message("error", "Nicht geprüft: " + " ".join(azure.items))]
    messages = []
    finding = _credentials(Options.of(host), azure)
    if finding is None:
        store.record_check(host, "credentials", ok=True, text=ok_text(azure))
        mark_validated(host, azure)
        cleared = status.app_problems_disproved(host)
        fixed = count(cleared, "E-Mailkonto", "E-Mailkonten")
        extra = f" Behoben bei {fixed}; wartende Mails gehen jetzt hinaus." if cleared else ""
        messages.append(Message("success", f"✓ Zugangsdaten: {ok_text(azure)}{extra}"))
    else:
        store.record_check(host, "credentials", ok=False, code=finding.code, text=finding.message())
        # The Azure interface's green field shows the whole text of every check; the message only points to it.
        messages.append(Message("error", f"✗ Zugangsdaten: {headline(finding.message())} – {SEE_GREEN_FIELD}"))
    probe = record_redirect_probe(host)
    if probe is None:
        messages.append(
            Message("success", f"✓ Umleitungs-URI: von Microsoft akzeptiert ({redirect_uri(host.public_base_url)}).")
        )
    else:
        messages.append(Message("error", f"✗ Umleitungs-URI: {headline(probe.message())} – {SEE_GREEN_FIELD}"))
    return messages


def daily_recheck(host: Host, now: dt.datetime) -> int:
    """The periodic job: :func:`recheck` once a day, so that no ✓ or ✗ on the screens is older than a day."""
    return len(recheck(host))
