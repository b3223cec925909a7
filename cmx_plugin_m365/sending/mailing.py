"""The plugin's part in every mail the host sends through an OAuth account: the route, SMTP AUTH, the replies."""

from __future__ import annotations

import smtplib

from cmx_hostapi import Host, MailAccount, MailError

from .. import status, store
from ..diagnosis import Finding, finding_of, from_smtp
from . import graph, route, xoauth2


def deliver(account: MailAccount, message: bytes, host: Host) -> bool | None:
    """Deliver over Microsoft Graph when that is the account's route (True); None lets the host use SMTP."""
    return route.deliver(host, account, message)


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
    return finding.mail_error()


def probe(host: Host, account: MailAccount, state: store.AccountState) -> Finding | None:
    """Would the route in use work now? SMTP: AUTH XOAUTH2 at the mail server; Graph: a token for Mail.Send. Nothing
    is sent and nothing recorded (the doctor's ``--smtp``)."""
    if state.route_in_use != route.GRAPH:
        return xoauth2.probe(host, account)
    refused = graph.can_send(host, account.id, report=False)
    return None if refused is None else finding_of(refused)
