"""What the plugin needs to know about an instance: its options, and the app registration the admin entered."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cmx_hostapi import Host

from . import certificates, config_schema, keys
from .crypto import DecryptionError
from .diagnosis import Finding, Kind
from .names import INTERFACE_TYPE, PLUGIN_ID, SETTINGS_APP, TENANT_SETTING
from .store import certificates as store_settings
from .wording import when


@dataclass(frozen=True)
class Cloud:
    """Where Microsoft 365 is for one of Microsoft's clouds: sign-in, Exchange Online's resource and SMTP host."""

    name: str
    """The value of the option ``cloud`` that chooses it."""
    login_hosts: tuple[str, ...]
    outlook_resource: str
    """The resource of the delegated permission SMTP.Send (the scope is ``<resource>/SMTP.Send``)."""
    app_resource: str
    """The resource of the client-credentials check that proves client ID, secret and tenant (``…/.default``)."""
    smtp_host: str
    graph: str
    """Microsoft Graph's root: the resource of Mail.Send, and where its API is (GRAPH-DEPLOY)."""
    label: str = ""
    """How people call it (German texts)."""


CLOUDS = (
    # Global (and GCC, which "continues using the worldwide endpoints"): ENTRA-NATCLOUD, GRAPH-DEPLOY, EXO-OAUTH
    # (../shared/reference/next-features.md §6). SMTP host: "outlook.office365.com, smtp.office365.com … TCP 587 …
    # SMTP Client traffic" (Microsoft's endpoint list, microsoft-365-docs includes/office-365-worldwide-endpoints.md).
    Cloud(
        "global",
        ("login.microsoftonline.com",),
        "https://outlook.office.com",
        "https://outlook.office365.com",
        "smtp.office365.com",
        "https://graph.microsoft.com",
        "weltweit (auch GCC)",
    ),
    # GCC High (US Government L4): login.microsoftonline.us (ENTRA-NATCLOUD; Connect-ExchangeOnline.md: "Microsoft 365
    # GCC High or Microsoft 365 DoD: https://login.microsoftonline.us/organizations"); Graph graph.microsoft.us
    # (GRAPH-DEPLOY). SMTP host: Microsoft's GCC High endpoint list names only "outlook.office365.us" for "TCP: 143,
    # 25, 587, 993, 995" (microsoft-365-docs includes/office-365-u.s.-government-gcc-high-endpoints.md, version
    # 2023073100); smtp.office365.us, used before, came from third-party code only (next-features §6) — the Microsoft
    # page wins. SMTP.Send resource: third-party code only (EmailEngine: https://outlook.office365.us/SMTP.Send; no
    # Microsoft-authored source found).
    Cloud(
        "usgov",
        ("login.microsoftonline.us",),
        "https://outlook.office365.us",
        "https://outlook.office365.us",
        "outlook.office365.us",
        "https://graph.microsoft.us",
        "US Government GCC High",
    ),
    # DoD (US Government L5): the same sign-in host as GCC High (Connect-ExchangeOnline.md, above), so it cannot follow
    # from login_base_url: the option ``cloud = "usgov-dod"`` chooses it. Graph: "Microsoft Graph for US Government L5
    # (DOD) https://dod-graph.microsoft.us"; "If you're working in a Microsoft 365 DoD environment, use
    # https://portal.azure.us and https://dod-graph.microsoft.us" (GRAPH-DEPLOY, graph-docs-contrib
    # concepts/deployments.md). SMTP host: Microsoft's DoD endpoint list, Exchange Online, "outlook-dod.office365.us,
    # webmail.apps.mil … TCP: 143, 25, 587, 993, 995" (microsoft-365-docs
    # includes/office-365-u.s.-government-dod-endpoints.md, version 2023073100). SMTP.Send resource: no Microsoft
    # source; third-party sources disagree — EmailEngine asks DoD for https://outlook.office365.us/SMTP.Send (its
    # outlookScopes("dod")), Exchange administration tools use https://outlook-dod.office365.us/.default for Exchange
    # Online in DoD (e.g. demisto's MicrosoftApiModule). The one source about SMTP.Send is followed; unverified.
    Cloud(
        "usgov-dod",
        ("login.microsoftonline.us",),
        "https://outlook.office365.us",
        "https://outlook.office365.us",
        "outlook-dod.office365.us",
        "https://dod-graph.microsoft.us",
        "US Government DoD",
    ),
    # Microsoft 365 operated by 21Vianet: login.partner.microsoftonline.cn (ENTRA-NATCLOUD; the Graph page names
    # login.chinacloudapi.cn); resource and SMTP host from third-party code (next-features §6).
    Cloud(
        "china",
        ("login.partner.microsoftonline.cn", "login.chinacloudapi.cn"),
        "https://partner.outlook.cn",
        "https://partner.outlook.cn",
        "smtp.partner.outlook.cn",
        "https://microsoftgraph.chinacloudapi.cn",  # GRAPH-DEPLOY
        "China (21Vianet)",
    ),
)
CLOUD_NAMES = tuple(c.name for c in CLOUDS)


