"""Keeping codes and tokens out of the devhost's logs (the access log would otherwise show Microsoft's redirect)."""

from __future__ import annotations

import logging
import re

SENSITIVE_PARAMETERS = re.compile(
    r"\b(code|state|session_state|client_info|id_token|access_token|refresh_token|code_verifier|client_secret)"
    r"=[^&\s\"']+"
)


def redact(text: str) -> str:
    """``...?code=0.AX...&state=abc`` → ``...?code=[entfernt]&state=[entfernt]``."""
    return SENSITIVE_PARAMETERS.sub(r"\1=[entfernt]", text)


class RedactQueryParameters(logging.Filter):
    """Rewrites a record's message so that secret-bearing query parameters never reach a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    """Attach the filter to the loggers that write request lines (idempotent)."""
    for name in ("werkzeug", "waitress", "devhost"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQueryParameters) for f in logger.filters):
            logger.addFilter(RedactQueryParameters())
