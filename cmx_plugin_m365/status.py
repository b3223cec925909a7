"""An account's problems: recorded once, told to people once, cleared when things work again."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from cmx_hostapi import Host

from . import store
from .diagnosis import Finding, Kind
from .names import INTERFACE_FORM, INTERFACE_TYPE
from .wording import count

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


FIRST_RETRY = dt.timedelta(minutes=5)
RETRY_DELAYS = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
    dt.timedelta(hours=24),
)
"""How long the way back waits before its n-th try (then daily): a cause fixed within minutes shows within minutes,
one that takes a week costs a probe a day."""


def retry_delay(tries: int) -> dt.timedelta:
    return RETRY_DELAYS[min(tries, len(RETRY_DELAYS) - 1)]


def report(host: Host, account_id: int, finding: Finding) -> None:
    """Record a problem of an account; on its first occurrence tell the account's contact and the admins — once per
    problem and audience, however many mails and workers meet it.

    A sign-in problem puts the account into "Anmeldung erforderlich" (mail is held until someone signs in again);
    other problems hold mail until the plugin finds the cause gone by itself (:mod:`.care.way_back`) or a person acts.
    A problem of the app registration itself (:data:`APP_CODES`) concerns every account: the admins hear of it once,
    each account's contact for their account. Temporary problems are only written to the event trail: they go away
    by themselves.
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
    by_itself = finding.kind is Kind.CONFIGURATION and finding.code not in APP_CODES
    retry_at = store.utcnow() + FIRST_RETRY if by_itself else None
    is_new = store.set_problem(host, account_id, code=finding.code, text=message, state=state, retry_at=retry_at)
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
        if by_itself:
            intro += " cmxOrganize prüft selbst immer wieder, ob sie behoben ist, sendet sie dann und sagt es Ihnen."
    text = f"{intro}\n\n{message}\n\n{host.record_url('E-Mailkonto', account_id)}"
    host.notify("account_contact", subject, text, account_id=account_id)
    if finding.code not in APP_CODES:
        host.notify("admins", subject, text, account_id=account_id)
    elif store.claim_notice(host, APP_NOTICE + finding.code, TOLD_ONCE):
        host.notify(
            "admins",
            "cmxOrganize: Anmeldung der App bei Microsoft gestoppt",
            "cmxOrganize kann über keines der E-Mailkonten mit OAuth senden, bis die Ursache behoben ist; die Mails "
            f"bleiben in der Warteschlange.\n\n{message}",
        )


APP_NOTICE = "app-problem:"
TOLD_ONCE = dt.timedelta(days=3650)
"""A claim that is never due again: the admins hear of an app problem once, until it is solved."""


def solved(host: Host, account_id: int, how: str = "Versand funktioniert wieder.") -> bool:
    """A mail of the account was accepted (or the cause was otherwise proven gone): clear its problem, let the mail
    held for it go, and tell whoever was told of the problem — once. True for the one caller that did it."""
    cleared = store.clear_problem(host, account_id, state=_connected(host, account_id))
    if cleared is None:
        return False
    _announce_solved(host, account_id, cleared, how, tell_admins=cleared.code not in APP_CODES)
    return True


def _connected(host: Host, account_id: int) -> str | None:
    state = store.account_state(host, account_id)
    return store.CONNECTED if state is not None and (state.has_tokens or state.by_app) else None


def _announce_solved(host: Host, account_id: int, cleared: store.Cleared, how: str, *, tell_admins: bool) -> None:
    waiting = host.release_held_mail(account_id)
    going = f" {count(waiting, 'wartende Mail geht', 'wartende Mails gehen')} jetzt hinaus." if waiting else ""
    text = f"{how} (Behoben: {cleared.code}.){going}"
    store.add_event(host, "recovered", text, account_id=account_id, code=cleared.code)
    if not cleared.told:
        return
    account = host.mail_account(account_id)
    address = account.address if account else f"Nr. {account_id}"
    subject = f"E-Mailkonto {address}: Versand funktioniert wieder"
    body = f"{text}\n\n{host.record_url('E-Mailkonto', account_id)}"
    host.notify("account_contact", subject, body, account_id=account_id)
    if tell_admins:
        host.notify("admins", subject, body, account_id=account_id)


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
    """The app's credentials just worked at Microsoft: clear every account problem that blamed them, let the mail
    held for it go, and tell whoever was told — each contact for their account, the admins once. Returns how many
    accounts were cleared."""
    cleared = 0
    codes = set()
    for state in store.all_account_states(host):
        if state.problem_code not in APP_CODES:
            continue
        done = store.clear_problem(
            host,
            state.account_id,
            state=store.CONNECTED if state.has_tokens or state.by_app else None,
            code=state.problem_code,
        )
        if done is None:
            continue
        _announce_solved(
            host, state.account_id, done, "Die Zugangsdaten der App funktionieren wieder.", tell_admins=False
        )
        codes.add(done.code)
        cleared += 1
    for code in codes:
        if store.forget_notice(host, APP_NOTICE + code):  # the admins were told of it: tell them it is over
            host.notify(
                "admins",
                "cmxOrganize: Anmeldung der App bei Microsoft funktioniert wieder",
                f"Die Zugangsdaten der App funktionieren wieder (behoben: {code}); "
                f"{count(cleared, 'E-Mailkonto sendet', 'E-Mailkonten senden')} wieder, die wartenden Mails gehen "
                "jetzt hinaus.",
            )
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
