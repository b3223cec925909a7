"""The devhost's screens: a stand-in for cmxOrganize's UI, with its URL scheme (/App%20E-Mailkonto/...).

Flask serves the pages; Flask-WTF's CSRFProtect checks a token on every POST (the host's and the plugins').
Plugin routes are mounted from ``cmx_routes``; green fields and method buttons come from the hooks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
import secrets
from functools import wraps
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from cmx_hostapi import Download, Page, Redirect, Request, Route, User
from flask import Flask, abort, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup, escape
from marshmallow import ValidationError
from werkzeug.security import check_password_hash

from . import logs
from .forms import (
    ENCRYPTIONS,
    GenericInterfaceSchema,
    GenericSettingSchema,
    InterfaceBaseSchema,
    LoginSchema,
    MailAccountSchema,
    SettingNameSchema,
    field_errors,
)
from .instance import Instance
from .mailer import BERLIN
from .services import app_path

log = logging.getLogger(__name__)

APPS = {
    "E-Mailkonten": "App E-Mailkonto",
    "Schnittstellen": "App Schnittstellen",
    "Einstellungen": "App Einstellungen",
    "Warteschlange": "App Warteschlange",
    "Benachrichtigungen": "App Benachrichtigungen",
}


def create_app(instance: Instance) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=instance.config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Lax: the browser's return from Microsoft (a top-level GET) keeps the session
        SESSION_COOKIE_SECURE=instance.config.public_base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["cmx"] = instance
    CSRFProtect(app)
    logs.install()
    app.jinja_env.globals.update(apps=APPS, quote=quote, app_path=app_path)
    app.jinja_env.filters["links"] = linkify
    # Pages show local time, as cmxOrganize does (the database keeps UTC).
    app.jinja_env.filters["local"] = lambda value: (
        value.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y %H:%M") if value else "–"
    )

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template(
            "message.html",
            title="Sitzung abgelaufen",
            text="Das Formular war veraltet oder unvollständig (Sicherheitsmerkmal fehlt). Bitte die "
            "Seite neu laden und es noch einmal versuchen.",
        ), 400

    @app.errorhandler(404)
    def not_found(error):
        return render_template("message.html", title="Nicht gefunden", text="Diese Seite gibt es nicht."), 404

    # cmxOrganize speaks German on every page, its error pages included (Werkzeug's are English).
    @app.errorhandler(403)
    def forbidden(error):
        return render_template(
            "message.html",
            title="Keine Berechtigung",
            text="Diese Seite ist den Admins von cmxOrganize vorbehalten.",
        ), 403

    @app.errorhandler(405)
    def wrong_method(error):
        return render_template(
            "message.html",
            title="Nur über eine Schaltfläche",
            text="Diese Adresse wird nur über eine Schaltfläche aufgerufen, nicht direkt. Bitte zurückgehen und die "
            "Schaltfläche auf der Seite verwenden.",
        ), 405

    @app.errorhandler(500)
    def server_error(error):
        return render_template(
            "message.html",
            title="Interner Fehler",
            text="Bei der Bearbeitung ist ein Fehler aufgetreten; er wurde protokolliert. Bitte die Seite neu laden; "
            "bleibt es, den cmxKonzepte-Support verständigen.",
        ), 500

    @app.before_request
    def load_user():
        g.user = None
        user_id = session.get("user_id")
        if user_id is not None:
            with instance.db.transaction() as tx:
                row = tx.execute(
                    "SELECT id, login, display_name, is_admin FROM users WHERE id = :id", {"id": user_id}
                ).fetchone()
            if row:
                g.user = User(
                    id=row["id"], login=row["login"], display_name=row["display_name"], is_admin=bool(row["is_admin"])
                )

    _auth_views(app, instance)
    _interface_views(app, instance)
    _setting_views(app, instance)
    _mail_account_views(app, instance)
    _misc_views(app, instance)
    for route in instance.routes:
        _mount_route(app, instance, route)
    return app


_URL = re.compile(r"https?://[^\s<>\"„“”()]+[^\s<>\"„“”().,;:!?)]")


def linkify(text) -> Markup:
    """A message's web addresses as links; everything else escaped (``format`` escapes the address too)."""
    text, parts, last = str(text), [], 0
    for found in _URL.finditer(text):
        parts += [escape(text[last : found.start()]), Markup('<a href="{0}">{0}</a>').format(found.group(0))]
        last = found.end()
    return Markup("").join([*parts, escape(text[last:])])


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper


