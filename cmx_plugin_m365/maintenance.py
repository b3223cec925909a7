"""Periodic housekeeping: moving encrypted data to the host's current key, dropping stale pending sign-ins."""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host

from . import store, tokens
from .crypto import DecryptionError


def reencrypt(host: Host, now: dt.datetime) -> int:
    """Encrypt every token cache with the host's current key (after the host rotated its keys).

    Once this has run, the host may drop the old key. Rows that no key decrypts are left alone (their accounts
    report "Anmeldung erforderlich" when used). Returns how many rows were moved.
    """
    vault = tokens.vault_of(host)
    moved = 0
    with host.db.transaction() as tx:
        rows = tx.execute(
            "SELECT account_id, token_cache, cache_version FROM m365_account WHERE token_cache IS NOT NULL"
        ).fetchall()
    for row in rows:
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


def purge_signins(host: Host, now: dt.datetime) -> int:
    """Delete pending sign-ins a day after they expired (they hold encrypted PKCE verifiers)."""
    with host.db.transaction() as tx:
        return tx.execute(
            "DELETE FROM m365_signin WHERE expires_at < :old", {"old": now - dt.timedelta(days=1)}
        ).rowcount
