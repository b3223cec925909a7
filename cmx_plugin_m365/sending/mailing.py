"""The plugin's part in every mail the host sends through an OAuth account: the route, SMTP AUTH, the replies."""

from __future__ import annotations

import smtplib

from cmx_hostapi import Budget, Host, MailAccount, MailError, Pace

from .. import status, store
from ..config import Options
from ..diagnosis import Finding, entry, finding_of, from_smtp
from . import graph, pacing, route, xoauth2


def deliver(account: MailAccount, message: bytes, recipients: int, host: Host) -> bool | None:
    """Deliver over Microsoft Graph when that is the account's route (True); None lets the host use SMTP. A mail
    that Exchange would refuse for its size or number of recipients is refused here, before anything is sent."""
    stored = store.load_cache(host, account.id)  # the one read of the plugin's row for this step
    if stored is None:
        return None
    options = Options.of(host)
    if recipients > options.max_recipients:
        raise _refused_here(host, account, "limit:recipients", f"{recipients} Empfänger")
    if len(message) > options.max_message_mb * 1024 * 1024:
        raise _refused_here(host, account, "limit:size", f"{len(message) / 1024 / 1024:.1f} MB")
    return route.deliver(host, account, message, stored)


def _refused_here(host: Host, account: MailAccount, key: str, measured: str) -> MailError:
    finding = Finding(entry(key), key.upper().replace(":", "-"), microsoft_text=measured)
    status.report(host, account.id, finding)  # a MESSAGE finding: only this mail, the account stays as it is
    return finding.mail_error()


def pace(account: MailAccount, recipients: int, host: Host) -> Pace | None:
    """The host's queue asks whether the account's next mail may go (host API 1.6); None for accounts without OAuth."""
    state = store.account_state(host, account.id)
    if state is None:
        return None
    return pacing.permit(host, account.id, recipients, on_graph=state.route_in_use == store.ROUTE_GRAPH)


def budget(account: MailAccount, host: Host) -> Budget | None:
    return pacing.budget(host, account.id)


def authenticate(account: MailAccount, smtp: smtplib.SMTP, host: Host) -> bool | None:
    """None for accounts that do not use OAuth; True once authenticated; a MailError otherwise."""
    stored = store.load_cache(host, account.id)  # the one read of the plugin's row per mail
    if stored is None:
        return None
    xoauth2.authenticate(smtp, host, account, stored)
    return True


def explain(account: MailAccount, code: int, text: str, host: Host) -> MailError | None:
    """Explain a refusal after authentication (e.g. 550 5.7.60 Send As) for OAuth accounts."""
    if store.account_state(host, account.id) is None:
        return None
    finding = from_smtp(code, text)
    status.report(host, account.id, finding)
    return finding.mail_error(retry_after=pacing.refused(host, account, finding, None))


def probe(host: Host, account: MailAccount, state: store.AccountState) -> Finding | None:
    """Would the route in use work now? SMTP: AUTH XOAUTH2 at the mail server; Graph: a token for Mail.Send. Nothing
    is sent and nothing recorded (the doctor's ``--smtp``)."""
    if state.route_in_use != route.GRAPH:
        return xoauth2.probe(host, account)
    refused = graph.can_send(host, account.id, report=False)
    return None if refused is None else finding_of(refused)