def local_path(target: str) -> str:
    """``target`` if it is a path on this host, else "/": no redirect to elsewhere (//evil, /\\evil, https://…)."""
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch.isspace() or ord(ch) < 32 for ch in target):  # browsers drop tabs and newlines: "/\t/evil" is "//evil"
        return "/"
    return target


def host_request() -> Request:
    """The plugin's view of the current request."""
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    return Request(
        method=request.method,
        args=dict(request.args.items()),
        form=form,
        base_url=request.host_url.rstrip("/"),
        session_id=session["sid"],
        user=g.user,
    )


def flash_all(messages) -> None:
    for message in messages:
        flash(message.text, message.level)


def green_field(instance: Instance, form: str, record_id: int | None) -> list:
    results = instance.pm.hook.cmx_green_field(
        form=form, record_id=record_id, host=instance.host, request=host_request()
    )
    return [item for items in results for item in items]


# -- sign-in -------------------------------------------------------------------------------------------------------


def _auth_views(app: Flask, instance: Instance) -> None:
    @app.route("/anmelden", methods=["GET", "POST"])
    def login():
        errors = {}
        if request.method == "POST":
            try:
                data = LoginSchema().load(request.form)
            except ValidationError as error:
                errors = field_errors(error)
            else:
                with instance.db.transaction() as tx:
                    row = tx.execute(
                        "SELECT id, password_hash FROM users WHERE login = :l", {"l": data["login"]}
                    ).fetchone()
                if row and check_password_hash(row["password_hash"], data["password"]):
                    session.clear()
                    session["user_id"] = row["id"]
                    session["sid"] = secrets.token_urlsafe(32)
                    return redirect(local_path(request.args.get("next", "")))
                errors = {"password": "Benutzername oder Passwort ist falsch."}
        return render_template("login.html", errors=errors), (400 if errors else 200)

    @app.route("/abmelden", methods=["POST"])
    def logout():
        session.clear()
        return redirect(url_for("login"))


# -- Schnittstellen ------------------------------------------------------------------------------------------------


