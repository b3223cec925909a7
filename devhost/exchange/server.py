"""An SMTP server that answers like Exchange Online's client submission (smtp.office365.com:587).

STARTTLS is required before anything else; AUTH (XOAUTH2 and LOGIN) is advertised only after it. XOAUTH2 tokens
are the identity emulator's JWTs, validated for signature, expiry, audience, scope and user. Replies follow
../shared/reference/microsoft-identity-and-exchange.md, section 6. Accepted mails are kept in the directory.
"""

from __future__ import annotations

import base64
import collections
import email
import email.policy
import ssl
import threading
import uuid
from collections import Counter
from email.utils import getaddresses

import jwt
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from devhost.entra.directory import OUTLOOK, OUTLOOK_APP, Directory
from devhost.entra.tokens import SigningKey

HOSTNAME = "AM0PR01MB1234.eurprd01.prod.exchangelabs.com"

# Replies end like real ones: "[<server> <UTC time with milliseconds> <session id>]", e.g.
# "535 5.7.3 Authentication unsuccessful [SGXP274CA0016.SGPP274.PROD.OUTLOOK.COM 2025-03-20T11:25:21.972Z
# 08DD66EDEFB0DFDF]" (HChaoHui/msOauth2api#3); older captures show only the server name (tarickb/sasl-xoauth2#43).
R_AUTH_OK = "235 2.7.0 Authentication successful"
R_AUTH_FAILED = "535 5.7.3 Authentication unsuccessful {tail}"
R_SMTP_AUTH_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the {scope}. "
    "Visit https://aka.ms/smtp_auth_disabled for more information. {tail}"
)
R_BASIC_DISABLED = "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. {tail}"
R_NOT_AUTHENTICATED = "530 5.7.57 Client not authenticated to send mail. {tail}"
R_SEND_AS = "550 5.7.60 SMTP; Client does not have permissions to send as this sender {tail}"
R_CONCURRENT = (
    "432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more information. "
    f"[Hostname={HOSTNAME}]"
)
# More than three connections of one mailbox submitting at once. The wording real servers send since 2021, at the end
# of DATA: sabuhish/fastapi-mail#75 (2021-07, aiosmtplib's SMTPDataError: "4.3.2 Concurrent connections limit
# exceeded. Visit https://aka.ms/concurrent_sending for more information. [Hostname=OS0PR01MB6099.jpnprd01.prod.
# outlook.com]"), nodemailer/nodemailer#1613 (2024-01, nodemailer's "Message failed: 432 4.3.2 Concurrent connections
# limit exceeded." — its error for the reply after the message). The older "432 4.3.2 STOREDRV.ClientSubmit; sender
# thread limit exceeded" (smtp-submission-improvements, timeoff-management-application#308) is no longer sent here; the
# plugin's catalogue (exchange_replies, "432 4.3.2") still recognises both.
# A full sender mailbox: Exchange keeps every sent mail in Sent Items and refuses the submission (the catalogue's
# 554 5.2.2 entry; the words as in real NDRs: "QuotaExceededException.MapiExceptionShutoffQuotaExceeded").
# Above the mailbox's maximum message size (35 MB by default): as captured in pankleks/pm2-health#52 and
# jstedfast/MailKit#904 ("552 5.3.4 Message size exceeds fixed maximum message size").
R_TOO_LARGE = "552 5.3.4 Message size exceeds fixed maximum message size"
R_MAILBOX_FULL = (
    "554 5.2.2 mailbox full; STOREDRV.Submission.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded"
)


def tail(now, session_id: str) -> str:
    return f"[{HOSTNAME} {now.strftime('%Y-%m-%dT%H:%M:%S.')}{now.microsecond // 1000:03d}Z {session_id}]"


