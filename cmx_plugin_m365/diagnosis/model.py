"""What a diagnosis is: a catalogue entry (cause, fix, who, what happens to mail) and a finding (entry + codes)."""

from __future__ import annotations

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
    knows how to get it, it adds the way to it (see :func:`cmx_plugin_m365.consent.hint`)."""
    known: bool = True
    """False for the stand-in entry of an answer the catalogue does not know (Microsoft's own words are kept)."""


@dataclass(frozen=True)
class Finding:
    """One diagnosed failure: the catalogue entry plus what Microsoft said, for support."""

    entry: Entry
    code: str
    """The code as Microsoft gave it (``AADSTS50173``, ``535 5.7.139``)."""
    trace_id: str | None = None
    correlation_id: str | None = None
    microsoft_text: str = ""

    @property
    def kind(self) -> Kind:
        return self.entry.kind

    @property
    def known(self) -> bool:
        return self.entry.known

    def message(self, more_to_do: str = "") -> str:
        """The German text for people: title, cause, what to do and who, then the codes for support.

        ``more_to_do`` is said after the catalogue's action, e.g. where exactly to give the admin consent."""
        support = [f"Code {self.code}"]
        if self.trace_id:
            support.append(f"Trace-ID {self.trace_id}")
        if self.correlation_id:
            support.append(f"Correlation-ID {self.correlation_id}")
        entry = self.entry
        return (
            f"{entry.title}: {entry.cause} Was tun: {entry.action}{more_to_do} (Zuständig: {entry.who}; "
            f"{', '.join(support)})"
        )

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
            return cls(self.message(), code=self.code, retry_after=retry_after)
        return cls(self.message(), code=self.code)
