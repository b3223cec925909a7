"""``m365_account``: the plugin's row per OAuth mail account — its state, who signed in, the encrypted token cache
(compare-and-swap on ``cache_version``, one refresh lease), the problem people were told of, the sending route."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from cmx_hostapi import Host

from . import signins
from .values import CODE, TEXT, bounded, utcnow

NEW, CONNECTED, SIGNIN_REQUIRED = "new", "connected", "signin_required"

ROUTE_AUTO, ROUTE_SMTP, ROUTE_GRAPH = "auto", "smtp", "graph"
"""An account's sending route (``m365_account.route``, ``route_in_use``); see :mod:`..sending.route`."""

PERSON, APP = "person", "app"
"""An account's Anmeldeart (``signin_kind``): a person's sign-in (delegated) or the app's own permission (client
credentials, for a functional mailbox; issue 24)."""

PRIMARY, ALIAS, OTHER = "primary", "alias", "other"
"""What the account's address is to the signed-in user's mailbox (``mailbox_kind``): its primary address, an alias
of it, or another mailbox (Send As)."""
VIA_MAILBOX, VIA_ME = "mailbox", "me"
"""How Graph sends for an account of another mailbox (``graph_sender``): ``/users/{address}/sendMail`` (Full Access
there; the copy stays in that mailbox) or ``/me/sendMail`` (the copy lands in the signed-in user's mailbox)."""


@dataclass(frozen=True)
class AccountState:
    """The plugin's row of one mail account, read once per mail (and per screen): its one row type."""

    account_id: int
    state: str
    """``new`` (OAuth on, nobody signed in yet), ``connected``, ``signin_required``."""
    signed_in_as: str | None
    """The UPN of the signed-in user: the sign-in name, and what Exchange checks in XOAUTH2 ``user=``."""
    tenant_id: str | None
    user_oid: str | None
    """The signed-in user's object ID: with tenant_id, who this account is at Microsoft (names change)."""
    connected_at: dt.datetime | None
    last_sent_at: dt.datetime | None
    """When a mail was last accepted by Microsoft (SMTP's 250 after DATA, Graph's 202)."""
    last_refresh_at: dt.datetime | None
    problem_code: str | None
    problem_text: str | None
    problem_at: dt.datetime | None
    notified_at: dt.datetime | None
    """When people were told of the current problem (None: nobody was told)."""
    cache_version: int
    token_cache: bytes | None = field(repr=False)
    """msal's token cache, encrypted (:func:`cmx_plugin_m365.tokens.unseal`); compare-and-swap on ``cache_version``."""
    refresh_lease_until: dt.datetime | None
    """A worker is refreshing the tokens until then."""
    auth_refusals: int
    """``535 5.7.3`` refusals in a row of an account whose setup was proven (the first is retried quietly)."""
    route: str = "auto"
    """The sending route chosen for the account: ``auto``, ``smtp`` or ``graph`` (see :mod:`..sending.route`)."""
    route_in_use: str = "smtp"
    route_since: dt.datetime | None = None
    route_reason: str | None = None
    """Why the route in use is what it is (a catalogue code such as ``535 5.7.139``), when it was switched."""
    retry_at: dt.datetime | None = None
    """When the plugin tries the way back from the current problem by itself next (one held mail as a probe)."""
    retries: int = 0
    """How often it tried since the problem began (the backoff)."""
    mailbox_kind: str | None = None
    """:data:`PRIMARY`, :data:`ALIAS` or :data:`OTHER` as Graph's ``GET /me`` said at the last sign-in; None: unknown
    (a sign-in from before, or Graph could not be asked)."""
    primary_address: str | None = None
    """The signed-in user's primary address then (what recipients see instead of an alias)."""
    graph_sender: str | None = None
    """For :data:`OTHER`: :data:`VIA_MAILBOX` or :data:`VIA_ME`, once a mail over Graph showed which works."""
    signin_kind: str = PERSON
    """:data:`PERSON` or :data:`APP` (the Anmeldeart)."""
    graph_scope_confirmed: bool = False
    """The admin confirmed that Graph's application permission is narrowed to the mailboxes it may use."""
    graph_scope_outside: str | None = None
    """An address outside that narrowing the admin named (its refused send proves the narrowing)."""

    @property
    def by_app(self) -> bool:
        """The account sends with the app's own permission (no person, no refresh token)."""
        return self.signin_kind == APP

    @property
    def has_tokens(self) -> bool:
        return self.token_cache is not None

    @property
    def leased(self) -> bool:
        """Another worker holds the refresh lease right now."""
        return self.refresh_lease_until is not None and self.refresh_lease_until >= utcnow()