def _interface_views(app: Flask, instance: Instance) -> None:
    def load_interface(data: dict, record_id: int | None) -> tuple[dict, dict]:
        """Validate an interface form; returns (values to store, errors by field)."""
        errors: dict[str, str] = {}
        try:
            base = InterfaceBaseSchema().load(data)
        except ValidationError as error:
            return {}, field_errors(error)
        if base["type"] not in instance.all_interface_types():
            return {}, {"type": "Diesen Typ gibt es nicht."}
        itype = instance.interface_types.get(base["type"])
        if itype and itype.unique:
            others = [i for i in instance.host.interfaces(itype.name) if i.id != record_id]
            if others:
                return {}, {
                    "type": f"Es gibt bereits eine Schnittstelle vom Typ „{itype.name}“ "
                    f"(„{others[0].name}“). Bitte diese bearbeiten statt eine zweite anzulegen: "
                    f"{instance.host.record_url('Schnittstelle', others[0].id)}"
                }
        schema = itype.schema() if itype else GenericInterfaceSchema()
        try:
            values = schema.load({"username": data.get("username", ""), "password": data.get("password", "")})
            if itype and itype.check:
                itype.check(values, instance.host)
        except ValidationError as error:
            errors = field_errors(error)
            return {}, errors
        return {**base, "username": values["username"], "password": values["password"]}, {}

    @app.route("/App Schnittstellen/")
    @login_required
    def interfaces():
        with instance.db.transaction() as tx:
            rows = tx.execute("SELECT id, type, name, username, updated_at FROM interfaces ORDER BY id").fetchall()
        return render_template("interfaces.html", rows=rows)

    @app.route("/App Schnittstellen/neu", methods=["GET", "POST"])
    @app.route("/App Schnittstellen/<int:record_id>", methods=["GET", "POST"])
    @login_required
    def interface(record_id: int | None = None):
        record = None
        if record_id is not None:
            with instance.db.transaction() as tx:
                record = tx.execute("SELECT * FROM interfaces WHERE id = :id", {"id": record_id}).fetchone()
            if record is None:
                abort(404)
        errors, data = {}, dict(record or {"type": request.args.get("type", "")})
        allowed = g.user.is_admin if record_id is None else instance.host.may_change(g.user, "Schnittstelle", record_id)
        if request.method == "POST" and not allowed:
            abort(403)
        if request.method == "POST":
            data = {k: request.form.get(k, "") for k in ("name", "type", "username", "password")}
            if record is not None and not data["password"]:
                data["password"] = record["password"]  # an empty password field keeps the stored one
            values, errors = load_interface(data, record_id)
            if not errors:
                errors = record_saving(instance, "Schnittstelle", record_id, values)
            if not errors:
                now = dt.datetime.now(dt.UTC)
                with instance.db.transaction() as tx:
                    if record is None:
                        record_id = tx.execute(
                            "INSERT INTO interfaces (type, name, username, password, updated_at) "
                            "VALUES (:type, :name, :username, :password, :now) RETURNING id",
                            {**values, "now": now},
                        ).fetchone()["id"]
                    else:
                        tx.execute(
                            "UPDATE interfaces SET type = :type, name = :name, username = :username, "
                            "password = :password, updated_at = :now WHERE id = :id",
                            {**values, "now": now, "id": record_id},
                        )
                flash("Schnittstelle gespeichert.", "success")
                record_saved(instance, "Schnittstelle", record_id, created=record is None)
                return redirect(app_path("Schnittstelle", record_id))
            if "" not in errors:
                flash("Nicht gespeichert: bitte die markierten Felder korrigieren.", "error")
            hide_secrets(data, ("username", "password"), instance.interface_types.get(data.get("type", "")))
        itype = instance.interface_types.get(data.get("type", ""))
        return render_template(
            "interface.html",
            record=record,
            data=data,
            errors=errors,
            types=instance.all_interface_types(),
            itype=itype,
            interface_types=instance.interface_types,
            type_texts={
                name: {"help": t.help, "username": t.username_label, "password": t.password_label}
                for name, t in instance.interface_types.items()
            },
            green=green_field(instance, "Schnittstelle", record_id),
            allowed=allowed,
            delete_question=delete_question(instance, "Schnittstelle", record_id),
        ), (400 if errors else 200)

    @app.route("/App Schnittstellen/<int:record_id>/loeschen", methods=["POST"])
    @login_required
    def interface_delete(record_id: int):
        if not instance.host.may_change(g.user, "Schnittstelle", record_id):
            abort(403)
        return delete_record(instance, "Schnittstelle", "interfaces", record_id)


# -- Applikation Einstellungen -------------------------------------------------------------------------------------

SETTINGS_APP = "Einstellungen"


