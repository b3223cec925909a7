"""SMTP AUTH XOAUTH2 on a connection the host's mailer opened (after STARTTLS with a verified certificate)."""

from __future__ import annotations

import base64
import dataclasses
import smtplib
import ssl

import cmx_hostapi
from cmx_hostapi import Host, MailAccount, MailError, PermanentMailError, TemporaryMailError

from .. import identity, status, store, tokens
from ..config import Options
from ..diagnosis import Finding, Kind, entry, finding_of, from_exception, from_smtp, unknown_entry
from . import route

HOST_SAYS_SENT = tuple(int(part) for part in cmx_hostapi.HOST_API_VERSION.split(".")[:2]) >= (1, 7)
"""The host calls ``cmx_smtp_sent`` when the server accepted a mail (host API 1.7); before that, a successful login
is all the plugin learns."""
RETRY_AFTER_REFUSAL = 120.0
"""Seconds until a mail refused once with 535 5.7.3 (setup proven) is tried again."""


def initial_response(user: str, token: str) -> str:
    """``base64("user=" + user + "\\x01auth=Bearer " + token + "\\x01\\x01")`` (Microsoft's and Google's format)."""
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def exchange(smtp: smtplib.SMTP, user: str, token: str) -> tuple[int, bytes]:
    """AUTH XOAUTH2 as Microsoft documents it: the command, the server's 334, then the client's string.

    (An initial response on the AUTH line would save a round trip, but the reference shows only this form; mail
    must not depend on a server accepting something it does not document.)
    """
    code, reply = smtp.docmd("AUTH", "XOAUTH2")
    if code != 334:
        return code, reply
    code, reply = smtp.docmd(initial_response(user, token))
    if code == 334:  # an error challenge (base64 JSON, as Google sends): answer empty to get the final reply
        code, reply = smtp.docmd("")
    return code, reply


def authenticate(smtp: smtplib.SMTP, host: Host, account: MailAccount, state: store.AccountState) -> None:
    """Authenticate the connection as the account's signed-in user, or raise a classified MailError.

    ``user=`` is the UPN Microsoft issued the token for (stored at sign-in, followed on renames), never the form's
    Benutzername: Exchange checks it against the token (see :func:`identity.sign_in_name`).
    """
    if not isinstance(smtp.sock, ssl.SSLSocket):
        raise PermanentMailError(
            "Die Verbindung zum Mailserver ist nicht verschlüsselt; cmxOrganize sendet "
            "Anmeldedaten nur über TLS. Bitte im E-Mailkonto Verschlüsselung „STARTTLS“ wählen.",
            code="NO-TLS",
        )
    if not _verified(smtp.sock):
        # The bearer token lets anyone who has it send as this mailbox: it goes only to a server whose certificate
        # and name were checked, whatever the host's mailer did.
        raise PermanentMailError(
            f"Die Verbindung zum Mailserver {account.smtp_host} ist verschlüsselt, aber sein Zertifikat oder sein "
            "Name wurde nicht geprüft; cmxOrganize gibt die Anmeldung bei Microsoft nur an einen geprüften Server. "
            "Bitte den cmxKonzepte-Support verständigen (Mailer ohne Zertifikatsprüfung).",
            code="TLS-UNVERIFIED",
        )
    for attempt in (1, 2):
        token = tokens.access_token(host, account.id, force_refresh=attempt == 2, state=state if attempt == 1 else None)
        # The name the token was issued for; a refresh just now may carry a new one (the user was renamed). Read once
        # per token, not decoded for every mail.
        user = _user(account, state, token)
        code, reply = exchange(smtp, user, token)
        if code == 235:
            return
        finding = app_refusal(state, token, from_smtp(code, reply))
        if finding.code == "535 5.7.3" and attempt == 1:
            continue  # the token may have been revoked early: get a new one and try once more
        if finding.code == "535 5.7.3" and _proven(state) and store.count_refusal(host, account.id) == 0:
            raise _passing_refusal(host, account.id, finding)
        if (
            finding.entry.graph_helps
            and state.route == route.AUTO
            and (not state.by_app or state.graph_scope_confirmed)
        ):
            raise route.smtp_auth_refused(host, account, finding)  # Graph does not need SMTP AUTH
        status.report(host, account.id, finding)
        raise finding.mail_error()


