"""Periodic housekeeping: keeping idle sign-ins alive, moving encrypted data to the host's current key, dropping
stale pending sign-ins."""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host, MailError

from .. import keys, store, tokens
from ..store import encrypted

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
        if state.by_app:
            continue  # the app permission has no refresh token to keep alive
        try:
            tokens.access_token(host, state.account_id, force_refresh=True)
        except MailError:
            continue
        refreshed += 1
    return refreshed


def reencrypt(host: Host, now: dt.datetime) -> int:
    """Encrypt every stored value with the host's current key (after the host rotated its keys): every column of
    :data:`..store.encrypted.ENCRYPTED`. Returns how many values were moved.

    A token cache under a refresh lease is left for the next run (the refresh writes a new one anyway, and writing
    under it would lose the refresh token it brings). A worker whose key list lags behind the others' does nothing (it
    would move values back to an old key). When nothing readable is left under an old key, the host is told it may
    drop the old keys (see :mod:`keys`); values no key decrypts are lost already and do not hold the keys back — they
    are reported where they are used (a new sign-in, a new certificate).
    """
    vault = keys.vault(host)
    if keys.lagging(host):
        return 0
    walk = encrypted.reencrypt(host, vault)
    keys.old_keys_unused(host, walk.left - walk.unreadable)
    return walk.moved


EVENTS_KEPT = dt.timedelta(days=365)


def purge(host: Host, now: dt.datetime) -> int:
    """Delete pending sign-ins a day after they expired (they hold encrypted PKCE verifiers) and events older than
    a year. Returns how many rows went."""
    return store.purge_signins(host, now - dt.timedelta(days=1)) + store.purge_events(host, now - EVENTS_KEPT)
