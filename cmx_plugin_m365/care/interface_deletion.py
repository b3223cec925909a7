"""Deleting the Azure interface (issue 21, item 9): every OAuth mail account stops sending, so the confirmation names
them, and afterwards the accounts say that the interface was deleted and how to restore it — not "there is no
interface yet", as for a first setup.

The deletion is noted in ``m365_setting`` (``interface_deleted``: when, and the application's client ID, which the
host no longer holds); saving an Azure interface again removes the note (:func:`restored`).
"""

from __future__ import annotations

import json

from cmx_hostapi import Host, Message

from .. import store
from ..config import DELETED, deleted_interface
from ..names import INTERFACE_TYPE
from ..store import certificates as settings
from ..store import secrets
from ..wording import count


def warning(host: Host, record_id: int) -> str | None:
    """What the host's "wirklich löschen?" adds for the Azure interface: the accounts that stop sending."""
    if not any(i.id == record_id for i in host.interfaces(INTERFACE_TYPE)):
        return None
    addresses = _oauth_addresses(host)
    if not addresses:
        return None
    return (
        f"Danach senden diese {count(len(addresses), 'E-Mailkonto', 'E-Mailkonten')} mit OAuth nicht mehr: "
        f"{', '.join(addresses)}. Ihre Mails werden angehalten, nicht verworfen, bis wieder eine Azure-Schnittstelle "
        "mit derselben Anwendungs-ID angelegt ist."
    )


def deleted(host: Host) -> list[Message]:
    """After the host deleted an interface: when it was the Azure one, note it and say what stops."""
    if host.interfaces(INTERFACE_TYPE):
        return []
    client_id = _last_client_id(host)
    settings.set_setting(host, DELETED, json.dumps({"at": store.utcnow().isoformat(), "client_id": client_id}))
    addresses = _oauth_addresses(host)
    if not addresses:
        return []
    return [Message("warning", f"{deleted_interface(host)} Betroffen: {', '.join(addresses)}.")]


def restored(host: Host) -> None:
    """An Azure interface was saved: nothing to restore any more."""
    if settings.setting(host, DELETED) is not None:
        settings.set_setting(host, DELETED, None)


def _oauth_addresses(host: Host) -> list[str]:
    accounts = (host.mail_account(state.account_id) for state in store.all_account_states(host))
    return [account.address for account in accounts if account is not None]


def _last_client_id(host: Host) -> str | None:
    certificate = next(iter(settings.all_of(host)), None)
    if certificate is not None:
        return certificate.client_id
    secret = secrets.latest(host)
    return secret.client_id if secret else None
