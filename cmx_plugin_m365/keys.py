"""The host's keys for data at rest, seen from the plugin: a worker whose keys do not fit the stored data, and
telling the host when its old keys are no longer needed.

During a key rollout the host's workers do not all change their key list at the same moment. A worker that cannot
decrypt a value is therefore reported as that worker's problem (logged, and the admins told once a day), never
written as the account's state; and once the re-encryption job has moved every value to the current key, the host
hears that it may drop the old ones (host API 1.2, :meth:`cmx_hostapi.Host.old_secret_keys_unused`).
"""

from __future__ import annotations

import datetime as dt
import logging

from cmx_hostapi import Host

from . import store
from .config import PLUGIN_ID

log = logging.getLogger(__name__)
NOTICE = "keys"
EVERY = dt.timedelta(days=1)
_logged: set[tuple[int, int]] = set()


def unreadable(host: Host, account_id: int) -> None:
    """This worker cannot decrypt the account's stored sign-in: log it once per process, tell the admins once a day."""
    if (id(host), account_id) not in _logged:
        _logged.add((id(host), account_id))
        log.warning(
            "m365: the stored sign-in of mail account %s cannot be decrypted with this server's keys "
            "(Host.secret_keys differs between servers, or a key was dropped too early)",
            account_id,
        )
    if store.claim_notice(host, NOTICE, EVERY):
        host.notify(
            "admins",
            "cmxOrganize: Schlüssel eines Servers passen nicht zu den gespeicherten Anmeldungen",
            "Ein Server dieser cmxOrganize-Instanz kann gespeicherte Microsoft-Anmeldungen nicht entschlüsseln "
            f"(zuerst beim E-Mailkonto Nr. {account_id}). Mails dieses Servers werden später erneut gesendet; die "
            "anderen Server senden weiter. Was tun: allen Servern dieselbe Schlüsselliste geben (der neue Schlüssel "
            "zuerst, die alten dahinter, bis cmxOrganize meldet, dass sie nicht mehr gebraucht werden). Ist ein "
            "Schlüssel verloren, melden sich die betroffenen E-Mailkonten erneut bei Microsoft an.",
        )


def old_keys_unused(host: Host, left: int) -> bool:
    """After re-encryption: ``left`` values are still under an old key. With none left (and old keys present), tell
    a host that listens (host API 1.2). Returns whether it was told."""
    if left or len(host.secret_keys) < 2:
        return False
    tell = getattr(host, "old_secret_keys_unused", None)
    if tell is None:
        return False
    tell(PLUGIN_ID)
    return True
