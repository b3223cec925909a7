"""The devhost's implementation of the host API's ``Host`` protocol (what plugins get as ``host``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from cmx_hostapi import Interface, MailAccount, User

from .db import Database

FORM_PATHS = {
    "E-Mailkonto": "App E-Mailkonto",
    "Schnittstelle": "App Schnittstellen",
    "Einstellung": "App Einstellungen",
}
"""cmxOrganize's URL scheme: /App%20<App>/<id>."""

log = logging.getLogger(__name__)

MAIL_ACCOUNT_FIELDS = ("contact", "address", "username", "smtp_host", "smtp_port", "encryption", "password")


def app_path(form: str, record_id: int | str | None = None) -> str:
    path = "/" + quote(FORM_PATHS[form])
    return f"{path}/{record_id}" if record_id is not None else path + "/"


class HostServices:
    """One per instance and plugin; shares the database and the mailer with the web layer."""

    def __init__(
        self,
        db: Database,
        *,
        public_base_url: str,
        secret_keys: Sequence[bytes],
        plugin_config: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        self.db = db
        self.public_base_url = public_base_url.rstrip("/")
        self.secret_keys = tuple(secret_keys)
        self._plugin_config = {k: dict(v) for k, v in (plugin_config or {}).items()}
        self.mailer = None  # set by the app factory once the mailer exists
        self.old_keys_unused_by: set[str] = set()
        """Plugins that reported nothing encrypted with an old key any more (host API 1.2)."""

    def plugin_config(self, plugin_id: str) -> Mapping[str, Any]:
        return self._plugin_config.get(plugin_id, {})

    # -- records ----------------------------------------------------------------------------------------------------

    def setting(self, app: str, name: str) -> str | None:
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT value FROM settings WHERE app = :a AND name = :n", {"a": app, "n": name}
            ).fetchone()
        return row["value"] if row else None

    def interfaces(self, type: str) -> list[Interface]:
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT id, type, name, username, password, updated_at FROM interfaces WHERE type = :t ORDER BY id",
                {"t": type},
            ).fetchall()
        return [Interface(**row) for row in rows]

    def save_interface(self, type: str, *, name: str, **fields: str) -> int:
        unknown = set(fields) - {"username", "password"}
        if unknown:
            raise ValueError(f"unknown interface fields: {sorted(unknown)}")
        # updated_at is when a value was last entered, as the interface form stores it
        values = {"t": type, "n": dt.datetime.now(dt.UTC), **fields}
        with self.db.transaction() as tx:
            row = tx.execute("SELECT id FROM interfaces WHERE type = :t ORDER BY id", {"t": type}).fetchone()
            if row is not None:
                assignments = "".join(f"{field} = :{field}, " for field in fields)
                tx.execute(
                    f"UPDATE interfaces SET {assignments}updated_at = :n WHERE id = :id",  # noqa: S608 - names checked
                    {**values, "id": row["id"]},
                )
                return row["id"]
            tx.execute(
                "INSERT INTO interfaces (type, name, username, password, updated_at) VALUES (:t, :name, :u, :p, :n)",
                {**values, "name": name, "u": fields.get("username", ""), "p": fields.get("password", "")},
            )
            return tx.execute("SELECT id FROM interfaces WHERE type = :t ORDER BY id", {"t": type}).fetchone()["id"]

    def save_setting(self, app: str, name: str, value: str) -> None:
        with self.db.transaction() as tx:
            row = tx.execute("SELECT id FROM settings WHERE app = :a AND name = :n", {"a": app, "n": name}).fetchone()
            if row is None:
                tx.execute(
                    "INSERT INTO settings (app, name, value) VALUES (:a, :n, :v)", {"a": app, "n": name, "v": value}
                )
            else:
                tx.execute("UPDATE settings SET value = :v WHERE id = :id", {"v": value, "id": row["id"]})

    def mail_account(self, account_id: int) -> MailAccount | None:
        with self.db.transaction() as tx:
            row = tx.execute("SELECT * FROM mail_accounts WHERE id = :id", {"id": account_id}).fetchone()
        return MailAccount(**row) if row else None

    def mail_accounts(self) -> list[MailAccount]:
        with self.db.transaction() as tx:
            rows = tx.execute("SELECT * FROM mail_accounts ORDER BY id").fetchall()
        return [MailAccount(**row) for row in rows]

    def update_mail_account(self, account_id: int, **fields: Any) -> None:
        unknown = set(fields) - set(MAIL_ACCOUNT_FIELDS)
        if unknown:
            raise ValueError(f"unknown mail account fields: {sorted(unknown)}")
        if not fields:
            return
        assignments = ", ".join(f"{name} = :{name}" for name in fields)
        with self.db.transaction() as tx:
            tx.execute(
                f"UPDATE mail_accounts SET {assignments} WHERE id = :id",  # noqa: S608 - names checked above
                {**fields, "id": account_id},
            )

    def old_secret_keys_unused(self, plugin_id: str) -> None:
        """cmxOrganize shows this on its key management page; the devhost remembers it (and logs it)."""
        if plugin_id not in self.old_keys_unused_by:
            log.info("plugin %s: old encryption keys are no longer needed", plugin_id)
        self.old_keys_unused_by.add(plugin_id)

    def may_change(self, user: User, form: str, record_id: int) -> bool:
        """Admins may change every record; a mail account's contact (matched by display name or login) may change
        that account."""
        if user.is_admin:
            return True
        if form == "E-Mailkonto":
            account = self.mail_account(record_id)
            contact = (account.contact if account else "").strip().lower()
            return bool(contact) and contact in (user.display_name.strip().lower(), user.login.strip().lower())
        return False

    # -- URLs -------------------------------------------------------------------------------------------------------

    def record_url(self, form: str, record_id: int) -> str:
        return self.public_base_url + app_path(form, record_id)

    def route_url(self, path: str, **query: str) -> str:
        url = self.public_base_url + "/" + quote(path)
        return url + ("?" + urlencode(query) if query else "")

    # -- people and mail --------------------------------------------------------------------------------------------

    def notify(self, audience: str, subject: str, text: str, *, account_id: int | None = None) -> None:
        if audience not in ("admins", "account_contact"):
            raise ValueError(f"unknown audience {audience!r}")
        recipient = ""
        if audience == "account_contact":
            account = self.mail_account(account_id) if account_id is not None else None
            recipient = account.contact if account else ""
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO notifications (audience, account_id, recipient, subject, text, created_at) "
                "VALUES (:aud, :acc, :rcp, :s, :t, :now)",
                {
                    "aud": audience,
                    "acc": account_id,
                    "rcp": recipient,
                    "s": subject,
                    "t": text,
                    "now": dt.datetime.now(dt.UTC),
                },
            )

    def send_mail(self, account_id: int, to: str, subject: str, body: str) -> None:
        self.mailer.send_direct(account_id, to, subject, body)

    def release_held_mail(self, account_id: int, *, limit: int | None = None, code: str | None = None) -> int:
        return self.mailer.release_held(account_id, limit=limit, code=code)
