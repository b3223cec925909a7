"""What the plugin needs to know about an instance: its options, and the app registration the admin entered."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cmx_hostapi import Host

from . import certificates, keys
from .crypto import DecryptionError
from .diagnosis import Finding, Kind
from .names import INTERFACE_TYPE, PLUGIN_ID, SETTINGS_APP, TENANT_SETTING


@dataclass(frozen=True)
class Cloud:
    """Where Microsoft 365 is for one of Microsoft's clouds: sign-in, Exchange Online's resource and SMTP host."""

    name: str
    login_hosts: tuple[str, ...]
    outlook_resource: str
    """The resource of the delegated permission SMTP.Send (the scope is ``<resource>/SMTP.Send``)."""
    app_resource: str
    """The resource of the client-credentials check that proves client ID, secret and tenant (``…/.default``)."""
    smtp_host: str
    graph: str
    """Microsoft Graph's root: the resource of Mail.Send, and where its API is (GRAPH-DEPLOY)."""


CLOUDS = (
    # Global (and GCC, which "continues using the worldwide endpoints"): ENTRA-NATCLOUD, GRAPH-DEPLOY, EXO-OAUTH
    # (../shared/reference/next-features.md §6).
    Cloud(
        "global",
        ("login.microsoftonline.com",),
        "https://outlook.office.com",
        "https://outlook.office365.com",
        "smtp.office365.com",
        "https://graph.microsoft.com",
    ),
    # GCC High / DoD: login.microsoftonline.us (ENTRA-NATCLOUD); SMTP host and SMTP.Send resource only from
    # third-party code (next-features.md §6: no Microsoft-authored source; DoD's SMTP host is disputed there).
    Cloud(
        "usgov",
        ("login.microsoftonline.us",),
        "https://outlook.office365.us",
        "https://outlook.office365.us",
        "smtp.office365.us",
        "https://graph.microsoft.us",  # GCC High (GRAPH-DEPLOY); DoD's is dod-graph.microsoft.us
    ),
    # Microsoft 365 operated by 21Vianet: login.partner.microsoftonline.cn (ENTRA-NATCLOUD; the Graph page names
    # login.chinacloudapi.cn); resource and SMTP host from third-party code (next-features.md §6).
    Cloud(
        "china",
        ("login.partner.microsoftonline.cn", "login.chinacloudapi.cn"),
        "https://partner.outlook.cn",
        "https://partner.outlook.cn",
        "smtp.partner.outlook.cn",
        "https://microsoftgraph.chinacloudapi.cn",  # GRAPH-DEPLOY
    ),
)


def cloud_of(login_base_url: str) -> Cloud:
    """The cloud a sign-in address belongs to; any other address (the devhost's emulator) gets the global values."""
    host = (urlsplit(login_base_url).hostname or "").lower()
    return next((c for c in CLOUDS if host in c.login_hosts), CLOUDS[0])


SMTP_SEND = f"{CLOUDS[0].outlook_resource}/SMTP.Send"
"""SMTP AUTH's delegated permission in the global cloud; :attr:`Options.smtp_send` is the configured cloud's."""


@dataclass(frozen=True)
class Options:
    """Per-instance options from ``[plugin_config.m365]``; the defaults are production's."""

    login_base_url: str = "https://login.microsoftonline.com"
    """Where the identity platform is. The devhost points it at its emulator: one setting, the same code path. The
    cloud (and with it the SMTP.Send resource and the SMTP host) follows from it."""
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

    @classmethod
    def of(cls, host: Host) -> Options:
        raw: Mapping[str, Any] = host.plugin_config(PLUGIN_ID)
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        return cls(**known)

    def __post_init__(self) -> None:
        if not self.smtp_host:
            object.__setattr__(self, "smtp_host", self.cloud.smtp_host)
        if not self.graph_base_url:
            # A sign-in address of none of Microsoft's clouds is the devhost's emulator, which serves Graph too.
            login = self.login_base_url.rstrip("/")
            known = (urlsplit(login).hostname or "").lower() in self.cloud.login_hosts
            object.__setattr__(self, "graph_base_url", self.cloud.graph if known else login)

    @property
    def cloud(self) -> Cloud:
        return cloud_of(self.login_base_url)

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
    def signin_scopes(self) -> list[str]:
        """What a sign-in asks consent for: both sending routes at once (an authorize request may name several
        resources; the code is then redeemed for one, and the other token comes from the same refresh token:
        next-features §1.5)."""
        return [self.smtp_send, *self.graph_send]

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


def azure_app(host: Host, *, tenant: str | None = None) -> AzureApp | Missing:
    """The instance's app registration, or what is missing of it. ``tenant``: a TenantID about to be saved."""
    problems = []
    interfaces = host.interfaces(INTERFACE_TYPE)
    if not interfaces:
        problems.append(
            "Es gibt noch keine Schnittstelle vom Typ „Azure“ (Schnittstellen → Neue Schnittstelle: "
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
