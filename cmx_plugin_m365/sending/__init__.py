"""Sending a mail account's mail with its sign-in: two routes side by side.

``xoauth2`` authenticates the host's SMTP connection (SMTP AUTH XOAUTH2 at Exchange Online); ``graph`` sends the
finished message over Microsoft Graph (``/me/sendMail``), which works where SMTP AUTH is switched off; ``route``
decides per account which one a mail takes; ``mailing`` is what the host's hooks call.
"""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host

from .. import store

LAST_SENT_WRITE_INTERVAL = dt.timedelta(minutes=5)
"""How stale "last successful send" may get: it is written at most this often, not once per mail."""


def sent(host: Host, account_id: int, state: store.StoredCache) -> None:
    """A mail went out (either route): a problem it disproves is cleared, "zuletzt erfolgreich gesendet" kept fresh."""
    if state.problem_code:
        store.clear_problem(host, account_id)
        store.add_event(host, "recovered", "Versand funktioniert wieder.", account_id=account_id)
    last = state.last_sent_at
    if last is None or state.auth_refusals or store.utcnow() - last >= LAST_SENT_WRITE_INTERVAL:
        store.record_sent(host, account_id)
