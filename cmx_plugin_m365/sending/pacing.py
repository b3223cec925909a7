"""Microsoft's sending limits, kept by cmxOrganize so that a batch never runs into them.

Exchange lets a mailbox submit 30 messages a minute over SMTP (more are delayed), 10,000 recipients in a rolling
24 hours (then 554 5.2.0 SubmissionQuotaExceeded until the window frees), over 3 connections at once (a fourth: 432
4.3.2); Graph allows 4 concurrent requests, 10,000 per 10 minutes and 150 MB of uploads per 5 minutes per app and
mailbox (then 429). Sources and the exact replies: ../shared/reference/next-features.md §5; docs/developer-notes.md,
"Budgets per Microsoft mailbox and tenant limits". The tenant may set lower limits of its own, which only its admin
knows: the outbound spam policy's recipients per hour (external and internal; over them the user is blocked, 550
5.1.8, until an admin releases it) and the tenant external recipient rate limit (TERRL, all mailboxes together; then
550 5.7.233). Every number is an option (:class:`..config.Options`).

**Whose budget.** Microsoft counts per mailbox, not per cmxOrganize account: over SMTP the authenticated user's
("Recipient accumulation continues against the authenticated user who submits the messages, no matter which mailbox
address is used in the From field", defender-office-365 outbound-spam-policies-send-as-send-on-behalf.md, 07/27/2026;
the Exchange Online limits page: sending from another mailbox "is counted against the delegate with rights and not
the mailbox that's being sent from"), over Graph per app and mailbox (throttling-limits, Outlook service). The plugin
sends over Graph with ``/me/sendMail``, so the mailbox is the signed-in user's too (inferred: the request names /me;
Graph's page does not discuss Send As), and an instance has one app registration. So the key is the signed-in user's
``tenant id:object id`` (:func:`mailbox_key`): two accounts signed in as the same person share one budget, an account
sending as a shared mailbox counts against the person who signed in, and an account nobody signed in to yet has its
own (``account:<id>``). The tenant's external recipients (TERRL) are one budget for the instance (:data:`INSTANCE`).

**How.** Every permitted send is a row of ``m365_send`` (when, the budget, recipients, external ones, uploaded bytes,
finished); the decision whether the next mail may go is taken under the budget's row of ``m365_budget`` — updating
that row first makes concurrent decisions for one mailbox wait for each other (a row lock on PostgreSQL, the write
lock on SQLite), so their answers add up. When the messages window is full, each mail asking gets its own place in
line (the next opening nobody has yet), so that waiting mails come back one at a time; what holds for every mail (all
places given, another window full) is written down and read without the lock. The host asks
before each queued mail (:func:`cmx_plugin_m365.sending.mailing.pace`, host API 1.6) and keeps the mail queued,
untouched, until the time this module names. When the server refuses for a limit anyway (its limits may be lower than
configured, or another program sends from the mailbox), the mailbox pauses until its window frees — the mail is never
failed — and the admins are told once a day when sending resumes.

**Clocks.** No answer waits longer than its window, whatever the host's clock did: sends recorded in the future (a
clock that was ahead and has been corrected) are counted as sent now, a pause lasts at most its own length from now,
and a hint written at a later time than now is ignored.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from cmx_hostapi import Budget, Host, MailAccount, Pace

from .. import store
from ..config import Options
from ..diagnosis import Finding
from ..wording import BERLIN, number

SLOT_SECONDS = 300
"""How long a send may hold its slot without finishing (a worker that died frees it after this)."""
BUSY_RETRY = dt.timedelta(seconds=1)
"""When all slots are taken: ask again this soon (a slot frees when a send finishes)."""
INSTANCE = "instance"
"""The budget of the tenant's external recipients (TERRL): one for every mailbox of the instance."""
GRAPH_REQUEST_BYTES = 4 * 1024 * 1024
"""The most one sendMail request uploads (Graph takes 4 MB per request; larger mail is refused before sending): a send
whose size is not recorded yet counts this much against the upload window, and so does the mail asking."""
LINE_LIMIT = 100
"""Up to this many messages per window, waiting mails get places in line (one opening each); above it, the time the
first send leaves the window is written down for all."""
TENANT_RETRY = dt.timedelta(hours=1)
"""After 550 5.7.233/5.7.232: try external recipients again this much later. The tenant's count includes every
mailbox and program, so cmxOrganize cannot know when it frees (MC1023294: "until the volume for the last 24 hours
drops below the quota"); an hour costs one refused mail per hour at most. A choice, not a source."""

