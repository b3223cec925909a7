"""An account's problems: recorded once, told to people once, cleared when things work again."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from cmx_hostapi import Host

from . import store
from .diagnosis import Finding, Kind
from .names import INTERFACE_FORM, INTERFACE_TYPE

_held: contextvars.ContextVar[list | None] = contextvars.ContextVar("m365_held_reports", default=None)


class HeldReports:
    """Reports kept back while the outcome is still open (see :func:`held_back`)."""

    def __init__(self) -> None:
        self.reports: list[tuple[Host, int, Finding]] = []

    def release(self) -> None:
        """Record and tell what was kept back, as if it had been reported right away."""
        for host, account_id, finding in self.reports:
            report(host, account_id, finding)
        self.reports.clear()

    def drop(self) -> None:
        self.reports.clear()


@contextlib.contextmanager
def held_back() -> Iterator[HeldReports]:
    """Keep the reports of this thread back until the caller decides: a sign-in's test mail may show that the
    sign-in is not kept at all, and then nobody must be told about a problem of an account that did not change."""
    held = HeldReports()
    token = _held.set(held.reports)
    try:
        yield held
    finally:
        _held.reset(token)


def report(host: Host, account_id: int, finding: Finding) -> None:
    """Record a problem of an account; on its first occurrence tell the account's contact and the admins.

    A sign-in problem puts the account into "Anmeldung erforderlich" (mail is held until someone signs in again).
    Temporary problems are only written to the event trail: they go away by themselves.
    """
    held = _held.get()
    if held is not None:
        held.append((host, account_id, finding))
        return
    repeated = store.last_event_code(host, account_id) == finding.code
    if not finding.known and not repeated:
        # Listed by the doctor as answers to add to the catalogue (once per run of the same answer).
        store.add_event(host, "unknown_answer", finding.microsoft_text[:500], account_id=account_id, code=finding.code)
    if finding.kind in (Kind.TEMPORARY, Kind.MESSAGE):
        # One line per outage, not one per mail and retry: an hour without Microsoft must not flood the trail.
        # A refused message says nothing about the account: the mail's own error tells the person who sent it.
        if not repeated:
            kind = "temporary" if finding.kind is Kind.TEMPORARY else "message"
            store.add_event(host, kind, finding.message(), account_id=account_id, code=finding.code)
        return
    state = store.SIGNIN_REQUIRED if finding.kind is Kind.SIGN_IN else None
    message = finding.message(admin_consent_hint(host, finding))
    is_new = store.set_problem(host, account_id, code=finding.code, text=message, state=state)
    if not is_new:
        return
    store.add_event(host, "problem", message, account_id=account_id, code=finding.code)
    account = host.mail_account(account_id)
    address = account.address if account else f"Nr. {account_id}"
    if finding.kind is Kind.SIGN_IN:
        subject = f"E-Mailkonto {address}: Anmeldung bei Microsoft erforderlich"
        intro = (
            f"cmxOrganize kann über das E-Mailkonto {address} nicht mehr senden, bis sich jemand im E-Mailkonto "
            "erneut bei Microsoft anmeldet. Die Mails bleiben bis dahin in der Warteschlange."
        )
    else:
        subject = f"E-Mailkonto {address}: Versand gestoppt"
        intro = (
            f"cmxOrganize kann über das E-Mailkonto {address} nicht senden. Die Mails bleiben in der "
            "Warteschlange, bis die Ursache behoben ist."
        )
    text = f"{intro}\n\n{message}\n\n{host.record_url('E-Mailkonto', account_id)}"
    host.notify("account_contact", subject, text, account_id=account_id)
    host.notify("admins", subject, text, account_id=account_id)


SECRET_CODES = ("AADSTS7000215", "AADSTS7000222", "AADSTS7000218")
"""Microsoft refused the client secret: wrong value, expired, or none sent."""
CERTIFICATE_CODES = (
    "AADSTS700027",
    "AADSTS50013",
    "AADSTS50012",
    "AADSTS700024",
    "AADSTS50032",
    "AADSTS50027",
    "AADSTS50048",
    "AADSTS700030",
)
"""Microsoft refused the certificate: not registered, signature, time range (the server's clock), weak key, form."""

APP_CODES = (
    *SECRET_CODES,
    "CERT-KEY-LOST",
    *CERTIFICATE_CODES,
    "AADSTS700016",
    "AADSTS700011",
    "AADSTS90002",
    "AADSTS70002",
    "AADSTS7000112",
    "AADSTS70001",
    "oauth:invalid_client",
    "oauth:unauthorized_client",
)
"""Problems of the app registration itself: a client-credentials request that succeeds disproves them for every
account (a working new secret clears "7000222" everywhere)."""


def blaming_the_app(host: Host) -> int:
    """How many accounts have a problem of the app registration (see :data:`APP_CODES`)."""
    return sum(1 for state in store.all_account_states(host) if state.problem_code in APP_CODES)


def app_problems_disproved(host: Host) -> int:
    """The app's credentials just worked at Microsoft: clear every account problem that blamed them, and let the
    mail held for it go. Returns how many accounts were cleared."""
    cleared = 0
    for state in store.all_account_states(host):
        if state.problem_code in APP_CODES:
            store.clear_problem(host, state.account_id, state=store.CONNECTED if state.has_tokens else None)
            store.add_event(
                host, "recovered", "Die Zugangsdaten der App funktionieren wieder.", account_id=state.account_id
            )
            host.release_held_mail(state.account_id)
            cleared += 1
    return cleared


ENTRA_CONSENT_PATH = (
    "Microsoft Entra Admin Center → Unternehmensanwendungen → cmxOrganize → Berechtigungen → "
    "„Administratorzustimmung für … erteilen“"
)


def admin_consent_hint(host: Host, finding: Finding) -> str:
    """For an answer whose fix is the admin's consent: where to give it (empty for other answers)."""
    if not finding.entry.admin_consent:
        return ""
    interfaces = host.interfaces(INTERFACE_TYPE)
    where = (
        f"in cmxOrganize in der Azure-Schnittstelle mit „Administratorzustimmung erteilen“ "
        f"({host.record_url(INTERFACE_FORM, interfaces[0].id)})"
        if interfaces
        else "in cmxOrganize in der Azure-Schnittstelle"
    )
    return f" Die Administratorzustimmung gibt es {where}, oder im {ENTRA_CONSENT_PATH}."
