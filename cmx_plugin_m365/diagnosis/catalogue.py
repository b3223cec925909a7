"""The whole catalogue in one tuple, and lookups by code."""

from __future__ import annotations

import re

from . import app_permission, before_sending, exchange_replies, general, graph_errors, identity_codes, stored_data
from .model import SUPPORT, WE_RETRY, Entry, Kind

CATALOGUE: tuple[Entry, ...] = (
    *identity_codes.ENTRIES,
    *general.OAUTH,
    *exchange_replies.ENTRIES,
    *graph_errors.ENTRIES,
    *general.NETWORK,
    *general.LIMITS,
    *before_sending.ENTRIES,
    *stored_data.ENTRIES,
    *app_permission.ENTRIES,
)

_BY_KEY: dict[str, list[Entry]] = {}
for _entry in CATALOGUE:
    _BY_KEY.setdefault(_entry.key, []).append(_entry)

SMTP_ENTRIES: tuple[tuple[re.Pattern, Entry], ...] = tuple(
    (re.compile(entry.match, re.IGNORECASE | re.DOTALL), entry) for entry in exchange_replies.ENTRIES
)

AADSTS_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), f"AADSTS{code}") for pattern, code in identity_codes.MESSAGES
)
"""Microsoft's message of a code, for answers quoted without their "AADSTSnnnn:" (see identity_codes.MESSAGES)."""

AADSTS_REFINEMENTS: tuple[tuple[re.Pattern, frozenset[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), frozenset(f"AADSTS{c}" for c in codes.split()), f"AADSTS{target}")
    for pattern, codes, target in identity_codes.REFINEMENTS
)
"""Codes whose cause Microsoft's words decide (see identity_codes.REFINEMENTS)."""

NDR_TEXTS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), key) for pattern, key in exchange_replies.NDR_TEXTS
)
"""Exchange's words without an SMTP code (see exchange_replies.NDR_TEXTS)."""

_GRAPH: dict[str, list[tuple[re.Pattern | None, Entry]]] = {}
for _entry in graph_errors.ENTRIES:
    _GRAPH.setdefault(_entry.key.removeprefix("graph:"), []).append(
        (re.compile(_entry.match, re.IGNORECASE) if _entry.match else None, _entry)
    )
_GRAPH_FOLDED = {code.casefold(): entries for code, entries in _GRAPH.items()}


def entry(key: str) -> Entry:
    """The entry for a key (``AADSTS50173``, ``oauth:access_denied``, ``net:timeout``); KeyError when unknown."""
    return _BY_KEY[key][0]


def known(key: str) -> bool:
    return key in _BY_KEY


def graph_entry(code: str, message: str = "") -> Entry | None:
    """The entry for Graph's error code (``ErrorQuotaExceeded``; Graph's spelling first, then any case), chosen by
    Graph's message where one code has several causes; None when the catalogue does not know the code."""
    entries = _GRAPH.get(code) or _GRAPH_FOLDED.get(code.casefold())
    if not entries:
        return None
    for pattern, found in entries:
        if pattern is not None and pattern.search(message):
            return found
    return next((found for pattern, found in entries if pattern is None), entries[0][1])


def graph_codes() -> tuple[str, ...]:
    """Every Graph error code the catalogue explains, as Graph spells it (longest first)."""
    return tuple(sorted((code for code in _GRAPH if not code.startswith("http-")), key=len, reverse=True))


def smtp_entry(key: str, text: str) -> Entry:
    """The entry for an SMTP reply key (``550 5.1.8``) whose own pattern matches ``text``, else the key's first."""
    candidates = [(pattern, found) for pattern, found in SMTP_ENTRIES if found.key == key]
    for pattern, found in candidates:
        if pattern.search(text):
            return found
    return candidates[0][1]


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
