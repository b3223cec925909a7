"""Reading what Microsoft sends, in every form it comes in, into one :class:`Finding`.

- a token endpoint's JSON body (``error``, ``error_description``, ``error_codes``, ``suberror`` …):
  :func:`from_body` or :func:`from_oauth`;
- the query Microsoft appends to the redirect URI (``?error=…&error_description=…``): :func:`from_redirect`;
- Microsoft's own sign-in page, where it shows the errors it never sends back: :func:`from_page`;
- an SMTP reply of Exchange Online: :func:`from_smtp`;
- a failure on the way (DNS, TLS, timeouts): :func:`from_exception`;
- any of these as text or mapping, when the caller does not know which: :func:`explain`.

Where an answer carries no code (a message quoted without its "AADSTSnnnn:", a non-delivery report's text, an
SMTP reply without its enhanced status code), Microsoft's words find the entry: each table keeps a distinctive
wording per entry (``identity_codes.MESSAGES``, ``exchange_replies.NDR_TEXTS``, an SMTP entry's own pattern,
a Graph entry's ``match``). Every reader bounds what it reads first (``MAX_TEXT``, ``MAX_PAGE``), and the patterns
are plain alternatives with bounded repeats, so a hostile answer costs no more than a long one.
"""

from __future__ import annotations

import html
import json
import re
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from . import graph_errors
from .catalogue import (
    AADSTS_REFINEMENTS,
    AADSTS_WORDS,
    NDR_TEXTS,
    SMTP_ENTRIES,
    entry,
    first_sentence,
    graph_codes,
    graph_entry,
    known,
    smtp_entry,
    unknown_entry,
)
from .identity_codes import WRAPPERS
from .model import Entry, Finding, Kind

MAX_TEXT = 8_000
"""Characters of a message, description, SMTP reply or Graph body that are read (real ones are far shorter)."""
MAX_PAGE = 400_000
"""Characters of a sign-in page that are read (Microsoft's error pages are about a tenth of it)."""

_AADSTS = re.compile(r"AADSTS(\d{1,10})")
_TRACE = re.compile(r"Trace ID: ([0-9a-fA-F-]+)")
_CORRELATION = re.compile(r"Correlation ID: ([0-9a-fA-F-]+)")

SUBERRORS = {
    # MSAL's documented suberror values (msal Python: "suberror" of an error response; MSAL.NET's
    # MsalUiRequiredException.Classification): what the person must do when the code itself is not known.
    "consent_required": "oauth:consent_required",
    "basic_action": "oauth:interaction_required",
    "additional_action": "oauth:interaction_required",
    "message_only": "oauth:interaction_required",
    "user_password_expired": "AADSTS50055",
    "bad_token": "oauth:invalid_grant",
    "token_expired": "oauth:invalid_grant",
    "protection_policy_required": "AADSTS53000",
    "device_authentication_failed": "AADSTS50155",
}


def pick_code(codes: Iterable[str]) -> str | None:
    """The most specific code of several (``AADSTS70002`` wraps the real one; ``error_codes`` may list two).

    Known codes beat unknown ones, and a known code that is not a mere wrapper beats a wrapper; among equals the
    last one wins, because Microsoft writes the general code first ("AADSTS70002: Error validating credentials.
    AADSTS50126: Invalid username or password").
    """
    codes = list(dict.fromkeys(codes))
    specific = [c for c in codes if known(c) and c not in WRAPPERS]
    if specific:
        return specific[-1]
    wrappers = [c for c in codes if known(c)]
    if wrappers:
        return wrappers[-1]
    return codes[0] if codes else None


def _words(text: str) -> str:
    """Text as the wording tables are written: typographic apostrophes as ', white space as single spaces."""
    return " ".join(text[:MAX_TEXT].replace("\u2019", "'").replace("\u2018", "'").split())


def _said(text: str, table) -> tuple[str, str] | None:
    """The first (key, Microsoft's sentence) of a wording table (pattern, key) that ``text`` says, or None."""
    words = _words(text)
    for pattern, key in table:
        match = pattern.search(words)
        if match:
            return key, _sentence_around(words, match)
    return None


def _sentence_around(words: str, match: re.Match) -> str:
    """The sentence in which a wording stands (at most 300 characters either side of it)."""
    floor = max(0, match.start() - 300)
    start = words.rfind(". ", floor, match.start())
    start = start + 2 if start >= 0 else floor
    end = words.find(". ", match.end(), match.end() + 300)
    end = end + 1 if end >= 0 else min(len(words), match.end() + 300)
    return words[start:end]