LIMIT_KEYS = {
    "554 5.2.0": "recipients",  # SubmissionQuotaExceeded: the rolling 24 hours (smtp-submission-improvements)
    "432 4.3.2": "connections",  # more than 3 connections of one mailbox (same page)
    # TERRL: "further messages sent to external recipients from the tenant will be blocked until the volume for the
    # last 24 hours drops below the quota" (MC1023294); 5.7.232 for trial tenants (the NDR table of Exchange Online,
    # SupportArticles-docs non-delivery-reports-in-exchange-online.md). The whole instance's external mail pauses.
    "550 5.7.233": "tenant",
    "550 5.7.232": "tenant",
    # Graph passes Exchange's submission quota through (EWS ResponseCode ErrorSubmissionQuotaExceeded: "the
    # submission quota has been reached").
    "graph:ErrorSubmissionQuotaExceeded": "recipients",
    # 429 with Retry-After: an app and mailbox over Outlook's limits (throttling-limits; ApplicationThrottled
    # "MailboxConcurrency": magodo/terraform-provider-outlook#21), Graph's own throttling code activityLimitReached
    # ("The app or user has been throttled", concepts/errors.md).
    "graph:ApplicationThrottled": "graph",
    "graph:http-429": "graph",
    "graph:activityLimitReached": "graph",
    # EWS's throttling errors, passed through by Graph ("EWS throttling in Exchange", errors generated when throttling
    # limits are exceeded): ErrorExceededConnectionCount ("more concurrent requests against the server than are
    # allowed by a user's policy", EWSMaxConcurrency), ErrorServerBusy ("the server is busy", with a BackOffMilliseconds
    # to wait); ErrorTooManyObjectsOpened: "an internal limit on open objects has been exceeded" (ResponseCode).
    "graph:ErrorExceededConnectionCount": "connections",
    "graph:ErrorTooManyObjectsOpened": "connections",
    "graph:ErrorServerBusy": "graph",
    # Not here, on purpose: 550 5.1.8 and 5.7.50x — the user is blocked (the outbound spam policy's BlockUser, or
    # spam): nothing frees by itself, an admin must release it. The catalogue holds the mail as a configuration problem.
}
"""Refusals that mean "this mailbox (or the tenant) is over a limit": it pauses instead of failing the mail."""

_current = threading.local()
"""The send :func:`permit` reserved in this thread, for :func:`uploading` (the host delivers in the same thread)."""


def margin(window: dt.timedelta) -> dt.timedelta:
    """A send counts this much longer than its window: a mail permitted at 12:00:00.000 reaches Exchange a little
    later, so the server's window ends later than ours (1 s for a minute; less for the short windows of tests)."""
    return min(window * 0.05, dt.timedelta(seconds=1))


def mailbox_key(account_id: int, state: store.AccountState | None) -> str:
    """The budget a mail of this account counts against: its signed-in Microsoft user (module docstring)."""
    if state is not None and state.by_app and state.tenant_id and state.signed_in_as:
        # The app permission: no user object; Exchange counts the mailbox the app authenticated for (user=).
        return f"{state.tenant_id.lower()}:mailbox:{state.signed_in_as.lower()}"
    if state is not None and state.tenant_id and state.user_oid:
        return f"{state.tenant_id.lower()}:{state.user_oid.lower()}"
    return f"account:{account_id}"


def tenant_limit(options: Options) -> int:
    """The tenant's external recipients per ``terrl_seconds`` (0: not kept): ``500 × licences^0.7 + 9,500``, 5,000 for
    a trial tenant (Exchange Team blog, 2025-02-24; MC1023294), or the number the admin entered."""
    if options.terrl_limit:
        return options.terrl_limit
    if options.terrl_trial:
        return 5_000
    if options.terrl_licenses:
        return math.floor(500 * options.terrl_licenses**0.7 + 9_500)
    return 0


@dataclass(frozen=True)
class Limits:
    messages: int | None
    messages_window: dt.timedelta
    recipients: int
    recipients_window: dt.timedelta
    concurrent: int
    external_per_hour: int = 0
    internal_per_hour: int = 0
    hour: dt.timedelta = dt.timedelta(hours=1)
    upload_bytes: int = 0
    upload_window: dt.timedelta = dt.timedelta(minutes=5)
    tenant_external: int = 0
    tenant_window: dt.timedelta = dt.timedelta(days=1)

    @classmethod
    def of(cls, options: Options, on_graph: bool) -> Limits:
        """The route's limits: SMTP submission, or Graph (no messages per minute, 10,000 requests per 10 minutes,
        uploads per 5 minutes); the tenant's own limits apply to both."""
        common = {
            "recipients": options.limit_recipients,
            "recipients_window": dt.timedelta(seconds=options.limit_recipients_seconds),
            "external_per_hour": options.recipient_limit_external_per_hour,
            "internal_per_hour": options.recipient_limit_internal_per_hour,
            "hour": dt.timedelta(seconds=options.recipient_limit_hour_seconds),
            "tenant_external": tenant_limit(options),
            "tenant_window": dt.timedelta(seconds=options.terrl_seconds),
        }
        if on_graph:
            return cls(
                options.limit_graph_requests,
                dt.timedelta(seconds=options.limit_graph_seconds),
                concurrent=options.limit_graph_concurrent,
                upload_bytes=int(options.limit_graph_upload_mb * 1024 * 1024),
                upload_window=dt.timedelta(seconds=options.limit_graph_upload_seconds),
                **common,
            )
        return cls(
            options.limit_messages,
            dt.timedelta(seconds=options.limit_messages_seconds),
            concurrent=options.limit_connections,
            **common,
        )

    @property
    def longest(self) -> dt.timedelta:
        """The longest window kept: older sends no longer count for anything."""
        return max(self.messages_window, self.recipients_window, self.hour, self.upload_window, self.tenant_window)