def cloud_of(login_base_url: str) -> Cloud:
    """The cloud a sign-in address belongs to (for login.microsoftonline.us GCC High: DoD shares that host and is
    chosen with the option ``cloud``); any other address (the devhost's emulator) gets the global values."""
    host = (urlsplit(login_base_url).hostname or "").lower()
    return next((c for c in CLOUDS if host in c.login_hosts), CLOUDS[0])


def _microsoft_login_host(login_base_url: str) -> bool:
    """The sign-in address is one of Microsoft's (not the devhost's emulator)."""
    host = (urlsplit(login_base_url).hostname or "").lower()
    return any(host in c.login_hosts for c in CLOUDS)


def choose_cloud(value: str, login_base_url: str) -> tuple[Cloud, str | None]:
    """The cloud the option ``cloud`` names (empty: the one of the sign-in address), and what is wrong with the value
    in German (then the sign-in address's cloud is used, as before the option existed)."""
    fallback = cloud_of(login_base_url)
    wanted = (value or "").strip().lower()
    if not wanted:
        return fallback, None
    chosen = next((c for c in CLOUDS if c.name == wanted), None)
    where = "in der Konfiguration der Instanz ([plugin_config.m365])"
    until = (
        f"Bis das korrigiert ist, verwendet cmxOrganize die Cloud „{fallback.name}“ ({fallback.label}) der "
        f"Anmeldeadresse {login_base_url}. Zuständig: wer die Instanz betreibt (cmxKonzepte-Support)."
    )
    if chosen is None:
        names = ", ".join(f"„{c.name}“ ({c.label})" for c in CLOUDS)
        return fallback, (
            f"Die Einstellung cloud = „{value}“ {where} gibt es nicht. Möglich sind {names}; ohne die Einstellung "
            f"folgt die Cloud aus login_base_url. {until}"
        )
    if _microsoft_login_host(login_base_url) and fallback.login_hosts != chosen.login_hosts:
        return fallback, (
            f"Die Einstellung cloud = „{chosen.name}“ {where} passt nicht zu login_base_url = {login_base_url}: "
            f"Konten der Cloud „{chosen.name}“ melden sich bei https://{chosen.login_hosts[0]} an. Bitte eines von "
            f"beiden berichtigen. {until}"
        )
    return chosen, None


SMTP_SEND = f"{CLOUDS[0].outlook_resource}/SMTP.Send"
"""SMTP AUTH's delegated permission in the global cloud; :attr:`Options.smtp_send` is the configured cloud's."""