def _setting_views(app: Flask, instance: Instance) -> None:
    def declared(name: str):
        return instance.setting_types.get((SETTINGS_APP, name))

    def load_value(name: str, raw: str) -> tuple[str | None, str | None]:
        stype = declared(name)
        try:
            value = (stype.schema() if stype else GenericSettingSchema()).load({"value": raw})["value"]
            if stype and stype.check:
                stype.check({"value": value}, instance.host)
        except ValidationError as error:
            return None, field_errors(error).get("value") or next(iter(field_errors(error).values()))
        return value, None

    def store_setting(instance: Instance, record_id: int | None, name: str, value: str) -> int:
        with instance.db.transaction() as tx:
            if record_id is None:
                return tx.execute(
                    "INSERT INTO settings (app, name, value) VALUES (:a, :n, :v) RETURNING id",
                    {"a": SETTINGS_APP, "n": name, "v": value},
                ).fetchone()["id"]
            tx.execute("UPDATE settings SET value = :v WHERE id = :id", {"v": value, "id": record_id})
            return record_id

    @app.route("/App Einstellungen/")
    @login_required
    def settings():
        with instance.db.transaction() as tx:
            rows = tx.execute(
                "SELECT id, name, value FROM settings WHERE app = :a ORDER BY name", {"a": SETTINGS_APP}
            ).fetchall()
        present = {r["name"] for r in rows}
        offered = [
            s
            for (app_name, name), s in sorted(instance.setting_types.items())
            if app_name == SETTINGS_APP and name not in present
        ]
        return render_template("settings.html", rows=rows, offered=offered, setting_types=instance.setting_types)

    @app.route("/App Einstellungen/neu", methods=["GET", "POST"])
    @app.route("/App Einstellungen/<int:record_id>", methods=["GET", "POST"])
    @login_required
    def setting(record_id: int | None = None):
        record = None
        if record_id is not None:
            with instance.db.transaction() as tx:
                record = tx.execute(
                    "SELECT * FROM settings WHERE id = :id AND app = :a", {"id": record_id, "a": SETTINGS_APP}
                ).fetchone()
            if record is None:
                abort(404)
        errors: dict[str, str] = {}
        data = dict(record or {"name": request.args.get("name", ""), "value": ""})
        if request.method == "POST":
            data = {
                "name": record["name"] if record else request.form.get("name", ""),
                "value": request.form.get("value", ""),
            }
            try:
                name = SettingNameSchema().load({"name": data["name"]})["name"]
            except ValidationError as error:
                errors = field_errors(error)
            else:
                if record is None and instance.host.setting(SETTINGS_APP, name) is not None:
                    errors["name"] = f"Die Einstellung „{name}“ gibt es schon; bitte diese bearbeiten."
                else:
                    value, problem = load_value(name, data["value"])
                    if problem:
                        errors["value"] = problem
                    else:
                        record_id = store_setting(instance, record_id, name, value)
            if not errors:
                flash("Einstellung gespeichert.", "success")
                record_saved(instance, "Einstellung", record_id, created=record is None)
                return redirect(app_path("Einstellung"))
            flash("Nicht gespeichert: bitte die markierten Felder korrigieren.", "error")
            hide_secrets(data, ("value",), declared(data.get("name", "")))
        return render_template(
            "setting.html", record=record, data=data, errors=errors, stype=declared(data.get("name", ""))
        ), (400 if errors else 200)


# -- E-Mailkonten --------------------------------------------------------------------------------------------------


def _mail_account_views(app: Flask, instance: Instance) -> None:
    @app.route("/App E-Mailkonto/")
    @login_required
    def mail_accounts():
        with instance.db.transaction() as tx:
            rows = tx.execute(
                "SELECT id, contact, address, username, smtp_host FROM mail_accounts ORDER BY id"
            ).fetchall()
            queue = {
                r["account_id"]: r
                for r in tx.execute(
                    "SELECT account_id, sum(CASE WHEN status = 'queued' THEN 1 ELSE 0 END) AS queued, "
                    "sum(CASE WHEN status = 'held' THEN 1 ELSE 0 END) AS held FROM mail_queue GROUP BY account_id"
                ).fetchall()
            }
        return render_template("mail_accounts.html", rows=rows, queue=queue)

    @app.route("/App E-Mailkonto/neu", methods=["GET", "POST"])
    @app.route("/App E-Mailkonto/<int:record_id>", methods=["GET", "POST"])
    @login_required
    def mail_account(record_id: int | None = None):
        record = None
        if record_id is not None:
            account = instance.host.mail_account(record_id)
            if account is None:
                abort(404)
            record = dataclasses.asdict(account)
        errors: dict[str, str] = {}
        data = dict(record or {"smtp_port": 587, "encryption": "STARTTLS"})
        if request.method == "POST":
            data = {
                k: request.form.get(k, "")
                for k in ("contact", "address", "username", "smtp_host", "smtp_port", "encryption", "password")
            }
            if record is not None and not data["password"]:
                data["password"] = record["password"]
            try:
                values = MailAccountSchema().load(data)
            except ValidationError as error:
                errors = field_errors(error)
                flash("Nicht gespeichert: bitte die markierten Felder korrigieren.", "error")
            else:
                errors = record_saving(instance, "E-Mailkonto", record_id, values)
            if not errors:
                with instance.db.transaction() as tx:
                    if record is None:
                        record_id = tx.execute(
                            "INSERT INTO mail_accounts (contact, address, username, smtp_host, smtp_port, encryption, "
                            "password) VALUES (:contact, :address, :username, :smtp_host, :smtp_port, :encryption, "
                            ":password) RETURNING id",
                            values,
                        ).fetchone()["id"]
                if record is not None:
                    instance.host.update_mail_account(record_id, **values)
                    instance.mailer.release_held(record_id)  # a person changed the account: try held mail again
                flash("E-Mailkonto gespeichert.", "success")
                record_saved(instance, "E-Mailkonto", record_id, created=record is None)
                return redirect(app_path("E-Mailkonto", record_id))
        with instance.db.transaction() as tx:
            queue = tx.execute(
                "SELECT status, count(*) AS n, max(last_error) AS last_error, max(last_error_code) AS code "
                "FROM mail_queue WHERE account_id = :a "
                "AND status IN ('queued', 'held') GROUP BY status",
                {"a": record_id or 0},
            ).fetchall()
        return render_template(
            "mail_account.html",
            record=record,
            data=data,
            errors=errors,
            encryptions=ENCRYPTIONS,
            green=green_field(instance, "E-Mailkonto", record_id),
            methods=instance.methods_for("E-Mailkonto"),
            queue=queue,
        ), (400 if errors else 200)

    @app.route("/App E-Mailkonto/<int:record_id>/methode", methods=["POST"])
    @login_required
    def mail_account_method(record_id: int):
        return run_method(instance, "E-Mailkonto", record_id)

    @app.route("/App E-Mailkonto/<int:record_id>/loeschen", methods=["POST"])
    @login_required
    def mail_account_delete(record_id: int):
        return delete_record(instance, "E-Mailkonto", "mail_accounts", record_id)