@dataclass(frozen=True)
class Mail:
    """The mail asking: its recipients, and how many of them are external (None: the host gave only a number — then
    every recipient counts as external and as internal, which is never less than Microsoft counts)."""

    recipients: int
    external: int | None = None

    @property
    def outside(self) -> int:
        return self.recipients if self.external is None else self.external

    @property
    def inside(self) -> int:
        return self.recipients if self.external is None else self.recipients - self.external


def internal_domains(options: Options, address: str) -> frozenset[str]:
    """The domains whose recipients are internal: the option, or the account address's own domain. Microsoft counts
    as external a recipient whose domain is not an accepted domain of the tenant (TERRL announcement)."""
    value = options.internal_domains
    names = value.split(",") if isinstance(value, str) else list(value)
    domains = {n.strip().lower().lstrip("@") for n in names if n.strip()}
    if not domains and "@" in address:
        domains = {address.rsplit("@", 1)[1].lower()}
    return frozenset(domains)


def classify(recipients: int | Sequence[str], domains: frozenset[str]) -> Mail:
    """The mail's recipients — a number (host API 1.6) or the addresses — as counted by the windows."""
    if isinstance(recipients, int):
        return Mail(recipients)
    outside = sum(1 for r in recipients if r.rsplit("@", 1)[-1].strip().strip(">").lower() not in domains)
    return Mail(len(recipients), outside)


# -- the decision ------------------------------------------------------------------------------------------------------


def permit(
    host: Host,
    account_id: int,
    recipients: int | Sequence[str],
    *,
    on_graph: bool,
    state: store.AccountState | None = None,
    address: str = "",
    now: dt.datetime | None = None,
) -> Pace:
    """May a mail with ``recipients`` go now? Reserves its place in the budget when it may.

    Called for every queued mail, so it reads only what the decision needs (counts and a row or two, by index), never
    the mailbox's whole day of sends; a mail that must wait behind one that waited already costs one read."""
    _current.send = None  # a mail that waits has nothing reserved; what an earlier mail reserved is not its
    options = Options.of(host)
    limits = Limits.of(options, on_graph)
    key = mailbox_key(account_id, state)
    mail = classify(recipients, internal_domains(options, address))
    tenant = bool(limits.tenant_external and mail.outside)
    hinted = _hinted(host, key, mail, now or store.utcnow())
    if hinted is not None:
        return hinted
    with host.db.transaction(lock=True) as tx:
        _lock(tx, [key, INSTANCE] if tenant else [key], now or store.utcnow())
        moment = now or store.utcnow()  # after the lock: a decision that waited for it counts from when it is taken
        rows = _unstepped(tx, _rows(tx, [key, INSTANCE]), moment)
        paused = _paused(rows, mail, moment)
        if paused is not None:
            return paused
        if tenant:
            _cap_future(tx, None, moment)  # the tenant's window counts every mailbox's sends
        wait = _wait(tx, key, mail, limits, moment, rows.get(key, {}).get("line_n") or 0)
        if wait is not None:
            if wait.hint is not None:
                tx.execute(
                    "UPDATE m365_budget SET next_at = :u, next_until = :v, next_from = :now, next_reason = :r, "
                    "next_for = :n WHERE mailbox = :k",
                    {
                        "u": wait.until,
                        "v": wait.holds_until or wait.until,
                        "now": moment,
                        "r": wait.reason,
                        "n": wait.hint,
                        "k": key,
                    },
                )
            if wait.line is not None:
                tx.execute("UPDATE m365_budget SET line_n = :n WHERE mailbox = :k", {"n": wait.line, "k": key})
            return Pace(wait.until, wait.reason)
        # One place in line is used up (whoever takes it), and what was written down no longer holds.
        tx.execute(
            "UPDATE m365_budget SET line_n = CASE WHEN line_n > 0 THEN line_n - 1 ELSE 0 END, next_at = NULL "
            "WHERE mailbox = :k",
            {"k": key},
        )
        send_id = uuid.uuid4().hex
        tx.execute(
            "INSERT INTO m365_send (id, account_id, mailbox, at, recipients, external, finished, until) "
            "VALUES (:id, :a, :k, :now, :r, :x, :no, :until)",
            {
                "id": send_id,
                "a": account_id,
                "k": key,
                "now": moment,
                "r": mail.recipients,
                "x": mail.external,
                "no": False,
                "until": moment + dt.timedelta(seconds=SLOT_SECONDS),
            },
        )
    _current.send = (id(host), send_id)
    horizon = moment - limits.longest - dt.timedelta(seconds=1)  # what no window counts any more
    return Pace(done=lambda sent: _finish(host, send_id, key, sent, horizon))


