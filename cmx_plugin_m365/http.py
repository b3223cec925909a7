"""The HTTP client msal uses: every request has a timeout, and a configured CA bundle really applies."""

from __future__ import annotations

import threading

import requests

_seen = threading.local()

DEFAULT_TIMEOUT = (5.0, 15.0)
"""(connect, read) seconds. msal sets no timeout of its own; a hanging Microsoft must not hang a worker."""


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
        response = super().request(method, url, **kwargs)
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
