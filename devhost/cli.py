"""What command-line tools of plugins get from the devhost: ``open_instance(config_path)`` (host API 1.1)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cmx_hostapi import PluginStatus

from .config import InstanceConfig
from .db import Database
from .loader import PluginLoadError, locate, read_manifest
from .services import HostServices


@dataclass
class DevhostHandle:
    config: InstanceConfig
    db: Database
    host: HostServices

    def plugin_status(self, plugin_id: str) -> PluginStatus:
        enabled = False
        for entry in self.config.plugins:
            try:
                enabled = enabled or read_manifest(locate(entry)[0])["plugin"]["id"] == plugin_id
            except PluginLoadError:
                continue
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT name FROM plugin_migrations WHERE plugin_id = :p ORDER BY name", {"p": plugin_id}
            ).fetchall()
        return PluginStatus(enabled, tuple(r["name"] for r in rows), self.db.dialect)

    def close(self) -> None:
        self.db.close()


def open_instance(config_path: str) -> DevhostHandle:
    config = InstanceConfig.load(Path(config_path))
    db = Database(config.database_url, schema=config.database_schema)
    host = HostServices(
        db,
        public_base_url=config.public_base_url,
        secret_keys=config.encryption_keys,
        plugin_config=config.plugin_config,
    )
    return DevhostHandle(config, db, host)
