"""What the plugin needs to know about an instance: its options, and the app registration the admin entered."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cmx_hostapi import Host

from .names import INTERFACE_TYPE, SETTINGS_APP, TENANT_SETTING

PLUGIN_ID = "m365"

SMTP_SEND = "https://outlook.office.com/SMTP.Send"
"""The one delegated permission the plugin asks for (a token request may target one resource only)."""


@dataclass(frozen=True)
class Options:
    """Per-instance options from ``[plugin_config.m365]``; the defaults are production's."""

    login_base_url: str = "https://login.microsoftonline.com"
    """Where the identity platform is. The devhost points it at its emulator: one setting, the same code path."""
    ca_file: str | None = None
    """A CA bundle to trust for the identity platform instead of the system's (the emulator's, in development)."""
    smtp_host: str = "smtp.office365.com"
    smtp_port: int = 587
    http_timeout: float = 15.0
    """Seconds msal may wait for Microsoft per request (connect and read)."""
    signin_minutes: int = 10
    """How long a started sign-in may take until the browser comes back (Microsoft's codes live 10 minutes)."""

    @classmethod
    def of(cls, host: Host) -> Options:
        raw: Mapping[str, Any] = host.plugin_config(PLUGIN_ID)
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        return cls(**known)


@dataclass(frozen=True)
class AzureApp:
    """The app registration: Anwendungs-ID, the secret's value, and the directory (tenant) to sign in to."""

    client_id: str
    secret: str
    tenant: str

    @property
    def secret_fingerprint(self) -> str:
        return fingerprint(self.secret)


def fingerprint(secret: str) -> str:
    """Identifies a secret in the database, events and reports without revealing it."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Missing:
    """What is missing before anyone can sign in, each item a German sentence naming where to fix it."""

    items: tuple[str, ...]


def azure_app(host: Host) -> AzureApp | Missing:
    """The instance's app registration, or what is missing of it."""
    problems = []
    interfaces = host.interfaces(INTERFACE_TYPE)
    if not interfaces:
        problems.append(
            "Es gibt noch keine Schnittstelle vom Typ „Azure“ (Schnittstellen → Neue Schnittstelle: "
            "Benutzername = Anwendungs-ID (Client), Passwort = Wert des geheimen Schlüssels)."
        )
    tenant = (host.setting(SETTINGS_APP, TENANT_SETTING) or "").strip()
    if not tenant:
        problems.append(
            "Die Einstellung „TenantID“ fehlt (Applikation Einstellungen → Einstellung hinzufügen → "
            "TenantID = Verzeichnis-ID (Mandant))."
        )
    if problems:
        return Missing(tuple(problems))
    interface = interfaces[0]
    return AzureApp(client_id=interface.username, secret=interface.password, tenant=tenant)