def _hinted(host: Host, key: str, mail: Mail, now: dt.datetime) -> Pace | None:
    """Without a lock: a pause, or a decision a moment ago that found the budget full for a mail like this one."""
    with host.db.transaction() as tx:
        rows = _rows(tx, [key, INSTANCE])
    if any(r["paused_at"] is not None and _time(r["paused_at"]) > now for r in rows.values()):
        return None  # the clock went back since a pause began: decided (and written down) under the lock
    paused = _paused(rows, mail, now)
    if paused is not None:
        return paused
    row = rows.get(key)
    if row is None or row["next_at"] is None or row["next_from"] is None:
        return None
    until, since = _time(row["next_at"]), _time(row["next_from"])
    holds = _time(row["next_until"]) if row["next_until"] is not None else until
    fits = row["next_for"] == 0 or (mail.external is None and mail.recipients >= row["next_for"])
    if since <= now < holds and fits:  # a hint from a later time than now: the clock went back; decide afresh
        return Pace(until, row["next_reason"])
    return None


def _rows(tx, keys: list[str]) -> dict[str, dict]:
    found = tx.execute(
        "SELECT mailbox, paused_until, paused_at, reason, told_on, next_at, next_until, next_from, next_reason, "
        "next_for, line_n "
        "FROM m365_budget WHERE mailbox IN (" + ", ".join(f":k{i}" for i in range(len(keys))) + ")",
        {f"k{i}": k for i, k in enumerate(keys)},
    ).fetchall()
    return {row["mailbox"]: dict(row) for row in found}


def _lock(tx, keys: list[str], now: dt.datetime) -> dict[str, dict]:
    """Update the budgets' rows (making them first if need be): the lock that serializes decisions. Mailbox before
    instance, always in that order."""
    for key in keys:
        updated = tx.execute("UPDATE m365_budget SET touched = :now WHERE mailbox = :k", {"now": now, "k": key})
        if not updated.rowcount:
            tx.execute(
                "INSERT INTO m365_budget (mailbox, touched) VALUES (:k, :now) ON CONFLICT (mailbox) DO NOTHING",
                {"k": key, "now": now},
            )
            tx.execute("UPDATE m365_budget SET touched = :now WHERE mailbox = :k", {"now": now, "k": key})
    return _rows(tx, keys)


def _paused(rows: dict[str, dict], mail: Mail, now: dt.datetime) -> Pace | None:
    """The mailbox's pause, or the tenant's for a mail with external recipients (550 5.7.233 pauses them all, whether
    or not the instance counts them itself)."""
    for key, row in rows.items():
        if key == INSTANCE and not mail.outside:
            continue
        until = _pause_until(row, now)
        if until is not None:
            return Pace(until, _tenant_reason(row["reason"]) if key == INSTANCE else _paused_reason(row["reason"]))
    return None


def _pause_until(row: dict | None, now: dt.datetime) -> dt.datetime | None:
    """When the row's pause ends, as seen now: never later than its own length from now (a clock set back since it
    began; :func:`_unstepped` writes that down)."""
    if row is None or row["paused_until"] is None:
        return None
    until = _time(row["paused_until"])
    began = _time(row["paused_at"]) if row["paused_at"] is not None else None
    if began is not None and began > now:
        until = min(until, now + (until - began))
    return until if until > now else None


def _unstepped(tx, rows: dict[str, dict], now: dt.datetime) -> dict[str, dict]:
    """Pauses that began later than now (the clock was set back since): from now on they last what was left of them,
    so that they end — computing it afresh at each look would push the end ahead with the clock."""
    for key, row in rows.items():
        if row["paused_at"] is not None and _time(row["paused_at"]) > now and row["paused_until"] is not None:
            until = _pause_until(row, now)
            tx.execute(
                "UPDATE m365_budget SET paused_until = :u, paused_at = :now WHERE mailbox = :k",
                {"u": until or now, "now": now, "k": key},
            )
            rows[key] = {**row, "paused_until": until or now, "paused_at": now}
    return rows


def _cap_future(tx, key: str | None, now: dt.datetime) -> None:
    """Sends recorded later than now (the clock was ahead and has been corrected) count as sent now: they leave the
    windows one window from now, not the clock's error later. ``key`` None: every mailbox's (an index range that
    matches nothing on a good clock)."""
    if key is None:
        tx.execute("UPDATE m365_send SET at = :now WHERE at > :now", {"now": now})
    else:
        tx.execute("UPDATE m365_send SET at = :now WHERE mailbox = :k AND at > :now", {"now": now, "k": key})