def hide_secrets(data: dict, names: tuple[str, ...], declared_type) -> None:
    """Empty every field whose typed value the plugin calls secret-shaped (host API 1.2), before the form is shown
    again with its errors: such a value is never written into a page."""
    shaped = getattr(declared_type, "secret_shaped", None)
    for name in names:
        if shaped and data.get(name) and shaped(str(data[name])):
            data[name] = ""


def delete_question(instance: Instance, form: str, record_id: int | None) -> str:
    """The confirmation before deleting: the host's question and what the plugins say stops (host API 1.9)."""
    if record_id is None:
        return ""
    warnings = instance.pm.hook.cmx_delete_warning(form=form, record_id=record_id, host=instance.host)
    return " ".join([f"{form} wirklich löschen?", *(w for w in warnings if w)])


def delete_record(instance: Instance, form: str, table: str, record_id: int):
    """Delete a record, then let the plugins clean up what belongs to it (cmx_record_deleted)."""
    with instance.db.transaction() as tx:
        tx.execute(f"DELETE FROM {table} WHERE id = :id", {"id": record_id})  # noqa: S608 - table is ours, fixed
    results = instance.pm.hook.cmx_record_deleted(form=form, record_id=record_id, host=instance.host)
    flash(f"{form} gelöscht.", "success")
    flash_all(message for messages in results if messages for message in messages)
    return redirect(app_path(form))


def record_saving(instance: Instance, form: str, record_id: int | None, values: dict) -> dict[str, str]:
    """Host API 1.9: every plugin may refuse the save; their messages by field ("" above the form, flashed here)."""
    errors: dict[str, str] = {}
    answers = instance.pm.hook.cmx_record_saving(
        form=form, record_id=record_id, values=dict(values), host=instance.host, request=host_request()
    )
    for answer in answers:
        for field, text in (answer or {}).items():
            errors[field] = f"{errors[field]} {text}" if field in errors else text
    if "" in errors:
        flash("Nicht gespeichert: " + errors[""], "error")
    elif errors:
        flash("Nicht gespeichert: bitte die markierten Felder korrigieren.", "error")
    return errors


def record_saved(instance: Instance, form: str, record_id: int, *, created: bool) -> None:
    results = instance.pm.hook.cmx_record_saved(
        form=form, record_id=record_id, created=created, host=instance.host, request=host_request()
    )
    flash_all(message for messages in results for message in messages)


def run_method(instance: Instance, form: str, record_id: int):
    name = request.form.get("method", "")
    method = next((m for m in instance.methods_for(form) if m.name == name), None)
    if method is None:
        flash(f"Die Methode „{name}“ gibt es hier nicht.", "error")
    else:
        if form == "E-Mailkonto":
            instance.mailer.release_held(record_id)
        flash_all(method.handler(record_id, instance.host, host_request()))
    return redirect(app_path(form, record_id))