@dataclass(frozen=True)
class Options:
    """Per-instance options from ``[plugin_config.m365]``; the defaults are production's."""

    login_base_url: str = "https://login.microsoftonline.com"
    """Where the identity platform is. The devhost points it at its emulator: one setting, the same code path. The
    cloud (and with it the SMTP.Send resource and the SMTP host) follows from it, unless ``cloud`` names it."""
    cloud: Cloud | str = ""
    """Which of Microsoft's clouds: in the configuration one of :data:`CLOUD_NAMES` (``"usgov-dod"`` for DoD, which
    shares its sign-in host with GCC High), or empty: the cloud of ``login_base_url``. After construction always the
    :class:`Cloud`; a wrong value is ignored and named in :attr:`problems`."""
    ca_file: str | None = None
    """A CA bundle to trust for the identity platform instead of the system's (the emulator's, in development)."""
    smtp_host: str = ""
    """Exchange Online's SMTP host; empty: the cloud's (``smtp.office365.com`` worldwide)."""
    smtp_port: int = 587
    graph_base_url: str = ""
    """Where Microsoft Graph's API is; empty: the cloud's (``https://graph.microsoft.com``). The devhost points it at
    its emulator, like ``login_base_url``."""
    http_timeout: float = 15.0
    """Seconds msal may wait for Microsoft per request (connect and read)."""
    signin_minutes: int = 10
    """How long a started sign-in may take until the browser comes back (Microsoft's codes live 10 minutes)."""
    # Exchange Online's sending limits per mailbox (next-features §5.1). Microsoft changes them and tenants may set
    # lower ones, so each is an option; ``*_seconds`` are the windows (shorter ones only for tests and benchmarks).
    limit_messages: int = 30
    """Messages a mailbox may submit over SMTP per ``limit_messages_seconds`` (30 per minute; more are delayed by
    Exchange: EXO-SUBMIT). Graph has no such limit ("SMTP client submission only")."""
    limit_messages_seconds: float = 60.0
    limit_recipients: int = 10_000
    """Recipients per rolling ``limit_recipients_seconds`` per mailbox, both routes (10,000 per 24 hours; then
    554 5.2.0 SubmissionQuotaExceededException: EXO-SUBMIT)."""
    limit_recipients_seconds: float = 86_400.0
    limit_connections: int = 3
    """Concurrent SMTP connections per mailbox (3; a fourth is refused with 432 4.3.2: EXO-SUBMIT)."""
    limit_graph_concurrent: int = 4
    """Concurrent Graph requests per app and mailbox (4; GRAPH-THROTTLE)."""
    limit_graph_requests: int = 10_000
    """Graph requests per app and mailbox per ``limit_graph_seconds`` (10,000 per 10 minutes; GRAPH-THROTTLE)."""
    limit_graph_seconds: float = 600.0
    limit_graph_upload_mb: float = 150.0
    """Megabytes one app may upload into one mailbox through Graph per ``limit_graph_upload_seconds`` ("150
    megabytes (MB) upload (PATCH, POST, PUT) in a 5-minute period", Graph throttling limits, Outlook service, "Limits
    per mailbox"); a sendMail request uploads the message base64-encoded. 0 switches it off."""
    limit_graph_upload_seconds: float = 300.0
    # The tenant's own limits, off by default (0) because only the tenant's admin knows them (docs/Anleitung.md names
    # Microsoft's recommended values). The outbound spam policy's hourly limits per user (Set-HostedOutboundSpamFilter
    # Policy; its daily RecipientLimitPerDay is ``limit_recipients``); recommended Standard 500 / 1,000, Strict
    # 400 / 800, each with BlockUser (defender-office-365 recommended-settings-for-eop-and-office365.md).
    recipient_limit_external_per_hour: int = 0
    """RecipientLimitExternalPerHour: recipients outside ``internal_domains`` per hour and user."""
    recipient_limit_internal_per_hour: int = 0
    """RecipientLimitInternalPerHour: recipients within ``internal_domains`` per hour and user."""
    recipient_limit_hour_seconds: float = 3600.0
    internal_domains: str | tuple[str, ...] = ""
    """The tenant's accepted domains (recipients there are internal), comma-separated; empty: the domain of the
    account's own address."""
    terrl_licenses: int = 0
    """The tenant's email licences (not trials), for the tenant external recipient rate limit: 500 × licences^0.7 +
    9,500 external recipients per rolling 24 hours, all mailboxes together (Exchange Team blog "Introducing Exchange
    Online Tenant Outbound Email Limits", 2025-02-24; MC1023294). 0: off."""
    terrl_trial: bool = False
    """A trial tenant: 5,000 external recipients per 24 hours whatever the licences (same sources)."""
    terrl_limit: int = 0
    """The tenant external recipient limit itself (instead of computing it), e.g. the share left for cmxOrganize."""
    terrl_seconds: float = 86_400.0
    max_recipients: int = 500
    """Recipients per message (To, Cc and Bcc together; 500 in the service description, next-features §5.1)."""
    max_message_mb: float = 35.0
    """The largest message Exchange accepts by default (35 MB; tenants may raise it to 150 MB)."""

    problems: tuple[str, ...] = field(default=(), init=False, compare=False)
    """What is wrong with the options, in German for the admins (shown in the green fields; nobody can sign in
    meanwhile)."""
    ignored: tuple[str, ...] = field(default=(), init=False, compare=False)
    """Options of the wrong type, in German (:mod:`config_schema`): their defaults are used, sending goes on."""

    @classmethod
    def of(cls, host: Host) -> Options:
        raw: Mapping[str, Any] = host.plugin_config(PLUGIN_ID)
        loaded, ignored = config_schema.checked(cls, raw)  # only the values that fit; the others keep their default
        checked = config_schema.options_schema(cls).fields
        others = {k: raw[k] for k, f in cls.__dataclass_fields__.items() if k in raw and f.init and k not in checked}
        options = cls(**others, **loaded)
        object.__setattr__(options, "ignored", ignored)
        return options

    def __post_init__(self) -> None:
        if not isinstance(self.cloud, Cloud):
            chosen, problem = choose_cloud(str(self.cloud or ""), self.login_base_url)
            object.__setattr__(self, "cloud", chosen)
            if problem:
                object.__setattr__(self, "problems", (*self.problems, problem))
        if not self.smtp_host:
            object.__setattr__(self, "smtp_host", self.cloud.smtp_host)
        if not self.graph_base_url:
            # A sign-in address of none of Microsoft's clouds is the devhost's emulator, which serves Graph too.
            login = self.login_base_url.rstrip("/")
            known = (urlsplit(login).hostname or "").lower() in self.cloud.login_hosts
            object.__setattr__(self, "graph_base_url", self.cloud.graph if known else login)

    @property
    def smtp_send(self) -> str:
        """The scope to ask for: ``https://outlook.office.com/SMTP.Send`` in the global cloud."""
        return f"{self.cloud.outlook_resource}/SMTP.Send"

    @property
    def graph_send(self) -> tuple[str, str]:
        """Graph's delegated permissions for sending: Mail.Send (the own mailbox) and Mail.Send.Shared (a shared
        mailbox with Send As; GRAPH-OTHERUSER). Neither needs admin consent (next-features §1.1)."""
        return f"{self.cloud.graph}/Mail.Send", f"{self.cloud.graph}/Mail.Send.Shared"

    @property
    def graph_read(self) -> str:
        """Graph's User.Read: the signed-in user's own profile, for ``GET /me?$select=mail,proxyAddresses`` — is the
        account's address the mailbox's primary address, an alias of it, or another mailbox? (graph-docs-contrib
        user-get.md: User.Read is the least privileged permission, it "allows the app to read the profile … of the
        signed-in user only"; no admin consent needed where users may consent.)"""
        return f"{self.cloud.graph}/User.Read"

    @property
    def signin_scopes(self) -> list[str]:
        """What a sign-in asks consent for: both sending routes at once (an authorize request may name several
        resources; the code is then redeemed for one, and the other token comes from the same refresh token:
        next-features §1.5), and reading the own profile (:attr:`graph_read`)."""
        return [self.smtp_send, *self.graph_send, self.graph_read]

    @property
    def credentials_scope(self) -> str:
        return f"{self.cloud.app_resource}/.default"