@dataclass(frozen=True)
class _Wait:
    until: dt.datetime
    reason: str
    hint: int | None = None
    """Write it down for the mails after this one: 0 for any mail, n for mails of n or more recipients."""
    line: int | None = None
    """The new number of mails with a place at the full window's openings."""
    holds_until: dt.datetime | None = None
    """Until when what is written down holds (``until`` when None)."""


def _wait(tx, key: str, mail: Mail, limits: Limits, now: dt.datetime, line: int) -> _Wait | None:
    """When the next mail may go and why; None for now. A few statements, each by index: the mailbox's newest sends
    (its messages window), one sum over its windows and slots, and only when a window is over, when it frees."""
    a = {"k": key}
    lined = bool(limits.messages) and limits.messages <= LINE_LIMIT
    newest = tx.execute(
        "SELECT at FROM m365_send WHERE mailbox = :k ORDER BY at DESC LIMIT :n",
        {**a, "n": limits.messages if lined else 1},
    ).fetchall()
    if newest and _time(newest[0]["at"]) > now:
        _cap_future(tx, key, now)
        newest = [{"at": min(_time(row["at"]), now)} for row in newest]
    if limits.messages:
        minute = limits.messages_window + margin(limits.messages_window)
        reason = f"{number(limits.messages)} Mails je {_span(limits.messages_window)} erreicht"
        if not lined:  # Graph's 10,000 per 10 minutes: not worth a line
            # The limit-th newest send of the window: once it has left the window, one more may go.
            full = tx.execute(
                "SELECT at FROM m365_send WHERE mailbox = :k AND at > :since ORDER BY at DESC LIMIT 1 OFFSET :n",
                {**a, "since": now - minute, "n": limits.messages - 1},
            ).fetchone()
            if full is not None:
                return _Wait(_time(full["at"]) + minute, reason, hint=0)
        elif len(newest) >= limits.messages and _time(newest[-1]["at"]) > now - minute:
            # One more may go each time a send of the full window leaves it. Each mail asking gets the next of these
            # openings nobody has yet (a place in line), so that they come back one at a time instead of all at the
            # first; each permitted send uses a place up. When every opening has its mail, the others come back after
            # the last one (written down, so that they need no lock to hear it).
            openings = sorted(_time(row["at"]) + minute for row in newest)
            if openings[0] - now < minute / limits.messages:
                return _Wait(openings[0], reason)  # its place has come, a moment before the opening
            if line < len(openings):
                return _Wait(openings[line], reason, line=line + 1)
            # Until the first opening: then the mail whose place it is comes, and must not be sent to the end.
            return _Wait(openings[-1], reason, hint=0, holds_until=openings[0])
    windows = [w for w in _windows(limits, mail) if w.amount > 0]
    mailbox = [w for w in windows if w.scope != INSTANCE]
    slot = now - dt.timedelta(seconds=SLOT_SECONDS)
    spans = [w.span + margin(w.span) for w in mailbox]
    params = {
        **a,
        "no": False,
        "reserve": GRAPH_REQUEST_BYTES,
        "slot": slot,
        "since": min([now - x for x in spans] + [slot]),
    }
    sums = "".join(
        f"coalesce(sum(CASE WHEN at > :s{i} THEN {w.counts} ELSE 0 END), 0) AS w{i}, " for i, w in enumerate(mailbox)
    )
    counted = tx.execute(
        f"SELECT {sums}count(CASE WHEN finished = :no AND at > :slot THEN 1 END) AS busy "  # noqa: S608
        "FROM m365_send WHERE mailbox = :k AND at > :since",
        {**params, **{f"s{i}": now - x for i, x in enumerate(spans)}},
    ).fetchone()
    size = mail.recipients if mail.external is None else None
    for window in windows:
        scoped = window.scope != INSTANCE
        where, base = ("mailbox = :k", a) if scoped else ("1 = 1", {})
        span = window.span + margin(window.span)
        since = {**base, "since": now - span, "no": False, "reserve": GRAPH_REQUEST_BYTES}
        if scoped:
            total = counted[f"w{mailbox.index(window)}"]
        else:
            total = tx.execute(
                f"SELECT coalesce(sum({window.counts}), 0) AS n FROM m365_send WHERE {where} AND at > :since",  # noqa: S608
                since,
            ).fetchone()["n"]
        if total + window.amount <= window.limit:
            continue
        if window.amount > window.limit:
            return _Wait(now + window.span, window.too_big)
        rows = tx.execute(
            f"SELECT at, {window.counts} AS n FROM m365_send WHERE {where} AND at > :since ORDER BY at",  # noqa: S608
            since,
        ).fetchall()
        for row in rows:  # the earliest moment enough has left the rolling window
            total -= row["n"]
            if total + window.amount <= window.limit:
                return _Wait(_time(row["at"]) + span, window.reason, size if scoped else None)
        return _Wait(now + span, window.reason)
    # Last, because it frees soonest: the windows' answers are written down for the mails after this one.
    if counted["busy"] >= limits.concurrent:
        return _Wait(now + BUSY_RETRY, _busy_reason(limits.concurrent))
    return None


