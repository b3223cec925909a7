"""The way back from a problem without a person: held mail goes out by itself once the cause is gone.

Each kind of problem has its own way back, tried by the periodic job with a backoff (:data:`..status.RETRY_DELAYS`:
5 and 15 minutes, an hour, … then daily), by exactly one worker per try:

- **a problem of the account** that only Microsoft's answer to a real mail can disprove — a full mailbox, Send As
  not (yet) granted, SMTP AUTH switched off, a blocked sender, consent missing: one held mail is let go as a probe
  (host API 1.7, ``release_held_mail(limit=1)``; an older host releases all). Accepted, it solves the problem: the
  rest is released and whoever was told hears once that it is solved (:func:`..status.solved`). Refused again, it is
  held again and nobody is told twice.
- **a problem of the app registration** (secret expired, certificate not accepted …): a client-credentials request
  proves the credential; a success clears the problem on every account (:func:`..status.app_problems_disproved`).
- **a sign-in problem**: only a new sign-in helps (it releases the held mail itself); nothing to try.
"""

from __future__ import annotations

import datetime as dt

from cmx_hostapi import Host

from .. import identity, status, store
from ..config import Missing, Options, azure_app
from ..sending.xoauth2 import HOST_SAYS_SENT
from . import checks

APP_TRY = "way-back:app"


def job(host: Host, now: dt.datetime) -> int:
    """The periodic job: try every way back that is due. Returns how many were tried."""
    tried = 0
    states = store.all_account_states(host)
    if any(s.problem_code in status.APP_CODES for s in states) and _app_due(host, states, now):
        tried += 1
        _prove_app(host)
    for state in states:
        if state.retry_at is None or state.retry_at > now or state.state != store.CONNECTED:
            continue
        number = store.claim_retry(
            host, state.account_id, due=state.retry_at, then=now + status.retry_delay(state.retries + 1)
        )
        if number is None:
            continue  # another worker took this try
        tried += 1
        probe(host, state.account_id, number, state.problem_code)
    return tried


def probe(host: Host, account_id: int, number: int, code: str) -> int:
    """Let one mail held for the account's problem (``code``) try whether it is gone (all held mails on a host before
    1.7). Returns how many of the account's mails wait now."""
    store.add_event(
        host,
        "way_back",
        f"cmxOrganize versucht von selbst, ob die Ursache behoben ist (Versuch {number}): eine angehaltene Mail geht "
        "noch einmal an Microsoft.",
        account_id=account_id,
    )
    if HOST_SAYS_SENT:
        return host.release_held_mail(account_id, limit=1, code=code)
    return host.release_held_mail(account_id)


def _app_due(host: Host, states: list[store.AccountState], now: dt.datetime) -> bool:
    """Whether the app's credential is to be tried again now: the longer the problem lasts, the rarer."""
    since = min((s.problem_at for s in states if s.problem_code in status.APP_CODES and s.problem_at), default=now)
    age = now - since
    every = next(
        (delay for delay, bound in zip(status.RETRY_DELAYS, _AGES, strict=False) if age < bound),
        status.RETRY_DELAYS[-1],
    )
    return store.claim_notice(host, APP_TRY, every)


_AGES = (
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=6),
    dt.timedelta(days=1),
    dt.timedelta(days=3),
    dt.timedelta(days=7),
)
"""The age of an app problem up to which each of the first delays applies (then the last: daily)."""


def _prove_app(host: Host) -> None:
    azure = azure_app(host)
    if isinstance(azure, Missing):
        return
    try:
        identity.check_credentials(Options.of(host), azure)
    except identity.MicrosoftError:
        return  # still refused: the problem stands, nobody is told twice
    store.record_check(host, "credentials", ok=True, text=checks.ok_text(azure))
    checks.mark_validated(host, azure)
    status.app_problems_disproved(host)
