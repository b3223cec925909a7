"""One running devhost instance: database, loaded plugins, host services, mailer, and what the plugins add."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pluggy
from cmx_hostapi import InterfaceType, Message, Method, PeriodicJob, Route, SettingType
from werkzeug.security import generate_password_hash

from .config import InstanceConfig
from .db import Database
from .loader import LoadedPlugin, load_plugins
from .mailer import Mailer
from .services import HostServices

log = logging.getLogger(__name__)

SCHEMA_DIR = Path(__file__).parent / "schema"

BUILTIN_INTERFACE_TYPES = ("Allgemein",)
"""Interface types the host itself knows (plugins add more)."""


@dataclass
class Instance:
    config: InstanceConfig
    db: Database
    pm: pluggy.PluginManager
    plugins: list[LoadedPlugin]
    host: HostServices
    mailer: Mailer
    interface_types: dict[str, InterfaceType] = field(default_factory=dict)
    setting_types: dict[tuple[str, str], SettingType] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    methods: list[Method] = field(default_factory=list)
    jobs: list[PeriodicJob] = field(default_factory=list)
    start_messages: list[Message] = field(default_factory=list)
    """What the plugins said about the instance when it started (host API 1.9): logged, and shown to admins."""

    @classmethod
    def start(cls, config: InstanceConfig) -> Instance:
        db = Database(config.database_url, schema=config.database_schema)
        if db.is_empty:
            create_host_schema(db)
        pm, plugins = load_plugins(db, config.plugins)
        host = HostServices(
            db,
            public_base_url=config.public_base_url,
            secret_keys=config.encryption_keys,
            plugin_config=config.plugin_config,
        )
        mailer = Mailer(db, pm, host, ca_file=config.smtp_ca_file, timeout=config.smtp_timeout)
        host.mailer = mailer
        instance = cls(config=config, db=db, pm=pm, plugins=plugins, host=host, mailer=mailer)
        instance._collect()
        instance._started()
        return instance

    def _started(self) -> None:
        """Host API 1.9: the plugins check the instance (their options) now, not at the first mail."""
        for messages in self.pm.hook.cmx_instance_started(host=self.host):
            for message in messages or ():
                self.start_messages.append(message)
                log.log(logging.ERROR if message.level == "error" else logging.WARNING, "%s", message.text)

    def _collect(self) -> None:
        hook = self.pm.hook
        for types in hook.cmx_interface_types():
            for t in types:
                self.interface_types[t.name] = t
        for settings in hook.cmx_settings():
            for s in settings:
                self.setting_types[(s.app, s.name)] = s
        self.routes = [r for routes in hook.cmx_routes() for r in routes]
        self.methods = [m for methods in hook.cmx_methods() for m in methods]
        self.jobs = [j for jobs in hook.cmx_periodic_jobs() for j in jobs]

    def all_interface_types(self) -> list[str]:
        return list(BUILTIN_INTERFACE_TYPES) + sorted(self.interface_types)

    def methods_for(self, form: str) -> list[Method]:
        return [m for m in self.methods if m.form == form]

    def run_due_jobs(self, now: dt.datetime | None = None) -> list[str]:
        """Run every periodic job whose interval has passed since its last run (recorded in the database)."""
        now = now or dt.datetime.now(dt.UTC)
        ran = []
        for job in self.jobs:
            with self.db.transaction(lock=True) as tx:
                row = tx.execute("SELECT last_run FROM job_runs WHERE name = :n", {"n": job.name}).fetchone()
                if row and row["last_run"] + job.interval > now:
                    continue
                if row:
                    tx.execute("UPDATE job_runs SET last_run = :now WHERE name = :n", {"now": now, "n": job.name})
                else:
                    tx.execute("INSERT INTO job_runs (name, last_run) VALUES (:n, :now)", {"now": now, "n": job.name})
            try:
                job.run(self.host, now)
            except Exception:
                log.exception("periodic job %s failed", job.name)
            ran.append(job.name)
        return ran

    def close(self) -> None:
        self.db.close()


def create_host_schema(db: Database) -> None:
    with db.transaction(lock=True) as tx:
        db.execute_script(tx, (SCHEMA_DIR / f"{db.dialect}.sql").read_text(encoding="utf-8"))


def add_user(
    db: Database, login: str, password: str, *, display_name: str, email: str = "", is_admin: bool = False
) -> int:
    with db.transaction() as tx:
        row = tx.execute(
            "INSERT INTO users (login, password_hash, display_name, email, is_admin) "
            "VALUES (:l, :p, :d, :e, :a) RETURNING id",
            {"l": login, "p": generate_password_hash(password), "d": display_name, "e": email, "a": is_admin},
        ).fetchone()
    return row["id"]