def _busy_reason(concurrent: int) -> str:
    return f"{concurrent} Sendungen gleichzeitig laufen schon (Grenze des Postfachs)"


@dataclass(frozen=True)
class _Window:
    scope: str
    counts: str
    """What a send counts in the window (an SQL expression over m365_send)."""
    amount: int
    """What the mail asking would add."""
    limit: int
    span: dt.timedelta
    reason: str
    too_big: str


_EXTERNAL = "coalesce(external, recipients)"
_INTERNAL = "CASE WHEN external IS NULL THEN recipients ELSE recipients - external END"
_UPLOADED = "coalesce(bytes, CASE WHEN finished = :no THEN :reserve ELSE 0 END)"


def _windows(limits: Limits, mail: Mail) -> list[_Window]:
    """The windows a mail must fit, the mailbox's first; only those that are kept."""
    windows = [
        _Window(
            "mailbox",
            "recipients",
            mail.recipients,
            limits.recipients,
            limits.recipients_window,
            f"{number(limits.recipients)} Empfänger je {_span(limits.recipients_window)} erreicht",
            "die Mail hat mehr Empfänger, als das Tageslimit erlaubt",
        )
    ]
    if limits.external_per_hour:
        windows.append(
            _Window(
                "mailbox",
                _EXTERNAL,
                mail.outside,
                limits.external_per_hour,
                limits.hour,
                f"{number(limits.external_per_hour)} externe Empfänger je {_span(limits.hour)} erreicht "
                "(Richtlinie Ihrer Organisation)",
                "die Mail hat mehr externe Empfänger, als die Richtlinie Ihrer Organisation je "
                f"{_span(limits.hour)} erlaubt – bitte auf mehrere Mails aufteilen",
            )
        )
    if limits.internal_per_hour:
        windows.append(
            _Window(
                "mailbox",
                _INTERNAL,
                mail.inside,
                limits.internal_per_hour,
                limits.hour,
                f"{number(limits.internal_per_hour)} interne Empfänger je {_span(limits.hour)} erreicht "
                "(Richtlinie Ihrer Organisation)",
                "die Mail hat mehr interne Empfänger, als die Richtlinie Ihrer Organisation je "
                f"{_span(limits.hour)} erlaubt – bitte auf mehrere Mails aufteilen",
            )
        )
    if limits.upload_bytes:
        windows.append(
            _Window(
                "mailbox",
                _UPLOADED,
                GRAPH_REQUEST_BYTES,
                limits.upload_bytes,
                limits.upload_window,
                f"{_megabytes(limits.upload_bytes)} Upload über Microsoft Graph je {_span(limits.upload_window)} "
                "erreicht",
                f"das Upload-Limit über Microsoft Graph ({_megabytes(limits.upload_bytes)} je "
                f"{_span(limits.upload_window)}) ist kleiner als eine Mail sein darf",
            )
        )
    if limits.tenant_external:
        windows.append(
            _Window(
                INSTANCE,
                _EXTERNAL,
                mail.outside,
                limits.tenant_external,
                limits.tenant_window,
                f"{number(limits.tenant_external)} externe Empfänger je {_span(limits.tenant_window)} für die ganze "
                "Organisation erreicht (alle E-Mailkonten zusammen)",
                "die Mail hat mehr externe Empfänger, als Ihre Organisation je "
                f"{_span(limits.tenant_window)} senden darf",
            )
        )
    return windows


def _time(value) -> dt.datetime:
    """A time from the database: SQLite gives an aggregate's back as text (an aggregate has no column type)."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _finish(host: Host, send_id: str, key: str, sent: bool, horizon: dt.datetime) -> None:
    """The attempt is over: a sent mail stays in the windows; one that was not sent gives its place back (and with it
    what the last decisions wrote down about a full budget). Sends no window counts any more are deleted here, outside
    the decisions' lock."""
    with host.db.transaction() as tx:
        tx.execute("DELETE FROM m365_send WHERE mailbox = :k AND at < :h", {"k": key, "h": horizon})
        if sent:
            tx.execute("UPDATE m365_send SET finished = :yes WHERE id = :id", {"yes": True, "id": send_id})
        else:
            tx.execute("DELETE FROM m365_send WHERE id = :id", {"id": send_id})
            tx.execute("UPDATE m365_budget SET next_at = NULL WHERE mailbox = :k", {"k": key})


def uploading(host: Host, message_bytes: int) -> None:
    """The mail this thread was permitted goes over Graph with ``message_bytes`` of MIME: record what it uploads
    (base64, 4/3 of the size) in place of the reservation."""
    reserved = getattr(_current, "send", None)
    if reserved is None or reserved[0] != id(host):
        return
    uploaded = 4 * math.ceil(message_bytes / 3)
    with host.db.transaction() as tx:
        tx.execute("UPDATE m365_send SET bytes = :b WHERE id = :id", {"b": uploaded, "id": reserved[1]})


