"""Exchange Online's limits per mailbox, kept by cmxOrganize so that a batch never runs into them.

Exchange lets a mailbox submit 30 messages a minute over SMTP (more are delayed), 10,000 recipients in a rolling
24 hours (then 554 5.2.0 SubmissionQuotaExceeded until the window frees), over 3 connections at once (a fourth: 432
4.3.2); Graph allows 4 concurrent requests and 10,000 per 10 minutes per app and mailbox (then 429). Sources and the
exact replies: ../shared/reference/next-features.md §5. The numbers are options (:class:`..config.Options`).

One budget per mailbox, shared by all workers: every send is a row of ``m365_send`` (when, how many recipients,
whether it is still under way), and the decision whether the next mail may go is taken under the mailbox's row of
``m365_pace`` — updating that row first makes concurrent decisions for one mailbox wait for each other (a row lock on
PostgreSQL, the write lock on SQLite), so their answers add up. The host asks before each queued mail
(:func:`cmx_plugin_m365.sending.mailing.pace`, host API 1.6) and keeps the mail queued, untouched, until the time
this module names. When the server refuses for a limit anyway (its limits may be lower than configured, or another
program sends from the mailbox), the mailbox pauses until its window frees — the mail is never failed — and the
admins are told once a day when sending resumes.
"""

from __future__ import annotations

import datetime as dt
import uuid
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
LIMIT_KEYS = {
    "554 5.2.0": "recipients",  # SubmissionQuotaExceeded: the rolling 24 hours
    "432 4.3.2": "connections",  # sender thread limit exceeded
    "graph:ApplicationThrottled": "graph",  # 429 MailboxConcurrency / app limits
    "graph:http-429": "graph",
}
"""Refusals that mean "this mailbox is over a limit": it pauses instead of failing the mail."""


def margin(window: dt.timedelta) -> dt.timedelta:
    """A send counts this much longer than its window: a mail permitted at 12:00:00.000 reaches Exchange a little
    later, so the server's window ends later than ours (1 s for a minute; less for the short windows of tests)."""
    return min(window * 0.05, dt.timedelta(seconds=1))


@dataclass(frozen=True)
class Limits:
    messages: int | None
    messages_window: dt.timedelta
    recipients: int
    recipients_window: dt.timedelta
    concurrent: int

    @classmethod
    def of(cls, options: Options, on_graph: bool) -> Limits:
        """The route's limits: SMTP submission, or Graph (no messages per minute, 10,000 requests per 10 minutes)."""
        if on_graph:
            return cls(
                options.limit_graph_requests,
                dt.timedelta(seconds=options.limit_graph_seconds),
                options.limit_recipients,
                dt.timedelta(seconds=options.limit_recipients_seconds),
                options.limit_graph_concurrent,
            )
        return cls(
            options.limit_messages,
            dt.timedelta(seconds=options.limit_messages_seconds),
            options.limit_recipients,
            dt.timedelta(seconds=options.limit_recipients_seconds),
            options.limit_connections,
        )


def permit(host: Host, account_id: int, recipients: int, *, on_graph: bool, now: dt.datetime | None = None) -> Pace:
    """May a mail with ``recipients`` recipients go now? Reserves its place in the budget when it may.

    Called for every queued mail, so it reads only what the decision needs (counts and one row, by index), never
    the mailbox's whole day of sends."""
    now = now or store.utcnow()
    limits = Limits.of(Options.of(host), on_graph)
    with host.db.transaction(lock=True) as tx:
        _lock_mailbox(tx, account_id, now)
        paused = tx.execute(
            "SELECT paused_until, reason FROM m365_pace WHERE account_id = :a", {"a": account_id}
        ).fetchone()
        if paused["paused_until"] is not None and paused["paused_until"] > now:
            return Pace(paused["paused_until"], _paused_reason(paused["reason"]))
        horizon = now - max(limits.recipients_window, limits.messages_window) - dt.timedelta(seconds=1)
        tx.execute("DELETE FROM m365_send WHERE account_id = :a AND at < :h", {"a": account_id, "h": horizon})
        wait = _wait(tx, account_id, recipients, limits, now)
        if wait is not None:
            return Pace(*wait)
        send_id = uuid.uuid4().hex
        tx.execute(
            "INSERT INTO m365_send (id, account_id, at, recipients, finished, until) "
            "VALUES (:id, :a, :now, :r, :no, :until)",
            {
                "id": send_id,
                "a": account_id,
                "now": now,
                "r": recipients,
                "no": False,
                "until": now + dt.timedelta(seconds=SLOT_SECONDS),
            },
        )
    return Pace(done=lambda sent: _finish(host, send_id, sent))


