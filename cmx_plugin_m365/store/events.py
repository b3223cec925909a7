"""``m365_event``: the trail of what happened, per account and for the instance (repeats folded)."""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host

from .values import CODE, LINE, bounded, utcnow

FOLD_WITHIN = dt.timedelta(hours=1)


def add_event(host: Host, kind: str, text: str, *, account_id: int | None = None, code: str | None = None) -> None:
    """Add to the trail; the same event as the account's latest (kind and text), within an hour, only counts up."""
    now = utcnow()
    text, code = bounded(text, LINE), bounded(code, CODE)
    with host.db.transaction(lock=True) as tx:  # read, then write: take SQLite's write lock from the start
        whose = "account_id IS NULL" if account_id is None else "account_id = :a"
        latest = tx.execute(
            f"SELECT id, kind, text, at FROM m365_event WHERE {whose} ORDER BY id DESC LIMIT 1",  # noqa: S608
            {"a": account_id},
        ).fetchone()
        if latest and (latest["kind"], latest["text"]) == (kind, text) and now - latest["at"] < FOLD_WITHIN:
            tx.execute(
                "UPDATE m365_event SET repeats = repeats + 1, at = :at WHERE id = :id", {"at": now, "id": latest["id"]}
            )
            return
        tx.execute(
            "INSERT INTO m365_event (at, account_id, kind, code, text) VALUES (:at, :a, :k, :c, :t)",
            {"at": now, "a": account_id, "k": kind, "c": code, "t": text},
        )


def last_event_code(host: Host, account_id: int) -> str | None:
    with host.db.transaction() as tx:
        row = tx.execute(
            "SELECT code FROM m365_event WHERE account_id = :a ORDER BY id DESC LIMIT 1", {"a": account_id}
        ).fetchone()
    return row["code"] if row else None


def unknown_answers(host: Host, limit: int = 20) -> list[tuple[str, str, int]]:
    """Distinct answers the catalogue did not know: (code, Microsoft's words, how often), most frequent first."""
    with host.db.transaction() as tx:
        rows = tx.execute(
            "SELECT code, MIN(text) AS text, COUNT(*) AS n FROM m365_event WHERE kind = 'unknown_answer' "
            "GROUP BY code ORDER BY n DESC, code LIMIT :n",
            {"n": limit},
        ).fetchall()
    return [(r["code"] or "?", r["text"][:200], r["n"]) for r in rows]


def purge_events(host: Host, before: dt.datetime) -> int:
    with host.db.transaction() as tx:
        return tx.execute("DELETE FROM m365_event WHERE at < :before", {"before": before}).rowcount


def events(host: Host, account_id: int, limit: int = 20) -> list[dict]:
    with host.db.transaction() as tx:
        return tx.execute(
            "SELECT at, kind, code, text, repeats FROM m365_event WHERE account_id = :a ORDER BY id DESC LIMIT :n",
            {"a": account_id, "n": limit},
        ).fetchall()


def last_sign_in(host: Host, account_id: int) -> dict | None:
    """The account's newest sign-in event (started, failed, refused or connected), or None."""
    with host.db.transaction() as tx:
        return tx.execute(
            "SELECT at, kind, code, text FROM m365_event WHERE account_id = :a AND kind IN "
            "('signin_started', 'signin_failed', 'signin_refused', 'connected') ORDER BY id DESC LIMIT 1",
            {"a": account_id},
        ).fetchone()