def _span(window: dt.timedelta) -> str:
    seconds = window.total_seconds()
    if seconds == 86_400:
        return "24 Stunden"
    if seconds == 3600:
        return "Stunde"
    if seconds == 60:
        return "Minute"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} Stunden"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} Minuten"
    return f"{seconds:g} Sekunden"


def _megabytes(value: float) -> str:
    mb = value / 1024 / 1024
    return f"{mb:.1f} MB".replace(".", ",") if mb < 10 else f"{number(round(mb))} MB"


def _paused_reason(code: str | None) -> str:
    return f"Microsoft hat ein Sendelimit gemeldet ({code}); der Versand dieses Postfachs ruht bis dahin"


def _tenant_reason(code: str | None) -> str:
    return (
        f"Microsoft hat das Tageslimit Ihrer Organisation für externe Empfänger gemeldet ({code}); Mails an externe "
        "Empfänger ruhen bei allen E-Mailkonten bis dahin"
    )


# -- when the server refuses anyway -------------------------------------------------------------------------------


def refused(host: Host, account: MailAccount, finding: Finding, retry_after: float | None) -> float | None:
    """The server refused for a limit: pause the mailbox (for TERRL: every mailbox's external mail) until its window
    frees, tell the admins once a day.

    Returns the seconds until then (for the mail's ``retry_after``), or None when the refusal is not about a limit.
    """
    limit = LIMIT_KEYS.get(finding.entry.key)
    if limit is None:
        return None
    now = store.utcnow()
    options = Options.of(host)
    key = INSTANCE if limit == "tenant" else mailbox_key(account.id, store.account_state(host, account.id))
    if retry_after:
        until = now + dt.timedelta(seconds=retry_after)
    elif limit == "recipients":
        until = _window_frees(host, key, now, dt.timedelta(seconds=options.limit_recipients_seconds))
    elif limit == "tenant":
        until = now + min(TENANT_RETRY, dt.timedelta(seconds=options.terrl_seconds))
    else:
        until = now + dt.timedelta(seconds=10)  # a connection or request frees within seconds
    with host.db.transaction(lock=True) as tx:
        _lock(tx, [key], now)
        tx.execute(
            "UPDATE m365_budget SET paused_until = :u, paused_at = :now, reason = :r, next_at = NULL "
            "WHERE mailbox = :k AND (paused_until IS NULL OR paused_until < :u OR paused_at > :now)",
            {"u": until, "now": now, "r": finding.code, "k": key},
        )
        paused = _rows(tx, [key])[key]
        today = now.astimezone(BERLIN).date().isoformat()
        tell = limit in ("recipients", "tenant") and paused["told_on"] != today
        if tell:
            tx.execute("UPDATE m365_budget SET told_on = :d WHERE mailbox = :k", {"d": today, "k": key})
    until = _pause_until(paused, now) or now
    if tell:
        _tell(host, account, finding, until, tenant=limit == "tenant")
    return max((until - now).total_seconds(), 1.0)


def _window_frees(host: Host, key: str, now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """Microsoft counts fewer than we thought (a lower limit, or another program sending): wait until the oldest
    send we know of has left the rolling window — or, knowing none, an hour."""
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT min(at) AS oldest FROM m365_send WHERE mailbox = :k AND at > :since",
            {"k": key, "since": now - window},
        ).fetchone()
    oldest = _time(row["oldest"]) if row and row["oldest"] is not None else None
    if oldest is None:
        return now + min(window, dt.timedelta(hours=1))
    return max(min(oldest, now) + window, now + dt.timedelta(seconds=1))


def _tell(host: Host, account: MailAccount, finding: Finding, until: dt.datetime, *, tenant: bool) -> None:
    when = until.astimezone(BERLIN).strftime("%d.%m.%Y um %H:%M Uhr")
    if tenant:
        subject = f"Versand an externe Empfänger pausiert bis {when}"
        text = (
            "Microsoft hat gemeldet, dass Ihre Organisation ihr Tageslimit für Mails an externe Empfänger erreicht "
            f"hat ({finding.code}, „{finding.entry.title}“). Es zählen alle Postfächer und Programme der Organisation "
            f"zusammen. Keine Mail geht verloren: Mails an externe Empfänger warten bei allen E-Mailkonten, und "
            f"cmxOrganize versucht es ab etwa {when} erneut. Damit es nicht wieder geschieht, tragen Sie in den "
            "Einstellungen des Plugins die Zahl der Lizenzen Ihrer Organisation ein (terrl_licenses) oder den Anteil, "
            "den cmxOrganize nutzen darf (terrl_limit)."
        )
    else:
        subject = f"E-Mailkonto {account.address}: Versand pausiert bis {when}"
        text = (
            f"Microsoft hat für das Postfach {account.address} ein Sendelimit gemeldet ({finding.code}, "
            f"„{finding.entry.title}“). Keine Mail geht verloren: Die Mails dieses Postfachs warten (auch die anderer "
            f"E-Mailkonten mit derselben Anmeldung bei Microsoft) und gehen ab etwa {when} weiter hinaus; die anderen "
            "E-Mailkonten senden weiter. Bei regelmäßig großen Mengen hilft, sie auf "
            "mehrere Postfächer zu verteilen; ein niedrigeres Limit Ihres Mandanten tragen Sie in den Einstellungen "
            "des Plugins ein (limit_recipients)."
        )
    store.add_event(host, "paused", text, account_id=account.id, code=finding.code)
    host.notify("admins", subject, text, account_id=account.id)


