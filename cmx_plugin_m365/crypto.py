"""Encryption at rest for token caches and pending sign-ins, with keys derived from the host's key material.

Each of the host's keys is stretched with HKDF into a Fernet key (AES-128-CBC + HMAC-SHA256). The first key
encrypts; all decrypt. To rotate, the host puts a new key first; :func:`reencrypt` moves a value to it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"cmx-plugin-m365 encryption at rest v1"


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any of the host's keys (a key was removed too early)."""


class Vault:
    def __init__(self, secret_keys: Sequence[bytes]):
        if not secret_keys:
            raise ValueError("the host provides no key material (Host.secret_keys is empty)")
        derived = [_derive(key) for key in secret_keys]
        self._fernets = [Fernet(key) for key in derived]
        self._all = MultiFernet(self._fernets)
        self.fingerprints = tuple(hashlib.sha256(b"fingerprint:" + key).hexdigest()[:16] for key in derived)
        """One per key, current first: names a key in the database without revealing it (a hash of the derived
        key, which is itself a one-way function of the host's key material)."""

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernets[0].encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._all.decrypt(bytes(token))
        except InvalidToken:
            raise DecryptionError("stored value cannot be decrypted with the host's keys") from None

    def is_current(self, token: bytes) -> bool:
        """True when ``token`` is encrypted with the current (first) key."""
        try:
            self._fernets[0].decrypt(bytes(token))
        except InvalidToken:
            return False
        return True

    def reencrypt(self, token: bytes) -> bytes:
        """The same plaintext, encrypted with the current key."""
        try:
            return self._all.rotate(bytes(token))
        except InvalidToken:
            raise DecryptionError("stored value cannot be decrypted with the host's keys") from None


@functools.lru_cache(maxsize=8)
def vault(secret_keys: tuple[bytes, ...]) -> Vault:
    """One Vault per key list: deriving the keys (HKDF) once, not per value."""
    return Vault(secret_keys)


def vault_of(host) -> Vault:
    """The Vault of the host's current key list (:attr:`cmx_hostapi.Host.secret_keys`)."""
    return vault(tuple(host.secret_keys))


def _derive(key: bytes) -> bytes:
    if len(key) < 32:
        raise ValueError("host key material must be at least 32 bytes")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key)
    return base64.urlsafe_b64encode(derived)
