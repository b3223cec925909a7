"""Microsoft Graph's mail sending, emulated on the identity emulator's HTTPS server (the same directory).

Endpoints (all below ``/v1.0``, as on graph.microsoft.com):
  POST /me/sendMail, /users/{id|upn}/sendMail     MIME (text/plain, base64) or JSON; 202 Accepted, empty body;
                                                  another user's or a shared mailbox only with Full Access there;
                                                  a copy in Sent Items where GRAPH-OTHERUSER says
  GET  /me                                        the signed-in user (User.Read); proxyAddresses on $select
  POST /me/messages                               a draft (MIME or JSON; Mail.ReadWrite)
  POST /me/messages/{id}/attachments/createUploadSession   an upload session for one large attachment
  PUT  /_graph/upload/{session}                   the session's pre-authenticated upload URL (no Authorization)
  POST /me/messages/{id}/send                     sends the draft; 202

Sources (short names of ../shared/reference/next-features.md §1): GRAPH-SENDMAIL (endpoints, Content-Type, base64
MIME, 202, ErrorMimeContentInvalidBase64String), GRAPH-OTHERUSER (Mail.Send.Shared, Send As, ErrorSendAsDenied's
exact body), GRAPH-LARGE (drafts, upload sessions, ranges below 4 MB, Mail.ReadWrite), GRAPH-THROTTLE (4 concurrent
requests per app and mailbox, 429 with Retry-After, ApplicationThrottled "MailboxConcurrency" as captured in
magodo/terraform-provider-outlook#21), §1.4 (the SMTP AUTH switches do not apply to Graph). Each answer below names
its source where it is built; where none was found, the comment says what was inferred.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import json
import secrets
import threading
import time
import uuid
from collections import Counter
from email.utils import getaddresses
from types import SimpleNamespace

import jwt
from flask import Flask, Response, jsonify, request

from devhost.entra.directory import GRAPH, Directory, Mailbox, User
from devhost.entra.server import HOSTILE, hostile_answer
from devhost.entra.tokens import SigningKey

from .directory_api import register_directory
from .keys import register_keys

REQUEST_LIMIT = 4 * 1024 * 1024
"""Bytes per request: "there is a 4MB limit on the size of a request" (microsoft-graph-docs#85, #9834); above it
413 Request Entity Too Large (next-features §1.2: python-o365#308, msgraph-sdk-powershell#1554)."""
# Concurrent requests per app and mailbox: 4 (GRAPH-THROTTLE; the 2019 announcement: "4 concurrent requests per
# mailbox"). The doc's scope moved between versions (PR #9394, #9428); per mailbox is what both versions share. It is
# ``directory.limits.graph_concurrent`` (devhost.entra.limits), configurable like Exchange's limits.
THROTTLE_RETRY_AFTER = 2
UPLOAD_RANGE_LIMIT = 4 * 1024 * 1024
"""GRAPH-LARGE: "keep each range < 4 MB"."""
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def register_graph(app: Flask, directory: Directory, key: SigningKey, base_url: str) -> None:
    state = _State(directory)

    def error(status: int, code: str, message: str, *, headers: dict | None = None):
        """Graph's error shape, with innerError as real answers carry it (date, request-id, client-request-id:
        iyear/E5SubBot#39, microsoftgraph/python-sample-auth#10)."""
        request_id = str(uuid.uuid4())
        body = {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": directory.clock.now().strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": request.headers.get("client-request-id", request_id),
                },
            }
        }
        response = jsonify(body)
        response.status_code = status
        response.headers["request-id"] = request_id
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response

    def unauthorized(message: str, *, challenge: str = ""):
        # 401 with Graph's WWW-Authenticate, as captured (Microsoft365DSC/Microsoft365DSC#4427); a claims challenge
        # adds error="insufficient_claims" and claims=<base64 JSON> (microsoftgraph/msgraph-sdk-dotnet#1416).
        header = (
            'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
            f'client_id="{GRAPH_APP_ID}"'
        )
        if challenge:
            header += f', error="insufficient_claims", claims="{challenge}"'
        return error(401, "InvalidAuthenticationToken", message, headers={"WWW-Authenticate": header})

    def caller(needed: tuple[str, ...]):
        """(claims, user, None) for a valid token holding one of ``needed``; (None, None, an error) otherwise."""
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth.removeprefix("Bearer ").strip():
            return None, None, unauthorized("Access token is empty.")
        now = directory.clock.now()
        try:
            claims = key.verify(auth.removeprefix("Bearer ").strip(), audience=GRAPH, now=now)
        except jwt.ExpiredSignatureError:
            return None, None, unauthorized("Lifetime validation failed, the token is expired.")
        except jwt.InvalidTokenError:
            return None, None, unauthorized("Access token validation failure. Invalid audience.")
        with directory.lock:
            user = directory.users.get(claims.get("oid", ""))
            if user is None:
                return None, None, unauthorized("Access token validation failure.")
            capable = "cp1" in [str(c).lower() for c in claims.get("xms_cc", [])]
            if capable and user.tokens_valid_from and claims["iat"] < user.tokens_valid_from.timestamp():
                # Continuous access evaluation after a revocation (msgraph-sdk-powershell#1741: "Continuous access
                # evaluation resulted in claims challenge with result: InteractionRequired and code:
                # TokenIssuedBeforeRevocationTimestamp") — only for a client that declared the capability cp1 (its
                # token carries xms_cc): "Your application receives claims challenges from popular services like
                # Microsoft Graph only if it declares its client capabilities"; "An application won't receive claims
                # challenges (and won't be able to use the related features such as CAE tokens) unless it declares
                # it's ready to handle them with the "cp1" capability" (entra-docs claims-challenge.md; "To use CAE,
                # both your app and the resource API it's accessing must be CAE-enabled",
                # app-resilience-continuous-access-evaluation.md). Any other token is an ordinary one: Graph takes
                # it until it expires, and the revocation shows at the next refresh (AADSTS50173).
                nbf = json.dumps({"access_token": {"nbf": {"essential": True, "value": str(int(now.timestamp()))}}})
                return (
                    None,
                    None,
                    unauthorized(
                        "Continuous access evaluation resulted in challenge with result: InteractionRequired and "
                        "code: TokenIssuedBeforeRevocationTimestamp",
                        challenge=base64.b64encode(nbf.encode()).decode(),
                    ),
                )
            if user.graph_step_up and "c1" not in claims.get("acrs", []):
                # A Conditional Access authentication context: the token must carry acrs "c1"; the client asks for
                # it with the claims parameter (learn.microsoft.com/entra/identity-platform/
                # developer-guide-conditional-access-authentication-context; the form is Entra's claims request).
                # NOT faithful for a client without cp1: claims-challenge.md says Graph sends claims challenges
                # "only if it declares its client capabilities". Kept for every client (a test switch, off unless a
                # test sets graph_step_up) because it is the only way to exercise the plugin's handling of a claims
                # challenge, which does not declare cp1; open point of issue 20.
                acrs = json.dumps({"access_token": {"acrs": {"essential": True, "value": "c1"}}})
                return (
                    None,
                    None,
                    unauthorized(
                        "Conditional Access requires additional claims.",
                        challenge=base64.b64encode(acrs.encode()).decode(),
                    ),
                )
        scopes = set(claims.get("scp", "").split())
        if not scopes & set(needed):
            # Inferred: the exact body for sendMail without Mail.Send was not found (next-features §1.3); this is
            # Graph's usual answer for a token without the permission.
            return None, None, error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        return claims, user, None

    def fault():
        """A failure the control API asked for (``graph_fault``): 429 with Retry-After, 500, 503."""
        f = directory.take_fault("graph_fault")
        if f is None:
            return None
        if f.kind in HOSTILE:
            return hostile_answer(f.kind)
        status = int(f.kind)
        if status == 429:
            return error(
                429,
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
                headers={"Retry-After": str(f.retry_after)},
            )
        if status == 503:
            return error(
                503,
                "ServiceNotAvailable",
                "Service is unavailable. Retry later.",
                headers={"Retry-After": str(f.retry_after)},
            )
        return error(status, "UnknownError", "An internal server error occurred.")

    register_keys(app, directory, key, error)  # an application rolling its own certificates (keys.py)
    register_directory(app, directory, key, error)  # the one-step setup script's calls (directory_api.py)

    # -- sendMail -----------------------------------------------------------------------------------------------------

    @app.post("/v1.0/me/sendMail")
    @app.post("/v1.0/users/<who>/sendMail")
    def send_mail(who: str | None = None):
        directory.count("graph:sendMail")
        if request.content_length and request.content_length > REQUEST_LIMIT:
            return error(413, "RequestEntityTooLarge", "The maximum request length supported is 4MB.")
        # GRAPH-SENDMAIL's permissions table: delegated "Mail.Send" (no other listed); Mail.Send.Shared is what
        # sending from another mailbox needs in addition (GRAPH-OTHERUSER, checked in _submit). Mail.Send.Shared
        # alone is not documented for sendMail and is refused (issue 20's strictness pass).
        app_claims = app_only()
        if app_claims is not None:
            return send_as_app(app_claims, who)
        claims, user, refused = caller(("Mail.Send",))
        if refused:
            return refused
        through = None  # the mailbox of /users/{who}/sendMail when it is not the signed-in user's own
        if who is not None and who.lower() not in (user.oid, user.upn):
            with directory.lock:
                through = _mailbox_named(directory, who)
                if through is None:
                    # "ErrorInvalidUser: The requested user 'example@domain.tld' is invalid." (InnoGE/
                    # laravel-msgraph-mail#16; microsoftgraph/aspnet-snippets-sample#25); the status is not shown
                    # there: 404 inferred.
                    return error(404, "ErrorInvalidUser", f"The requested user '{who}' is invalid.")
                scopes = set(claims.get("scp", "").split())
                if "Mail.Send.Shared" not in scopes or user.oid not in through.full_access:
                    # GRAPH-OTHERUSER: "/users/{user-id} where the user-id corresponds to the from user … the sending
                    # user must have the Full Access mailbox permission in addition to either the Send on Behalf or
                    # Send As permission", and the app Mail.Send.Shared. Graph's answer without Full Access is not on
                    # the page: inferred from its answer for another mailbox's items without rights (403
                    # ErrorAccessDenied "Access is denied. Check credentials and try again.",
                    # microsoftgraph/microsoft-graph-docs#9429).
                    return error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        with state.slot(user.oid) as admitted:
            if not admitted:
                return error(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    headers={"Retry-After": str(THROTTLE_RETRY_AFTER)},
                )
            failed = fault()
            if failed is not None:
                return failed
            if directory.graph_delay:
                time.sleep(directory.graph_delay)
            parsed = _read_message(request, wrapped=True)
            if isinstance(parsed, tuple):
                return error(*parsed)
            return _submit(user, claims, parsed, through=through, save=_save_to_sent_items(request))

    def app_only() -> dict | None:
        """The claims of a valid app-only token (client credentials: no ``scp``), or None for anything else (which
        :func:`caller` then answers as always)."""
        auth = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            claims = key.verify(auth, audience=GRAPH, now=directory.clock.now())
        except jwt.InvalidTokenError:
            return None
        return (
            claims
            if "scp" not in claims
            and directory.service_principal_of(claims.get("tid", ""), claims.get("oid", "")) is not None
            else None
        )

    def send_as_app(claims: dict, who: str | None):
        """``/users/{mailbox}/sendMail`` with the app's own token (issue 24). GRAPH-SENDMAIL: application permission
        ``Mail.Send`` (the token's ``roles``). ``/me`` has no user with an app token: "/me request is only valid with
        delegated authentication flow." (400 BadRequest; microsoftgraph/msgraph-sdk-php#1163, an app-only
        token's GET /me). Narrowed (Directory.graph_app_scopes: RBAC for Applications or an application access policy),
        a mailbox outside is ``403 ErrorAccessDenied`` "Access to OData is disabled." (microsoft-graph-docs-contrib
        #8731, after New-ApplicationAccessPolicy for a shared mailbox outside the scope group; graph-docs-contrib
        concepts/auth-limit-mailbox-access.md names the error). Unnarrowed, any mailbox of the tenant."""
        if who is None:
            return error(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        tenant_id, client_id = claims.get("tid", ""), claims.get("appid", "")
        consented = "Mail.Send" in claims.get("roles", [])
        with directory.lock:
            scope = directory.graph_app_scopes.get((tenant_id, client_id))
            if not consented and scope is None:
                # Neither Entra's application permission nor an assignment in Exchange: Graph's usual answer for a
                # token without the permission (inferred, as in caller()).
                return error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            box = _mailbox_named(directory, who)
            if box is None or box.tenant_id != tenant_id:
                return error(404, "ErrorInvalidUser", f"The requested user '{who}' is invalid.")
            # RBAC for Applications: the assignment's scope grants Mail.Send for the mailboxes in it, *in addition* to
            # what Entra consented ("additive", application-rbac) — with Mail.Send consented in Entra every mailbox is
            # reachable whatever the scope. Outside: the answer application access policies give (#8731 above); that
            # RBAC's refusal has the same words is inferred.
            if not consented and not ({box.address, *directory.addresses_of(box)} & scope):
                directory.count("graph:app:out-of-scope")
                return error(403, "ErrorAccessDenied", "Access to OData is disabled.")
        parsed = _read_message(request, wrapped=True)
        if isinstance(parsed, tuple):
            return error(*parsed)
        with directory.lock:
            sender = _from_address(parsed) or box.address
            if sender not in {box.address, *directory.addresses_of(box)}:
                return error(
                    403,
                    "ErrorSendAsDenied",
                    "The user account which was used to submit this request does not have the right to send mail "
                    "on behalf of the specified sending account. Cannot submit message.",
                )
            _deliver(directory, SimpleNamespace(upn=f"app:{client_id}"), sender, parsed)
            directory.file_sent_copies(
                box,
                None,
                {
                    "subject": str(parsed.get("Subject", "")),
                    "message_id": str(parsed.get("Message-ID", "")),
                    "via": "graph",
                },
            )
        return Response(status=202)

    def _submit(
        user: User,
        claims: dict,
        message: email.message.EmailMessage,
        *,
        through: Mailbox | None = None,
        save: bool = True,
    ):
        with directory.lock:
            own = through or directory.mailbox_of(user.oid)
            if own is None or not own.rest_enabled:
                # No Exchange Online mailbox for this user (no licence, a guest, on-premises): 404
                # MailboxNotEnabledForRESTAPI (iyear/E5SubBot#39 body; python-o365#438: "Not Found").
                return error(
                    404,
                    "MailboxNotEnabledForRESTAPI",
                    "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
                )
            if own.full:
                # Graph passes Exchange's ErrorQuotaExceeded through (microsoft-graph-docs#5607,
                # microsoft-graph-docs-contrib#7483); its HTTP status was not found (next-features §1.3): 403 inferred.
                return error(403, "ErrorQuotaExceeded", "Mailbox has exceeded maximum mailbox size.")
            if len(message.as_bytes()) > directory.max_message_size:
                # Over the mailbox's maximum message size; code as captured (InnoGE/laravel-msgraph-mail#41), the
                # status was not found: 400 inferred.
                return error(400, "ErrorMessageSizeExceeded", "The message exceeds the maximum supported size.")
            wait = directory.limits.graph_request(own.address, directory.clock.now())
            if wait is not None:
                # 10,000 requests per 10 minutes per app and mailbox (GRAPH-THROTTLE): 429 with Retry-After.
                directory.count("graph:refused:429")
                return error(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    headers={"Retry-After": str(int(wait))},
                )
            recipients = len(getaddresses([str(v) for h in ("To", "Cc", "Bcc") for v in message.get_all(h, [])]))
            now = directory.clock.now()
            refusal, frees = directory.limits.submit(own.address, recipients, now)
            if refusal is not None:
                # The mailbox's recipient quota holds for Graph too (it is Exchange's). Graph's own answer to it was
                # not found (next-features §5.2 has only SMTP's): inferred as a 429 with Exchange's exception text and
                # a Retry-After until the window frees.
                directory.count("graph:refused:quota")
                wait = str(max(int((frees - now).total_seconds()) + 1, 1))
                return error(429, "ApplicationThrottled", refusal.split(" ", 2)[2], headers={"Retry-After": wait})
            sender = _from_address(message) or own.address
            box = directory.mailboxes.get(sender)
            mine = box is not None and box.owner_oid == user.oid
            may_send_as = box is not None and user.oid in box.send_as
            scopes = set(claims.get("scp", "").split())
            if not mine and not (may_send_as and "Mail.Send.Shared" in scopes):
                # GRAPH-OTHERUSER: another mailbox needs Mail.Send.Shared and Send As / Send on Behalf.
                return error(
                    403,
                    "ErrorSendAsDenied",
                    "The user account which was used to submit this request does not have the right to send mail "
                    "on behalf of the specified sending account. Cannot submit message.",
                )
            _deliver(directory, user, sender, message)
            # Sent Items (GRAPH-OTHERUSER, "Sent Items behavior"): "/me … the message will be saved in the sending
            # user's Sent Items folder"; "/users/{user-id} where the user-id corresponds to the from user … saved in
            # the from user's Sent Items folder"; saveToSentItems false saves none, "however, if an administrator has
            # configured the 'always save a copy' setting, the message will still be saved to the from user's Sent
            # Items". GRAPH-SENDMAIL: MIME "saves the message in the Sent Items folder" (no parameter).
            directory.file_sent_copies(
                own,
                box,
                {
                    "subject": str(message.get("Subject", "")),
                    "message_id": str(message.get("Message-ID", "")),
                    "via": "graph",
                },
                save=save,
            )
        # GRAPH-SENDMAIL: 202 Accepted, no body; "does not indicate that the request processing has completed".
        return Response(status=202)

    # -- the signed-in user -------------------------------------------------------------------------------------------

    @app.get("/v1.0/me")
    def me():
        directory.count("graph:me")
        # user-get: delegated "User.Read" (least privileged; the page's higher ones are not emulated). Mail.Send does
        # not grant it (issue 20's strictness pass: it was accepted before without a source).
        _, user, refused = caller(("User.Read",))
        if refused:
            return refused
        with directory.lock:
            box = directory.mailbox_of(user.oid)
            # proxyAddresses: "SMTP:" the primary, "smtp:" the others; "Returned only on $select" (graph-docs-contrib
            # api-reference/v1.0/resources/user.md). By default only the default properties (user-get.md: "By
            # default, only a limited set of properties are returned (… mail, … userPrincipalName)"); with $select
            # exactly the selected ones.
            proxies = (
                [f"{'SMTP' if n == 0 else 'smtp'}:{a}" for n, a in enumerate(directory.addresses_of(box))]
                if box
                else []
            )
        everything = {
            "id": user.oid,
            "userPrincipalName": user.upn,
            "displayName": user.display_name,
            "mail": box.address if box else None,
            "proxyAddresses": proxies,
        }
        selected = [p.strip() for p in request.args.get("$select", "").split(",") if p.strip()]
        if not selected:
            return jsonify({k: v for k, v in everything.items() if k != "proxyAddresses"})
        return jsonify({k: everything.get(k) for k in selected})

    # -- drafts and large attachments (GRAPH-LARGE) -------------------------------------------------------------------

    @app.post("/v1.0/me/messages")
    def create_draft():
        directory.count("graph:createMessage")
        if request.content_length and request.content_length > REQUEST_LIMIT:
            # For a draft the answer captured is 400 "The maximum request length supported is 4MB."
            # (microsoft-graph-docs-contrib#682).
            return error(400, "BadRequest", "The maximum request length supported is 4MB.")
        _, user, refused = caller(("Mail.ReadWrite",))
        if refused:
            return refused
        parsed = _read_message(request)
        if isinstance(parsed, tuple):
            return error(*parsed)
        draft_id = "AAMk" + secrets.token_urlsafe(24)
        state.drafts[draft_id] = _Draft(user.oid, parsed)
        return jsonify({"id": draft_id, "subject": str(parsed.get("Subject", "")), "isDraft": True}), 201

    @app.post("/v1.0/me/messages/<draft_id>/attachments/createUploadSession")
    def create_upload_session(draft_id: str):
        _, user, refused = caller(("Mail.ReadWrite",))
        if refused:
            return refused
        draft = state.drafts.get(draft_id)
        if draft is None or draft.owner != user.oid:
            return error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        item = (request.get_json(silent=True) or {}).get("AttachmentItem") or {}
        size = int(item.get("size") or 0)
        if not 0 < size <= 150 * 1024 * 1024:
            return error(400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize", "Attachment size is invalid.")
        token = secrets.token_urlsafe(32)
        state.uploads[token] = _Upload(draft_id, str(item.get("name") or "attachment"), size)
        expires = directory.clock.now().timestamp() + 15 * 60
        return (
            jsonify(
                {
                    "uploadUrl": f"{base_url}/_graph/upload/{token}",
                    "expirationDateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
                    "nextExpectedRanges": ["0-"],
                }
            ),
            201,
        )

    @app.put("/_graph/upload/<token>")
    def upload(token: str):
        # The upload URL is pre-authenticated: a request with an Authorization header is refused (GRAPH-LARGE: "don't
        # specify an Authorization request header").
        if "Authorization" in request.headers:
            return error(401, "InvalidAuthenticationToken", "Authorization header is not allowed.")
        session = state.uploads.get(token)
        if session is None:
            return error(404, "ErrorItemNotFound", "The upload session was not found.")
        data = request.get_data()
        start, end, total = _content_range(request.headers.get("Content-Range", ""))
        if start != len(session.data) or end - start + 1 != len(data) or total != session.size:
            return error(416, "InvalidRange", "The Content-Range header does not match the expected range.")
        if len(data) >= UPLOAD_RANGE_LIMIT:
            return error(413, "RequestEntityTooLarge", "The maximum request length supported is 4MB.")
        session.data += data
        if len(session.data) < session.size:
            return jsonify({"nextExpectedRanges": [f"{len(session.data)}-"]}), 200
        state.drafts[session.draft_id].attachments.append((session.name, bytes(session.data)))
        del state.uploads[token]
        return Response(status=201, headers={"Location": f"{base_url}/v1.0/me/messages/{session.draft_id}"})

    @app.post("/v1.0/me/messages/<draft_id>/send")
    def send_draft(draft_id: str):
        directory.count("graph:sendDraft")
        claims, user, refused = caller(("Mail.Send",))  # message-send: Mail.Send, as sendMail
        if refused:
            return refused
        draft = state.drafts.pop(draft_id, None)
        if draft is None or draft.owner != user.oid:
            return error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        message = draft.message
        for name, data in draft.attachments:
            if not message.is_multipart():
                message.make_mixed()
            message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
        return _submit(user, claims, message)


class _State:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.lock = threading.Lock()
        self.active: Counter[str] = Counter()
        self.drafts: dict[str, _Draft] = {}
        self.uploads: dict[str, _Upload] = {}

    def slot(self, oid: str):
        state = self

        class _Slot:
            def __enter__(self) -> bool:
                with state.lock:
                    self.admitted = state.active[oid] < state.directory.limits.graph_concurrent
                    if self.admitted:
                        state.active[oid] += 1
                return self.admitted

            def __exit__(self, *exc) -> None:
                if self.admitted:
                    with state.lock:
                        state.active[oid] -= 1

        return _Slot()


class _Draft:
    def __init__(self, owner: str, message: email.message.EmailMessage):
        self.owner = owner
        self.message = message
        self.attachments: list[tuple[str, bytes]] = []


class _Upload:
    def __init__(self, draft_id: str, name: str, size: int):
        self.draft_id = draft_id
        self.name = name
        self.size = size
        self.data = bytearray()


def _read_message(req, *, wrapped: bool = False) -> email.message.EmailMessage | tuple[int, str, str]:
    """The message of a sendMail or draft request: MIME (text/plain, base64) or Graph's JSON message — for sendMail
    (``wrapped``) inside ``{"message": …}`` (GRAPH-SENDMAIL's request body), for a draft the message itself."""
    content_type = (req.content_type or "").split(";")[0].strip().lower()
    if content_type == "text/plain":
        try:
            raw = base64.b64decode(req.get_data(), validate=True)
        except (binascii.Error, ValueError):
            # GRAPH-SENDMAIL's exact answer.
            return 400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content."
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if not message.keys():
            # GRAPH-MIME: "MIME content does not contain all required information, malformed formatting, or empty."
            return 400, "ErrorMimeContentInvalid", "MIME content is empty or malformed."
        return message
    if content_type == "application/json":
        body = req.get_json(silent=True) or {}
        if wrapped and not isinstance(body.get("message"), dict):
            # A sendMail body without "message" is not documented (it was taken as the message before, issue 20's
            # strictness pass). Graph's exact answer was not found: inferred.
            return 400, "ErrorInvalidRequest", "The request body must contain a 'message'."
        data = body.get("message") if wrapped else body
        message = email.message.EmailMessage()
        message["Subject"] = data.get("subject", "")
        to = [r.get("emailAddress", {}).get("address", "") for r in data.get("toRecipients", [])]
        if to:
            message["To"] = ", ".join(to)
        sender = (data.get("from") or {}).get("emailAddress", {}).get("address")
        if sender:
            message["From"] = sender
        message.set_content((data.get("body") or {}).get("content", ""))
        return message
    return 415, "UnsupportedMediaType", "The content type is not supported: use application/json or text/plain."


def _mailbox_named(directory: Directory, who: str) -> Mailbox | None:
    """The mailbox ``/users/{who}`` names: a user by object ID or UPN (GRAPH-SENDMAIL: "/users/{id |
    userPrincipalName}"), or a shared mailbox by its address — inferred: a shared mailbox's user object usually has
    its address as UPN (the emulator keeps no user object for it)."""
    who = who.lower()
    user = directory.users.get(who) or next((u for u in directory.users.values() if u.upn == who), None)
    if user is not None:
        return directory.mailbox_of(user.oid)
    box = directory.mailboxes.get(who)
    return box if box is not None and box.owner_oid is None and box.address == who else None


def _save_to_sent_items(req) -> bool:
    """saveToSentItems of a JSON sendMail: "Specify it only if the parameter is false; default is true"; the page's
    example sends the string "false" (GRAPH-SENDMAIL). MIME has no such parameter: always saved."""
    if (req.content_type or "").split(";")[0].strip().lower() != "application/json":
        return True
    value = (req.get_json(silent=True) or {}).get("saveToSentItems", True)
    return str(value).strip().lower() != "false"


def _from_address(message: email.message.EmailMessage) -> str:
    found = getaddresses([str(message.get("From", ""))])
    return found[0][1].lower() if found and found[0][1] else ""


def _deliver(directory: Directory, user: User, sender: str, message: email.message.EmailMessage) -> None:
    recipients = [
        address for _, address in getaddresses([str(v) for h in ("To", "Cc", "Bcc") for v in message.get_all(h, [])])
    ]
    part = message.get_body(preferencelist=("plain", "html"))
    directory.messages.append(
        {
            "received_at": directory.clock.now().isoformat(),
            "via": "graph",
            "auth_user": user.upn,
            "mail_from": sender,
            # What the recipients see: an alias rewritten to the primary address unless SendFromAliasEnabled
            # (devhost.entra.directory.Tenant.send_from_alias_enabled).
            "from": directory.from_as_delivered(sender),
            "from_written": sender,
            "rcpt_tos": recipients,
            "subject": str(message.get("Subject", "")),
            "body": part.get_content() if part is not None else "",
            "message_id": str(message.get("Message-ID", "")),
            "attachments": [p.get_filename() for p in message.iter_attachments()],
        }
    )
    directory.counters["graph:messages"] += 1


def _content_range(header: str) -> tuple[int, int, int]:
    try:
        _, _, rest = header.partition(" ")
        span, _, total = rest.partition("/")
        start, _, end = span.partition("-")
        return int(start), int(end), int(total)
    except ValueError:
        return -1, -1, -1
