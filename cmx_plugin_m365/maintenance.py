"""Periodic housekeeping: keeping idle sign-ins alive, moving encrypted data to the host's current key, dropping
stale pending sign-ins."""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host, MailError

from . import store, tokens
from .crypto import DecryptionError

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
    """Encrypt every token cache with the host's current key (after the host rotated its keys).

    Once this has run, the host may drop the old key. Rows that no key decrypts are left alone (their accounts
    report "Anmeldung erforderlich" when used). Returns how many rows were moved.
    """
    vault = tokens.vault_of(host)
    moved = 0
    for row in _token_caches(host):
        blob = bytes(row["token_cache"])
        if vault.is_current(blob):
            continue
        try:
            fresh = vault.reencrypt(blob)
        except DecryptionError:
            continue
        if store.save_cache(host, row["account_id"], row["cache_version"], fresh, refreshed=False):
            moved += 1
    with host.db.transaction() as tx:
        for row in tx.execute("SELECT state_hash, flow FROM m365_signin WHERE used_at IS NULL").fetchall():
            blob = bytes(row["flow"])
            if not vault.is_current(blob):
                try:
                    tx.execute(
                        "UPDATE m365_signin SET flow = :f WHERE state_hash = :h",
                        {"f": vault.reencrypt(blob), "h": row["state_hash"]},
                    )
                except DecryptionError:
                    pass
    return moved


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
