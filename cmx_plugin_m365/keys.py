"""The host's keys for data at rest, seen from the plugin: which key encrypts now, what it means when a value cannot
be decrypted, and telling the host when its old keys are no longer needed.

During a key rollout the host's workers do not all change their key list at the same moment. Every worker notes the
first use of its current key in the database (by fingerprint, never the key), so that a value no key of a worker
decrypts can be told apart:

- **this worker lags behind**: a newer key is in use elsewhere and this worker does not have it. That is the worker's
  problem, not the data's: nothing is written as the account's state, the mail is retried later (temporary), and the
  admins are told once a day;
- **the value is lost**: this worker has the newest key and still cannot read it — the host dropped the key it was
  under, or the value is damaged. That needs a person once: a new sign-in for a token cache, a new certificate (or the
  secret) for the certificate's key. It becomes the account's or the app's problem, told once, with what to do.

Once the re-encryption walk has moved every encrypted column to the current key, the host hears that it may drop
the old ones (host API 1.2, :meth:`cmx_hostapi.Host.old_secret_keys_unused`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from cmx_hostapi import Host

from . import store
from .crypto import Vault, vault_of
from .diagnosis import Finding, entry
from .names import PLUGIN_ID
from .store import certificates as settings

log = logging.getLogger(__name__)
NOTICE = "keys"
EVERY = dt.timedelta(days=1)
SEEN = "key_seen:"
"""``m365_setting`` names ``key_seen:<fingerprint>`` = when a worker first encrypted with that key (ISO, UTC)."""
_noted: set[tuple[int, tuple[str, ...]]] = set()
_logged: set[tuple[int, str, object]] = set()
_lock = threading.Lock()


def vault(host: Host) -> Vault:
    """The Vault of the host's current keys; the first use of a key list in this process notes its current key."""
    current = vault_of(host)
    marker = (id(host), current.fingerprints)
    if marker not in _noted:
        settings.add_setting(host, SEEN + current.fingerprints[0], store.utcnow().isoformat())
        with _lock:
            _noted.add(marker)
    return current


def lagging(host: Host) -> bool:
    """True when a newer key than any of this worker's is in use elsewhere (this worker's key list is old)."""
    seen = settings.settings_named(host, SEEN)
    if not seen:
        return False
    newest = max(seen, key=lambda name: seen[name])[len(SEEN) :]
    return newest not in vault(host).fingerprints


def unreadable(host: Host, what: str, subject: object = None) -> Finding:
    """A value this worker cannot decrypt: ``what`` is ``signin`` (a token cache or a pending sign-in) or
    ``certificate``; ``subject`` names it in the log (an account id, a thumbprint). Returns the finding to act on."""
    behind = lagging(host)
    key = (id(host), what, subject)
    if key not in _logged:
        with _lock:
            _logged.add(key)
        log.warning(
            "m365: a stored %s (%s) cannot be decrypted with this server's keys: %s",
            what,
            subject,
            "this server's key list lags behind the others'"
            if behind
            else "its key is no longer among the host's keys, or the value is damaged",
        )
    if behind:
        _tell_lagging(host, what, subject)
        return Finding(entry("key:behind"), "DECRYPT")
    return Finding(entry(f"key:lost-{what}"), LOST_CODES[what])


LOST_CODES = {"signin": "DECRYPT-LOST", "certificate": "CERT-KEY-LOST", "settings": "SETTINGS-LOST"}
"""The code of a value lost for good, by what it was (kept for support, and how status knows an app problem)."""


def certificate_lost(host: Host, certificate) -> None:
    """Tell the admins once (a month) that the certificate in use cannot be decrypted any more, and what to do."""
    if not store.claim_notice(host, f"certificate-lost:{certificate.thumbprint}", dt.timedelta(days=30)):
        return
    finding = Finding(entry("key:lost-certificate"), LOST_CODES["certificate"])
    meanwhile = "Bis dahin warten die Mails aller E-Mailkonten mit OAuth; es geht keine verloren."
    text = f"{finding.message()}\n\nZertifikat: Fingerabdruck {certificate.thumbprint}. {meanwhile}"
    store.add_event(host, "certificate_lost", text, code=finding.code)
    host.notify("admins", "cmxOrganize: Zertifikat für Microsoft 365 nicht mehr lesbar", text)


def _tell_lagging(host: Host, what: str, subject: object) -> None:
    if not store.claim_notice(host, NOTICE, EVERY):
        return
    first = f"zuerst beim E-Mailkonto Nr. {subject}" if what == "signin" else "zuerst beim Zertifikat"
    host.notify(
        "admins",
        "cmxOrganize: Schlüssel eines Servers passen nicht zu den gespeicherten Anmeldungen",
        f"Ein Server dieser cmxOrganize-Instanz kann gespeicherte Microsoft-Anmeldungen nicht entschlüsseln ({first}):"
        " seine Schlüsselliste ist älter als die der anderen Server. Mails dieses Servers werden später erneut "
        "gesendet; die anderen Server senden weiter. Was tun: allen Servern dieselbe Schlüsselliste geben (der neue "
        "Schlüssel zuerst, die alten dahinter, bis cmxOrganize meldet, dass sie nicht mehr gebraucht werden).",
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