def code_of_words(text: str) -> str | None:
    """The AADSTS code whose message Microsoft's words are (for answers quoted without "AADSTSnnnn:"), or None."""
    said = _said(text, AADSTS_WORDS)
    return said[0] if said else None


def _refined(code: str, text: str) -> Entry:
    """The entry for ``code``, unless Microsoft's words name another cause (identity_codes.REFINEMENTS)."""
    words = _words(text)
    for pattern, codes, target in AADSTS_REFINEMENTS:
        if code in codes and pattern.search(words):
            return entry(target)
    return entry(code)


def from_oauth(
    error: str,
    description: str = "",
    *,
    error_codes: Iterable[int | str] | None = None,
    suberror: str | None = None,
    trace_id: str | None = None,
    correlation_id: str | None = None,
) -> Finding:
    """Diagnose an OAuth error answer (token endpoint body, or the query Microsoft sent back).

    Without an AADSTS code, Microsoft's words still find it (the code of the catalogue's wording is then the one kept
    for support); where Microsoft's words name another cause than the code's usual one (a client assertion "not within
    its valid time range" under AADSTS50012), the words decide and the code is kept."""
    error = str(error or "").strip()[:200]
    description = str(description or "")[:MAX_TEXT]
    codes = [f"AADSTS{n}" for n in _AADSTS.findall(description)]
    codes += [f"AADSTS{int(c)}" for c in list(error_codes or ())[:20] if str(c).strip().isdigit()]
    code = pick_code(codes) or code_of_words(description)
    trace = _TRACE.search(description)
    correlation = _CORRELATION.search(description)
    ids = {
        "trace_id": trace.group(1) if trace else trace_id,
        "correlation_id": correlation.group(1) if correlation else correlation_id,
    }
    text = _microsoft_sentence(description, code)
    if code and known(code):
        return Finding(_refined(code, description), code, microsoft_text=text, **ids)
    fallback = SUBERRORS.get(suberror or "") or (f"oauth:{error}" if known(f"oauth:{error}") else None)
    if fallback:
        # A code we do not know: suberror or OAuth error still say what kind of failure it is and who acts;
        # Microsoft's own first sentence says the rest.
        chosen = entry(fallback)
        if code:
            chosen = replace(chosen, cause=f"{chosen.cause} Microsoft: „{first_sentence(text)}“.", known=False)
        return Finding(chosen, code or error, microsoft_text=text, **ids)
    code = code or error or "unbekannt"
    return Finding(unknown_entry(code, text or error, Kind.CONFIGURATION), code, microsoft_text=text, **ids)


def _microsoft_sentence(description: str, code: str | None) -> str:
    """Microsoft's message for the chosen code: from ``AADSTSnnnn:`` to the end of its line."""
    first_line = description.split("\r\n", 1)[0].split("\n", 1)[0]
    if code:
        at = first_line.find(code)
        if at > 0:
            return first_line[at:]
    return first_line


def _json(text: str | bytes) -> Any:
    """JSON, where nesting too deep for the parser counts as not JSON (a hostile "[[[[…" raises no RecursionError)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def from_body(body: Mapping[str, Any] | str | bytes) -> Finding:
    """Diagnose a token endpoint's error body (the JSON object, or its text)."""
    if isinstance(body, bytes | str):
        body = _json(body[: MAX_TEXT * 8])
    if not isinstance(body, Mapping):
        raise ValueError("not a JSON object")
    return from_oauth(
        str(body.get("error", "")),
        str(body.get("error_description", "")),
        error_codes=body.get("error_codes") or (),
        suberror=body.get("suberror"),
        trace_id=body.get("trace_id"),
        correlation_id=body.get("correlation_id"),
    )


def from_redirect(url_or_query: str | Mapping[str, str]) -> Finding | None:
    """Diagnose what Microsoft appended to the redirect URI, or None when it carries no error.

    Takes the whole URL, its query (``error=…&…``) or the parsed parameters. Microsoft may put the answer into the
    fragment instead of the query (``response_mode=fragment``); both are read.
    """
    if isinstance(url_or_query, Mapping):
        params = dict(url_or_query)
    else:
        text = url_or_query.strip()
        if "?" in text or "#" in text or text.startswith(("http://", "https://")):
            parts = urlsplit(text)
            params = dict(parse_qsl(parts.fragment)) | dict(parse_qsl(parts.query))
        else:
            params = dict(parse_qsl(text.lstrip("?#")))
    if not params.get("error") and "AADSTS" not in params.get("error_description", ""):
        return None
    return from_oauth(params.get("error", ""), params.get("error_description", ""), suberror=params.get("suberror"))


