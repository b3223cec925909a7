"""The configuration of one devhost instance (what cmxOrganize keeps per instance)."""

from __future__ import annotations

import base64
import json
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class InstanceConfig:
    database_url: str
    public_base_url: str
    secret_key: str
    """Signs the host's session cookies."""
    encryption_keys: list[bytes]
    """Key material the host hands to plugins for encryption at rest (see cmx_hostapi.Host.secret_keys)."""
    plugins: list[str | Path] = field(default_factory=list)
    """The enabled plugins: enabling a plugin per instance means listing it here — an installed plugin by name (its
    entry point, e.g. ``"m365"``, or its distribution, ``"cmx-plugin-m365"``), or a plugin's directory."""
    plugin_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``[plugins.<id>]`` sections, handed to the plugin with that id as ``host.config``."""
    smtp_ca_file: str | None = None
    """CA bundle the mailer trusts for STARTTLS (None: the system's). The devhost's Exchange emulator needs its own."""
    smtp_timeout: float = 30.0
    database_schema: str | None = None
    """PostgreSQL only: the schema that holds the instance's tables (the tests give each test its own)."""

    @classmethod
    def load(cls, path: Path) -> InstanceConfig:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        base = Path(path).parent
        return cls(
            database_url=raw["database_url"],
            public_base_url=raw["public_base_url"].rstrip("/"),
            secret_key=raw["secret_key"],
            encryption_keys=[base64.b64decode(k) for k in raw["encryption_keys"]],
            plugins=[(base / p).resolve() if "/" in p or p.startswith(".") else p for p in raw.get("plugins", [])],
            plugin_config=raw.get("plugin_config", {}),
            smtp_ca_file=raw.get("smtp_ca_file"),
            smtp_timeout=float(raw.get("smtp_timeout", 30)),
            database_schema=raw.get("database_schema"),
        )

    def dump(self, path: Path, comment: str = "") -> None:
        """Write the configuration as TOML (JSON's strings, numbers and arrays are TOML too)."""
        lines = [f"# {line}" for line in comment.splitlines()]
        values = {
            "database_url": self.database_url,
            "public_base_url": self.public_base_url,
            "secret_key": self.secret_key,
            "encryption_keys": encode_keys(self.encryption_keys),
            "plugins": [str(p) for p in self.plugins],
            "smtp_ca_file": self.smtp_ca_file,
            "smtp_timeout": self.smtp_timeout,
            "database_schema": self.database_schema,
        }
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items() if value is not None]
        for plugin_id, section in self.plugin_config.items():
            lines += ["", f"[plugin_config.{plugin_id}]"]
            lines += [f"{key} = {json.dumps(value)}" for key, value in section.items() if value is not None]
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def new_keys() -> tuple[str, list[bytes]]:
    """A fresh session secret and encryption key for a new instance."""
    return secrets.token_urlsafe(32), [secrets.token_bytes(32)]


def encode_keys(keys: list[bytes]) -> list[str]:
    return [base64.b64encode(k).decode() for k in keys]
