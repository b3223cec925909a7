"""How the store writes values: times in UTC, and digests instead of values that must not be kept."""

from __future__ import annotations

import datetime as dt
import hashlib


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def digest(value: str) -> str:
    """How state parameters and session ids are stored: never the value itself."""
    return hashlib.sha256(value.encode()).hexdigest()