# -- Microsoft's own pages -------------------------------------------------------------------------------------------

# What Microsoft's pages say where they show no AADSTS code, and the code each stands for. English as the pages
# read (and as people copy them into threads: microsoftgraph/microsoft-graph-docs#3917 "Need admin approval",
# MicrosoftDocs/azure-docs#56349; the sign-in form's own messages for 50126, 50034, 50053, 50055; "You cannot access
# this right now" for Conditional Access; "More information required" for MFA registration; "Selected user account
# does not exist in tenant" for 50020), and German as the same pages read with mkt=de-DE. Order matters: the first
# that matches wins.
PAGE_HEADLINES = tuple(
    (re.compile(pattern, re.IGNORECASE), code)
    for pattern, code in (
        (r"Need admin approval|Genehmigung des Administrators erforderlich|Administratorgenehmigung", "AADSTS90094"),
        (r"Approval required|Genehmigung erforderlich|Request approval|Genehmigung anfordern", "AADSTS90095"),
        (r"account or password is incorrect|Konto oder Kennwort ist falsch|Kennwort ist falsch", "AADSTS50126"),
        (
            r"username may be incorrect|couldn't find an account|Benutzername ist möglicherweise falsch|"
            r"Benutzerkonto wurde nicht gefunden",
            "AADSTS50034",
        ),
        (r"account (has been|is) locked|Konto wurde gesperrt|Konto ist vorübergehend gesperrt", "AADSTS50053"),
        (r"account (has been|is) disabled|Konto (wurde|ist) deaktiviert", "AADSTS50057"),
        (r"password has expired|Kennwort ist abgelaufen|Update your password|Kennwort aktualisieren", "AADSTS50055"),
        (r"does not exist in tenant|ist im Mandanten .* nicht vorhanden", "AADSTS50020"),
        (
            r"can't get there from here|Sie können von hier aus nicht darauf zugreifen|compliant device|"
            r"konformen Gerät",
            "AADSTS53000",
        ),
        (
            r"cannot access this right now|können derzeit nicht darauf zugreifen|does not meet the criteria to access",
            "AADSTS53003",
        ),
        (
            r"More information required|Weitere Informationen erforderlich|Help us protect your account|"
            r"Helfen Sie uns, Ihr Konto zu schützen",
            "AADSTS50079",
        ),
    )
)
_ERROR_PAGE = re.compile(
    r"having trouble signing you in|können Sie nicht angemeldet werden|Probleme bei der Anmeldung", re.IGNORECASE
)


@dataclass(frozen=True)
class PageReading:
    """What an error page of Microsoft's sign-in says."""

    code: str | None
    """``AADSTS50011``, or None when the page names no code."""
    message: str
    """Microsoft's message (``AADSTS50011: The redirect URI …``), or the page's headline."""
    correlation_id: str | None = None


