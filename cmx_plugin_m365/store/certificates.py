"""``m365_certificate`` and ``m365_setting``: the certificates cmxOrganize made for its app registration (the private
key encrypted with the host's keys), and the few values the plugin keeps for the instance (the app's object ID)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from cmx_hostapi import Host
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..wording import BERLIN
from .values import utcnow

PENDING, ACTIVE, STANDBY, RETIRED = "pending", "active", "standby", "retired"


@dataclass(frozen=True)
class Certificate:
    thumbprint: str
    """SHA-1, upper-case hex: what Entra shows as the certificate's thumbprint ("Fingerabdruck")."""
    client_id: str
    created_at: dt.datetime
    not_before: dt.datetime
    expires_at: dt.datetime
    certificate: str
    """The public part, PEM. Safe to show and download."""
    state: str
    origin: str
    proven_at: dt.datetime | None
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None
    key_id: str | None
    removed_at: dt.datetime | None
    last_code: str | None
    warned: str
    last_warned_on: str | None
    private_key: bytes = field(repr=False, default=b"")
    """Encrypted; see :func:`cmx_plugin_m365.certificates.signing_key`."""

    @property
    def der(self) -> bytes:
        return x509.load_pem_x509_certificate(self.certificate.encode()).public_bytes(serialization.Encoding.DER)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest().upper()

    def days_left(self, now: dt.datetime) -> int:
        return (self.expires_at.astimezone(BERLIN).date() - now.astimezone(BERLIN).date()).days


def add(
    host: Host,
    *,
    thumbprint: str,
    client_id: str,
    created_at: dt.datetime,
    not_before: dt.datetime,
    expires_at: dt.datetime,
    certificate: str,
    private_key: bytes,
    origin: str,
) -> Certificate:
    """Keep a new certificate as ``pending`` (``private_key`` already encrypted)."""
    with host.db.transaction() as tx:
        tx.execute(
            "INSERT INTO m365_certificate (thumbprint, client_id, created_at, not_before, expires_at, certificate, "
            "private_key, state, origin) VALUES (:t, :c, :now, :nb, :x, :pem, :key, :state, :origin)",
            {
                "t": thumbprint,
                "c": client_id,
                "now": created_at,
                "nb": not_before,
                "x": expires_at,
                "pem": certificate,
                "key": private_key,
                "state": PENDING,
                "origin": origin,
            },
        )
    return get(host, thumbprint)


def _certificate(row) -> Certificate:
    return Certificate(**{**row, "private_key": bytes(row["private_key"])})


def get(host: Host, thumbprint: str) -> Certificate | None:
    with host.db.transaction() as tx:
        row = tx.execute("SELECT * FROM m365_certificate WHERE thumbprint = :t", {"t": thumbprint}).fetchone()
    return _certificate(row) if row else None


def all_of(host: Host, client_id: str | None = None) -> list[Certificate]:
    """Every certificate (of one registration), newest first."""
    with host.db.transaction() as tx:
        rows = tx.execute("SELECT * FROM m365_certificate ORDER BY created_at DESC").fetchall()
    return [_certificate(r) for r in rows if client_id is None or r["client_id"] == client_id]


def update(host: Host, thumbprint: str, **fields) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in fields)  # names are ours, values are parameters
    sql = f"UPDATE m365_certificate SET {assignments} WHERE thumbprint = :thumbprint"  # noqa: S608
    with host.db.transaction() as tx:
        tx.execute(sql, {**fields, "thumbprint": thumbprint})


def claim_warning(host: Host, thumbprint: str, warned: str, now_warned: str, day: str) -> bool:
    """Record the thresholds warned about (``now_warned``) if nobody did since ``warned`` was read: True for the one
    worker that tells."""
    with host.db.transaction() as tx:
        return (
            tx.execute(
                "UPDATE m365_certificate SET warned = :new, last_warned_on = :day "
                "WHERE thumbprint = :t AND warned = :old",
                {"new": now_warned, "day": day, "t": thumbprint, "old": warned},
            ).rowcount
            == 1
        )


def activate(host: Host, thumbprint: str) -> Certificate | None:
    """Make this certificate the one in use; the one before it (if any) is returned, now ``retired``."""
    now = utcnow()
    with host.db.transaction(lock=True) as tx:
        before = tx.execute("SELECT thumbprint FROM m365_certificate WHERE state = :a", {"a": ACTIVE}).fetchone()
        tx.execute(
            "UPDATE m365_certificate SET state = :r, retired_at = :now WHERE state = :a AND thumbprint <> :t",
            {"r": RETIRED, "now": now, "a": ACTIVE, "t": thumbprint},
        )
        tx.execute(
            "UPDATE m365_certificate SET state = :a, activated_at = :now, proven_at = COALESCE(proven_at, :now), "
            "last_code = NULL WHERE thumbprint = :t",
            {"a": ACTIVE, "now": now, "t": thumbprint},
        )
    previous = before["thumbprint"] if before and before["thumbprint"] != thumbprint else None
    return get(host, previous) if previous else None


# -- m365_setting ----------------------------------------------------------------------------------------------------


def setting(host: Host, name: str) -> str | None:
    with host.db.transaction() as tx:
        row = tx.execute("SELECT value FROM m365_setting WHERE name = :n", {"n": name}).fetchone()
    return row["value"] if row else None


def add_setting(host: Host, name: str, value: str) -> None:
    """Keep ``name`` = ``value`` unless ``name`` is there already (several workers may add it at once)."""
    with host.db.transaction() as tx:
        tx.execute(
            "INSERT INTO m365_setting (name, value) VALUES (:n, :v) ON CONFLICT (name) DO NOTHING",
            {"n": name, "v": value},
        )


def settings_named(host: Host, prefix: str) -> dict[str, str]:
    """Every setting whose name starts with ``prefix``, by name."""
    with host.db.transaction() as tx:
        rows = tx.execute("SELECT name, value FROM m365_setting WHERE name LIKE :p", {"p": prefix + "%"}).fetchall()
    return {r["name"]: r["value"] for r in rows}


def set_setting(host: Host, name: str, value: str | None) -> None:
    with host.db.transaction() as tx:
        tx.execute("DELETE FROM m365_setting WHERE name = :n", {"n": name})
        if value:
            tx.execute("INSERT INTO m365_setting (name, value) VALUES (:n, :v)", {"n": name, "v": value})
