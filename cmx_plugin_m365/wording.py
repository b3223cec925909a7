"""Small pieces of German that must come out right on every screen: numbers with their nouns, local times."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def count(n: int, one: str, many: str) -> str:
    """``count(1, "Tag", "Tagen")`` → "1 Tag", ``count(12, …)`` → "12 Tagen" (no "Tag(en)")."""
    return f"{n} {one if n == 1 else many}"


def number(n: int) -> str:
    """A count as people here write it: 10.000, not 10,000 or 10000."""
    return f"{n:,}".replace(",", ".")


def when(value: dt.datetime | None) -> str:
    """A moment as people here read it: local time (Europe/Berlin), "28.11.2026 21:08"; "–" for none."""
    return value.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") if value else "–"


# A diagnosis reads "<title>: <cause> Was tun: <action> (Zuständig: <who>; Code <code>, …)", see Finding.message.
_DIAGNOSIS = re.compile(r"(?P<head>.*?): .*? Was tun: .*\(Zuständig: [^;]*; Code (?P<code>[^,)]+)", re.DOTALL)

SEE_GREEN_FIELD = "Ursache und was zu tun ist, stehen im grünen Feld."


def headline(text: str) -> str:
    """A diagnosis cut to what happened and its code: "Anmeldung widerrufen (Code AADSTS50173)" — for places that
    list events or point to where the whole text stands, so that no paragraph is shown twice. Other text is kept."""
    found = _DIAGNOSIS.match(text)
    return f"{found['head']} (Code {found['code']})" if found else text