def _lock_mailbox(tx, account_id: int, now: dt.datetime) -> None:
    tx.execute(
        "INSERT INTO m365_pace (account_id, touched) VALUES (:a, :now) ON CONFLICT (account_id) DO NOTHING",
        {"a": account_id, "now": now},
    )
    tx.execute("UPDATE m365_pace SET touched = :now WHERE account_id = :a", {"a": account_id, "now": now})


def _wait(tx, account_id: int, recipients: int, limits: Limits, now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """When the next mail may go and why, or None for now."""
    a = {"a": account_id}
    busy = tx.execute(
        "SELECT count(*) AS n, min(until) AS first FROM m365_send "
        "WHERE account_id = :a AND finished = :no AND until > :now",
        {**a, "no": False, "now": now},
    ).fetchone()
    if busy["n"] >= limits.concurrent:
        return min(now + BUSY_RETRY, _time(busy["first"])), (
            f"{limits.concurrent} Sendungen gleichzeitig laufen schon (Grenze des Postfachs)"
        )
    if limits.messages:
        minute = limits.messages_window + margin(limits.messages_window)
        # The limit-th newest send of the window: once it has left the window, one more may go.
        full = tx.execute(
            "SELECT at FROM m365_send WHERE account_id = :a AND at > :since ORDER BY at DESC LIMIT 1 OFFSET :k",
            {**a, "since": now - minute, "k": limits.messages - 1},
        ).fetchone()
        if full is not None:
            return full["at"] + minute, f"{number(limits.messages)} Mails je {_span(limits.messages_window)} erreicht"
    day = limits.recipients_window + margin(limits.recipients_window)
    since = {**a, "since": now - day}
    total = tx.execute(
        "SELECT coalesce(sum(recipients), 0) AS n FROM m365_send WHERE account_id = :a AND at > :since", since
    ).fetchone()["n"]
    if total + recipients <= limits.recipients:
        return None
    reason = f"{number(limits.recipients)} Empfänger je {_span(limits.recipients_window)} erreicht"
    rows = tx.execute(
        "SELECT at, recipients FROM m365_send WHERE account_id = :a AND at > :since ORDER BY at", since
    ).fetchall()
    for row in rows:  # the earliest moment enough recipients have left the rolling window
        total -= row["recipients"]
        if total + recipients <= limits.recipients:
            return row["at"] + day, reason
    return now + limits.recipients_window, "die Mail hat mehr Empfänger, als das Tageslimit erlaubt"


def _time(value) -> dt.datetime:
    """An aggregate's time: SQLite gives it back as text (an aggregate has no column type)."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _finish(host: Host, send_id: str, sent: bool) -> None:
    """The attempt is over: a sent mail stays in the windows; one that was not sent gives its place back."""
    with host.db.transaction() as tx:
        if sent:
            tx.execute("UPDATE m365_send SET finished = :yes WHERE id = :id", {"yes": True, "id": send_id})
        else:
            tx.execute("DELETE FROM m365_send WHERE id = :id", {"id": send_id})


def _span(window: dt.timedelta) -> str:
    seconds = window.total_seconds()
    if seconds == 86_400:
        return "24 Stunden"
    if seconds == 60:
        return "Minute"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} Stunden"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} Minuten"
    return f"{seconds:g} Sekunden"


def _paused_reason(code: str | None) -> str:
    return f"Microsoft hat ein Sendelimit gemeldet ({code}); der Versand dieses Postfachs ruht bis dahin"


# -- when the server refuses anyway -------------------------------------------------------------------------------


def refused(host: Host, account: MailAccount, finding: Finding, retry_after: float | None) -> float | None:
    """The server refused for a limit: pause the mailbox until its window frees, tell the admins once a day.

    Returns the seconds until then (for the mail's ``retry_after``), or None when the refusal is not about a limit.
    """
    limit = LIMIT_KEYS.get(finding.entry.key)
    if limit is None:
        return None
    now = store.utcnow()
    options = Options.of(host)
    if retry_after:
        until = now + dt.timedelta(seconds=retry_after)
    elif limit == "recipients":
        until = _window_frees(host, account.id, now, dt.timedelta(seconds=options.limit_recipients_seconds))
    else:
        until = now + dt.timedelta(seconds=10)  # a connection or request frees within seconds
    with host.db.transaction(lock=True) as tx:
        _lock_mailbox(tx, account.id, now)
        tx.execute(
            "UPDATE m365_pace SET paused_until = :u, reason = :r WHERE account_id = :a AND "
            "(paused_until IS NULL OR paused_until < :u)",
            {"u": until, "r": finding.code, "a": account.id},
        )
        row = tx.execute("SELECT paused_until, told_on FROM m365_pace WHERE account_id = :a", {"a": account.id})
        paused = row.fetchone()
        today = now.astimezone(BERLIN).date().isoformat()
        tell = limit == "recipients" and paused["told_on"] != today
        if tell:
            tx.execute("UPDATE m365_pace SET told_on = :d WHERE account_id = :a", {"d": today, "a": account.id})
    if tell:
        _tell(host, account, finding, paused["paused_until"])
    return max((paused["paused_until"] - now).total_seconds(), 1.0)


def _window_frees(host: Host, account_id: int, now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """Microsoft counts fewer than we thought (a lower limit, or another program sending): wait until the oldest
    send we know of has left the rolling window — or, knowing none, an hour."""
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT min(at) AS oldest FROM m365_send WHERE account_id = :a AND at > :since",
            {"a": account_id, "since": now - window},
        ).fetchone()
    oldest = _time(row["oldest"]) if row else None
    if oldest is None:
        return now + min(window, dt.timedelta(hours=1))
    return max(oldest + window, now + dt.timedelta(seconds=1))


def _tell(host: Host, account: MailAccount, finding: Finding, until: dt.datetime) -> None:
    when = until.astimezone(BERLIN).strftime("%d.%m.%Y um %H:%M Uhr")
    text = (
        f"Microsoft hat für das Postfach {account.address} ein Sendelimit gemeldet ({finding.code}, "
        f"„{finding.entry.title}“). Keine Mail geht verloren: Die Mails dieses E-Mailkontos warten und gehen ab etwa "
        f"{when} weiter hinaus; die anderen E-Mailkonten senden weiter. Bei regelmäßig großen Mengen hilft, sie auf "
        "mehrere Postfächer zu verteilen; ein niedrigeres Limit Ihres Mandanten tragen Sie in den Einstellungen des "
        "Plugins ein (limit_recipients)."
    )
    store.add_event(host, "paused", text, account_id=account.id, code=finding.code)
    host.notify("admins", f"E-Mailkonto {account.address}: Versand pausiert bis {when}", text, account_id=account.id)


# -- for the queue page ------------------------------------------------------------------------------------------


def budget(host: Host, account_id: int, *, state: store.AccountState, now: dt.datetime | None = None) -> Budget:
    """What the mailbox sent in its windows against the limits, and a pause, for the host's queue page."""
    now = now or store.utcnow()
    options = Options.of(host)
    limits = Limits.of(options, state.route_in_use == store.ROUTE_GRAPH)
    with host.db.transaction() as tx:
        counted = tx.execute(
            "SELECT coalesce(sum(CASE WHEN at > :day THEN recipients ELSE 0 END), 0) AS recipients, "
            "coalesce(sum(CASE WHEN at > :minute THEN 1 ELSE 0 END), 0) AS messages "
            "FROM m365_send WHERE account_id = :a",
            {"a": account_id, "day": now - limits.recipients_window, "minute": now - limits.messages_window},
        ).fetchone()
        paused = tx.execute(
            "SELECT paused_until, reason FROM m365_pace WHERE account_id = :a", {"a": account_id}
        ).fetchone()
    facts = [
        (
            f"Empfänger in {_span(limits.recipients_window)}",
            f"{number(counted['recipients'])} von {number(limits.recipients)}",
        )
    ]
    if limits.messages:
        label = "Anfragen an Microsoft Graph" if state.route_in_use == store.ROUTE_GRAPH else "Mails"
        facts.append(
            (
                f"{label} je {_span(limits.messages_window)}",
                f"{number(counted['messages'])} von {number(limits.messages)}",
            )
        )
    until = paused["paused_until"] if paused and paused["paused_until"] and paused["paused_until"] > now else None
    return Budget(tuple(facts), until, _paused_reason(paused["reason"]) if until else "")
