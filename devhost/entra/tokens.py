"""Signed JWTs as the identity platform issues them (RS256), and their validation for the Exchange emulator."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .directory import App, User


class SigningKey:
    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self.private_key.public_key()

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.public_key))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str, *, audience: str, now: dt.datetime) -> dict:
        """Claims of a token this key signed; raises jwt.InvalidTokenError (expired, wrong audience, bad signature)."""
        claims = jwt.decode(
            token,
            self.public_key,
            algorithms=["RS256"],
            audience=audience,
            # Times are checked against the emulator's clock (which tests move), not the machine's.
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "require": ["exp", "nbf", "aud", "tid"],
            },
        )
        if claims["exp"] <= now.timestamp():
            raise jwt.ExpiredSignatureError("token expired")
        if claims["nbf"] > now.timestamp() + 300:
            raise jwt.ImmatureSignatureError("token not yet valid")
        return claims


def issuer(base_url: str, tenant_id: str) -> str:
    return f"{base_url}/{tenant_id}/v2.0"


def access_token(
    key: SigningKey,
    *,
    base_url: str,
    resource: str,
    scopes: list[str],
    user: User | None,
    app: App,
    tenant_id: str,
    now: dt.datetime,
    lifetime: int,
    extra: dict | None = None,
    roles: set[str] | None = None,
) -> str:
    claims = {
        "aud": resource,
        "iss": issuer(base_url, tenant_id),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(now.timestamp()) + lifetime,
        "tid": tenant_id,
        "appid": app.client_id,
        "app_displayname": app.name,
        "ver": "1.0",
        "uti": uuid.uuid4().hex,
    }
    if user is not None:
        # A v1.0 token as Exchange Online's resource gets it: ``upn`` and ``unique_name`` are the UPN, whatever name
        # the person signed in with (access-token claims reference: upn "the username of the user"; real Outlook
        # tokens carry the guest form "…#EXT#@…" for guests, tarickb/sasl-xoauth2#5). No preferred_username: that
        # claim is v2.0 only (id-token-claims-reference).
        claims.update(
            {
                "scp": " ".join(s.rsplit("/", 1)[-1] for s in scopes),
                "oid": user.oid,
                "sub": user.oid,
                "upn": user.upn,
                "unique_name": user.upn,
                "name": user.display_name,
            }
        )
        if user.home_tenant:
            claims["idp"] = guest_idp(user)
    else:
        # App-only: oid and sub are the service principal's object ID (access-token-claims-reference: "oid … the
        # object ID of the service principal" for app-only tokens); ``roles`` only when permissions were granted
        # (the claim is absent otherwise: a token without it is what an unconsented app gets, MailKit#1733).
        principal = app.service_principal_id or app.client_id  # an app made through Graph before its service principal
        claims.update({"oid": principal, "sub": principal})
        if roles:
            claims["roles"] = sorted(roles)
    claims.update(extra or {})
    return key.sign(claims)


def guest_idp(user: User) -> str:
    """Where a guest really signs in: their home tenant's STS, or live.com for personal accounts
    (id-token-claims-reference: ``idp``)."""
    if user.home_tenant == "live.com":
        return "live.com"
    return f"https://sts.windows.net/{user.home_tenant}/"


def id_token(
    key: SigningKey,
    *,
    base_url: str,
    user: User,
    app: App,
    tenant_id: str,
    nonce: str | None,
    now: dt.datetime,
    login_name: str = "",
) -> str:
    """The v2.0 ID token. ``preferred_username`` is the UPN, except in a tenant with email as an alternate login ID
    where the person signed in with a proxy address: then it is that address (howto-authentication-use-email-signin);
    for a guest it is the address they were invited with (their home sign-in name)."""
    preferred = user.upn
    if user.home_tenant:
        preferred = user.mail
    elif login_name and login_name != user.upn and login_name in {user.mail, *user.aliases}:
        preferred = login_name
    claims = {
        "aud": app.client_id,
        "iss": issuer(base_url, tenant_id),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(now.timestamp()) + 3600,
        "tid": tenant_id,
        "oid": user.oid,
        "sub": user.oid,
        "preferred_username": preferred,
        "name": user.display_name,
        "ver": "2.0",
    }
    if user.home_tenant:
        claims["idp"] = guest_idp(user)
    if nonce:
        claims["nonce"] = nonce
    return key.sign(claims)


def client_info(user: User) -> str:
    raw = json.dumps({"uid": user.oid, "utid": user.tenant_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