def read_page(page: str | bytes) -> PageReading | None:
    """Read an error page of Microsoft's sign-in; None for pages that are not an error (sign-in form, picker).

    The code and message stand twice on a real page: in the visible text ("Message: AADSTS50011: …", "Error Code:
    50011") and in the page's ``$Config`` object (``strServiceExceptionMessage``, ``iErrorCode``, ``sErrorCode``,
    ``strMainMessage``), which tools that read these pages use (e.g. public PowerShell and Python sign-in helpers).
    Both are read; the page's language does not matter.
    """
    text = page[:MAX_PAGE].decode("utf-8", errors="replace") if isinstance(page, bytes) else str(page)[:MAX_PAGE]
    config = _config_object(text)
    visible = _visible_text(text)
    message = str(config.get("strServiceExceptionMessage") or config.get("sErrTxt") or "")[:MAX_TEXT]
    codes = [f"AADSTS{n}" for n in _AADSTS.findall(message)]
    for name in ("iErrorCode", "sErrorCode"):
        value = str(config.get(name) or "").strip()
        if value.isdigit() and value != "0":
            codes.append(f"AADSTS{int(value)}")
    shown = re.search(r"(AADSTS\d{1,10}:[^\n]{0,2000})", visible)
    if shown and not message:
        message = shown.group(1).strip()
    codes += [f"AADSTS{n}" for n in _AADSTS.findall(visible)]
    codes += [f"AADSTS{n}" for n in re.findall(r"(?:Error Code|Fehlercode)\s*:?\s*(\d{4,7})", visible, re.I)]
    correlation = re.search(r"Correlation (?:Id|ID)\s*:?\s*([0-9a-fA-F-]{36})", visible)
    correlation_id = correlation.group(1) if correlation else config.get("correlationId") or None
    code = pick_code(codes)
    if code:
        return PageReading(code, message or code, correlation_id)
    headline = str(config.get("strMainMessage") or "")[:2000] + " " + visible[:2000]
    for pattern, page_code in PAGE_HEADLINES:
        found = pattern.search(headline)
        if found:
            return PageReading(page_code, found.group(0), correlation_id)
    # A page (or its text) that shows Microsoft's message without the code, e.g. the consent pages: "… needs
    # permission to access resources in your organization that only an admin can grant", "This app might be risky".
    said = _said(headline, AADSTS_WORDS)
    if said:
        return PageReading(said[0], said[1], correlation_id)
    if _ERROR_PAGE.search(headline) or config.get("pgid") == "ConvergedError":
        # An error page without a code. (Microsoft's ordinary sign-in page carries a $Config too: only these marks
        # make a page an error, or every sign-in would look like one.)
        return PageReading(
            None, (str(config.get("strMainMessage") or "")[:2000] or first_sentence(visible)).strip(), correlation_id
        )
    return None


def from_page(page: str | bytes) -> Finding | None:
    """Diagnose an error page of Microsoft's sign-in, or None when the page shows no error."""
    reading = read_page(page)
    if reading is None:
        return None
    if reading.code is None:
        return from_oauth("", reading.message, correlation_id=reading.correlation_id)
    message = reading.message if reading.message.startswith(reading.code) else f"{reading.code}: {reading.message}"
    return from_oauth("", message, error_codes=[reading.code[6:]], correlation_id=reading.correlation_id)


def _config_object(text: str) -> dict:
    at = text.find("$Config=")
    if at < 0:
        return {}
    try:
        value, _ = json.JSONDecoder().raw_decode(text[at + len("$Config=") :].lstrip())
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _without_blocks(text: str) -> str:
    """``text`` without its <script>…</script> and <style>…</style> blocks, in one pass (no backtracking)."""
    lower = text.lower()
    kept, at = [], 0
    while True:
        starts = [i for i in (lower.find("<script", at), lower.find("<style", at)) if i >= 0]
        if not starts:
            kept.append(text[at:])
            return " ".join(kept)
        start = min(starts)
        kept.append(text[at:start])
        tag = "</script" if lower.startswith("<script", start) else "</style"
        end = lower.find(tag, start)
        if end < 0:
            return " ".join(kept)
        close = lower.find(">", end)
        at = len(text) if close < 0 else close + 1


def _visible_text(text: str) -> str:
    text = _without_blocks(text)
    text = re.sub(r"<br\s*/?>|</p>|</div>|</h\d>|</li>", "\n", text, flags=re.I)
    text = html.unescape(re.sub(r"<[^<>]*>", " ", text))  # [^<>]: a "<" without ">" costs one scan, not one each
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


# -- Exchange Online ---------------------------------------------------------------------------------------------------


def from_smtp(code: int | str, text: str | bytes = "") -> Finding:
    """Diagnose an SMTP reply: its code and text as the server sent them (or the whole line as ``text``).

    Replies without an enhanced status code, or shortened to it ("5.2.0 STOREDRV.Submission…", as some libraries
    pass it on), are matched by their words all the same; the kind of an unknown one follows its class."""
    text = text[:MAX_TEXT].decode(errors="replace") if isinstance(text, bytes) else str(text)[:MAX_TEXT]
    code = int(code) if str(code).strip().isdigit() and len(str(code).strip()) == 3 else 0
    if not code:
        leading = re.match(r"^\s*(\d{3})[ -]", text)
        code, text = (int(leading.group(1)), text.strip()[4:]) if leading else (0, text)
    text = re.sub(r"^\d{3}[ -]", "", text.strip())
    enhanced = re.match(r"^(\d\.\d{1,3}\.\d{1,3})\b", text)
    key = " ".join(part for part in (str(code) if code else "", enhanced.group(1) if enhanced else "") if part)
    key = key or "SMTP"
    line = f"{code} {text}" if code else text
    for pattern, found in SMTP_ENTRIES:
        if pattern.search(line):
            return Finding(found, key, microsoft_text=text)
    said = _said(text, NDR_TEXTS)
    if said:
        return Finding(smtp_entry(said[0], text), key, microsoft_text=text)
    klass = str(code)[:1] if code else (enhanced.group(1)[:1] if enhanced else "5")
    kind = Kind.TEMPORARY if klass == "4" else Kind.CONFIGURATION
    return Finding(unknown_entry(key, text, kind), key, microsoft_text=text)


