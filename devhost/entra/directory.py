"""The emulated Microsoft directory: tenants, app registrations, users, mailboxes, grants, faults, counters.

Everything the identity emulator (``server.py``) and the Exchange emulator (``devhost.exchange``) decide is
decided here, under one lock, so that both answer consistently. Time comes from :class:`Clock`, which tests
can move forward (the emulator runs in its own process; the plugin's clock is frozen separately with freezegun).
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .certificates import KeyCredential, parse
from .limits import SendingLimits

OUTLOOK = "https://outlook.office.com"
GRAPH = "https://graph.microsoft.com"
OUTLOOK_APP = "https://outlook.office365.com"
"""The resource app-only tokens for Exchange Online name (``https://outlook.office365.com/.default``: "Authenticate an
IMAP, POP or SMTP connection using OAuth", office-developer-exchange-docs
``docs/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth.md``, client credentials)."""
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
"""The appId of "Office 365 Exchange Online", the resource whose application permission ``SMTP.SendAsApp`` is (the same
page's "APIs my organization uses" → "Office 365 Exchange Online"; the GUID as the resource service principal's appId,
e.g. office-developer-exchange-docs ``how-to-authenticate-an-ews-application-by-using-oauth.md`` manifest example)."""
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
"""Microsoft Graph's appId (../shared/reference/setup-and-app-only-sources.md)."""
RESOURCE_APPS = {OUTLOOK: EXCHANGE_APP_ID, OUTLOOK_APP: EXCHANGE_APP_ID, GRAPH: GRAPH_APP_ID}
KNOWN_RESOURCES = (OUTLOOK, GRAPH, "https://outlook.office365.com")
OIDC_SCOPES = ("openid", "profile", "offline_access", "email")

CODE_LIFETIME = dt.timedelta(minutes=10)
REFRESH_INACTIVITY = dt.timedelta(days=90)

PASSWORD_CHANGES: dict[str, bool] = {
    "user": False,
    "sspr": False,
    "azure_portal": False,
    "entra_admin_center": True,
    "m365_admin_center": True,
}
"""How a password changes → whether that revokes the refresh tokens of a confidential client (every client of this
emulator is one: the token endpoint wants a secret or an assertion). The "Confidential client token" column of the
"Token revocation" table, learn.microsoft.com/entra/identity-platform/refresh-tokens (MicrosoftDocs/entra-docs
``docs/identity-platform/refresh-tokens.md``, ms.date 05/14/2025; the same table in the 02/06/2026 tokens guide):
"Password changed by user — Stays alive", "User does SSPR — Stays alive", "Admin resets password (Azure portal) —
Stays alive", "Admin resets password (Microsoft Entra admin center) — Revoked", "Admin resets password (M365 admin
center) — Revoked". The same page: "Password expires — Stays alive", "User revokes their refresh tokens" and "Admin
revokes all refresh tokens for a user" — Revoked (:meth:`Directory.revoke_user`), "Single sign-out — Stays alive" (the
logout endpoint ends only the browser's remembered sign-in). Public clients (whose password-based tokens a user's own
change does revoke) are not emulated."""


