"""The whole catalogue in one tuple, and lookups by code."""

from __future__ import annotations

import re

from . import exchange_replies, general, graph_errors, identity_codes, stored_data
from .model import SUPPORT, WE_RETRY, Entry, Kind

CATALOGUE: tuple[Entry, ...] = (
    *identity_codes.ENTRIES,
    *general.OAUTH,
    *exchange_replies.ENTRIES,
    *graph_errors.ENTRIES,
    *general.NETWORK,
    *general.LIMITS,
    *stored_data.ENTRIES,
)

_BY_KEY: dict[str, list[Entry]] = {}
for _entry in CATALOGUE:
    _BY_KEY.setdefault(_entry.key, []).append(_entry)

SMTP_ENTRIES: tuple[tuple[re.Pattern, Entry], ...] = tuple(
    (re.compile(entry.match, re.IGNORECASE | re.DOTALL), entry) for entry in exchange_replies.ENTRIES
)


def entry(key: str) -> Entry:
    """The entry for a key (``AADSTS50173``, ``oauth:access_denied``, ``net:timeout``); KeyError when unknown."""
    return _BY_KEY[key][0]


def known(key: str) -> bool:
    return key in _BY_KEY


def unknown_entry(code: str, text: str, kind: Kind) -> Entry:
    """The stand-in for an answer the catalogue does not know: Microsoft's own first sentence says the rest."""
    return Entry(
        code,
        "Unbekannte Antwort von Microsoft",
        f"Microsoft hat mit „{first_sentence(text)}“ geantwortet.",
        f"{WE_RETRY if kind is Kind.TEMPORARY else 'Erneut versuchen'}; bleibt es, den cmxKonzepte-Support mit dem "
        "Code verständigen.",
        SUPPORT,
        kind,
        known=False,
    )


def first_sentence(text: str) -> str:
    return text.split("\r\n", 1)[0].split("\n", 1)[0].split(". ", 1)[0][:300]


def aadsts_codes() -> list[str]:
    """Every AADSTS code the catalogue explains (for its docstring's count and the docs)."""
    return sorted({e.key for e in CATALOGUE if e.key.startswith("AADSTS")}, key=lambda k: int(k[6:]))