_STATE_COLUMNS = ", ".join(name for name in AccountState.__dataclass_fields__)


def account_state(host: Host, account_id: int) -> AccountState | None:
    with host.db.transaction() as tx:
        row = tx.execute(
            f"SELECT {_STATE_COLUMNS} FROM m365_account WHERE account_id = :id",  # noqa: S608
            {"id": account_id},
        ).fetchone()
    return _state(row) if row else None


def all_account_states(host: Host) -> list[AccountState]:
    with host.db.transaction() as tx:
        rows = tx.execute(f"SELECT {_STATE_COLUMNS} FROM m365_account ORDER BY account_id").fetchall()  # noqa: S608
    return [_state(row) for row in rows]


def _state(row) -> AccountState:
    blob = row["token_cache"]
    return AccountState(
        **{
            **row,
            "token_cache": bytes(blob) if blob is not None else None,
            "graph_scope_confirmed": bool(row["graph_scope_confirmed"]),
        }
    )


def enable(host: Host, account_id: int, *, previous_settings: bytes | None = None) -> bool:
    """Mark the account as using OAuth, keeping what it used before (encrypted). False when it already did."""
    with host.db.transaction() as tx:
        if tx.execute("SELECT 1 FROM m365_account WHERE account_id = :id", {"id": account_id}).fetchone():
            return False
        tx.execute(
            "INSERT INTO m365_account (account_id, state, previous_settings) VALUES (:id, :state, :previous)",
            {"id": account_id, "state": NEW, "previous": previous_settings},
        )
    return True


def previous_settings(host: Host, account_id: int) -> bytes | None:
    """The account's mail settings from before OAuth (encrypted), or None."""
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT previous_settings FROM m365_account WHERE account_id = :id", {"id": account_id}
        ).fetchone()
    return bytes(row["previous_settings"]) if row and row["previous_settings"] is not None else None


def disable(host: Host, account_id: int) -> None:
    """Forget everything the plugin holds for the account (tokens, pending sign-ins)."""
    with host.db.transaction() as tx:
        tx.execute("DELETE FROM m365_account WHERE account_id = :id", {"id": account_id})
    signins.forget(host, account_id)


def disconnect(host: Host, account_id: int) -> None:
    """Drop the tokens; the account stays on OAuth and can sign in again."""
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_account SET state = :new, token_cache = NULL, cache_version = cache_version + 1, "
            "signed_in_as = NULL, tenant_id = NULL, user_oid = NULL, connected_at = NULL, problem_code = NULL, "
            "problem_text = NULL, problem_at = NULL, notified_at = NULL, refresh_lease_until = NULL, "
            "refresh_lease_owner = NULL, auth_refusals = 0, mailbox_kind = NULL, primary_address = NULL, "
            "graph_sender = NULL WHERE account_id = :id",
            {"id": account_id, "new": NEW},
        )


def connect(
    host: Host, account_id: int, *, token_cache: bytes, signed_in_as: str, tenant_id: str, user_oid: str
) -> None:
    """Store a fresh sign-in: encrypted token cache, who signed in (UPN, tenant, object ID), no problem."""
    now = utcnow()
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_account SET state = :connected, token_cache = :cache, cache_version = cache_version + 1, "
            "signed_in_as = :who, tenant_id = :tid, user_oid = :oid, connected_at = :now, last_refresh_at = :now, "
            "problem_code = NULL, problem_text = NULL, problem_at = NULL, notified_at = NULL, "
            "refresh_lease_until = NULL, refresh_lease_owner = NULL, auth_refusals = 0, mailbox_kind = NULL, "
            "primary_address = NULL, graph_sender = NULL WHERE account_id = :id",
            {
                "id": account_id,
                "connected": CONNECTED,
                "cache": token_cache,
                "who": signed_in_as,
                "tid": tenant_id,
                "oid": user_oid,
                "now": now,
            },
        )