def probe(host: Host, account: MailAccount) -> Finding | None:
    """Would SMTP AUTH work for this account now? A connection to its mail server, STARTTLS with a verified
    certificate, AUTH XOAUTH2 and QUIT — no mail, nothing recorded. None, or what the server (or the way) said."""
    options = Options.of(host)
    try:
        token = tokens.access_token(host, account.id, report=False)
    except MailError as error:
        return finding_of(error) or Finding(
            unknown_entry(error.code or "?", str(error), Kind.SIGN_IN), error.code or "?"
        )
    context = ssl.create_default_context(cafile=options.ca_file)
    try:
        with smtplib.SMTP(account.smtp_host, account.smtp_port, timeout=options.http_timeout) as smtp:
            smtp.ehlo()
            smtp.starttls(context=context)
            smtp.ehlo()
            user = _user(account, store.account_state(host, account.id), token)
            code, reply = exchange(smtp, user, token)
    except (OSError, smtplib.SMTPException) as error:
        return from_exception(error)
    return None if code == 235 else app_refusal(store.account_state(host, account.id), token, from_smtp(code, reply))


def _user(account: MailAccount, state: store.AccountState | None, token: str) -> str:
    """XOAUTH2's ``user=``: for a person the UPN the token names; for the app permission the mailbox's address
    ("Authenticate an IMAP, POP or SMTP connection using OAuth": with client credentials ``user=`` is the mailbox
    the service principal has permission on)."""
    if state is not None and state.by_app:
        return account.address.strip().lower()
    return identity.name_in_token(token) or (state.signed_in_as if state else None) or account.username


SEND_AS_APP = "SMTP.SendAsApp"


def app_refusal(state: store.AccountState | None, token: str, finding: Finding) -> Finding:
    """What a 535 5.7.3 means for an account with the app permission: Exchange says the same for every missing step
    (:mod:`..diagnosis.app_permission`); the token's own ``roles`` tell the missing consent from Exchange's part."""
    if state is None or not state.by_app or finding.code != "535 5.7.3":
        return finding
    roles = identity.token_claims(token).get("roles") or []
    key = "app:exchange" if SEND_AS_APP in roles else "app:no-role"
    return dataclasses.replace(finding, entry=entry(key))


def _verified(sock: ssl.SSLSocket) -> bool:
    """The TLS connection checked the server's certificate chain and its host name."""
    context = sock.context
    return context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname and sock.getpeercert() is not None


def _proven(state: store.AccountState) -> bool:
    """This account has sent before with the current sign-in (its setup worked)."""
    return state.last_sent_at is not None


def _passing_refusal(host: Host, account_id: int, finding: Finding) -> TemporaryMailError:
    """535 5.7.3 has several real causes, one of them a passing fault at Microsoft. For an account whose setup was
    proven, the first refusal is retried (the mail stays queued) and only a second one in a row is reported."""
    store.add_event(
        host,
        "temporary",
        "Microsoft hat die Anmeldung am Mailserver einmal abgelehnt, obwohl sie bisher funktionierte; die Mail wird "
        "in Kürze erneut gesendet. " + finding.message(),
        account_id=account_id,
        code=finding.code,
    )
    return TemporaryMailError(
        "Microsoft hat die Anmeldung am Mailserver einmal abgelehnt, obwohl sie bisher funktionierte. Die Mail "
        "bleibt in der Warteschlange und wird in Kürze erneut gesendet; lehnt Microsoft erneut ab, erfahren Sie die "
        "Ursache.",
        code=finding.code,
        retry_after=RETRY_AFTER_REFUSAL,
    )