class ExchangeHandler:
    def __init__(self, directory: Directory, key: SigningKey):
        self.directory = directory
        self.key = key
        self.active = Counter()  # authenticated connections per mailbox login
        self.verified: dict[str, dict] = {}
        self.lock = threading.Lock()

    # -- AUTH -------------------------------------------------------------------------------------------------------

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        self.directory.count("smtp:auth:xoauth2")
        if len(args) > 1:
            blob = _b64(args[1])
        else:
            response = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(response, bytes):
                return AuthResult(success=False, handled=True)
            blob = response
        if blob is None:
            return AuthResult(success=False, handled=False, message="501 5.5.2 Cannot Decode response")
        fields = dict(part.split("=", 1) for part in blob.decode(errors="replace").split("\x01") if "=" in part)
        login = fields.get("user", "").strip().lower()
        bearer = fields.get("auth", "")
        failed = self._reply(server, R_AUTH_FAILED)
        fault = self.directory.take_fault("auth_fault")
        if fault is not None:
            return AuthResult(success=False, handled=False, message=self._reply(server, fault.kind + " {tail}"))
        if not login or not bearer.startswith("Bearer "):
            return AuthResult(success=False, handled=False, message=failed)
        with self.directory.lock:
            now = self.directory.clock.now()
            try:
                claims = self._verified(bearer.removeprefix("Bearer "), now)
            except jwt.InvalidTokenError:
                return AuthResult(success=False, handled=False, message=failed)
            if "scp" not in claims:
                return self._app_only(server, login, claims)
            # Exchange checks user= against the token's UPN, not against the mailbox's addresses: the mail address
            # or an alias in user= fails with 535 5.7.3 where UPN and address differ (chatwoot/chatwoot#14522,
            # glpi-project/glpi#18796, abhinavxd/libredesk#256), and so does a shared mailbox's address
            # (nextcloud/mail#13667).
            if "SMTP.Send" not in claims.get("scp", "").split() or claims.get("upn", "").lower() != login:
                return AuthResult(success=False, handled=False, message=failed)
            # The signed-in user must own a mailbox here: no licence, or a guest (#EXT#), means 5.7.3 too.
            mailbox = self.directory.mailbox_of(claims.get("oid", ""))
            if mailbox is None:
                return AuthResult(success=False, handled=False, message=failed)
            if not self.directory.smtp_auth_enabled(mailbox):
                scope = "Mailbox" if mailbox.smtp_auth_enabled is False else "Tenant"
                return AuthResult(
                    success=False,
                    handled=False,
                    message=self._reply(server, R_SMTP_AUTH_DISABLED, scope=scope),
                )
        return AuthResult(
            success=True, handled=False, auth_data={"login": login, "oid": claims["oid"]}, message=R_AUTH_OK
        )

    def _app_only(self, server: SMTP, login: str, claims: dict) -> AuthResult:
        """An app-only token (client credentials; under the directory's lock). "Authenticate an IMAP, POP or SMTP
        connection using OAuth" (office-developer-exchange-docs, how-to-authenticate-an-imap-pop-smtp-application-by-
        using-oauth.md) requires: the application permission ``SMTP.SendAsApp`` granted with admin consent (the
        token's ``roles``), the app's service principal registered in Exchange (``New-ServicePrincipal -AppId
        <APPLICATION_ID> -ObjectId <OBJECT_ID>``, the enterprise application's object ID), and a mailbox permission
        for it (``Add-MailboxPermission -Identity <mailbox> -User <SERVICE_PRINCIPAL_ID> -AccessRights FullAccess``),
        ``user=`` being the mailbox's address. Exchange answers every missing piece with the same
        ``535 5.7.3 Authentication unsuccessful`` (jstedfast/MailKit#1126 and #1733: SendAsApp tokens refused with
        exactly that reply until the service principal and the permission were in place); SMTP AUTH switched off for
        the mailbox is 5.7.139 as for a person."""
        failed = self._reply(server, R_AUTH_FAILED)
        tenant_id, app_id, oid = claims.get("tid", ""), claims.get("appid", ""), claims.get("oid", "")
        if "SMTP.SendAsApp" not in claims.get("roles", []):
            self.directory.count("smtp:app:no-role")
            return AuthResult(success=False, handled=False, message=failed)
        if self.directory.exchange_service_principals.get((tenant_id, app_id)) != oid:
            self.directory.count("smtp:app:no-service-principal")
            return AuthResult(success=False, handled=False, message=failed)
        mailbox = self.directory.mailboxes.get(login)
        if mailbox is None or mailbox.tenant_id != tenant_id or oid not in mailbox.full_access:
            self.directory.count("smtp:app:no-mailbox-permission")
            return AuthResult(success=False, handled=False, message=failed)
        if not self.directory.smtp_auth_enabled(mailbox):
            scope = "Mailbox" if mailbox.smtp_auth_enabled is False else "Tenant"
            return AuthResult(
                success=False, handled=False, message=self._reply(server, R_SMTP_AUTH_DISABLED, scope=scope)
            )
        self.directory.count("smtp:auth:app")
        return AuthResult(
            success=True,
            handled=False,
            auth_data={"login": mailbox.address, "oid": oid, "tenant_id": tenant_id, "app": True},
            message=R_AUTH_OK,
        )

    def _reply(self, server: SMTP, template: str, **values) -> str:
        session_id = getattr(server, "_cmx_session_id", None) or uuid.uuid4().hex[:16].upper()
        server._cmx_session_id = session_id
        return template.format(tail=tail(self.directory.clock.now(), session_id), **values)

    async def auth_LOGIN(self, server: SMTP, args: list[str]) -> AuthResult:
        self.directory.count("smtp:auth:login")
        login = _b64(args[1]) if len(args) > 1 else await server.challenge_auth("Username:")
        if not isinstance(login, bytes):
            return AuthResult(success=False, handled=True)
        password = await server.challenge_auth("Password:")
        if not isinstance(password, bytes):
            return AuthResult(success=False, handled=True)
        address = login.decode(errors="replace").strip().lower()
        with self.directory.lock:
            mailbox = self.directory.mailboxes.get(address)
            if mailbox is None or mailbox.basic_auth_password is None:
                return AuthResult(success=False, handled=False, message=self._reply(server, R_BASIC_DISABLED))
            if password.decode(errors="replace") != mailbox.basic_auth_password:
                return AuthResult(success=False, handled=False, message=self._reply(server, R_AUTH_FAILED))
            oid = mailbox.owner_oid
        return AuthResult(success=True, handled=False, auth_data={"login": address, "oid": oid}, message=R_AUTH_OK)

    # -- envelope ---------------------------------------------------------------------------------------------------

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if not session.authenticated:
            return self._reply(server, R_NOT_AUTHENTICATED)
        fault = self.directory.take_fault("smtp_fault")
        if fault is not None:
            return fault.kind
        auth = session.auth_data
        self._count_submitting(session)  # a fourth connection learns of the limit at the end of DATA (R_CONCURRENT)
        with self.directory.lock:
            # MAIL FROM may be any address of the signed-in user's own mailbox (primary or alias) or of a mailbox
            # it holds Send As on; anything else is 550 5.7.60 (reference §6; MAIL FROM ≠ login needs Send As).
            sender = self.directory.mailboxes.get(address.lower())
            allowed = sender is not None and (sender.owner_oid == auth["oid"] or auth["oid"] in sender.send_as)
            # An app authenticated for a mailbox (Full Access) sends as that mailbox; another address needs Send As
            # for the service principal (Add-RecipientPermission -Trustee <service principal> -AccessRights SendAs).
            allowed = allowed or (auth.get("app") and sender is not None and sender.address == auth["login"])
        if not allowed:
            return self._reply(server, R_SEND_AS)
        own = self._own(auth)
        if own is not None and own.full:
            return R_MAILBOX_FULL
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Sender OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Recipient OK"

    def _count_submitting(self, session: Session) -> bool:
        """Count the connection among its mailbox's submitting ones, once; False when three already are
        (devhost.entra.limits: "up to three concurrent connections")."""
        if getattr(session, "counted", False):
            return True
        login = session.auth_data["login"]
        with self.lock:
            if self.active[login] >= self.directory.limits.connections:
                return False
            self.active[login] += 1
            session.counted = login
        return True

    async def handle_DATA(self, server, session, envelope):
        if not self._count_submitting(session):
            self.directory.count("smtp:refused:432")
            return R_CONCURRENT
        if len(envelope.content) > self.directory.max_message_size:
            return R_TOO_LARGE
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.directory.lock:
            now = self.directory.clock.now()
            login = session.auth_data["login"]
            # The tenant's own limits (devhost.entra.limits: the outbound spam policy's recipients per hour, TERRL):
            # external is a recipient outside the tenant's domains; the authenticated user's tenant counts.
            user = self.directory.users.get(session.auth_data["oid"])
            tenant_id = user.tenant_id if user is not None else session.auth_data.get("tenant_id")
            tenant = self.directory.tenants.get(tenant_id) if tenant_id else None
            domains = set(tenant.domains) if tenant is not None else set()
            external = sum(1 for r in envelope.rcpt_tos if r.rsplit("@", 1)[-1].strip(">").lower() not in domains)
            internal = len(envelope.rcpt_tos) - external
            tenant_id = tenant.id if tenant is not None else None
            refusal, what = self.directory.limits.policy(login, external, internal, tenant_id, now)
            if refusal is not None:
                self.directory.count(f"smtp:refused:{what}")
                return refusal
            # Limits per mailbox (the signed-in user's): devhost.entra.limits.
            refusal, delivered = self.directory.limits.submit(login, len(envelope.rcpt_tos), now)
            if refusal is not None:
                self.directory.count("smtp:refused:quota")
                return refusal
            self.directory.limits.counted(login, external, internal, tenant_id, now)
            if delivered > now:
                self.directory.count("smtp:deferred")
            self.directory.messages.append(
                {
                    "received_at": now.isoformat(),
                    "delivered_at": delivered.isoformat(),
                    "deferred": delivered > now,
                    "via": "smtp",
                    "auth_user": session.auth_data["login"],
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "subject": str(message.get("Subject", "")),
                    "body": _text(message),
                    "message_id": str(message.get("Message-ID", "")),
                    **self._as_delivered(session, envelope, message),
                }
            )
            self.directory.counters["smtp:messages"] += 1
        return f"250 2.0.0 OK <{message.get('Message-ID', '')}> [Hostname={HOSTNAME}]"

    def _as_delivered(self, session: Session, envelope: Envelope, message: email.message.EmailMessage) -> dict:
        """The From the recipients get, and the Sent Items copies (under the directory's lock).

        From: an alias of the sender's mailbox is rewritten to its primary address unless the organisation has
        SendFromAliasEnabled (devhost.entra.directory.Tenant.send_from_alias_enabled, Set-OrganizationConfig.md).
        Only the header From is rewritten here; whether Exchange rewrites the envelope sender too is not stated.

        Sent Items: "Email messages that are sent out will be stored in the Sent Item folder of the mailbox that is
        used" (SupportArticles-docs ``send-emails/smtp-submission-improvements.md``) — the signed-in user's, also for
        Send As ("when the SendAs permission is granted, the sent email is shown in the 'Sent' folder for the mailbox
        used for authentication, not the mailbox used as sender", Notifuse/notifuse#250, third-party); and the from
        mailbox's as well when it has MessageCopyForSentAsEnabled (Directory.file_sent_copies). That this server-side
        setting applies to SMTP submission is inferred: the sources describe Outlook and Graph."""
        found = getaddresses([str(message.get("From", ""))])
        written = found[0][1] if found and found[0][1] else envelope.mail_from
        delivered = self.directory.from_as_delivered(written)
        own = self._own(session.auth_data)
        self.directory.file_sent_copies(
            own,
            self.directory.mailboxes.get((envelope.mail_from or "").lower()),
            {
                "subject": str(message.get("Subject", "")),
                "message_id": str(message.get("Message-ID", "")),
                "via": "smtp",
            },
        )
        return {"from": delivered, "from_written": written}

    def _own(self, auth: dict):
        """The mailbox that submits: the signed-in user's, or for an app the mailbox it authenticated for."""
        if auth.get("app"):
            return self.directory.mailboxes.get(auth["login"])
        return self.directory.mailbox_of(auth["oid"])

    def _verified(self, token: str, now) -> dict:
        """The token's claims; a signature once checked is remembered (as a real server would), expiry never."""
        claims = self.verified.get(token)
        if claims is None:
            claims = self.key.verify(token, audience=[OUTLOOK, OUTLOOK_APP], now=now)
            if len(self.verified) > 10_000:
                self.verified.clear()
            self.verified[token] = claims
        elif claims["exp"] <= now.timestamp():
            raise jwt.ExpiredSignatureError("token expired")
        return claims

    def connection_closed(self, session: Session) -> None:
        login = getattr(session, "counted", None)
        if login:
            with self.lock:
                self.active[login] -= 1


class ExchangeSMTP(SMTP):
    line_length_limit = 16384

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An XOAUTH2 initial response carries a whole JWT: far longer than RFC 5321's 512 characters, and
        # Exchange accepts it. (aiosmtpd keeps these limits on the class; give each connection its own.)
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit, {"AUTH": 16384})

    def connection_made(self, transport) -> None:
        if self._original_transport is None:  # not the second call after STARTTLS
            self.event_handler.directory.count("smtp:connections")
        super().connection_made(transport)

    def connection_lost(self, error) -> None:
        if self.session is not None:
            self.event_handler.connection_closed(self.session)
        super().connection_lost(error)


class ExchangeController(Controller):
    def __init__(self, handler: ExchangeHandler, *, hostname: str, port: int, tls_context: ssl.SSLContext):
        self.tls_context = tls_context
        super().__init__(handler, hostname=hostname, port=port, ready_timeout=10)

    def factory(self) -> SMTP:
        return ExchangeSMTP(
            self.handler,
            hostname=HOSTNAME,
            ident="Microsoft ESMTP MAIL Service",
            tls_context=self.tls_context,
            require_starttls=True,
            auth_require_tls=True,
            auth_exclude_mechanism=["PLAIN"],
            timeout=60,
        )


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


def _text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context
