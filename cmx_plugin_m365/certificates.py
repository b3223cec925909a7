"""Certificates cmxOrganize makes for its app registration: made here, kept here, the private key never shown.

A certificate replaces the client secret (next-features §2): cmxOrganize makes an RSA key and a self-signed
certificate, keeps the private key encrypted with the host's keys, and offers the public part for upload to Entra.
msal signs its client assertions with it (PS256 and ``x5t#S256``, because the thumbprint is left to msal: §2.3).

A certificate is in one of four states:

``pending``  made, waiting to be proven at Microsoft (uploaded by a person, or added by cmxOrganize itself);
``active``   proven and in use — at most one;
``standby``  proven, not in use (the admin switched back to the client secret; it can be switched on again);
``retired``  replaced by a newer one (and removed from the app registration when cmxOrganize added it itself).

This module makes them (the store keeps them: :mod:`.store.certificates`); proving, switching and renewing is
``care.credentials``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid

import jwt
from cmx_hostapi import Host
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from . import keys, store
from .names import INTERFACE_TYPE
from .store import certificates as kept
from .store.certificates import (  # kept by the store; re-exported so that callers name one module for certificates
    ACTIVE,
    PENDING,
    RETIRED,
    STANDBY,
    Certificate,
    activate,
    all_of,
    claim_warning,
    get,
    set_setting,
    setting,
    update,
)

__all__ = [
    "ACTIVE",
    "KEY_BITS",
    "OBJECT_ID",
    "OTHER_PROOF_AUDIENCE",
    "PENDING",
    "PROOF_AUDIENCE",
    "PROOF_AUDIENCES",
    "RETIRED",
    "STANDBY",
    "Certificate",
    "activate",
    "all_of",
    "claim_warning",
    "credential",
    "get",
    "in_state",
    "make",
    "of_registration",
    "proof",
    "public_key_base64",
    "set_setting",
    "setting",
    "signing_key",
    "update",
]

KEY_BITS = 2048
"""Entra: "Microsoft Entra ID currently supports only RSA"; 2048 bits recommended, longer supported
(ENTRA-SELFSIGNED); shorter keys are refused with AADSTS50032 WeakRsaKey."""
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
    return kept.add(
        host,
        thumbprint=thumbprint,
        client_id=client_id,
        created_at=now,
        not_before=certificate.not_valid_before_utc,
        expires_at=certificate.not_valid_after_utc,
        certificate=pem,
        private_key=keys.vault(host).encrypt(private),
        origin=origin,
    )


def in_state(host: Host, client_id: str, state: str) -> Certificate | None:
    """The newest certificate of this registration in ``state``."""
    return next((c for c in all_of(host, client_id) if c.state == state), None)


def of_registration(host: Host, state: str) -> Certificate | None:
    """The newest certificate in ``state`` of the app registration the Azure interface names (its Anwendungs-ID)."""
    interfaces = host.interfaces(INTERFACE_TYPE)
    client_id = interfaces[0].username if interfaces else ""
    return in_state(host, client_id, state) if client_id else None


def signing_key(host: Host, certificate: Certificate) -> bytes:
    """The private key (PEM), decrypted for msal or a proof; raises crypto.DecryptionError with the wrong keys."""
    return keys.vault(host).decrypt(certificate.private_key)


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
