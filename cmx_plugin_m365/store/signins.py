"""``m365_signin`` and ``m365_consent``: sign-ins and admin consent requests started here and waiting for Microsoft's
answer on ``continue_oauth`` (by the digest of their state, never the state itself)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cmx_hostapi import Host

from .values import digest, utcnow


@dataclass(frozen=True)
class PendingSignIn:
    account_id: int
    session_hash: str
    user_id: int
    flow: bytes
    expires_at: dt.datetime
    used_at: dt.datetime | None


def add_signin(
    host: Host, *, state: str, account_id: int, session_id: str, user_id: int, flow: bytes, lifetime: dt.timedelta
) -> None:
    """Keep a started sign-in. It replaces an open one of the same account and session (only the newest can come
    back): however often someone clicks, one pending sign-in per account and session is open."""
    now = utcnow()
    purge_signins(host, now - dt.timedelta(days=1))
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_signin SET expires_at = :now WHERE account_id = :a AND session_hash = :s "
            "AND used_at IS NULL AND expires_at > :now",
            {"a": account_id, "s": digest(session_id), "now": now},
        )
        tx.execute(
            "INSERT INTO m365_signin (state_hash, account_id, session_hash, user_id, flow, created_at, expires_at) "
            "VALUES (:h, :a, :s, :u, :f, :now, :exp)",
            {
                "h": digest(state),
                "a": account_id,
                "s": digest(session_id),
                "u": user_id,
                "f": flow,
                "now": now,
                "exp": now + lifetime,
            },
        )


def open_signins(host: Host, account_id: int) -> int:
    """Pending sign-ins of the account that could still come back."""
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT COUNT(*) AS n FROM m365_signin WHERE account_id = :a AND used_at IS NULL AND expires_at > :now",
            {"a": account_id, "now": utcnow()},
        ).fetchone()
    return row["n"]


def signins_started_by(host: Host, user_id: int, since: dt.datetime) -> int:
    """How many sign-ins this user started since then (replaced ones included)."""
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT COUNT(*) AS n FROM m365_signin WHERE user_id = :u AND created_at > :since",
            {"u": user_id, "since": since},
        ).fetchone()
    return row["n"]


def purge_signins(host: Host, expired_before: dt.datetime) -> int:
    with host.db.transaction() as tx:
        return tx.execute("DELETE FROM m365_signin WHERE expires_at < :old", {"old": expired_before}).rowcount


def find_signin(host: Host, state: str) -> PendingSignIn | None:
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT account_id, session_hash, user_id, flow, expires_at, used_at FROM m365_signin "
            "WHERE state_hash = :h",
            {"h": digest(state)},
        ).fetchone()
    return PendingSignIn(**{**row, "flow": bytes(row["flow"])}) if row else None


def use_signin(host: Host, state: str) -> bool:
    """Mark a pending sign-in used. Exactly one caller gets True, however many arrive at once."""
    with host.db.transaction() as tx:
        result = tx.execute(
            "UPDATE m365_signin SET used_at = :now WHERE state_hash = :h AND used_at IS NULL",
            {"h": digest(state), "now": utcnow()},
        )
    return result.rowcount == 1


# -- admin consent requests (the Azure interface's button; the answer comes back to continue_oauth) ---------------


@dataclass(frozen=True)
class PendingConsent:
    session_hash: str
    user_id: int
    expires_at: dt.datetime
    used_at: dt.datetime | None


def add_consent_request(host: Host, *, state: str, session_id: str, user_id: int, lifetime: dt.timedelta) -> None:
    now = utcnow()
    with host.db.transaction() as tx:
        tx.execute("DELETE FROM m365_consent WHERE expires_at < :old", {"old": now - dt.timedelta(days=1)})
        tx.execute(
            "INSERT INTO m365_consent (state_hash, session_hash, user_id, created_at, expires_at) "
            "VALUES (:h, :s, :u, :now, :exp)",
            {"h": digest(state), "s": digest(session_id), "u": user_id, "now": now, "exp": now + lifetime},
        )


def find_consent_request(host: Host, state: str) -> PendingConsent | None:
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT session_hash, user_id, expires_at, used_at FROM m365_consent WHERE state_hash = :h",
            {"h": digest(state)},
        ).fetchone()
    return PendingConsent(**row) if row else None


def use_consent_request(host: Host, state: str) -> bool:
    """Mark an admin consent request answered. Exactly one caller gets True."""
    with host.db.transaction() as tx:
        result = tx.execute(
            "UPDATE m365_consent SET used_at = :now WHERE state_hash = :h AND used_at IS NULL",
            {"h": digest(state), "now": utcnow()},
        )
    return result.rowcount == 1


def forget(host: Host, account_id: int) -> None:
    """Drop every pending sign-in of an account (it stops using OAuth, or is deleted)."""
    with host.db.transaction() as tx:
        tx.execute("DELETE FROM m365_signin WHERE account_id = :id", {"id": account_id})
