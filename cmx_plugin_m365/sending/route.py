"""Which way an account's mail leaves: SMTP (AUTH XOAUTH2) or Microsoft Graph, chosen per account.

"automatisch" (the default) sends over SMTP while it works. When Exchange refuses SMTP AUTH itself for the mailbox —
switched off for it or the whole organisation, or blocked by security defaults (535 5.7.139; entries marked
``graph_helps`` in the catalogue) — it switches the account to Graph, tells the admins once, and releases the mail
held meanwhile; the refused mail is retried at once, over Graph. "SMTP" and "Microsoft Graph" fix the route.
"""

from __future__ import annotations

from cmx_hostapi import Host, MailAccount, MailError, TemporaryMailError

from .. import store
from ..diagnosis import Finding
from . import graph

AUTO, SMTP, GRAPH = store.ROUTE_AUTO, store.ROUTE_SMTP, store.ROUTE_GRAPH
LABELS = {AUTO: "automatisch", SMTP: "SMTP", GRAPH: "Microsoft Graph"}
"""The routes as people see them (the select in the green field)."""
SWITCHED = "ROUTE-GRAPH"
"""The code of the mail error that says: this mail goes again at once, over Graph."""


def deliver(host: Host, account: MailAccount, message: bytes, state: store.AccountState) -> bool | None:
    """For the host's ``cmx_deliver``: send over Graph when that is the account's route in use (True), else None —
    the host then sends over SMTP and the plugin authenticates it with XOAUTH2."""
    if state.route_in_use != GRAPH:
        return None
    if state.by_app and not state.graph_scope_confirmed:
        # Graph's application permission reaches every mailbox unless narrowed: not used until the admin confirmed
        # the narrowing (issue 24; :mod:`..signin.app_permission`). SMTP stays.
        return None
    graph.send(host, account, message, state)
    return True


def smtp_auth_refused(host: Host, account: MailAccount, finding: Finding) -> MailError:
    """SMTP AUTH is refused for the mailbox of an account on "automatisch": from now on its mail goes over Graph.

    Returns the error for the mail that was refused: temporary, to be sent again at once (over Graph) — or, when the
    account's sign-in does not allow Graph yet (it predates it), what the person must do; mail waits meanwhile.
    """
    if store.use_route(host, account.id, GRAPH, finding.code):
        _announce(host, account, finding)
    refused = graph.can_send(host, account.id)
    if refused is not None:
        return refused
    host.release_held_mail(account.id)
    return TemporaryMailError(
        "SMTP AUTH ist für dieses Postfach ausgeschaltet; die Mail wird sofort über Microsoft Graph gesendet.",
        code=SWITCHED,
        retry_after=1.0,
    )


def _announce(host: Host, account: MailAccount, finding: Finding) -> None:
    text = (
        f"SMTP AUTH ist für das Postfach {account.address} ausgeschaltet (Microsoft: {finding.code}, "
        f"„{finding.entry.title}“). Mit dem Versandweg „automatisch“ sendet cmxOrganize die Mails dieses "
        "E-Mailkontos jetzt über Microsoft Graph; dafür ist nichts zu tun. Über Microsoft Graph darf eine Mail "
        "höchstens etwa 3 MB groß sein; für größere müsste SMTP AUTH für das Postfach eingeschaltet werden."
    )
    store.add_event(host, "route", text, account_id=account.id, code=finding.code)
    state = store.account_state(host, account.id)
    if state is not None and state.problem_code == finding.code:
        store.clear_problem(host, account.id)  # reported while the route was SMTP: Graph does not have it
    subject = f"E-Mailkonto {account.address}: Versand jetzt über Microsoft Graph"
    host.notify("admins", subject, f"{text}\n\n{host.record_url('E-Mailkonto', account.id)}", account_id=account.id)
