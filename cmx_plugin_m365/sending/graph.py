"""Sending over Microsoft Graph: the finished MIME message, base64, to ``POST /v1.0/me/sendMail`` — or, for an
account of another mailbox (a shared one the signed-in user may send as), to ``/v1.0/users/{address}/sendMail``.

Where the copy lands (GRAPH-OTHERUSER, "Sent Items behavior"): "/me … the message will be saved in the sending user's
Sent Items folder"; "/users/{user-id} where the user-id corresponds to the from user … saved in the from user's Sent
Items folder", for which "the sending user must have the Full Access mailbox permission in addition to either the
Send on Behalf or Send As permission". So a shared mailbox's mail goes through ``/users/{address}`` while that works
(the team sees it in the shared mailbox's Sent Items) and through ``/me`` when the signed-in user lacks Full Access
(Graph answers 403 ErrorAccessDenied; which rights one holds cannot be asked: "It's not currently possible to use
Microsoft Graph to query which mailboxes the authenticated user has permissions for", same page). What worked is
remembered per account (``graph_sender``) and found out again at the next sign-in. ``/users/{…}`` takes an ID or a
UPN (GRAPH-SENDMAIL); that a shared mailbox's address is accepted there is inferred (a shared mailbox's user object
usually has its address as UPN) — ErrorInvalidUser falls back to ``/me`` as well.

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
import dataclasses
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

import msal
import requests
from cmx_hostapi import Host, MailAccount, MailError

from .. import http, identity, status, store, tokens
from ..config import Options
from ..diagnosis import Finding, entry, from_exception, from_graph
from ..diagnosis.graph_errors import GRAPH_SIZE_LIMIT
from ..store import accounts
from . import pacing, sent

ME = "/v1.0/me/sendMail"
NOT_THROUGH_THE_MAILBOX = ("graph:ErrorAccessDenied", "graph:ErrorInvalidUser")
"""Graph's answers to ``/users/{address}/sendMail`` that mean: not this way (no Full Access there, or the address is
no user name Graph knows) — the mail goes through ``/me`` instead."""
PROFILE_LIMIT = 64 * 1024
"""Bytes of ``GET /me``'s answer that are read at most (a profile with mail and proxyAddresses is a few hundred)."""


def send(host: Host, account: MailAccount, message: bytes, state: store.AccountState) -> None:
    """Send the message as the account's signed-in user, or raise a classified MailError (recorded on the account
    when it concerns the account)."""
    if len(message) > GRAPH_SIZE_LIMIT:
        raise _refused(host, account.id, Finding(entry("graph:RequestEntityTooLarge"), "graph:RequestEntityTooLarge"))
    options = Options.of(host)
    body = base64.b64encode(message)
    token = tokens.access_token(host, account.id, state=state, scopes=options.graph_send)
    path = _path(account, state)
    response = _post(host, account.id, options, token, body, path)
    if response.status_code == 401:
        # An expired or revoked token, or a claims challenge (Conditional Access, continuous access evaluation): one
        # refresh, asking for the claims Graph named; if the person must act, the refresh says so (sign-in required).
        challenge = claims_challenge(response.headers.get("WWW-Authenticate", ""))
        token = tokens.access_token(host, account.id, scopes=options.graph_send, force_refresh=True, claims=challenge)
        response = _post(host, account.id, options, token, body, path)
        if response.status_code == 401:
            key = "graph:claims" if challenge else "graph:InvalidAuthenticationToken"
            raise _refused(host, account.id, Finding(entry(key), key, microsoft_text=response.text[:300]))
    if state.by_app and response.status_code != 202:
        raise _refused(host, account.id, app_refusal(from_graph(response.status_code, response.text)))
    if path != ME and from_graph(response.status_code, response.text).code in NOT_THROUGH_THE_MAILBOX:
        _through(host, account, accounts.VIA_ME, state)  # nothing was sent: the same mail goes through /me
        path = ME
        response = _post(host, account.id, options, token, body, path)
    if response.status_code == 202:
        if path != ME:
            _through(host, account, accounts.VIA_MAILBOX, state)
        sent(host, account.id, state)  # 202: Microsoft accepted it
        return
    retry_after = http.seconds(response.headers.get("Retry-After"))
    raise _refused(host, account.id, from_graph(response.status_code, response.text), retry_after=retry_after)


def _path(account: MailAccount, state: store.AccountState) -> str:
    """``/users/{address}/sendMail`` for an account of another mailbox unless that was found not to work, else
    ``/me/sendMail``."""
    if state.by_app:
        return users_path(account.address)  # an app token has no /me (app permission, issue 24)
    if state.mailbox_kind == accounts.OTHER and state.graph_sender != accounts.VIA_ME and account.address:
        return f"/v1.0/users/{quote(account.address.strip().lower(), safe='@')}/sendMail"
    return ME


def users_path(address: str) -> str:
    return f"/v1.0/users/{quote(address.strip().lower(), safe='@')}/sendMail"


def app_refusal(finding: Finding) -> Finding:
    """Graph's 403 ErrorAccessDenied to the app's own token: "Access to OData is disabled." is the narrowing that
    excludes the mailbox (microsoft-graph-docs-contrib#8731); another ErrorAccessDenied the missing permission
    (:mod:`..diagnosis.app_permission`)."""
    if finding.code != "graph:ErrorAccessDenied" and "ErrorAccessDenied" not in finding.code:
        return finding
    key = "app:graph-scope" if "odata" in (finding.microsoft_text or "").lower() else "app:graph-no-role"
    return dataclasses.replace(finding, entry=entry(key))


