"""The one list of columns the plugin keeps encrypted under the host's keys, and the walk that moves them all to the
current key after the host rotated its keys.

A test reads the migrations and fails when a column that holds encrypted bytes (BLOB / BYTEA) is not named here: a
column the walk does not know stays under the old key, and once the host drops that key it is lost.

The walk touches only these columns, a page of rows at a time (memory stays flat however many rows there are), and
replaces a value only if it is still the one read (compare-and-swap on the value itself), so that nothing written
meanwhile is overwritten. A token cache is the exception that proves the rule: it is replaced through its owner
(:func:`.accounts.save_cache`, a new cache version, never under a refresh lease), because a refresh writes it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cmx_hostapi import Host

from ..crypto import DecryptionError, Vault
from . import accounts

PAGE = 200


@dataclass(frozen=True)
class Column:
    table: str
    column: str
    key: str
    """The table's primary key: how the walk pages through the rows and names the one it replaces."""


ENCRYPTED: tuple[Column, ...] = (
    Column("m365_account", "token_cache", "account_id"),  # msal's token cache: the refresh token
    Column("m365_account", "previous_settings", "account_id"),  # the mail settings from before OAuth (a password)
    Column("m365_signin", "flow", "state_hash"),  # a pending sign-in's PKCE verifier and nonce
    Column("m365_certificate", "private_key", "thumbprint"),  # the certificate's private key
    Column("m365_app_token", "token", "app_scope"),  # the app's own access token (app permission, issue 24)
)


@dataclass
class Walk:
    """What one walk did: values moved to the current key, and values left under an old one."""

    moved: int = 0
    left: int = 0
    """Still under an old key: under a refresh lease (the next walk takes them), changed meanwhile, or unreadable."""
    unreadable: int = 0
    """Of ``left``: no key of this worker decrypts them."""


def reencrypt(host: Host, vault: Vault) -> Walk:
    """Move every value of every encrypted column to the vault's current key."""
    walk = Walk()
    for column in ENCRYPTED:
        for key, value, version in _values(host, column):
            blob = bytes(value)
            if vault.is_current(blob):
                continue
            try:
                fresh = vault.reencrypt(blob)
            except DecryptionError:
                walk.left += 1
                walk.unreadable += 1
                continue
            if _replace(host, column, key, blob, fresh, version):
                walk.moved += 1
            else:
                walk.left += 1
    return walk


def under_old_keys(host: Host, vault: Vault) -> int:
    """How many encrypted values are not under the current key (readable or not)."""
    return sum(1 for column in ENCRYPTED for _, value, _ in _values(host, column) if not vault.is_current(bytes(value)))


def _values(host: Host, column: Column) -> Iterator[tuple[object, bytes, int | None]]:
    """(primary key, value, cache version for token caches) of every row with a value, a page at a time."""
    version = ", cache_version" if column.column == "token_cache" else ""
    after = None
    while True:
        where = f"{column.column} IS NOT NULL" + ("" if after is None else f" AND {column.key} > :after")
        with host.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {column.key} AS k, {column.column} AS v{version} FROM {column.table} "  # noqa: S608
                f"WHERE {where} ORDER BY {column.key} LIMIT :n",  # our own names, from ENCRYPTED
                {"after": after, "n": PAGE},
            ).fetchall()
        if not rows:
            return
        for row in rows:
            yield row["k"], row["v"], row.get("cache_version")
        after = rows[-1]["k"]


def _replace(host: Host, column: Column, key, old: bytes, fresh: bytes, version: int | None) -> bool:
    if column.column == "token_cache":
        return accounts.save_cache(host, key, version, fresh, lease_owner=None)
    with host.db.transaction() as tx:
        return (
            tx.execute(
                f"UPDATE {column.table} SET {column.column} = :fresh "  # noqa: S608 - our own names, from ENCRYPTED
                f"WHERE {column.key} = :key AND {column.column} = :old",
                {"fresh": fresh, "key": key, "old": old},
            ).rowcount
            == 1
        )