# -- for the queue page ------------------------------------------------------------------------------------------


def budget(host: Host, account_id: int, *, state: store.AccountState, now: dt.datetime | None = None) -> Budget:
    """What the mailbox sent in its windows against the limits, whom it shares them with, and a pause, for the host's
    queue page."""
    now = now or store.utcnow()
    options = Options.of(host)
    on_graph = state.route_in_use == store.ROUTE_GRAPH
    limits = Limits.of(options, on_graph)
    key = mailbox_key(account_id, state)
    with host.db.transaction() as tx:
        counted = tx.execute(
            "SELECT coalesce(sum(CASE WHEN at > :day THEN recipients ELSE 0 END), 0) AS recipients, "  # noqa: S608
            "coalesce(sum(CASE WHEN at > :minute THEN 1 ELSE 0 END), 0) AS messages, "
            f"coalesce(sum(CASE WHEN at > :hour THEN {_EXTERNAL} ELSE 0 END), 0) AS external, "
            f"coalesce(sum(CASE WHEN at > :hour THEN {_INTERNAL} ELSE 0 END), 0) AS internal, "
            "coalesce(sum(CASE WHEN at > :upload THEN coalesce(bytes, 0) ELSE 0 END), 0) AS uploaded "
            "FROM m365_send WHERE mailbox = :k",
            {
                "k": key,
                "day": now - limits.recipients_window,
                "minute": now - limits.messages_window,
                "hour": now - limits.hour,
                "upload": now - limits.upload_window,
            },
        ).fetchone()
        tenant = None
        if limits.tenant_external:
            tenant = tx.execute(
                f"SELECT coalesce(sum({_EXTERNAL}), 0) AS n FROM m365_send WHERE at > :since",  # noqa: S608
                {"since": now - limits.tenant_window},
            ).fetchone()["n"]
        rows = _rows(tx, [key, INSTANCE])
    facts = [
        (
            f"Empfänger in {_span(limits.recipients_window)}",
            f"{number(counted['recipients'])} von {number(limits.recipients)}",
        )
    ]
    if limits.messages:
        label = "Anfragen an Microsoft Graph" if on_graph else "Mails"
        facts.append(
            (
                f"{label} je {_span(limits.messages_window)}",
                f"{number(counted['messages'])} von {number(limits.messages)}",
            )
        )
    if limits.external_per_hour:
        facts.append(
            (
                f"Externe Empfänger je {_span(limits.hour)}",
                f"{number(counted['external'])} von {number(limits.external_per_hour)}",
            )
        )
    if limits.internal_per_hour:
        facts.append(
            (
                f"Interne Empfänger je {_span(limits.hour)}",
                f"{number(counted['internal'])} von {number(limits.internal_per_hour)}",
            )
        )
    if limits.upload_bytes:
        facts.append(
            (
                f"Upload über Microsoft Graph je {_span(limits.upload_window)}",
                f"{_megabytes(counted['uploaded'])} von {_megabytes(limits.upload_bytes)}",
            )
        )
    if tenant is not None:
        facts.append(
            (
                f"Externe Empfänger der Organisation in {_span(limits.tenant_window)} (alle E-Mailkonten)",
                f"{number(tenant)} von {number(limits.tenant_external)}",
            )
        )
    shared = _sharing(host, account_id, key)
    if shared:
        facts.append(("Gemeinsames Budget mit", ", ".join(shared) + " (dieselbe Anmeldung bei Microsoft)"))
    for name in (key, INSTANCE):
        until = _pause_until(rows.get(name), now)
        if until is not None:
            reason = rows[name]["reason"]
            return Budget(tuple(facts), until, _tenant_reason(reason) if name == INSTANCE else _paused_reason(reason))
    return Budget(tuple(facts), None, "")


def _sharing(host: Host, account_id: int, key: str) -> list[str]:
    """The other accounts whose mail counts against the same budget (signed in as the same Microsoft user)."""
    if key.startswith("account:"):
        return []
    others = []
    for other in store.all_account_states(host):
        if other.account_id != account_id and mailbox_key(other.account_id, other) == key:
            account = host.mail_account(other.account_id)
            if account is not None:
                others.append(account.address)
    return sorted(others)
