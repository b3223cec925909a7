"""Keeping secrets out of log lines written by libraries the plugin uses.

msal logs, at DEBUG, the token cache events it handles, including the authorization code ("data": {"code": ...});
urllib3 logs request lines, and an authorize URL carries state and nonce. The plugin attaches a filter to these
libraries' loggers that blanks such values before any handler sees the record (msal already masks the tokens).
"""

from __future__ import annotations

import logging
import re

_SECRETS = (
    r"code|code_verifier|client_secret|client_assertion|refresh_token|access_token|id_token|password|"
    r"assertion|state|nonce"
)
_JSON_VALUE = re.compile(rf'("(?:{_SECRETS})"\s*:\s*)"[^"]*"')
_QUERY_VALUE = re.compile(rf"\b((?:{_SECRETS}))=[^&\s\"']+")
_DICT_VALUE = re.compile(rf"('(?:{_SECRETS})'\s*:\s*)'[^']*'")


def redact(text: str) -> str:
    text = _JSON_VALUE.sub(r'\1"[entfernt]"', text)
    text = _DICT_VALUE.sub(r"\1'[entfernt]'", text)
    return _QUERY_VALUE.sub(r"\1=[entfernt]", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()


def guard_library_loggers(prefixes: tuple[str, ...] = ("msal", "urllib3")) -> None:
    """Attach the filter to every existing logger under ``prefixes`` (msal creates some lazily; call again)."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith(prefixes):
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
