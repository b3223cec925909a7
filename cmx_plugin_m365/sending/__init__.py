"""Sending a mail account's mail with its sign-in: two routes side by side.

``xoauth2`` authenticates the host's SMTP connection (SMTP AUTH XOAUTH2 at Exchange Online); ``graph`` sends the
finished message over Microsoft Graph (``/me/sendMail``), which works where SMTP AUTH is switched off; ``route``
decides per account which one a mail takes; ``mailing`` is what the host's hooks call.

A mail counts as sent when Microsoft accepted it — SMTP's 250 after DATA (host API 1.7, ``cmx_smtp_sent``), Graph's
202 — never at the login: a refusal after AUTH (a full mailbox, Send As) means it was not.
"""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host

from .. import status, store

LAST_SENT_WRITE_INTERVAL = dt.timedelta(minutes=1)
"""How stale "zuletzt erfolgreich gesendet" may get: written at most this often, not once per mail."""


def sent(host: Host, account_id: int, state: store.AccountState) -> dt.datetime | None:
    """Microsoft accepted a mail of the account (either route): the problem it disproves is solved — its held mail
    released, whoever was told of it told once — and "zuletzt erfolgreich gesendet" kept fresh. Returns when that was
    written now (None: the stored time is less than a minute old and stays)."""
    if state.problem_code in status.APP_CODES:
        status.app_problems_disproved(host)  # the app's credential worked: every account that blamed it recovers
    elif state.problem_code:
        status.solved(host, account_id)
    last, now = state.last_sent_at, store.utcnow()
    if last is None or state.auth_refusals or now - last >= LAST_SENT_WRITE_INTERVAL:
        store.record_sent(host, account_id)
        return now
    return None