@dataclass(frozen=True)
class AzureApp:
    """The app registration: Anwendungs-ID, the directory (tenant) to sign in to, and how the app proves itself:
    the client secret's value, or — when one is in use — a certificate cmxOrganize made (its msal credential)."""

    client_id: str
    secret: str = field(repr=False)
    tenant: str
    certificate: Mapping[str, str] | None = field(default=None, repr=False)
    """msal's ``{"private_key", "public_certificate"}`` of the certificate in use (certificates.credential)."""
    thumbprint: str | None = None
    """The SHA-1 thumbprint of that certificate, as Entra shows it."""
    refused: Finding | None = None
    """Why this server cannot prove the app right now although it is set up (the certificate's private key cannot be
    decrypted here); :func:`cmx_plugin_m365.identity.build` raises it as the answer, like Microsoft's."""

    @property
    def credential(self) -> str | Mapping[str, str]:
        """What msal gets as ``client_credential``: the certificate when one is in use, else the secret."""
        return dict(self.certificate) if self.certificate else self.secret

    @property
    def secret_fingerprint(self) -> str:
        return fingerprint(self.secret)

    def with_secret(self) -> AzureApp:
        """The same registration proving itself with the client secret (to test the secret while a certificate is
        in use)."""
        return AzureApp(self.client_id, self.secret, self.tenant)


