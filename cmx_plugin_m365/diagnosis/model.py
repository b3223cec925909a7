"""What a diagnosis is: a catalogue entry (cause, fix, who, what happens to mail) and a finding (entry + codes)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum

from cmx_hostapi import MailError, PermanentMailError, SignInRequired, TemporaryMailError


class Kind(Enum):
    """What kind of failure it is; this decides what happens to mail."""

    TEMPORARY = "temporary"
    """It goes away by itself: the mail stays queued and is retried."""
    SIGN_IN = "sign_in"
    """The account's sign-in is gone: mail is held until someone signs in again."""
    CONFIGURATION = "configuration"
    """A person must change a setting (here or at Microsoft): mail is held until then."""
    MESSAGE = "message"
    """This one mail cannot go (recipient, size, content); the account is fine and other mail keeps going."""
    BUG = "bug"
    """cmxOrganize asked wrongly: mail is kept, the support is needed."""


USER = "die Person, der das Postfach gehört"
CMX_ADMIN = "der cmxOrganize-Admin"
M365_ADMIN = "der Microsoft-365-Admin Ihrer Organisation"
SUPPORT = "der cmxKonzepte-Support"
SENDER = "die Person, die die Mail verschickt hat"

WE_RETRY = "Nichts – cmxOrganize versucht es später erneut"
"""What to do about a temporary failure when nobody waits (sending, refreshing, the daily check)."""
TRY_AGAIN = "In einigen Minuten noch einmal versuchen"
"""What to do about it when a person waits for the answer: nothing retries a sign-in or a test for them."""

_waiting: ContextVar[bool] = ContextVar("cmx_m365_person_waiting", default=False)


@contextmanager
def person_waiting() -> Iterator[None]:
    """Within this block a person waits for the answer (a sign-in, "E-Mailkonto testen", "Jetzt prüfen", saving the
    Azure interface): advice on temporary failures tells them to try again instead of promising a retry that only
    background work does."""
    token = _waiting.set(True)
    try:
        yield
    finally:
        _waiting.reset(token)


def waited_for(function: Callable) -> Callable:
    """Run ``function`` (a route, a method, a check on saving) as something a person waits for."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        with person_waiting():
            return function(*args, **kwargs)

    return run


def is_person_waiting() -> bool:
    return _waiting.get()


@dataclass(frozen=True)
class Entry:
    key: str
    """``AADSTS50173``, ``535 5.7.139``, ``oauth:access_denied``, ``net:timeout`` …"""
    title: str
    cause: str
    action: str
    who: str
    kind: Kind
    match: str = ""
    """For SMTP replies: a regular expression the whole reply must match (several entries share a code)."""
    en: str = ""
    """The title in English (``cmx-m365 doctor --lang en``); cause and action are German only."""
    admin_consent: bool = False
    """The fix is (or may be) the Microsoft 365 admin's consent for the whole organisation: where the product
    knows how to get it, it adds the way to it (see :func:`cmx_plugin_m365.status.admin_consent_hint`)."""
    known: bool = True
    """False for the stand-in entry of an answer the catalogue does not know (Microsoft's own words are kept)."""
    graph_helps: bool = False
    """SMTP AUTH itself is refused for the mailbox (switched off, security defaults): Microsoft Graph does not depend
    on it, so the route "automatisch" sends over Graph instead (see :mod:`cmx_plugin_m365.sending.route`)."""
    action_waiting: str = ""
    """For TEMPORARY entries whose ``action`` says more than "cmxOrganize tries again": the action when a person
    waits for the answer. Without it, that action is :data:`TRY_AGAIN` plus the entry's "bleibt es, …" clause."""

    def advice(self, *, waiting: bool) -> str:
        """What to do: ``action`` — except for a temporary failure while a person waits (see
        :func:`person_waiting`), where trying again is up to them."""
        if self.kind is not Kind.TEMPORARY or not waiting:
            return self.action
        if self.action_waiting:
            return self.action_waiting
        persists = re.search(r"bleibt es, .*", self.action)
        return f"{TRY_AGAIN}; {persists.group(0)}" if persists else f"{TRY_AGAIN}."


CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/ -]{0,63}")
"""What a code looks like: ``AADSTS50173``, ``535 5.7.139``, ``graph:ErrorInvalidRecipients``, ``net:timeout``."""
UNEXPECTED_CODE = "unerwartet"
"""The code kept for something that is not one (a megabyte of "error", markup, a sentence)."""
ID = re.compile(r"[0-9A-Za-z-]{1,64}")
MAX_MICROSOFT_TEXT = 400