# -- queue, notifications, search ----------------------------------------------------------------------------------


def _misc_views(app: Flask, instance: Instance) -> None:
    @app.route("/")
    @login_required
    def home():
        # Host API 1.9: what the plugins said about the instance at its start, for the admins who run it.
        return render_template("home.html", start_messages=instance.start_messages if g.user.is_admin else [])

    @app.route("/suche")
    @login_required
    def search():
        q = request.args.get("q", "").strip().lower()
        for label, path in APPS.items():
            if q and (q in label.lower() or q in path.lower()):
                return redirect("/" + quote(path) + "/")
        flash(f"Nichts gefunden für „{request.args.get('q', '')}“.", "warning")
        return redirect("/")

    @app.route("/App Warteschlange/", methods=["GET", "POST"])
    @login_required
    def queue():
        if request.method == "POST":
            counts = instance.mailer.run_queue()
            flash(
                f"Warteschlange bearbeitet: {counts['sent']} gesendet, {counts['retry']} später erneut, "
                f"{counts['held']} angehalten. {_still_open(instance.mailer.open_mail())}",
                "info",
            )
            return redirect("/" + quote(APPS["Warteschlange"]) + "/")
        with instance.db.transaction() as tx:
            rows = tx.execute(
                "SELECT q.*, a.address FROM mail_queue q LEFT JOIN mail_accounts a ON a.id = q.account_id "
                "ORDER BY q.id DESC LIMIT 200"
            ).fetchall()
        return render_template("queue.html", rows=rows, mailboxes=_mailboxes(instance.mailer.open_mail()))

    def _still_open(open_mail: list[dict]) -> str:
        """What is left after a run, so that "0 gesendet" never hides mail: waiting (when next) and held (why)."""
        waiting = sum(m["waiting"] for m in open_mail)
        held = sum(m["held"] for m in open_mail)
        if not waiting and not held:
            return "Keine Mails mehr offen."
        parts = []
        if waiting:
            first = min(m["next"] for m in open_mail if m["next"] is not None)
            parts.append(f"{waiting} warten (nächster Versuch {first.astimezone(BERLIN):%d.%m.%Y %H:%M} Uhr)")
        if held:
            reasons = ", ".join(sorted({r for m in open_mail for r in m["reasons"]})) or "ohne Angabe"
            parts.append(f"{held} sind angehalten ({reasons}); Näheres in der Warteschlange")
        return "Offen: " + "; ".join(parts) + "."

    def _mailboxes(open_mail: list[dict]) -> list[dict]:
        """Per account with waiting or held mail: how many, when the next may go, why mail is held, and what its
        plugin says of its budget and its held mail (host API 1.6, ``cmx_budget``)."""
        boxes = []
        for row in open_mail:
            account = instance.host.mail_account(row["account_id"])
            if account is None:
                continue
            budget = instance.pm.hook.cmx_budget(account=account, host=instance.host)
            boxes.append({**row, "address": account.address, "budget": budget})
        return boxes

    @app.route("/App Benachrichtigungen/")
    @login_required
    def notifications():
        with instance.db.transaction() as tx:
            rows = tx.execute("SELECT * FROM notifications ORDER BY id DESC LIMIT 200").fetchall()
        return render_template("notifications.html", rows=rows)


# -- plugin routes -------------------------------------------------------------------------------------------------


def _mount_route(app: Flask, instance: Instance, route: Route) -> None:
    endpoint = "plugin_" + hashlib.sha1(route.path.encode()).hexdigest()[:12]  # noqa: S324 - a name, not security

    @login_required
    def view():
        if route.admin_only and not g.user.is_admin:
            abort(403)
        result = route.handler(host_request(), instance.host)
        flash_all(result.messages)
        if isinstance(result, Redirect):
            return redirect(result.location)
        if isinstance(result, Page):
            return render_template("plugin_page.html", page=result), result.status
        if isinstance(result, Download):
            response = make_response(result.body)
            response.headers["Content-Type"] = result.content_type
            response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response
        raise TypeError(f"route {route.path} returned {type(result).__name__}, not Redirect, Page or Download")

    app.add_url_rule("/" + route.path, endpoint=endpoint, view_func=view, methods=list(route.methods))
