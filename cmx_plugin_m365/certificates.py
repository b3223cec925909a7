"""Certificates cmxOrganize makes for its app registration: made here, kept here, the private key never shown.

A certificate replaces the client secret (next-features §2): cmxOrganize makes an RSA key and a self-signed
certificate, keeps the private key encrypted with the host's keys, and offers the public part for upload to Entra.
msal signs its client assertions with it (PS256 and ``x5t#S256``, because the thumbprint is left to msal: §2.3).

A certificate is in one of four states:

``pending``  made, waiting to be proven at Microsoft (uploaded by a person, or added by cmxOrganize itself);
``active``   proven and in use — at most one;
``standby``  proven, not in use (the admin switched back to the client secret; it can be switched on again);
``retired``  replaced by a newer one (and removed from the app registration when cmxOrganize added it itself).

This module only keeps them; proving, switching and renewing is ``care.credentials``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field

import jwt
from cmx_hostapi import Host
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from . import store
from .crypto import vault_of
from .names import INTERFACE_TYPE
from .wording import BERLIN

KEY_BITS = 2048
"""Entra: "Microsoft Entra ID currently supports only RSA"; 2048 bits recommended, longer supported
(ENTRA-SELFSIGNED); shorter keys are refused with AADSTS50032 WeakRsaKey."""
PENDING, ACTIVE, STANDBY, RETIRED = "pending", "active", "standby", "retired"
PROOF_AUDIENCE = "00000002-0000-0000-c000-000000000000"
"""The proof's ``aud`` as Microsoft documents it today: "Audience needs to be `00000002-0000-0000-c000-000000000000`"
(microsoftgraph/microsoft-graph-docs-contrib ``concepts/application-rollkey-prooftoken.md``, ms.date 06/10/2024;
``api-reference/v1.0/api/application-addkey.md`` and the removeKey pages say the same). Only the page's 06/22/2023
version said 00000003-… ("the appId of the Microsoft Graph service principal"), and a user who followed it got 401
Authentication_MissingOrMalformed (microsoft-graph-docs-contrib#1076)."""
OTHER_PROOF_AUDIENCE = "00000003-0000-0000-c000-000000000000"
"""The 2023 page's value: tried once when Graph refuses the documented one with 401 Authentication_MissingOrMalformed
(care.credentials keeps the one that worked, so that the next renewal tries it first)."""
PROOF_AUDIENCES = (PROOF_AUDIENCE, OTHER_PROOF_AUDIENCE)
OBJECT_ID = "app_object_id"


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
    """Encrypted; see :func:`signing_key`."""

    @property
    def der(self) -> bytes:
        return x509.load_pem_x509_certificate(self.certificate.encode()).public_bytes(serialization.Encoding.DER)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest().upper()

    def days_left(self, now: dt.datetime) -> int:
        return (self.expires_at.astimezone(BERLIN).date() - now.astimezone(BERLIN).date()).days


def make(host: Host, client_id: str, days: int, *, origin: str, now: dt.datetime | None = None) -> Certificate:
    """Make a key and a self-signed certificate valid ``days`` days from now and keep it as ``pending``."""
    now = now or store.utcnow()
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "cmxOrganize"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"Microsoft 365 {now:%Y-%m-%d %H%M%S}"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )  # digital signature only: it signs client assertions and proofs, nothing else
        .sign(key, hashes.SHA256())  # ENTRA-SELFSIGNED: SHA256 (384 and 512 also supported)
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    thumbprint = hashlib.sha1(certificate.public_bytes(serialization.Encoding.DER)).hexdigest().upper()  # noqa: S324
    with host.db.transaction() as tx:
        tx.execute(
            "INSERT INTO m365_certificate (thumbprint, client_id, created_at, not_before, expires_at, certificate, "
            "private_key, state, origin) VALUES (:t, :c, :now, :nb, :x, :pem, :key, :state, :origin)",
            {
                "t": thumbprint,
                "c": client_id,
                "now": now,
                "nb": certificate.not_valid_before_utc,
                "x": certificate.not_valid_after_utc,
                "pem": pem,
                "key": vault_of(host).encrypt(private),
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


def in_state(host: Host, client_id: str, state: str) -> Certificate | None:
    """The newest certificate of this registration in ``state``."""
    return next((c for c in all_of(host, client_id) if c.state == state), None)


def of_registration(host: Host, state: str) -> Certificate | None:
    """The newest certificate in ``state`` of the app registration the Azure interface names (its Anwendungs-ID)."""
    interfaces = host.interfaces(INTERFACE_TYPE)
    client_id = interfaces[0].username if interfaces else ""
    return in_state(host, client_id, state) if client_id else None


def update(host: Host, thumbprint: str, **fields) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in fields)  # names are ours, values are parameters
    sql = f"UPDATE m365_certificate SET {assignments} WHERE thumbprint = :thumbprint"  # noqa: S608
    with host.db.transaction() as tx:
        tx.execute(sql, {**fields, "thumbprint": thumbprint})


def activate(host: Host, thumbprint: str) -> Certificate | None:
    """Make this certificate the one in use; the one before it (if any) is returned, now ``retired``."""
    now = store.utcnow()
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


def signing_key(host: Host, certificate: Certificate) -> bytes:
    """The private key (PEM), decrypted for msal or a proof; raises crypto.DecryptionError with the wrong keys."""
    return vault_of(host).decrypt(certificate.private_key)


def credential(host: Host, certificate: Certificate) -> dict:
    """msal's ``client_credential``: the key and the public certificate, *without* a thumbprint, so that msal
    computes the SHA-256 thumbprint and signs with PS256 and ``x5t#S256`` as Entra recommends (next-features §2.3)."""
    return {"private_key": signing_key(host, certificate).decode(), "public_certificate": certificate.certificate}


def proof(
    host: Host,
    certificate: Certificate,
    object_id: str,
    now: dt.datetime | None = None,
    *,
    audience: str = PROOF_AUDIENCE,
) -> str:
    """The proof of possession Graph's addKey/removeKey demand: a JWT signed with a valid certificate of the app,
    ``aud`` :data:`PROOF_AUDIENCE` (or ``audience``, one of :data:`PROOF_AUDIENCES`), ``iss`` the application's object
    ID, valid 10 minutes (application-rollkey-prooftoken)."""
    if audience not in PROOF_AUDIENCES:
        raise ValueError(f"not a documented proof audience: {audience}")
    now = now or store.utcnow()
    stamp = int(now.timestamp())
    return jwt.encode(
        {"aud": audience, "iss": object_id, "nbf": stamp, "exp": stamp + 600, "jti": str(uuid.uuid4())},
        signing_key(host, certificate),
        algorithm="RS256",
        headers={"x5t": base64.urlsafe_b64encode(bytes.fromhex(certificate.thumbprint)).decode().rstrip("=")},
    )


def public_key_base64(certificate: Certificate) -> str:
    """addKey's ``key``: the DER certificate, base64 — the public part only (application-addkey)."""
    return base64.b64encode(certificate.der).decode()


def setting(host: Host, name: str) -> str | None:
    with host.db.transaction() as tx:
        row = tx.execute("SELECT value FROM m365_setting WHERE name = :n", {"n": name}).fetchone()
    return row["value"] if row else None


def set_setting(host: Host, name: str, value: str | None) -> None:
    with host.db.transaction() as tx:
        tx.execute("DELETE FROM m365_setting WHERE name = :n", {"n": name})
        if value:
            tx.execute("INSERT INTO m365_setting (name, value) VALUES (:n, :v)", {"n": name, "v": value})
