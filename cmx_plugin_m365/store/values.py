"""How the store writes values: times in UTC, and digests instead of values that must not be kept."""

from __future__ import annotations

import datetime as dt
import hashlib


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(value: str) -> str:
    """How state parameters and session ids are stored: never the value itself."""
    return hashlib.sha256(value.encode()).hexdigest()


TEXT = 4000
"""Characters kept of a text for people (a problem, a check's result): German and ours, with Microsoft's words cut
short already (diagnosis.model.Finding) — the bound holds whatever an answer was."""
LINE = 1000
"""Characters kept of a history line."""
CODE = 64


def bounded(text: str | None, limit: int) -> str | None:
    """``text`` cut to ``limit`` characters (marked with "…")."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