def fingerprint(secret: str) -> str:
    """Identifies a secret in the database, events and reports without revealing it."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Missing:
    """What is missing before anyone can sign in, each item a German sentence naming where to fix it."""

    items: tuple[str, ...]


DELETED = "interface_deleted"
"""``m365_setting``: the Azure interface was deleted (when, and its client ID), until one is saved again."""


def deleted_interface(host: Host) -> str | None:
    """When the Azure interface was deleted: that, and how to restore it, in German (else None)."""
    raw = store_settings.setting(host, DELETED)
    if raw is None:
        return None
    noted = json.loads(raw)
    same_id = f" „{noted['client_id']}“" if noted.get("client_id") else ""
    return (
        f"Die Azure-Schnittstelle wurde am {when(dt.datetime.fromisoformat(noted['at']))} gelöscht; bis sie wieder "
        "angelegt ist, senden die E-Mailkonten mit OAuth nicht (ihre Mails warten). Wiederherstellen: Schnittstellen "
        f"→ Neue Schnittstelle, Typ „Azure“, Benutzername = dieselbe Anwendungs-ID (Client){same_id}, speichern – ein "
        "Zertifikat, das cmxOrganize für sie erstellt hat, gilt dann wieder; sonst den Wert eines gültigen geheimen "
        "Schlüssels ins Passwortfeld eintragen."
    )


def azure_app(host: Host, *, tenant: str | None = None) -> AzureApp | Missing:
    """The instance's app registration, or what is missing of it. ``tenant``: a TenantID about to be saved."""
    problems = []
    interfaces = host.interfaces(INTERFACE_TYPE)
    if not interfaces:
        problems.append(
            deleted_interface(host)
            or "Es gibt noch keine Schnittstelle vom Typ „Azure“ (Schnittstellen → Neue Schnittstelle: "
            "Benutzername = Anwendungs-ID (Client), Passwort = Wert des geheimen Schlüssels)."
        )
    tenant = (tenant or host.setting(SETTINGS_APP, TENANT_SETTING) or "").strip()
    if not tenant:
        problems.append(
            "Die Einstellung „TenantID“ fehlt (Applikation Einstellungen → Einstellung hinzufügen → "
            "TenantID = Verzeichnis-ID (Mandant))."
        )
    if problems:
        return Missing(tuple(problems))
    interface = interfaces[0]
    in_use = certificates.in_state(host, interface.username, certificates.ACTIVE)
    if in_use is not None:
        try:
            credential = certificates.credential(host, in_use)
        except DecryptionError:
            # Not the secret instead: after the switch to the certificate the admin was told to delete it at
            # Microsoft. Lost for good, the admins are told once what to do; mail waits, nothing is lost.
            finding = keys.unreadable(host, "certificate", in_use.thumbprint)
            if finding.kind is not Kind.TEMPORARY:
                keys.certificate_lost(host, in_use)
            return AzureApp(interface.username, "", tenant, thumbprint=in_use.thumbprint, refused=finding)
        return AzureApp(
            interface.username, interface.password, tenant, certificate=credential, thumbprint=in_use.thumbprint
        )
    if not interface.password:
        return Missing(
            (
                "Die Azure-Schnittstelle hat noch keinen Zugang: im grünen Feld der Azure-Schnittstelle ein Zertifikat "
                "erstellen und in Entra hochladen (empfohlen) oder den Wert eines geheimen Schlüssels ins Passwortfeld "
                "eintragen.",
            )
        )
    return AzureApp(client_id=interface.username, secret=interface.password, tenant=tenant)