def set_signin_kind(
    host: Host,
    account_id: int,
    kind: str,
    *,
    graph_scope_confirmed: bool = False,
    graph_scope_outside: str | None = None,
) -> bool:
    """Change the account's Anmeldeart. A change starts over: no tokens, nobody signed in, no problem (the new way is
    proven by a test mail, as a sign-in is). True when the row exists."""
    with host.db.transaction() as tx:
        row = tx.execute("SELECT signin_kind FROM m365_account WHERE account_id = :id", {"id": account_id}).fetchone()
        if row is None:
            return False
        params = {
            "id": account_id,
            "kind": kind,
            "confirmed": graph_scope_confirmed,
            "outside": graph_scope_outside,
            "new": NEW,
        }
        if row["signin_kind"] == kind:
            tx.execute(
                "UPDATE m365_account SET graph_scope_confirmed = :confirmed, graph_scope_outside = :outside "
                "WHERE account_id = :id",
                params,
            )
            return True
        tx.execute(
            "UPDATE m365_account SET signin_kind = :kind, graph_scope_confirmed = :confirmed, "
            "graph_scope_outside = :outside, state = :new, token_cache = NULL, cache_version = cache_version + 1, "
            "signed_in_as = NULL, tenant_id = NULL, user_oid = NULL, connected_at = NULL, problem_code = NULL, "
            "problem_text = NULL, problem_at = NULL, notified_at = NULL, refresh_lease_until = NULL, "
            "refresh_lease_owner = NULL, auth_refusals = 0, mailbox_kind = NULL, primary_address = NULL, "
            "graph_sender = NULL, retry_at = NULL, retries = 0 WHERE account_id = :id",
            params,
        )
    return True


def set_app_mailbox(host: Host, account_id: int, *, address: str, tenant_id: str, proven: bool) -> None:
    """The mailbox an account with the app permission sends as, and its tenant (from the app's token): before its
    test mail (so that the mail counts against the mailbox's budget), and ``proven`` once the test mail was accepted
    (connected). No token cache at all: the app's token is shared (:mod:`.app_tokens`), and there is no refresh
    token."""
    now = utcnow()
    proof = (
        ", state = :connected, connected_at = :now, problem_code = NULL, problem_text = NULL, problem_at = NULL, "
        "notified_at = NULL, auth_refusals = 0"
        if proven
        else ""
    )
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_account SET token_cache = NULL, signed_in_as = :who, tenant_id = :tid, user_oid = NULL, "  # noqa: S608
            f"mailbox_kind = :primary, primary_address = :who{proof} WHERE account_id = :id AND signin_kind = :app",
            {
                "id": account_id,
                "connected": CONNECTED,
                "who": address.strip().lower(),
                "tid": tenant_id,
                "now": now,
                "primary": PRIMARY,
                "app": APP,
            },
        )


_ROW_COLUMNS = (
    "state",
    "signed_in_as",
    "tenant_id",
    "user_oid",
    "connected_at",
    "last_sent_at",
    "last_refresh_at",
    "problem_code",
    "problem_text",
    "problem_at",
    "notified_at",
    "token_cache",
    "auth_refusals",
    "mailbox_kind",
    "primary_address",
    "graph_sender",
)


def snapshot(host: Host, account_id: int) -> dict | None:
    """The account's row as it is now, to put back with :func:`restore` if a new sign-in turns out unusable."""
    with host.db.transaction() as tx:
        row = tx.execute(
            f"SELECT {', '.join(_ROW_COLUMNS)} FROM m365_account WHERE account_id = :id",  # noqa: S608
            {"id": account_id},
        ).fetchone()
    return dict(row) if row else None


def restore(host: Host, account_id: int, row: dict) -> None:
    """Put a snapshot back (a new cache version, so that no worker keeps using what was stored meanwhile)."""
    assignments = ", ".join(f"{name} = :{name}" for name in _ROW_COLUMNS)
    with host.db.transaction() as tx:
        tx.execute(
            f"UPDATE m365_account SET {assignments}, cache_version = cache_version + 1, "  # noqa: S608
            "refresh_lease_until = NULL, refresh_lease_owner = NULL WHERE account_id = :id",
            {**row, "id": account_id},
        )


def rename(host: Host, account_id: int, signed_in_as: str) -> None:
    """The signed-in user's UPN changed at Microsoft (same object ID): send as the new name from now on."""
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_account SET signed_in_as = :who WHERE account_id = :id",
            {"id": account_id, "who": signed_in_as},
        )


def set_mailbox(host: Host, account_id: int, kind: str | None, primary_address: str | None) -> None:
    """What the account's address is to the signed-in user's mailbox (a new sign-in just asked Graph); which Graph
    call sends for another mailbox is found out again."""
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_account SET mailbox_kind = :kind, primary_address = :primary, graph_sender = NULL "
            "WHERE account_id = :id",
            {"id": account_id, "kind": kind, "primary": primary_address},
        )


