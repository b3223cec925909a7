"""Sending over Microsoft Graph: the finished MIME message, base64, to ``POST /v1.0/me/sendMail``.

Graph is plain HTTPS with the delegated permission Mail.Send and does not depend on the SMTP AUTH switch
(next-features §1.4). The message goes as the host built it (headers, body, attachments): Graph keeps a copy in Sent
Items, exactly like SMTP submission does. 202 means Microsoft accepted the mail, not that it was delivered: a later
failure comes back as a non-delivery report into the mailbox (GRAPH-SENDSTEPS), as with SMTP.

Large mail: one request may carry 4 MB, so about 3 MB of MIME. Larger mail would need a draft, an upload session and
the permission Mail.ReadWrite (read and write every mail in the mailbox; GRAPH-LARGE) — more than a program that only
sends should hold. cmxOrganize does not ask for it: such a mail is refused before sending with a message that says
what to do (docs/developer-notes.md, "Large mail on the Graph route").
"""

from __future__ import annotations

import base64
import re

import requests
from cmx_hostapi import Host, MailAccount, MailError

from .. import http, identity, status, store, tokens
from ..config import Options
from ..diagnosis import Finding, entry, from_exception, from_graph
from ..diagnosis.graph_errors import GRAPH_SIZE_LIMIT
from . import pacing, sent


def send(host: Host, account: MailAccount, message: bytes, state: store.AccountState) -> None:
    """Send the message as the account's signed-in user, or raise a classified MailError (recorded on the account
    when it concerns the account)."""
    if len(message) > GRAPH_SIZE_LIMIT:
        raise _refused(host, account.id, Finding(entry("graph:RequestEntityTooLarge"), "graph:RequestEntityTooLarge"))
    options = Options.of(host)
    body = base64.b64encode(message)
    token = tokens.access_token(host, account.id, state=state, scopes=options.graph_send)
    response = _post(host, account.id, options, token, body)
    if response.status_code == 401:
        # An expired or revoked token, or a claims challenge (Conditional Access, continuous access evaluation): one
        # refresh, asking for the claims Graph named; if the person must act, the refresh says so (sign-in required).
        challenge = claims_challenge(response.headers.get("WWW-Authenticate", ""))
        token = tokens.access_token(host, account.id, scopes=options.graph_send, force_refresh=True, claims=challenge)
        response = _post(host, account.id, options, token, body)
        if response.status_code == 401:
            key = "graph:claims" if challenge else "graph:InvalidAuthenticationToken"
            raise _refused(host, account.id, Finding(entry(key), key, microsoft_text=response.text[:300]))
    if response.status_code == 202:
        sent(host, account.id, state)  # 202: Microsoft accepted it
        return
    retry_after = http.seconds(response.headers.get("Retry-After"))
    raise _refused(host, account.id, from_graph(response.status_code, response.text), retry_after=retry_after)


def _post(host: Host, account_id: int, options: Options, token: str, body: bytes) -> requests.Response:
    try:
        return identity.session(options).post(
            f"{options.graph_base_url.rstrip('/')}/v1.0/me/sendMail",
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
        )
    except requests.RequestException as error:
        raise _refused(host, account_id, from_exception(error)) from None


def _refused(host: Host, account_id: int, finding: Finding, *, retry_after: float | None = None) -> MailError:
    status.report(host, account_id, finding)  # a problem once, a temporary one only in the trail
    account = host.mail_account(account_id)
    paused = pacing.refused(host, account, finding, retry_after) if account is not None else None  # 429: a pause
    return finding.mail_error(retry_after=paused or retry_after)


def claims_challenge(header: str) -> str | None:
    """The claims a 401's ``WWW-Authenticate`` asks for, as JSON (Graph sends them base64-encoded:
    ``Bearer …, error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsi…"``, msgraph-sdk-dotnet#1416), or
    None. The value may end in "=" padding, so it is read as a quoted string, not split at "="."""
    found = re.search(r'claims="([^"]+)"', header)
    if not found:
        return None
    try:
        return base64.b64decode(found.group(1) + "=" * (-len(found.group(1)) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def can_send(host: Host, account_id: int, *, report: bool = True) -> MailError | None:
    """Whether the account's sign-in may use Graph (its token request succeeds), without sending anything: None, or
    why not (e.g. the sign-in predates Graph and needs renewing). ``report=False``: only ask, record nothing."""
    try:
        tokens.access_token(host, account_id, scopes=Options.of(host).graph_send, report=report)
    except MailError as error:
        return error
    return None