class Clock:
    """Real time plus an offset that the control API can move (never backwards)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(time.time(), dt.UTC) + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += dt.timedelta(seconds=seconds)


def new_guid() -> str:
    return str(uuid.uuid4())


def new_secret_value() -> str:
    """The shape of an Entra client secret value: 3 characters, '8Q~', 34 more (40 in all)."""
    alphabet = string.ascii_letters + string.digits + "_-.~"
    return (
        "".join(secrets.choice(string.ascii_letters) for _ in range(3))
        + "8Q~"
        + "".join(secrets.choice(alphabet) for _ in range(34))
    )


CONSENT_POLICIES = ("users", "admins", "workflow")
"""Who may consent to an app in a tenant (Entra admin center → Enterprise apps → Consent and permissions → User consent
settings; learn.microsoft.com/entra/identity/enterprise-apps/configure-user-consent): "users" (users may consent to
apps, the default of older tenants), "admins" (do not allow user consent: users see "Need admin approval"),
"workflow" (user consent off and the admin consent workflow on: users can request approval;
learn.microsoft.com/entra/identity/enterprise-apps/admin-consent-workflow-overview)."""


@dataclass
class Tenant:
    id: str
    name: str
    domains: list[str]
    smtp_auth_enabled: bool = True
    """Set-TransportConfig -SmtpClientAuthenticationDisabled (inverted). Mailboxes with None follow it."""
    consent_policy: str = "users"
    key_lifetime_days: int | None = None
    """An app management policy's ``asymmetricKeyLifetime`` restriction (next-features §2.1): certificates the app
    adds with addKey may not live longer. None: no policy (Entra sets no maximum)."""
    key_roll_blocked: bool = False
    """A tenant that refuses addKey altogether (a policy or a tenant that forbids applications to change their own
    credentials); the refusal is the captured 403 Authorization_RequestDenied (msgraph-sdk-powershell#779)."""
    alternate_login_id: bool = False
    """"Email as an alternate login ID" (an HRD policy, off by default): users may also sign in with a proxy address,
    and then "the unique_name and preferred_username claims (if present) in the ID token will return the non-UPN
    email" (learn.microsoft.com/entra/identity/authentication/howto-authentication-use-email-signin)."""
    send_from_alias_enabled: bool = False
    """Set-OrganizationConfig -SendFromAliasEnabled: "$true: Aliases on messages are no longer rewritten to their
    primary SMTP addresses"; "$false: Aliases on messages sent or received are rewritten to their primary email
    address. This value is the default." (MicrosoftDocs/office-docs-powershell
    ``exchange/exchange-ps/ExchangePowerShell/Set-OrganizationConfig.md``, 2026 snapshot). Applied to both routes,
    SMTP AUTH and Graph (:meth:`Directory.from_as_delivered`). The sources disagree on SMTP AUTH: the Exchange Team's
    2022 announcement ("Sending From Email Aliases – Public Preview", techcommunity) says that before the setting
    existed "the SMTP AUTH client submission protocol … didn't rewrite the From addresses"; the current cmdlet page
    names no exception, and a later report (knadh/listmonk#1493, 2023: Microsoft 365 SMTP AUTH, From an alias of the
    login, "sent with the address that is used for the login") matches it — the current page is followed."""


@dataclass
class ClientSecret:
    id: str
    value: str
    expires_at: dt.datetime
    description: str = ""


@dataclass
class App:
    client_id: str
    tenant_id: str
    name: str
    multi_tenant: bool = False
    redirect_uris: list[str] = field(default_factory=list)
    secrets: list[ClientSecret] = field(default_factory=list)
    certificates: list[KeyCredential] = field(default_factory=list)
    """Uploaded certificates (Zertifikate & Geheimnisse → Zertifikate), several at once for rotation (ENTRA-CERT)."""
    object_id: str = field(default_factory=lambda: new_guid())
    """The application object's ID ("Objekt-ID" on the registration's overview), distinct from the client ID: what
    Graph's addKey proof must name as ``iss`` (devhost.entra.certificates.check_proof)."""
    api_permissions: list[str] = field(
        default_factory=lambda: [
            f"{OUTLOOK}/SMTP.Send",
            f"{GRAPH}/Mail.Send",
            f"{GRAPH}/Mail.Send.Shared",
            f"{GRAPH}/User.Read",
        ]
    )
    """The delegated permissions configured under "API permissions": what admin consent with /.default grants (the
    admin guide's section 2 lists SMTP.Send of Office 365 Exchange Online and Mail.Send, Mail.Send.Shared of Microsoft
    Graph; User.Read of Microsoft Graph is on every new registration and stays, docs/Anleitung.md step 7)."""
    tags: list[str] = field(default_factory=list)
    """The application's ``tags`` (Graph): the one-step script marks its registration with one to find it again."""
    required_resource_access: list[dict] = field(default_factory=list)
    """``requiredResourceAccess`` as Graph holds it (registrations made through Graph: devhost.graph.directory_api)."""
    service_principal_id: str | None = None
    """The object ID of the app's service principal (enterprise application) in its tenant, once one exists: a
    registration made in the portal has one at once (:meth:`Directory.add_app`), one made through Graph once
    ``POST /servicePrincipals`` created it. Distinct from the registration's object ID: what an app-only token carries
    as ``oid`` ("the object ID of the service principal" for app-only tokens, entra-docs
    access-token-claims-reference.md) and what ``New-ServicePrincipal -ObjectId`` must name
    (office-developer-exchange-docs, how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth.md: the
    OBJECT_ID "from the Overview page of the Enterprise Application node", not the App Registrations node)."""


@dataclass
class User:
    oid: str
    tenant_id: str
    upn: str
    """The user principal name: the sign-in name, and what Exchange checks in XOAUTH2 ``user=``."""
    display_name: str
    password: str
    mail: str = ""
    """The primary SMTP address. Often the UPN, but not always: synced directories and renamed domains keep the
    UPN ("best practice … to have the UPN match the primary SMTP address", not a requirement:
    MicrosoftDocs/microsoft-365-docs#6003)."""
    aliases: list[str] = field(default_factory=list)
    """Further SMTP addresses (proxyAddresses "smtp:"): mail to them reaches the mailbox, and the owner may send
    from them; signing in with them works only in a tenant with email as an alternate login ID."""
    is_admin: bool = False
    """Holds a role that may grant tenant-wide admin consent (Cloud Application Administrator and above,
    learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent)."""
    home_tenant: str | None = None
    """For a B2B guest: where the account really lives. Guests get a UPN of the form
    ``alias_partner.example#EXT#@tenant.onmicrosoft.com`` (as an Outlook access token carries it:
    tarickb/sasl-xoauth2#5) and own no mailbox in the inviting tenant (Graph: MailboxNotEnabledForRESTAPI,
    microsoftgraph/microsoft-graph-docs-contrib#405)."""
    directory_roles: list[str] = field(default_factory=list)
    """Role template IDs of the user's active Entra directory roles (devhost.graph.directory_api.ROLES); empty with
    ``is_admin`` means Global Administrator, the emulator's admin so far."""
    disabled: bool = False
    mfa_required: bool = False
    """Refresh answers AADSTS50076 (a policy now requires MFA; the user must sign in interactively)."""
    blocked_by_conditional_access: bool = False
    """Refresh answers AADSTS53003."""
    tokens_valid_from: dt.datetime | None = None
    """Refresh tokens issued before this are revoked (an admin's password reset in the Entra or Microsoft 365 admin
    center, Revoke-MgUserSignInSession: :data:`PASSWORD_CHANGES`); Graph answers access tokens issued before it with a
    continuous-access-evaluation claims challenge — to clients that declared the capability cp1 (devhost.graph)."""
    graph_step_up: bool = False
    """A Conditional Access authentication context protects Graph for this user: Graph answers 401 with a claims
    challenge (acrs "c1") until the token carries it; the token endpoint adds it when asked with ``claims`` (and
    answers 50076 instead when the user must do MFA interactively)."""


@dataclass
class Mailbox:
    address: str
    owner_oid: str | None
    """The user whose mailbox it is; None for a shared mailbox."""
    tenant_id: str
    smtp_auth_enabled: bool | None = None
    """Set-CASMailbox -SmtpClientAuthenticationDisabled (inverted); None follows the tenant."""
    send_as: set[str] = field(default_factory=set)
    """OIDs of users who may send as this address (Send As right)."""
    basic_auth_password: str | None = None
    """Emulator-only: lets AUTH LOGIN succeed for benchmarks that compare with password authentication."""
    rest_enabled: bool = True
    """False: Graph answers MailboxNotEnabledForRESTAPI (an inactive, soft-deleted or on-premises mailbox)."""
    full: bool = False
    """The mailbox is over its quota: Graph answers ErrorQuotaExceeded, SMTP 554 5.2.2."""
    full_access: set[str] = field(default_factory=set)
    """OIDs of users with Full Access ("Read and manage") on the mailbox (Add-MailboxPermission -AccessRights
    FullAccess). Full Access "does not grant Send as or Send on Behalf" (microsoft-365-docs
    give-mailbox-permissions-to-another-user.md, via MicrosoftDocs/microsoft-365-docs#3762); sending through
    ``/users/{mailbox}/sendMail`` needs it in addition to Send As (GRAPH-OTHERUSER)."""
    message_copy_for_sent_as: bool = False
    """Set-Mailbox -MessageCopyForSentAsEnabled (default $false): a message a delegate sends as this mailbox is also
    saved in this mailbox's Sent Items. The cmdlet page's wording is "a copy of the message is sent to the sender's
    mailbox" (office-docs-powershell ``Set-Mailbox.md``), which reads either way; the support article says which
    mailbox — "MessageCopyForSentAsEnabled True: A copy of the email will be saved in both the primary mailbox and
    the shared mailbox", False: "saved in the primary mailbox and no copies in the shared mailbox"
    (SupportArticles-docs ``Exchange/ExchangeOnline/user-and-shared-mailboxes/sent-mail-is-not-saved.md``, ms.date
    01/24/2024, DelegateSentItemsStyle 0 — an Outlook setting, irrelevant here), and so does Graph's page:
    "Administrators can update the from user's mailbox to always save a copy of messages sent from a delegate to
    their Sent Items" (GRAPH-OTHERUSER)."""
    sent_items: list[dict] = field(default_factory=list)
    """The mailbox's Sent Items: the copies Exchange kept of what was sent (subject, message ID, route), so tests can
    see where a copy landed (:meth:`Directory.file_sent_copies`)."""


@dataclass
class AuthCode:
    code: str
    client_id: str
    user_oid: str
    tenant_id: str
    scopes: list[str]
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    issued_at: dt.datetime
    login_name: str = ""
    """The name the person typed to sign in (UPN, or a proxy address in an alternate-login-ID tenant)."""
    redeemed_at: dt.datetime | None = None


@dataclass
class RefreshGrant:
    token: str
    client_id: str
    user_oid: str
    tenant_id: str
    scopes: list[str]
    issued_at: dt.datetime
    last_used_at: dt.datetime
    login_name: str = ""


@dataclass
class Fault:
    """How the token endpoint misbehaves: "429" (with retry_after), "500", "hang" (for seconds), or "html" (a proxy
    or captive portal answers with a page of its own instead of Microsoft's JSON)."""

    kind: str
    retry_after: int = 5
    seconds: float = 30.0
    remaining: int | None = None
    """How many requests the fault affects; None: until cleared."""


class DirectoryError(Exception):
    """A request the control API refuses (bad arguments), with a message for the developer."""


class Directory:
    def __init__(self, clock: Clock | None = None):
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.tenants: dict[str, Tenant] = {}
        self.apps: dict[str, App] = {}
        self.users: dict[str, User] = {}
        self.mailboxes: dict[str, Mailbox] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_grants: dict[str, RefreshGrant] = {}
        self.consents: dict[tuple[str, str], set[str]] = {}
        """(user oid, client id) → scopes the user consented to."""
        self.tenant_consents: dict[tuple[str, str], set[str]] = {}
        """(tenant id, client id) → scopes an admin consented to for everyone (consentType AllPrincipals)."""
        self.permission_grants: dict[str, dict] = {}
        """oAuth2PermissionGrant objects by id, as Graph returns them (devhost.graph.directory_api)."""
        self.app_role_assignments: dict[str, dict] = {}
        """appRoleAssignment objects by id, as Graph returns them (devhost.graph.directory_api)."""
        self.consent_requests: list[dict] = []
        self.app_role_grants: dict[tuple[str, str, str], set[str]] = {}
        """(tenant id, client id, resource app id) → application permissions (app role values) an admin granted and
        consented, e.g. ``SMTP.SendAsApp`` of Exchange Online or ``Mail.Send`` of Graph. They are what a
        client-credentials token carries as ``roles`` (entra-docs access-token-claims-reference.md: "roles … the set
        of permissions exposed by your application that the requesting application … has been given permission to
        call"; absent when none is granted). Shared with the Graph endpoint that grants them (issue 23)."""
        self.exchange_service_principals: dict[tuple[str, str], str] = {}
        """(tenant id, app id) → the object ID an Exchange admin named in ``New-ServicePrincipal -AppId … -ObjectId …``
        (Exchange's own reference to the Entra service principal; New-ServicePrincipal.md, office-docs-powershell)."""
        self.graph_app_scopes: dict[tuple[str, str], set[str]] = {}
        """(tenant id, client id) → the mailboxes (addresses) an Exchange RBAC for Applications assignment lets the app
        send as over Graph (``New-ManagementScope`` + ``New-ManagementRoleAssignment -App … -Role "Application
        Mail.Send" -CustomResourceScope …``), in addition to Entra's consent (additive: learn.microsoft.com/exchange/
        permissions-exo/application-rbac). With Mail.Send consented in Entra (``app_role_grants``) and no entry:
        Mail.Send as an application permission reaches every mailbox of the tenant (graph-docs-contrib
        ``concepts/auth-limit-mailbox-access.md``)."""
        """Requests users made through the admin consent workflow."""
        self.fault: Fault | None = None
        self.smtp_fault: Fault | None = None
        """A reply (``Fault.kind`` = the full SMTP reply line) the Exchange emulator gives to MAIL FROM."""
        self.graph_fault: Fault | None = None
        """An answer Graph gives instead of sending (``Fault.kind`` = the HTTP status: 429, 500, 503)."""
        self.limits = SendingLimits()
        """Exchange Online's sending limits per mailbox (devhost.entra.limits), configurable."""
        self.max_message_size = 35 * 1024 * 1024
        """Exchange Online's default maximum message size for sending (35 MB; the catalogue's 552 5.3.4 entry)."""
        self.graph_delay = 0.0
        """Seconds Graph takes per sendMail (to make concurrent requests meet)."""
        self.auth_fault: Fault | None = None
        """A reply the Exchange emulator gives to AUTH instead of checking the token (fault injection: a refusal
        that is Microsoft's passing fault, not the account's)."""
        self.used_assertions: dict[str, dt.datetime] = {}
        """jti → expiry of client assertions already accepted (devhost.entra.certificates.check_assertion)."""
        self.counters: Counter[str] = Counter()
        self.access_token_lifetime = 3600
        self.messages: list[dict] = []

    # -- building the directory -------------------------------------------------------------------------------------

    def add_tenant(self, name: str, domains: list[str] | None = None, tenant_id: str | None = None) -> Tenant:
        with self.lock:
            tenant = Tenant(
                id=tenant_id or new_guid(),
                name=name,
                domains=[d.lower() for d in (domains or [f"{name.lower()}.onmicrosoft.com"])],
            )
            self.tenants[tenant.id] = tenant
            return tenant

    def add_app(
        self,
        tenant_id: str,
        name: str,
        redirect_uris: list[str] | None = None,
        *,
        multi_tenant: bool = False,
        client_id: str | None = None,
    ) -> App:
        with self.lock:
            self.tenant(tenant_id)
            for uri in redirect_uris or []:
                check_redirect_uri(uri)
            # Registered in the portal: the portal creates the application object and its service principal in the
            # home tenant together (entra-docs app-objects-and-service-principals.md).
            app = App(
                client_id=client_id or new_guid(),
                tenant_id=tenant_id,
                name=name,
                multi_tenant=multi_tenant,
                redirect_uris=list(redirect_uris or []),
                service_principal_id=new_guid(),
            )
            self.apps[app.client_id] = app
            return app

    def add_secret(
        self,
        client_id: str,
        *,
        days: int = 730,
        value: str | None = None,
        description: str = "",
        secret_id: str | None = None,
    ) -> ClientSecret:
        with self.lock:
            secret = ClientSecret(
                id=secret_id or new_guid(),
                value=value or new_secret_value(),
                expires_at=self.clock.now() + dt.timedelta(days=days),
                description=description,
            )
            self.app(client_id).secrets.append(secret)
            return secret

    def expire_secret(self, client_id: str, secret_id: str) -> None:
        with self.lock:
            for secret in self.app(client_id).secrets:
                if secret.id == secret_id:
                    secret.expires_at = self.clock.now() - dt.timedelta(seconds=1)
                    return
            raise DirectoryError(f"no secret {secret_id} in app {client_id}")

    def delete_secret(self, client_id: str, secret_id: str) -> None:
        with self.lock:
            app = self.app(client_id)
            app.secrets = [s for s in app.secrets if s.id != secret_id]

    def add_certificate(self, client_id: str, data: bytes | str, *, added_by: str = "portal") -> KeyCredential:
        """Upload a certificate's public part to the app registration (portal: Zertifikat hochladen)."""
        with self.lock:
            key = parse(data)
            key.added_by = added_by
            app = self.app(client_id)
            if any(k.sha256 == key.sha256 for k in app.certificates):
                # The portal refuses a certificate that is already there (inferred: the exact text was not found).
                raise DirectoryError("this certificate is already uploaded to the app registration")
            app.certificates.append(key)
            return key

    def remove_certificate(self, client_id: str, key_id: str) -> None:
        with self.lock:
            app = self.app(client_id)
            if not any(k.key_id == key_id for k in app.certificates):
                raise DirectoryError(f"no certificate {key_id} in app {client_id}")
            app.certificates = [k for k in app.certificates if k.key_id != key_id]

    def app_by_object_id(self, object_id: str) -> App | None:
        return next((a for a in self.apps.values() if a.object_id == object_id), None)

    def add_user(
        self,
        tenant_id: str,
        upn: str,
        display_name: str,
        password: str,
        *,
        aliases: list[str] | None = None,
        mailbox: bool = True,
        mail: str | None = None,
        is_admin: bool = False,
        home_tenant: str | None = None,
    ) -> User:
        with self.lock:
            tenant = self.tenant(tenant_id)
            if home_tenant:
                # A guest: invited by their own address, which becomes their mail; the UPN is derived from it.
                mail = (mail or upn).lower()
                upn = f"{mail.replace('@', '_')}#EXT#@{tenant.domains[0]}"
                mailbox = False
            user = User(
                oid=new_guid(),
                tenant_id=tenant_id,
                upn=upn.lower(),
                display_name=display_name,
                password=password,
                mail=(mail or upn).lower(),
                aliases=[a.lower() for a in aliases or []],
                is_admin=is_admin,
                home_tenant=home_tenant,
            )
            self.users[user.oid] = user
            if mailbox:
                box = Mailbox(address=user.mail, owner_oid=user.oid, tenant_id=tenant_id)
                for address in {user.mail, *user.aliases}:
                    self.mailboxes[address] = box
            return user

    def grant_app_roles(self, tenant_id: str, client_id: str, resource_app_id: str, roles) -> set[str]:
        """An admin adds application permissions of ``resource_app_id`` to the app and grants admin consent in
        ``tenant_id`` (both at once, as "Grant admin consent" does for configured permissions); an empty ``roles``
        revokes them. Returns what is granted now."""
        with self.lock:
            key = (tenant_id, client_id, resource_app_id)
            if roles:
                self.app_role_grants.setdefault(key, set()).update(roles)
            else:
                self.app_role_grants.pop(key, None)
            return set(self.app_role_grants.get(key, set()))

    def app_roles(self, tenant_id: str, client_id: str, resource: str) -> set[str]:
        """The roles a client-credentials token of ``client_id`` for ``resource`` (a URL) carries in ``tenant_id``."""
        app_id = RESOURCE_APPS.get(resource.rstrip("/"), resource)
        return set(self.app_role_grants.get((tenant_id, client_id, app_id), set()))

    def service_principal_of(self, tenant_id: str, oid: str) -> App | None:
        """The app whose service principal (in its home tenant) has object ID ``oid``."""
        for app in self.apps.values():
            if app.service_principal_id == oid:
                return app
        return None

    def add_shared_mailbox(self, tenant_id: str, address: str, send_as: list[str]) -> Mailbox:
        with self.lock:
            mailbox = Mailbox(address=address.lower(), owner_oid=None, tenant_id=tenant_id, send_as=set(send_as))
            self.mailboxes[mailbox.address] = mailbox
            return mailbox

    def revoke_user(self, oid: str) -> None:
        """Revoke every refresh token of the user: "Admin revokes all refresh tokens for a user" (Revoke-MgUser
        SignInSession) or "User revokes their refresh tokens" — Revoked for every client (refresh-tokens.md). Not
        for a B2B guest in the inviting directory: "Refresh tokens are not revoked for B2B users in their resource
        tenant. The token needs to be revoked in the home tenant." (same page)."""
        with self.lock:
            user = self.user(oid)
            if user.home_tenant is None:
                user.tokens_valid_from = self.clock.now()

    def change_password(self, oid: str, password: str, how: str) -> bool:
        """A new password for the user, set ``how`` (a key of :data:`PASSWORD_CHANGES`); returns whether that revoked
        the user's refresh tokens (only an admin's reset in the Entra or Microsoft 365 admin center does)."""
        if how not in PASSWORD_CHANGES:
            raise DirectoryError(f"how is one of {', '.join(PASSWORD_CHANGES)}")
        if not password:
            raise DirectoryError("a new password is needed")
        with self.lock:
            self.user(oid).password = password
            if PASSWORD_CHANGES[how]:
                self.revoke_user(oid)
            return PASSWORD_CHANGES[how]

    # -- lookups ----------------------------------------------------------------------------------------------------

    def tenant(self, tenant_id: str) -> Tenant:
        try:
            return self.tenants[tenant_id]
        except KeyError:
            raise DirectoryError(f"no tenant {tenant_id}") from None

    def app(self, client_id: str) -> App:
        try:
            return self.apps[client_id]
        except KeyError:
            raise DirectoryError(f"no app {client_id}") from None

    def user(self, oid: str) -> User:
        try:
            return self.users[oid]
        except KeyError:
            raise DirectoryError(f"no user {oid}") from None

    def resolve_tenant(self, name: str) -> Tenant | None:
        """A tenant by GUID or verified domain, as Microsoft resolves the ``{tenant}`` path segment."""
        name = name.lower()
        if name in self.tenants:
            return self.tenants[name]
        return next((t for t in self.tenants.values() if name in t.domains), None)

    def find_user(self, login: str, tenant_id: str | None = None) -> User | None:
        """The account a person signs in as with ``login``, as Entra resolves sign-in names: the UPN always; a
        guest by the address they were invited with (they authenticate at home; the same person may be a guest in
        several directories, so the directory being signed in to comes first); a proxy address only in a tenant
        with email as an alternate login ID (howto-authentication-use-email-signin)."""
        login = login.strip().lower()
        users = sorted(self.users.values(), key=lambda u: u.tenant_id != tenant_id)
        for user in users:
            if user.upn == login or (user.home_tenant and user.mail == login):
                return user
        for user in users:
            if self.tenants[user.tenant_id].alternate_login_id and login in {user.mail, *user.aliases}:
                return user
        return None

    def mailbox_of(self, oid: str) -> Mailbox | None:
        """The mailbox a user owns (a user without an Exchange Online licence, or a guest, has none)."""
        return next((m for m in self.mailboxes.values() if m.owner_oid == oid), None)

    def addresses_of(self, mailbox: Mailbox) -> list[str]:
        """Every SMTP address of a mailbox, the primary one first (proxyAddresses: "SMTP:" primary, "smtp:" the
        others; graph-docs-contrib ``api-reference/v1.0/resources/user.md``, proxyAddresses)."""
        return [mailbox.address, *sorted(a for a, m in self.mailboxes.items() if m is mailbox and a != mailbox.address)]

    def from_as_delivered(self, address: str) -> str:
        """The From address recipients see for a message submitted with From ``address``: an alias of a mailbox is
        rewritten to the mailbox's primary address unless its organisation has SendFromAliasEnabled
        (:attr:`Tenant.send_from_alias_enabled`, Set-OrganizationConfig.md). Another mailbox's primary address
        (Send As) and unknown addresses stay as they are."""
        box = self.mailboxes.get(address.lower())
        if box is None or box.address == address.lower():
            return address
        if self.tenants[box.tenant_id].send_from_alias_enabled:
            return address
        return box.address

    def file_sent_copies(
        self, sender: Mailbox | None, from_box: Mailbox | None, copy: dict, *, save: bool = True
    ) -> None:
        """Keep the copies of a sent message where Exchange keeps them: in ``sender``'s Sent Items (the mailbox that
        submitted it: the signed-in user's for SMTP AUTH and ``/me/sendMail``, the from mailbox for
        ``/users/{from}/sendMail``), unless ``save`` is false (Graph's saveToSentItems); and in ``from_box``'s as
        well when a delegate sent as it and it has MessageCopyForSentAsEnabled ("if an administrator has configured
        the 'always save a copy' setting, the message will still be saved to the from user's Sent Items",
        GRAPH-OTHERUSER). One copy per mailbox (inferred: no source says a mailbox gets two)."""
        boxes = [sender] if save and sender is not None else []
        if from_box is not None and from_box is not sender and from_box.message_copy_for_sent_as:
            boxes.append(from_box)
        for box in boxes:
            box.sent_items.append(dict(copy))

    def consented(self, user: User, client_id: str) -> set[str]:
        """Scopes this user may get tokens for: their own consent plus the admin's for the whole tenant."""
        return self.consents.get((user.oid, client_id), set()) | self.tenant_consents.get(
            (user.tenant_id, client_id), set()
        )

    def smtp_auth_enabled(self, mailbox: Mailbox) -> bool:
        if mailbox.smtp_auth_enabled is not None:
            return mailbox.smtp_auth_enabled
        return self.tenants[mailbox.tenant_id].smtp_auth_enabled

    def count(self, key: str) -> None:
        with self.lock:
            self.counters[key] += 1

    def take_fault(self, attribute: str = "fault") -> Fault | None:
        """The current fault of the token endpoint (or ``smtp_fault``), counting down its remaining uses."""
        with self.lock:
            fault = getattr(self, attribute)
            if fault is None:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    setattr(self, attribute, None)
            return fault


def check_redirect_uri(uri: str) -> None:
    """Entra accepts only https redirect URIs for platform Web, except http://localhost."""
    parts = urlsplit(uri)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")):
        return
    raise DirectoryError(f"redirect URI must use https (except for localhost): {uri}")