_EMBEDDED_REPLY = re.compile(r"(?<![\d.:])([245]\d\d)[ -]{1,3}([245]\.\d{1,3}\.\d{1,3})\b")
"""An SMTP reply inside other text: "Remote Server returned '550 5.1.8 Access denied, …'", "Diagnostic-Code: smtp;
550 5.7.233 …", a log line."""


def from_ndr(text: str | bytes) -> Finding | None:
    """Diagnose a non-delivery report or any text that quotes Exchange: the SMTP reply it contains ("Remote Server
    returned '550 5.1.8 …'"), else Exchange's words alone ("… you weren't recognized as a valid sender …"); None when
    it says neither."""
    text = text[:MAX_TEXT].decode(errors="replace") if isinstance(text, bytes) else str(text)[:MAX_TEXT]
    reply = _EMBEDDED_REPLY.search(text)
    if reply:
        rest = text[reply.start(2) :].split("\n", 1)[0].rstrip("'\" ")
        return from_smtp(int(reply.group(1)), rest)
    said = _said(text, NDR_TEXTS)
    if said is None:
        return None
    key, sentence = said
    return Finding(smtp_entry(key, sentence), key, microsoft_text=sentence)


# -- Microsoft Graph ---------------------------------------------------------------------------------------------------


def from_graph(status: int, body: str | bytes = "", retry_after: str | None = None) -> Finding:
    """Diagnose Graph's answer to a sendMail (any status but 202): ``{"error": {"code", "message", "innerError":
    {"request-id", …}}}``, or a body that is not Graph's (a proxy) — then the status decides.

    Graph may nest more specific codes in ``innerError`` ("use the most detailed one that they understand",
    concepts/errors.md): the deepest code the catalogue knows wins. An AADSTS answer wrapped into Graph's (e.g.
    ``AuthenticationError`` with "AADSTS500014: …") is read as what it is."""
    text = body[: MAX_TEXT * 8].decode(errors="replace") if isinstance(body, bytes) else str(body or "")[: MAX_TEXT * 8]
    try:
        parsed = _json(text)
    except ValueError:
        parsed = None
    parsed = parsed if isinstance(parsed, dict) else {}
    # Graph's wire form nests it under "error"; SDKs log the error object itself ({"code", "message", …}).
    error = parsed.get("error") if isinstance(parsed.get("error"), dict) else parsed if _graphs(parsed) else {}
    codes, message, request_id, level = [], "", None, error
    for _ in range(5):  # innerError may nest; a few levels are all Graph uses
        if not isinstance(level, dict):
            break
        if level.get("code"):
            codes.append(str(level.get("code"))[:100])
        message = message or str(level.get("message") or "")[:MAX_TEXT]
        request_id = request_id or level.get("request-id")
        level = level.get("innerError") or level.get("innererror")
    code = codes[0] if codes else ""
    found = next(((c, graph_entry(c, message)) for c in reversed(codes) if graph_entry(c, message)), None)
    if found:
        return Finding(found[1], f"graph:{found[0]}", request_id, None, message or text[:300])
    if _AADSTS.search(message):
        return from_oauth(code, message)
    if status == 429:
        key = "graph:http-429"
    elif status >= 500:
        key = "graph:http-5xx"
    elif status == 413:
        key = "graph:RequestEntityTooLarge"
    else:
        shown = f"graph:{code or f'http-{status}'}"
        kind = graph_errors.UNKNOWN_BY_STATUS.get(status, Kind.CONFIGURATION)
        stand_in = unknown_entry(shown, message or text or f"HTTP {status}", kind)
        return Finding(stand_in, shown, request_id, None, message)
    return Finding(entry(key), f"graph:{code}" if code else key, request_id, None, message or text[:300])