def set_graph_sender(host: Host, account_id: int, graph_sender: str | None) -> bool:
    """Remember which Graph call sends for the account (None: find out again). True when that changed."""
    with host.db.transaction(lock=True) as tx:
        row = tx.execute("SELECT graph_sender FROM m365_account WHERE account_id = :id", {"id": account_id}).fetchone()
        if row is None or row["graph_sender"] == graph_sender:
            return False
        tx.execute(
            "UPDATE m365_account SET graph_sender = :via WHERE account_id = :id",
            {"id": account_id, "via": graph_sender},
        )
    return True


def count_refusal(host: Host, account_id: int) -> int:
    """One more refusal in a row; returns how many there were before this one."""
    with host.db.transaction(lock=True) as tx:
        row = tx.execute("SELECT auth_refusals FROM m365_account WHERE account_id = :id", {"id": account_id}).fetchone()
        tx.execute(
            "UPDATE m365_account SET auth_refusals = auth_refusals + 1 WHERE account_id = :id", {"id": account_id}
        )
    return row["auth_refusals"] if row else 0


def set_problem(
    host: Host,
    account_id: int,
    *,
    code: str | None,
    text: str,
    state: str | None = None,
    retry_at: dt.datetime | None = None,
) -> bool:
    """Record a problem (and, with ``state``, a new state). True for exactly one caller when it is new, i.e. people
    were not told yet — however many workers report it at the same moment. A new problem starts its way back at
    ``retry_at`` (None: only a person can solve it), with no retries yet.

    The claim is one conditional UPDATE: it is the transaction's first statement, so on SQLite it takes the write
    lock at once (waiting out the busy timeout instead of failing on a lock upgrade), and on PostgreSQL a second
    reporter waits for the first and then finds nothing to claim.
    """
    now = utcnow()
    code, text = bounded(code or "?", CODE), bounded(text, TEXT)
    values = {"id": account_id, "code": code, "text": text, "now": now, "state": state, "retry": retry_at}
    with host.db.transaction() as tx:
        claimed = tx.execute(
            "UPDATE m365_account SET problem_code = :code, problem_text = :text, state = COALESCE(:state, state), "
            "problem_at = CASE WHEN problem_code = :code THEN problem_at ELSE :now END, notified_at = :now, "
            "retry_at = :retry, retries = 0 "
            "WHERE account_id = :id AND (problem_code IS NULL OR problem_code <> :code OR notified_at IS NULL)",
            values,
        ).rowcount
        if not claimed:
            tx.execute(
                "UPDATE m365_account SET problem_text = :text, state = COALESCE(:state, state) WHERE account_id = :id",
                values,
            )
    return claimed == 1


@dataclass(frozen=True)
class Cleared:
    """A problem that was just cleared: what it was, and whether people had been told of it."""

    code: str
    told: bool


def clear_problem(host: Host, account_id: int, *, state: str | None = None, code: str | None = None) -> Cleared | None:
    """The account's problem is gone (and, with ``state``, its state is that again); with ``code``, only that problem.
    Returns what was cleared for exactly one caller (who tells people it is solved), None for everyone else."""
    with host.db.transaction(lock=True) as tx:
        row = tx.execute(
            "SELECT problem_code, notified_at FROM m365_account WHERE account_id = :id", {"id": account_id}
        ).fetchone()
        if row is None or row["problem_code"] is None or (code is not None and row["problem_code"] != code):
            return None
        tx.execute(
            "UPDATE m365_account SET problem_code = NULL, problem_text = NULL, problem_at = NULL, notified_at = NULL, "
            "retry_at = NULL, retries = 0, state = COALESCE(:state, state) WHERE account_id = :id",
            {"id": account_id, "state": state},
        )
    return Cleared(row["problem_code"], row["notified_at"] is not None)


def claim_retry(host: Host, account_id: int, *, due: dt.datetime, then: dt.datetime) -> int | None:
    """Claim the account's way back that is due at ``due`` (its ``retry_at``): the next one is at ``then``. Returns
    the number of this try for exactly one caller (several workers run the job), None for the others."""
    with host.db.transaction() as tx:
        claimed = tx.execute(
            "UPDATE m365_account SET retry_at = :then, retries = retries + 1 "
            "WHERE account_id = :id AND retry_at = :due AND problem_code IS NOT NULL",
            {"id": account_id, "due": due, "then": then},
        ).rowcount
        if not claimed:
            return None
        return tx.execute("SELECT retries FROM m365_account WHERE account_id = :id", {"id": account_id}).fetchone()[
            "retries"
        ]


