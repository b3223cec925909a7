"""``m365_app_token``: the app's own access tokens (client credentials), one per app and resource, shared by every
mail account that sends with the app permission (issue 24). Encrypted at rest; refreshed by one worker under a lease
(as a person's cache in :mod:`.accounts`), stored with a compare-and-swap on ``version``. There is no refresh token:
a new token is asked for with the app's certificate or secret whenever the stored one is near its end."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from cmx_hostapi import Host

from .values import utcnow


@dataclass(frozen=True)
class AppToken:
    """One row: the app's access token for one scope (``<client id> <scope>``), encrypted."""

    app_scope: str
    token: bytes | None = field(repr=False)
    expires_at: dt.datetime | None
    version: int
    lease_until: dt.datetime | None

    @property
    def leased(self) -> bool:
        return self.lease_until is not None and _aware(self.lease_until) >= utcnow()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def app_scope(client_id: str, scope: str) -> str:
    return f"{client_id} {scope}"


def read(host: Host, key: str) -> AppToken | None:
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT app_scope, token, expires_at, version, lease_until FROM m365_app_token WHERE app_scope = :k",
            {"k": key},
        ).fetchone()
    if row is None:
        return None
    token = row["token"]
    expires = row["expires_at"]
    lease = row["lease_until"]
    return AppToken(
        row["app_scope"],
        bytes(token) if token is not None else None,
        _aware(expires) if expires is not None else None,
        row["version"],
        _aware(lease) if lease is not None else None,
    )


def take_lease(host: Host, key: str, version: int | None, seconds: float) -> str | None:
    """Claim the right to ask Microsoft for this token (one worker per version); the owner token, or None."""
    now = utcnow()
    owner = secrets.token_hex(16)
    until = now + dt.timedelta(seconds=seconds)
    with host.db.transaction() as tx:
        if version is None:
            # The first token of this scope: the row is created with the lease; of several workers one inserts, the
            # others find the row taken (ON CONFLICT: both SQLite and PostgreSQL) and wait for its token.
            result = tx.execute(
                "INSERT INTO m365_app_token (app_scope, version, lease_until, lease_owner) "
                "VALUES (:k, 0, :until, :owner) ON CONFLICT (app_scope) DO NOTHING",
                {"k": key, "until": until, "owner": owner},
            )
            return owner if result.rowcount == 1 else None
        result = tx.execute(
            "UPDATE m365_app_token SET lease_until = :until, lease_owner = :owner "
            "WHERE app_scope = :k AND version = :v AND (lease_until IS NULL OR lease_until < :now)",
            {"k": key, "v": version, "now": now, "until": until, "owner": owner},
        )
    return owner if result.rowcount == 1 else None


def save(host: Host, key: str, owner: str, token: bytes, expires_at: dt.datetime) -> bool:
    """Store a new token (encrypted by the caller) and release the lease; False when the lease was lost."""
    with host.db.transaction() as tx:
        result = tx.execute(
            "UPDATE m365_app_token SET token = :t, expires_at = :e, version = version + 1, lease_until = NULL, "
            "lease_owner = NULL WHERE app_scope = :k AND lease_owner = :owner",
            {"k": key, "t": token, "e": expires_at, "owner": owner},
        )
    return result.rowcount == 1


def release(host: Host, key: str, owner: str) -> None:
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_app_token SET lease_until = NULL, lease_owner = NULL "
            "WHERE app_scope = :k AND lease_owner = :o",
            {"k": key, "o": owner},
        )
