"""``m365_secret``: each client secret the plugin has seen — by fingerprint, never the value — with its expiry, when
Microsoft last accepted it, and which warnings went out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cmx_hostapi import Host

from ..wording import BERLIN
from .values import utcnow


@dataclass(frozen=True)
class SecretInfo:
    fingerprint: str
    client_id: str
    entered_at: dt.datetime
    expires_at: dt.datetime
    expiry_confirmed: bool
    validated_at: dt.datetime | None
    replaced_at: dt.datetime | None
    warned: str
    last_warned_on: str | None

    def days_left(self, now: dt.datetime) -> int:
        return (self.expires_at.astimezone(BERLIN).date() - now.astimezone(BERLIN).date()).days


def get(host: Host, fingerprint: str) -> SecretInfo | None:
    with host.db.transaction() as tx:
        row = tx.execute("SELECT * FROM m365_secret WHERE fingerprint = :f", {"f": fingerprint}).fetchone()
    return SecretInfo(**{**row, "expiry_confirmed": bool(row["expiry_confirmed"])}) if row else None


def latest(host: Host) -> SecretInfo | None:
    """The secret entered last."""
    with host.db.transaction() as tx:
        row = tx.execute("SELECT fingerprint FROM m365_secret ORDER BY entered_at DESC LIMIT 1").fetchone()
    return get(host, row["fingerprint"]) if row else None


def add(host: Host, fingerprint: str, client_id: str, entered_at: dt.datetime, expires_at: dt.datetime) -> None:
    """A secret seen for the first time replaces the ones before it (nothing happens when it is known already)."""
    with host.db.transaction() as tx:
        if tx.execute("SELECT 1 FROM m365_secret WHERE fingerprint = :f", {"f": fingerprint}).fetchone():
            return
        tx.execute("UPDATE m365_secret SET replaced_at = :now WHERE replaced_at IS NULL", {"now": entered_at})
        tx.execute(
            "INSERT INTO m365_secret (fingerprint, client_id, entered_at, expires_at) VALUES (:f, :c, :e, :x)",
            {"f": fingerprint, "c": client_id, "e": entered_at, "x": expires_at},
        )


def set_expiry(host: Host, fingerprint: str, expires_at: dt.datetime) -> None:
    """The expiry as the admin entered it (confirmed); warnings start over."""
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_secret SET expires_at = :x, expiry_confirmed = :yes, warned = '', "
            "last_warned_on = NULL WHERE fingerprint = :f",
            {"x": expires_at, "yes": True, "f": fingerprint},
        )


def mark_validated(host: Host, fingerprint: str) -> None:
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_secret SET validated_at = :now WHERE fingerprint = :f", {"now": utcnow(), "f": fingerprint}
        )


def claim_warning(host: Host, fingerprint: str, warned: str, now_warned: str, day: str) -> bool:
    """Record the thresholds warned about (",30,14,") and the day, if nobody did since ``warned`` was read: True for
    the one worker that tells."""
    with host.db.transaction() as tx:
        return (
            tx.execute(
                "UPDATE m365_secret SET warned = :new, last_warned_on = :d WHERE fingerprint = :f AND warned = :old",
                {"new": now_warned, "d": day, "f": fingerprint, "old": warned},
            ).rowcount
            == 1
        )