def prove_scope(host: Host, address: str, outside: str) -> Finding | None:
    """The narrowing, proven where it can be: a test mail as ``outside`` (a mailbox the admin says is not in the app's
    scope) must be refused. None when Graph refused it with the narrowing's answer; the Finding otherwise — an
    accepted mail (``app:graph-unscoped``) or another refusal."""
    options = Options.of(host)
    token = tokens.app_access_token(host, tokens.app_scope_for(options, options.graph_send))
    message = (
        f"From: {outside}\r\nTo: {outside}\r\nSubject: cmxOrganize: Probe der Eingrenzung\r\n\r\n"
        f"cmxOrganize prueft, ob die App ausserhalb ihrer Eingrenzung senden kann (fuer {address}).\r\n"
    ).encode()
    try:
        response = identity.session(options).post(
            f"{options.graph_base_url.rstrip('/')}{users_path(outside)}",
            data=base64.b64encode(message),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
        )
    except requests.RequestException as error:
        return from_exception(error)
    if response.status_code == 202:
        return Finding(entry("app:graph-unscoped"), "app:graph-unscoped")
    finding = app_refusal(from_graph(response.status_code, response.text[:2000]))
    return None if finding.entry.key == "app:graph-scope" else finding


def _through(host: Host, account: MailAccount, via: str, state: store.AccountState) -> None:
    """Remember which call sends for the account, and write down where its copies land now (once per change)."""
    if state.graph_sender == via or not accounts.set_graph_sender(host, account.id, via):
        return
    who = state.signed_in_as or "dem angemeldeten Konto"
    text = (
        f"Über Microsoft Graph sendet cmxOrganize für {account.address} über das Postfach selbst; die Kopie liegt in "
        f"dessen Gesendeten Elementen."
        if via == accounts.VIA_MAILBOX
        else f"{who} hat keinen Vollzugriff auf das Postfach {account.address}: Über Microsoft Graph liegen Kopien "
        f"gesendeter Mails deshalb im Postfach {who}, nicht in {account.address}."
    )
    store.add_event(host, "sent_items", text, account_id=account.id)


def _post(host: Host, account_id: int, options: Options, token: str, body: bytes, path: str = ME) -> requests.Response:
    try:
        return identity.session(options).post(
            f"{options.graph_base_url.rstrip('/')}{path}",
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
        )
    except requests.RequestException as error:
        raise _refused(host, account_id, from_exception(error)) from None


def _forget_profile_token(app: msal.ConfidentialClientApplication, scope: str) -> None:
    """The User.Read access token serves this one read: it is not kept in the account's stored cache (only what
    sending needs is stored; the refresh token the answer brought is)."""
    name = scope.rsplit("/", 1)[-1]
    cache = app.token_cache
    for token in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
        if name in token.get("target", "").split() or scope in token.get("target", "").split():
            cache.remove_at(token)


@dataclass(frozen=True)
class Addresses:
    """The signed-in user's mailbox as Graph's ``GET /me`` names it."""

    primary: str
    """``mail``: the primary SMTP address (what recipients see)."""
    others: frozenset[str]
    """The other SMTP addresses of the mailbox (proxyAddresses with "smtp:"; aliases)."""

    def kind(self, address: str) -> str:
        """What ``address`` is to this mailbox: :data:`accounts.PRIMARY`, :data:`accounts.ALIAS` or
        :data:`accounts.OTHER` (another mailbox)."""
        address = address.strip().lower()
        if address == self.primary:
            return accounts.PRIMARY
        return accounts.ALIAS if address in self.others else accounts.OTHER


def addresses(options: Options, app: msal.ConfidentialClientApplication, oid: str) -> Addresses | None:
    """The signed-in user's addresses from ``GET /me?$select=mail,proxyAddresses`` (User.Read; proxyAddresses is
    "Returned only on $select", "SMTP" capitalized the primary, "smtp" the others: graph-docs-contrib
    api-reference/v1.0/resources/user.md), right after the sign-in with its msal app. None when Graph cannot tell
    (no User.Read granted, Graph unreachable, an answer that is not a profile): nothing is recorded then."""
    try:
        mine = [a for a in app.get_accounts() if a.get("local_account_id") == oid] or app.get_accounts()
        result = app.acquire_token_silent_with_error([options.graph_read], mine[0]) if mine else None
        if not result or "access_token" not in result:
            return None
        _forget_profile_token(app, options.graph_read)
        response = identity.session(options).get(
            f"{options.graph_base_url.rstrip('/')}/v1.0/me",
            params={"$select": "mail,proxyAddresses"},
            headers={"Authorization": f"Bearer {result['access_token']}"},
        )  # read bounded by the session (http.MAX_BODY); a profile is far smaller still
        if response.status_code != 200:
            return None
        raw = response.content
        profile = json.loads(raw) if len(raw) <= PROFILE_LIMIT else None
    except (requests.RequestException, msal.exceptions.MsalError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(profile, dict):
        return None
    proxies = [str(p) for p in profile.get("proxyAddresses") or [] if str(p).lower().startswith("smtp:")]
    primary = next((p[5:] for p in proxies if p.startswith("SMTP:")), None) or str(profile.get("mail") or "")
    if not primary:
        return None
    return Addresses(primary.lower(), frozenset(p[5:].lower() for p in proxies) - {primary.lower()})


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
