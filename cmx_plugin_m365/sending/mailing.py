"""The plugin's part in every mail the host sends through an OAuth account: the pace, the route, SMTP AUTH, the
server's answer.

The host asks in steps — ``cmx_pace``, ``cmx_deliver``, ``cmx_smtp_authenticate``, then ``cmx_smtp_sent`` or
``cmx_smtp_refused`` — and the plugin's row of the account is read once per mail, at the first step: the later steps
of the same mail in the same thread use that read (:func:`_row`), so a mail costs one SELECT, not five.
"""

from __future__ import annotations

import dataclasses
import email.policy
import smtplib
import threading
import time
import weakref
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from cmx_hostapi import Budget, Host, MailAccount, MailError, Pace

from .. import status, store
from ..config import Options
from ..diagnosis import Finding, entry, finding_of, from_smtp
from ..wording import headline, when
from . import graph, pacing, route, sent, xoauth2

ROW_SECONDS = 30.0
"""How long one read of the account's row serves the later steps of the mail it was read for."""
_mail = threading.local()
_connections: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""SMTP connection → the account's row as :func:`authenticate` used it, for the server's answer to its mail."""


def _row(host: Host, account_id: int, *, fresh: bool = False) -> store.AccountState | None:
    """The account's row for the mail under way in this thread: read at its first step, reused by the later ones."""
    held = getattr(_mail, "row", None)
    if not fresh and held and held[0] == (id(host), account_id) and time.monotonic() - held[2] < ROW_SECONDS:
        return held[1]
    state = store.account_state(host, account_id)
    _mail.row = ((id(host), account_id), state, time.monotonic())
    return state


def pace(account: MailAccount, recipients: int | Sequence[str], host: Host) -> Pace | None:
    """The host asks whether the account's next mail may go (host API 1.6; its first step of a mail); None for
    accounts without OAuth. ``recipients`` is their number (host API 1.6); a host that passes the addresses lets the
    tenant's limits on external recipients count internal ones as internal."""
    state = _row(host, account.id, fresh=True)
    if state is None:
        return None
    on_graph = state.route_in_use == store.ROUTE_GRAPH
    return pacing.permit(host, account.id, recipients, on_graph=on_graph, state=state, address=account.address)


def deliver(account: MailAccount, message: bytes, recipients: int, host: Host) -> bool | None:
    """Deliver over Microsoft Graph when that is the account's route (True); None lets the host use SMTP. A mail
    that Exchange would refuse for its size or number of recipients is refused here, before anything is sent."""
    state = _row(host, account.id)
    if state is None:
        return None
    options = Options.of(host)
    senders = _senders(message)
    if senders != [account.address.strip().lower()]:
        raise _refused_here(host, account, "message:from", ", ".join(senders)[:200] or "kein Absender")
    if recipients > options.max_recipients:
        raise _refused_here(host, account, "limit:recipients", f"{recipients} Empfänger")
    if len(message) > options.max_message_mb * 1024 * 1024:
        raise _refused_here(host, account, "limit:size", f"{len(message) / 1024 / 1024:.1f} MB")
    if state.route_in_use == store.ROUTE_GRAPH:
        pacing.uploading(host, len(message))  # Graph's upload window counts the mail's bytes, not a reservation
    return route.deliver(host, account, message, state)


def _senders(message: bytes) -> list[str]:
    """The addresses in the finished mail's From header(s), lower case (only the headers are read)."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(message[:MAX_HEADERS], headersonly=True)
    return [address.strip().lower() for _, address in getaddresses(headers.get_all("From") or [])]


MAX_HEADERS = 256 * 1024
"""Bytes of the mail read for its headers (the From is near the top)."""


def _refused_here(host: Host, account: MailAccount, key: str, measured: str) -> MailError:
    finding = Finding(entry(key), key.upper().replace(":", "-"), microsoft_text=measured)
    status.report(host, account.id, finding)  # a MESSAGE finding: only this mail, the account stays as it is
    return finding.mail_error()


def budget(account: MailAccount, host: Host) -> Budget | None:
    """For the host's queue page (host API 1.6): the mailbox's limits, and why its mail is held and when the plugin
    tries again by itself."""
    state = store.account_state(host, account.id)
    if state is None:
        return None
    limits = pacing.budget(host, account.id, state=state)
    return dataclasses.replace(limits, rows=(*limits.rows, *_held_rows(state)))


def _held_rows(state: store.AccountState) -> tuple[tuple[str, str], ...]:
    if not state.problem_code:
        return ()
    rows = [("Angehalten wegen", headline(state.problem_text or state.problem_code))]
    if state.state == store.SIGNIN_REQUIRED:
        rows.append(("Weiter, sobald", "sich jemand im E-Mailkonto erneut bei Microsoft anmeldet"))
    elif state.retry_at is not None:
        rows.append(("Nächster Versuch von selbst", when(state.retry_at)))
    elif state.problem_code in status.APP_CODES:
        rows.append(("Weiter, sobald", "die Zugangsdaten der App wieder funktionieren (cmxOrganize prüft selbst)"))
    return tuple(rows)


def authenticate(account: MailAccount, smtp: smtplib.SMTP, host: Host) -> bool | None:
    """None for accounts that do not use OAuth; True once authenticated; a MailError otherwise."""
    state = _row(host, account.id)
    if state is None:
        return None
    xoauth2.authenticate(smtp, host, account, state)
    if xoauth2.HOST_SAYS_SENT:
        _connections[smtp] = state
    else:
        sent(host, account.id, state)  # a host before 1.7 never says when the server accepted: the login must do
    return True


def smtp_sent(account: MailAccount, smtp: smtplib.SMTP, host: Host) -> None:
    """The server accepted a mail on a connection the plugin authenticated (host API 1.7): now it is sent."""
    state = _connections.get(smtp)
    if state is None:
        return  # not a connection of ours
    written = sent(host, account.id, state)
    # A second mail on the same connection: what this one solved and wrote is not to be done again. The time kept is
    # the one *stored* — keeping "now" when nothing was written would never write again on a busy connection, and the
    # screen would show the first mail's time for as long as the connection lasts.
    _connections[smtp] = dataclasses.replace(
        state, problem_code=None, auth_refusals=0, last_sent_at=written or state.last_sent_at
    )


def explain(account: MailAccount, code: int, text: str, host: Host, *, step: str = "") -> MailError | None:
    """Explain a refusal after authentication (e.g. 550 5.7.60 Send As) for OAuth accounts, with the step it came at
    when the host names it (host API 1.7)."""
    state = _row(host, account.id)
    if state is None:
        return None
    finding = dataclasses.replace(from_smtp(code, text), step=step)
    if state.by_app and finding.code == "550 5.7.60":
        finding = dataclasses.replace(finding, entry=entry("app:send-as"))  # the service principal's Send As
    status.report(host, account.id, finding)
    return finding.mail_error(retry_after=pacing.refused(host, account, finding, None))


def probe(host: Host, account: MailAccount, state: store.AccountState) -> Finding | None:
    """Would the route in use work now? SMTP: AUTH XOAUTH2 at the mail server; Graph: a token for Mail.Send. Nothing
    is sent and nothing recorded (the doctor's ``--smtp``)."""
    if state.route_in_use != route.GRAPH:
        return xoauth2.probe(host, account)
    refused = graph.can_send(host, account.id, report=False)
    return None if refused is None else finding_of(refused)