def _graph_code_in(text: str) -> Finding | None:
    """A Graph error code named in text ("ErrorInvalidRecipients: At least one recipient isn't valid.")."""
    for code in graph_codes():
        at = text.find(code)
        if at >= 0 and not text[at - 1 : at].isalnum() and not text[at + len(code) : at + len(code) + 1].isalnum():
            message = text[at + len(code) :].lstrip(" :\"',-")[:MAX_TEXT]
            return Finding(graph_entry(code, message), f"graph:{code}", microsoft_text=first_sentence(message))
    return None


# -- the network -------------------------------------------------------------------------------------------------------


def from_exception(error: BaseException) -> Finding:
    """Diagnose a network failure talking to Microsoft (requests or socket level)."""
    chain = _chain(error)
    if (
        any(isinstance(e, socket.gaierror) for e in chain)
        or "NameResolutionError" in repr(error)
        or ("Name or service not known" in str(error))
    ):
        key = "net:dns"
    elif any(isinstance(e, ssl.SSLError | requests.exceptions.SSLError) for e in chain):
        key = "net:tls"
    elif any(isinstance(e, TimeoutError | requests.Timeout | socket.timeout) for e in chain):
        key = "net:timeout"
    elif any(isinstance(e, ConnectionError | requests.ConnectionError) for e in chain):
        key = "net:refused"
    else:
        key = "net:http"  # including an answer that is not Microsoft's JSON (json.JSONDecodeError)
    return Finding(entry(key), key, microsoft_text=error.__class__.__name__)


def _chain(error: BaseException) -> list[BaseException]:
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


# -- anything ----------------------------------------------------------------------------------------------------------


def _graphs(body: Mapping) -> bool:
    """Whether a parsed body is Graph's error (``{"error": {"code", …}}``, or the error object an SDK logs)."""
    return isinstance(body.get("error"), Mapping) or ("code" in body and "message" in body and "error" not in body)


def explain(answer: Mapping[str, Any] | str | bytes) -> Finding | None:
    """Diagnose any answer of Microsoft when the caller does not know its form: a token endpoint body (mapping or
    JSON text), Graph's error body, a redirect URL or query, a page of the sign-in, an SMTP reply line, a bare
    "AADSTSnnnn: …" text — or Microsoft's words without any code (a message quoted alone, a non-delivery report, a
    Graph code in a log line). None when it carries no error."""
    if isinstance(answer, Mapping):
        if _graphs(answer):
            return from_graph(0, json.dumps(dict(answer), default=str)[: MAX_TEXT * 8])
        if "error" in answer or "error_description" in answer or "error_codes" in answer:
            return from_body(answer)
        return from_redirect(answer)
    text = answer[:MAX_PAGE].decode("utf-8", errors="replace") if isinstance(answer, bytes) else str(answer)
    stripped = text[:MAX_PAGE].strip()
    if re.match(r"^\d{3}[ -]\d?", stripped):
        return from_smtp(0, stripped)
    if stripped.startswith("{"):
        try:
            body = _json(stripped[: MAX_TEXT * 8])
        except ValueError:
            body = None
        if isinstance(body, dict):
            return explain(body)  # as the mapping it is: a token body, Graph's error, or no error at all
    if "<html" in stripped[:2000].lower() or "$Config=" in stripped:
        return from_page(stripped)
    if stripped.startswith(("http://", "https://", "?", "#")) or re.match(r"^[\w.-]+=", stripped):
        found = from_redirect(stripped)
        if found is not None:
            return found
    if _AADSTS.search(stripped[:MAX_TEXT]):
        return from_oauth("", stripped)
    if re.match(r"^[245]\.\d{1,3}\.\d{1,3}\b", stripped):
        return from_smtp(0, stripped)
    # Text copied from one of Microsoft's pages (what people paste into a thread): its headline or Microsoft's
    # message says it; then Exchange's reply or words in a non-delivery report; then a Graph code in a log line.
    return from_page(stripped) or from_ndr(stripped) or _graph_code_in(stripped[:MAX_TEXT])
    if stripped.startswith(("http://", "https://", "?", "#")) or re.match(r"^[\w.-]+=", stripped):
        found = from_redirect(stripped)
        if found is not None:
            return found
    if _AADSTS.search(stripped):
        return from_oauth("", stripped)
    # Text copied from one of Microsoft's pages (what people paste into a thread): its headline says it.
    return from_page(stripped)
