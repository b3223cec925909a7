"""Small pieces of German that must come out right on every screen: numbers with their nouns, local times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def count(n: int, one: str, many: str) -> str:
    """``count(1, "Tag", "Tagen")`` → "1 Tag", ``count(12, …)`` → "12 Tagen" (no "Tag(en)")."""
    return f"{n} {one if n == 1 else many}"


def when(value: dt.datetime | None) -> str:
    """A moment as people here read it: local time (Europe/Berlin), "28.11.2026 21:08"; "–" for none."""
    return value.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") if value else "–"