def choose_route(host: Host, account_id: int, route: str) -> None:
    """The admin chose how the account's mail leaves. ``smtp`` and ``graph`` take effect at once; ``auto`` keeps the
    route in use and switches when SMTP AUTH turns out to be off."""
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_account SET route = :route, "
            "route_in_use = CASE WHEN :route = 'auto' THEN route_in_use ELSE :route END, "
            "route_since = CASE WHEN :route = 'auto' OR route_in_use = :route THEN route_since ELSE :now END, "
            "route_reason = CASE WHEN :route = 'auto' OR route_in_use = :route THEN route_reason ELSE NULL END "
            "WHERE account_id = :id",
            {"id": account_id, "route": route, "now": utcnow()},
        )


def use_route(host: Host, account_id: int, route_in_use: str, reason: str | None) -> bool:
    """Switch the route in use (``auto`` found SMTP AUTH off). True for exactly one caller: the one that tells."""
    with host.db.transaction() as tx:
        return (
            tx.execute(
                "UPDATE m365_account SET route_in_use = :use, route_since = :now, route_reason = :why "
                "WHERE account_id = :id AND route_in_use <> :use",
                {"id": account_id, "use": route_in_use, "now": utcnow(), "why": reason},
            ).rowcount
            == 1
        )


def record_sent(host: Host, account_id: int) -> None:
    """A mail went out: remember when, and that no refusal is pending."""
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_account SET last_sent_at = :now, auth_refusals = 0 WHERE account_id = :id",
            {"id": account_id, "now": utcnow()},
        )


# -- the token cache (encrypted; compare-and-swap on cache_version) ------------------------------------------------


def take_refresh_lease(host: Host, account_id: int, version: int, seconds: float) -> str | None:
    """Claim the right to refresh this account's tokens. Only one worker gets it per cache version; it gets the
    lease's owner token, which it needs to store the new cache and to release the lease (None: someone else has it).
    """
    now = utcnow()
    owner = secrets.token_hex(16)
    with host.db.transaction() as tx:
        result = tx.execute(
            "UPDATE m365_account SET refresh_lease_until = :until, refresh_lease_owner = :owner "
            "WHERE account_id = :id AND cache_version = :v "
            "AND (refresh_lease_until IS NULL OR refresh_lease_until < :now)",
            {"id": account_id, "v": version, "now": now, "until": now + dt.timedelta(seconds=seconds), "owner": owner},
        )
    return owner if result.rowcount == 1 else None


def release_refresh_lease(host: Host, account_id: int, owner: str) -> None:
    """Give the lease back — only if it is still this owner's (an expired lease may belong to another by now)."""
    with host.db.transaction() as tx:
        tx.execute(
            "UPDATE m365_account SET refresh_lease_until = NULL, refresh_lease_owner = NULL "
            "WHERE account_id = :id AND refresh_lease_owner = :owner",
            {"id": account_id, "owner": owner},
        )


def save_cache(host: Host, account_id: int, version: int, blob: bytes, *, lease_owner: str | None) -> bool:
    """Replace the cache if nobody else did since ``version`` was read. True when it was stored.

    The lease's owner stores a refreshed cache and releases its lease in the same step. Any other writer
    (``lease_owner=None``, e.g. re-encryption) leaves a row alone while someone holds its lease: the refresh
    will write a new cache anyway, and overwriting under it would lose the refresh token it brings.
    """
    now = utcnow()
    if lease_owner is not None:
        condition = "refresh_lease_owner = :owner"
        refreshed = "refresh_lease_until = NULL, refresh_lease_owner = NULL, last_refresh_at = :now"
    else:
        condition = "(refresh_lease_until IS NULL OR refresh_lease_until < :now)"
        refreshed = "last_refresh_at = last_refresh_at"
    with host.db.transaction() as tx:
        result = tx.execute(
            f"UPDATE m365_account SET token_cache = :blob, cache_version = cache_version + 1, {refreshed} "  # noqa: S608
            f"WHERE account_id = :id AND cache_version = :v AND {condition}",
            {"id": account_id, "v": version, "blob": blob, "now": now, "owner": lease_owner},
        )
    return result.rowcount == 1