@dataclass(frozen=True)
class Finding:
    """One diagnosed failure: the catalogue entry plus what Microsoft said, for support."""

    entry: Entry
    code: str
    """The code as Microsoft gave it (``AADSTS50173``, ``535 5.7.139``)."""
    trace_id: str | None = None
    correlation_id: str | None = None
    microsoft_text: str = ""
    step: str = ""
    """Where in the SMTP conversation after the login the server refused (``MAIL FROM``, ``RCPT TO``, ``DATA``)."""

    def __post_init__(self) -> None:
        # What Microsoft (or whatever answered in its place) said is bounded here, once for every reader: a code is a
        # short token — anything else is not a code —, Microsoft's words a few hundred characters, the ids GUID-long.
        # Nothing longer reaches the database, a page, a notice or a log line, whatever the answer was.
        code = str(self.code or "")
        object.__setattr__(self, "code", code if CODE.fullmatch(code) else UNEXPECTED_CODE)
        object.__setattr__(self, "microsoft_text", str(self.microsoft_text or "")[:MAX_MICROSOFT_TEXT])
        for name in ("trace_id", "correlation_id"):
            value = getattr(self, name)
            object.__setattr__(self, name, value if value is None or ID.fullmatch(str(value)) else None)
        object.__setattr__(self, "step", str(self.step or "")[:20])

    @property
    def kind(self) -> Kind:
        return self.entry.kind

    @property
    def known(self) -> bool:
        return self.entry.known

    def message(self, more_to_do: str = "") -> str:
        """The German text for people: title, cause, what to do and who, then the codes for support.

        What to do fits the moment (see :func:`person_waiting`); ``more_to_do`` is said after it, e.g. where exactly
        to give the admin consent."""
        support = [
            f"Code {self.code}" + (f", abgelehnt bei {self.step} nach erfolgreicher Anmeldung" if self.step else "")
        ]
        if self.trace_id:
            support.append(f"Trace-ID {self.trace_id}")
        if self.correlation_id:
            support.append(f"Correlation-ID {self.correlation_id}")
        entry = self.entry
        action = entry.advice(waiting=is_person_waiting())
        who = f"Zuständig: {entry.who}; {', '.join(support)}"
        return f"{entry.title}: {entry.cause} Was tun: {action}{more_to_do} ({who})"

    def mail_error(self, *, retry_after: float | None = None) -> MailError:
        """The host API error that tells the host what to do with the mail (``retry_after``: when a temporary
        failure may be tried again, as Microsoft said)."""
        cls = {
            Kind.TEMPORARY: TemporaryMailError,
            Kind.SIGN_IN: SignInRequired,
            Kind.CONFIGURATION: PermanentMailError,
            Kind.MESSAGE: PermanentMailError,
            Kind.BUG: TemporaryMailError,
        }[self.kind]
        if cls is TemporaryMailError:
            error = cls(self.message(), code=self.code, retry_after=retry_after)
        else:
            error = cls(self.message(), code=self.code)
        error.finding = self  # for the plugin's own callers (a probe that reports, not raises); hosts ignore it
        return error


def finding_of(error: MailError) -> Finding | None:
    """The diagnosis a plugin-made mail error carries (see :meth:`Finding.mail_error`), or None."""
    return getattr(error, "finding", None)
