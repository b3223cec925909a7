"""What "OAuth verwenden" replaces in a mail account's settings, and putting it back when OAuth is turned off.

OAuth sets Exchange Online's SMTP server and clears the password. An account that sent through another server, or
with a password, would lose those values for good; they are kept (encrypted with the host's keys, like the token
cache) and restored by "OAuth nicht mehr verwenden".
"""

from __future__ import annotations

import json

from cmx_hostapi import Host, MailAccount, Message

from .. import store, tokens
from ..config import Options

FIELDS = ("smtp_host", "smtp_port", "encryption", "username", "password")


def replaces(account: MailAccount, options: Options) -> list[str]:
    """What OAuth would overwrite, in German ("das Passwort", "den SMTP-Server mail.example.de:465"); empty when
    the account has nothing worth keeping (a new account, or one already on Exchange Online)."""
    replaced = []
    if account.smtp_host and account.smtp_host.strip().lower() != options.smtp_host.lower():
        replaced.append(f"den SMTP-Server {account.smtp_host}:{account.smtp_port}")
    if account.password:
        replaced.append("das Passwort")
    return replaced


def replace_question(account: MailAccount, options: Options) -> str:
    what = " und ".join(replaces(account, options))
    return (
        f"Das E-Mailkonto {account.address} hat {what} eingetragen. OAuth (Microsoft 365) ersetzt das durch den "
        f"Mailserver von Microsoft ({options.smtp_host}:{options.smtp_port}) und braucht kein Passwort. Die bisherigen "
        "Werte bewahrt cmxOrganize verschlüsselt auf und stellt sie wieder her, wenn Sie OAuth später ausschalten."
    )


def encoded(account: MailAccount) -> bytes:
    return json.dumps({name: getattr(account, name) for name in FIELDS}).encode()


def restore(host: Host, account_id: int, blob: bytes) -> str:
    """Put the kept settings back; returns what was restored, in German."""
    values = {k: v for k, v in json.loads(blob).items() if k in FIELDS}
    host.update_mail_account(account_id, **values)
    parts = [f"SMTP-Server {values.get('smtp_host')}:{values.get('smtp_port')}"]
    if values.get("password"):
        parts.append("Passwort")
    return ", ".join(parts)


def forget_deleted_account(host: Host, account_id: int) -> list[Message]:
    """A mail account was deleted: forget its sign-in here, and say what stays at Microsoft and where it goes."""
    state = store.account_state(host, account_id)
    store.disable(host, account_id)
    tokens.forget(account_id)
    if state is None or not state.signed_in_as:
        return []
    return [
        Message(
            "info",
            f"Die gespeicherte Anmeldung von {state.signed_in_as} ist gelöscht. Die Zustimmung bei Microsoft bleibt "
            "bestehen, bis sie dort entfernt wird: von der Person selbst unter https://myapps.microsoft.com "
            "(cmxOrganize → Berechtigungen widerrufen) oder vom Microsoft-365-Admin im Entra Admin Center → "
            "Unternehmensanwendungen → cmxOrganize → Berechtigungen.",
        )
    ]
