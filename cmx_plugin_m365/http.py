"""The HTTP client msal uses: every request has a timeout, a configured CA bundle really applies, and no answer is
read beyond what an answer of Microsoft can be — whatever stands in its place (a TLS-inspecting proxy, a broken or
hostile intermediary) can cost neither memory nor a parser's recursion."""

from __future__ import annotations

import threading

import requests

_seen = threading.local()

DEFAULT_TIMEOUT = (5.0, 15.0)
"""(connect, read) seconds. msal sets no timeout of its own; a hanging Microsoft must not hang a worker."""
MAX_BODY = 1024 * 1024
"""Bytes of an answer read at most. Microsoft's are far smaller (a token answer with its ID token a few kilobytes, an
error a few hundred bytes; the sign-in page the redirect probe reads about 200 KB)."""
MAX_DEPTH = 64
"""How deeply a JSON answer may nest: Microsoft's nest three or four levels; Python's parser gives up (RecursionError)
somewhere near a thousand."""


class UnexpectedAnswer(requests.RequestException):
    """What answered is not an answer of Microsoft: larger than any of them, or JSON nested beyond reason. Classified
    like a proxy's page ("Unerwartete Antwort", temporary); never parsed, stored or shown."""


class Session(requests.Session):
    """A requests.Session with a default timeout and, when given, a CA bundle the environment cannot override.

    requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` replace ``Session.verify`` (psf/requests#3829), but not
    a ``verify`` passed with the request; so the bundle is passed with each request. Proxies from the
    environment still apply, as production networks need them.
    """

    def __init__(self, *, timeout: float | tuple[float, float] = DEFAULT_TIMEOUT, ca_file: str | None = None):
        super().__init__()
        self.timeout = timeout
        self.ca_file = ca_file

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        if self.ca_file:
            kwargs.setdefault("verify", self.ca_file)
        kwargs["stream"] = True  # read the body here, bounded, instead of all of it at once
        response = super().request(method, url, **kwargs)
        _read_bounded(response)
        if response.status_code in (429, 503) and seconds(response.headers.get("Retry-After")) is not None:
            _seen.retry_after = seconds(response.headers.get("Retry-After"))
        return response


def seconds(retry_after: str | None) -> float | None:
    """A Retry-After header in seconds (Microsoft sends a number of seconds), at most an hour; None if absent."""
    value = (retry_after or "").strip()
    return min(3600.0, float(value)) if value.isdigit() else None


def retry_after_seen() -> float | None:
    """The Retry-After (seconds) of the last 429/503 this thread got from Microsoft, once; None when there was none.

    msal does not pass it on (it keeps the answer in its throttling cache and replays it for that long), so the
    session notes it for the caller that turns the failure into a mail error.
    """
    value = getattr(_seen, "retry_after", None)
    _seen.retry_after = None
    return value


def _read_bounded(response: requests.Response) -> None:
    """Read the body, at most :data:`MAX_BODY` bytes; refuse JSON nested deeper than :data:`MAX_DEPTH`."""
    try:
        body = response.raw.read(MAX_BODY + 1, decode_content=True)
    except Exception as error:  # urllib3's errors while reading: what requests would have raised
        response.close()
        raise requests.ConnectionError(f"reading the answer failed ({error.__class__.__name__})") from None
    if len(body) > MAX_BODY:
        response.close()
        raise UnexpectedAnswer(f"an answer of more than {MAX_BODY} bytes", response=response)
    response._content = body  # what .content, .text and .json() use from now on
    response._content_consumed = True
    response.close()  # gives the connection back to the pool
    if body[:1] in (b"{", b"[") and _depth(body) > MAX_DEPTH:
        raise UnexpectedAnswer(f"JSON nested deeper than {MAX_DEPTH} levels", response=response)


def _depth(body: bytes) -> int:
    """How deeply a JSON text nests (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif byte in (0x7D, 0x5D):  # } ]
            depth -= 1
    return deepest
