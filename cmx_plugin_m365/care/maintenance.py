"""Periodic housekeeping: keeping idle sign-ins alive, moving encrypted data to the host's current key, dropping
stale pending sign-ins."""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host, MailError

from .. import keys, store, tokens
from ..crypto import DecryptionError

KEEP_ALIVE_AFTER = dt.timedelta(days=60)
"""Microsoft drops a refresh token after 90 days without use; refreshing idle ones at 60 keeps them alive."""


def keep_alive(host: Host, now: dt.datetime) -> int:
    """Refresh the tokens of connected accounts that have not been refreshed for 60 days. Returns how many.

    Failures are recorded on the account and told to people once (by the token code), like a failed mail.
    """
    refreshed = 0
    for state in store.all_account_states(host):
        last = state.last_refresh_at or state.connected_at
        if state.state != store.CONNECTED or last is None or now - last < KEEP_ALIVE_AFTER:
            continue
        try:
            tokens.access_token(host, state.account_id, force_refresh=True)
        except MailError:
            continue
        refreshed += 1
    return refreshed


def retry_held(host: Host, now: dt.datetime) -> int:
    """Let mail held for a configuration problem try again (e.g. SMTP AUTH was switched on at Microsoft meanwhile).

    Accounts that need a sign-in are left alone: only a sign-in helps them. A problem that persists holds the mail
    again without telling anyone a second time. Returns how many accounts were retried.
    """
    retried = 0
    for state in store.all_account_states(host):
        if state.state == store.CONNECTED and state.problem_code:
            host.release_held_mail(state.account_id)
            retried += 1
    return retried


def reencrypt(host: Host, now: dt.datetime) -> int:
    """Encrypt every stored value with the host's current key (after the host rotated its keys): token caches,
    kept mail settings, open sign-ins. Returns how many token caches were moved.

    A token cache under a refresh lease is left for the next run (the refresh writes a new one anyway, and writing
    under it would lose the refresh token it brings). Values that no key decrypts are left alone. When nothing is
    left under an old key, the host is told it may drop the old keys (see :mod:`keys`).
    """
    vault = tokens.vault_of(host)
    moved = left = 0
    for row in _token_caches(host):
        blob = bytes(row["token_cache"])
        if vault.is_current(blob):
            continue
        try:
            fresh = vault.reencrypt(blob)
        except DecryptionError:
            left += 1
            continue
        if store.save_cache(host, row["account_id"], row["cache_version"], fresh, lease_owner=None):
            moved += 1
        else:
            left += 1
    with host.db.transaction() as tx:
        for row in tx.execute(
            "SELECT account_id, previous_settings FROM m365_account WHERE previous_settings IS NOT NULL"
        ).fetchall():
            left += _move(
                tx,
                vault,
                row["previous_settings"],
                "m365_account",
                "previous_settings",
                "account_id",
                row["account_id"],
            )
        for row in tx.execute(
            "SELECT state_hash, flow FROM m365_signin WHERE used_at IS NULL AND expires_at > :now", {"now": now}
        ).fetchall():
            left += _move(tx, vault, row["flow"], "m365_signin", "flow", "state_hash", row["state_hash"])
    keys.old_keys_unused(host, left)
    return moved


def _move(tx, vault, value, table: str, column: str, key: str, key_value) -> int:
    """Re-encrypt one value in place; 1 when it stays under an old key (undecryptable), else 0."""
    blob = bytes(value)
    if vault.is_current(blob):
        return 0
    try:
        fresh = vault.reencrypt(blob)
    except DecryptionError:
        return 1
    tx.execute(
        f"UPDATE {table} SET {column} = :v WHERE {key} = :k",  # noqa: S608 - our own table and column names
        {"v": fresh, "k": key_value},
    )
    return 0


def _token_caches(host: Host, page: int = 200):
    """Every stored token cache, a page at a time: memory stays flat however many accounts there are."""
    after = -1
    while True:
        with host.db.transaction() as tx:
            rows = tx.execute(
                "SELECT account_id, token_cache, cache_version FROM m365_account WHERE token_cache "
                "IS NOT NULL AND account_id > :after ORDER BY account_id LIMIT :n",
                {"after": after, "n": page},
            ).fetchall()
        if not rows:
            return
        yield from rows
        after = rows[-1]["account_id"]


EVENTS_KEPT = dt.timedelta(days=365)


def purge(host: Host, now: dt.datetime) -> int:
    """Delete pending sign-ins a day after they expired (they hold encrypted PKCE verifiers) and events older than
    a year. Returns how many rows went."""
    return store.purge_signins(host, now - dt.timedelta(days=1)) + store.purge_events(host, now - EVENTS_KEPT)
