"""Certificate credentials of app registrations, checked as Entra checks them.

An app registration may hold several certificates (the portal's "Zertifikate & Geheimnisse → Zertifikate", the
manifest's multi-valued ``keyCredentials``: ENTRA-CERT), each with its thumbprint, start and end. A client proves
itself with a client assertion: a JWT signed with the certificate's private key (ENTRA-CERT; the short names are
those of ../shared/reference/next-features.md). :func:`check_assertion` validates one the way Entra does and returns
the AADSTS code (and its placeholders) of the first thing that is wrong; :func:`check_proof` validates the proof of
possession that Graph's addKey / removeKey demand (next-features §7).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
"""ENTRA-CERT; MSAL139 ``msal/oauth2cli/oauth2.py``."""
CLOCK_SKEW = dt.timedelta(minutes=5)
"""Entra's tolerance for the assertion's nbf/exp. Not stated by Microsoft (ENTRA-CERT only says "exp … 5-10 minutes
after nbf at most. Microsoft Entra ID doesn't place restrictions on the exp time currently"); five minutes is the
default clock skew of Microsoft.IdentityModel, which validates these tokens. **Inferred**."""
MIN_KEY_BITS = 2048
"""ENTRA-SELFSIGNED: 2048-bit recommended; ENTRA-ERR: AADSTS50032 WeakRsaKey for weaker keys."""
PROOF_AUDIENCE = "00000002-0000-0000-c000-000000000000"
"""The proof's ``aud``, the one value Microsoft documents today: "Audience needs to be
`00000002-0000-0000-c000-000000000000`" (microsoftgraph/microsoft-graph-docs-contrib
``concepts/application-rollkey-prooftoken.md``, ms.date 06/10/2024; ``api-reference/v1.0/api/application-addkey.md``;
the removeKey pages). The sources disagreed once: the page's 06/22/2023 version said 00000003-… ("the appId of the
Microsoft Graph service principal"), and a user who followed it was answered 401 Authentication_MissingOrMalformed
(microsoft-graph-docs-contrib#1076). The current page wins: any other ``aud`` gets that 401."""
PROOF_LIFETIME = dt.timedelta(minutes=10)
""""The token lifespan should not exceed 10 minutes" (application-rollkey-prooftoken)."""


@dataclass
class KeyCredential:
    """One uploaded certificate (public part only: "You should only provide the public key value", addKey page)."""

    key_id: str
    der: bytes
    start: dt.datetime
    end: dt.datetime
    display_name: str
    added_by: str = "portal"
    """"portal" (uploaded by a person) or "addKey" (rolled by the application itself)."""

    @property
    def sha1(self) -> str:
        """The thumbprint the portal shows (upper-case hex SHA-1; the manifest's customKeyIdentifier)."""
        return hashlib.sha1(self.der).hexdigest().upper()  # noqa: S324 - Entra's thumbprint, not a security hash

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest().upper()

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return x509.load_der_x509_certificate(self.der).public_key()

    def as_graph(self) -> dict:
        """The keyCredential resource as addKey answers it (application-addkey: 200 OK with the new keyCredential)."""
        return {
            "customKeyIdentifier": base64.b64encode(bytes.fromhex(self.sha1)).decode(),
            "displayName": self.display_name,
            "endDateTime": self.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "key": None,
            "keyId": self.key_id,
            "startDateTime": self.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
        }


class CertificateRefused(ValueError):
    """A file Entra's upload refuses, with the portal's reason."""


def parse(data: bytes | str) -> KeyCredential:
    """A certificate as uploaded: ``.cer`` (DER), ``.pem``/``.crt`` (PEM) or the base64 ``key`` of addKey."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        cert = (
            x509.load_pem_x509_certificate(raw)
            if b"-----BEGIN" in raw
            else x509.load_der_x509_certificate(_maybe_base64(raw))
        )
    except ValueError:
        raise CertificateRefused("not a certificate (.cer, .pem or .crt with the public key only)") from None
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        # ENTRA-SELFSIGNED: "Microsoft Entra ID currently supports only RSA."
        raise CertificateRefused("only RSA certificates are supported")
    return KeyCredential(
        key_id=str(uuid.uuid4()),
        der=cert.public_bytes(serialization.Encoding.DER),
        start=cert.not_valid_before_utc,
        end=cert.not_valid_after_utc,
        display_name=cert.subject.rfc4514_string(),
    )


def _maybe_base64(raw: bytes) -> bytes:
    if raw[:1] == b"\x30":  # DER starts with a SEQUENCE
        return raw
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        return raw


def thumbprint_of(header: dict) -> tuple[str | None, str | None]:
    """(SHA-256 hex, SHA-1 hex) named by the assertion's header (``x5t#S256`` / ``x5t``, base64url)."""

    def hexed(value):
        if not isinstance(value, str):
            return None
        try:
            return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex().upper()
        except ValueError:
            return None

    return hexed(header.get("x5t#S256")), hexed(header.get("x5t"))


@dataclass(frozen=True)
class Refusal:
    code: int
    details: dict


def check_assertion(
    assertion: str,
    *,
    client_id: str,
    keys: list[KeyCredential],
    audiences: tuple[str, ...],
    now: dt.datetime,
    used: dict[str, dt.datetime],
) -> Refusal | None:
    """The first thing Entra refuses about a client assertion, or None when it proves the client.

    ``audiences``: the token endpoint's URLs (ENTRA-CERT: aud = ``https://login.microsoftonline.com/{tenantId}/
    oauth2/v2.0/token``; the tenant may be named by GUID or domain). ``used``: jti → expiry of assertions already
    accepted (pruned here)."""
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return Refusal(50027, {"reason": "The token is not a well-formed JWT."})
    sha256, sha1 = thumbprint_of(header)
    if not sha256 and not sha1:
        # The older real message (AzureAD/microsoft-authentication-library-for-dotnet#124; next-features §2.4).
        return Refusal(50027, {"reason": "No certificate thumbprint specified in token header."})
    sent = sha256 or sha1
    key = next((k for k in keys if (sha256 and k.sha256 == sha256) or (not sha256 and k.sha1 == sha1)), None)
    if key is None:
        # The 2026 wording (AzureAD/microsoft-authentication-library-for-js#8339; next-features §2.4).
        return Refusal(700027, {"thumbprint": sent, "client_id": client_id, "reason": "The key was not found."})
    if key.end <= now or key.start > now + CLOCK_SKEW:
        # Reason for a registered certificate outside its validity: **inferred** from the captured "[Reason - …]"
        # shape of 700027 (Azure/azure-sdk-for-net#29007); the exact reason text for an expired key was not found.
        return Refusal(700027, {"thumbprint": sent, "client_id": client_id, "reason": "The key used is expired."})
    public = key.public_key
    if public.key_size < MIN_KEY_BITS:
        return Refusal(50032, {})
    algorithm = header.get("alg")
    if algorithm not in ("PS256", "RS256"):
        # Two alternatives, both Microsoft's: ENTRA-CERT (certificate-credentials.md) says alg "Should be PS256" with
        # x5t#S256; ENTRA-AUTHCODE's example assertion (v2-oauth2-auth-code-flow.md) is RS256 with x5t, and real
        # AADSTS700027 answers name SHA-1 thumbprints (Azure/azure-sdk-for-net#29007; next-features §2.2–2.4). msal
        # signs RS256/x5t when given a thumbprint. Kept (issue 20's strictness pass).
        return Refusal(50027, {"reason": f"The signing algorithm '{algorithm}' is not supported."})
    try:
        jwt.decode(
            assertion,
            public,
            algorithms=[algorithm],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        # Real answer when the key is registered but the signature does not verify (msgraph-sdk-php#1585,
        # azure-sdk-for-java#25109). msal's docstring quotes 700027 for the same case; the captured 50013 wins here.
        return Refusal(50013, {"thumbprint": sent, "start": key.start, "end": key.end})
    except jwt.InvalidTokenError:
        return Refusal(50027, {"reason": "The token could not be read."})
    # ENTRA-CERT: aud is the token endpoint, iss = sub = the client ID; ENTRA-ERR lists "unexpected issuer/audience"
    # under 50027 InvalidJwtToken (the exact reason texts here are the emulator's, not captured ones).
    if claims.get("aud") not in audiences:
        return Refusal(50027, {"reason": f"Invalid audience '{claims.get('aud')}'."})
    if claims.get("iss") != client_id:
        return Refusal(50027, {"reason": "The issuer must be the application's client ID."})
    if claims.get("sub") != claims.get("iss"):
        return Refusal(50048, {})  # ENTRA-ERR: SubjectMismatchesIssuer
    start = _when(claims.get("nbf", claims.get("iat")))
    expiry = _when(claims.get("exp"))
    if expiry is None:
        return Refusal(50027, {"reason": "The token has no expiry (exp)."})
    if now > expiry + CLOCK_SKEW or (start is not None and now + CLOCK_SKEW < start):
        # The real text (AzureAD/microsoft-authentication-library-for-dotnet#4951, -java#984).
        since = start or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # the real text shows the epoch without nbf
        return Refusal(700024, {"current": now, "start": since, "end": expiry})
    jti = claims.get("jti")
    for seen, until in list(used.items()):
        if until + CLOCK_SKEW < now:
            del used[seen]
    if not jti or jti in used:
        # ENTRA-CERT: jti is "a GUID, unique". Entra's answer to a repeated jti was not found (**inferred**: 50027).
        # Note msal reuses its assertion for 540 s within one app object (MSAL139 assertion.py), so a strict check
        # here is stricter than what msal expects of Entra; the plugin builds one app object per token request.
        return Refusal(50027, {"reason": "The client assertion was already used (jti)."})
    used[jti] = expiry
    return None


def check_proof(
    proof: str, *, object_id: str, keys: list[KeyCredential], now: dt.datetime
) -> tuple[int, str, str] | None:
    """Graph's proof of possession for addKey/removeKey: (status, code, message) of the refusal, or None.

    application-rollkey-prooftoken: signed with the private key of "one of the application's existing valid
    certificates", aud :data:`PROOF_AUDIENCE` (nothing else), iss = the application's *object* ID (not the appId;
    confirmed in microsoftgraph/microsoft-graph-docs-contrib#4305), exp = nbf + 10 minutes at most. The answer to a
    bad proof as captured: 401 Authentication_MissingOrMalformed "Access Token missing or malformed."
    (microsoftgraph/microsoft-graph-docs-contrib#1076, #2862)."""
    bad = (401, "Authentication_MissingOrMalformed", "Access Token missing or malformed.")
    valid = [k for k in keys if k.start <= now + CLOCK_SKEW and now < k.end]
    if not valid:
        # "Applications that don't have any existing valid certificates … won't be able to use this service action."
        return (
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",  # msgraph-sdk-powershell#779
        )
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.InvalidTokenError:
        return bad
    # The page's only way to sign: its C# sample, X509SigningCredentials with JsonWebTokenHandler, i.e. RS256 with the
    # certificate's SHA-1 thumbprint as "x5t" (and "kid"). Another algorithm or a proof that names no certificate by
    # x5t is not documented and is answered like any bad proof (issue 20's strictness pass; the answer is inferred).
    _, sha1 = thumbprint_of(header)
    signer = next((k for k in valid if sha1 and k.sha1 == sha1), None)
    for key in [signer] if signer else []:
        try:
            claims = jwt.decode(
                proof,
                key.public_key,
                algorithms=["RS256"],
                audience=PROOF_AUDIENCE,
                # Times against the emulator's clock (which tests move), not the machine's: checked below.
                options={"require": ["aud", "iss", "nbf", "exp"], "verify_exp": False, "verify_nbf": False},
            )
        except jwt.InvalidTokenError:
            continue
        start, end = _when(claims["nbf"]), _when(claims["exp"])
        if start is None or end is None or not start - CLOCK_SKEW <= now <= end + CLOCK_SKEW:
            return bad
        if claims["iss"] != object_id or end - start > PROOF_LIFETIME:
            return bad
        return None
    return bad


def _when(value) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, dt.UTC) if isinstance(value, int | float) else None
