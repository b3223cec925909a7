"""``m365_check``: the latest result of each online check, and claims that let exactly one worker tell people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cmx_hostapi import Host

from .values import CODE, TEXT, bounded, utcnow


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    code: str | None
    text: str
    at: dt.datetime


def record_check(host: Host, name: str, *, ok: bool, text: str, code: str | None = None) -> None:
    text, code = bounded(text, TEXT), bounded(code, CODE)
    with host.db.transaction() as tx:
        tx.execute("DELETE FROM m365_check WHERE name = :n", {"n": name})
        tx.execute(
            "INSERT INTO m365_check (name, ok, code, text, at) VALUES (:n, :ok, :c, :t, :at)",
            {"n": name, "ok": ok, "c": code, "t": text, "at": utcnow()},
        )


def claim_notice(host: Host, name: str, every: dt.timedelta) -> bool:
    """True for exactly one caller per ``every``, however many workers ask at once: who gets it tells people."""
    now = utcnow()
    with host.db.transaction() as tx:
        claimed = tx.execute(
            "UPDATE m365_check SET at = :now WHERE name = :n AND at < :due",
            {"n": f"notice:{name}", "now": now, "due": now - every},
        ).rowcount
        if not claimed:
            claimed = tx.execute(
                "INSERT INTO m365_check (name, ok, code, text, at) VALUES (:n, :ok, NULL, '', :now) "
                "ON CONFLICT (name) DO NOTHING",
                {"n": f"notice:{name}", "ok": True, "now": now},
            ).rowcount
    return claimed == 1


def forget_notice(host: Host, name: str) -> bool:
    """End a claim of :func:`claim_notice` (what it told of is over); True when there was one."""
    with host.db.transaction() as tx:
        return tx.execute("DELETE FROM m365_check WHERE name = :n", {"n": f"notice:{name}"}).rowcount == 1


def checks(host: Host) -> dict[str, CheckResult]:
    with host.db.transaction() as tx:
        rows = tx.execute("SELECT name, ok, code, text, at FROM m365_check WHERE name NOT LIKE 'notice:%'").fetchall()
    return {r["name"]: CheckResult(**{**r, "ok": bool(r["ok"])}) for r in rows}
