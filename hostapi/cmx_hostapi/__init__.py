"""The cmxOrganize host API: everything a plugin may rely on, and everything a host must provide.

This one module is the contract between cmxOrganize (the host) and its plugins. A host developer implements
it by

1. registering the hook specifications below with ``pm.add_hookspecs(cmx_hostapi)`` on a
   ``pluggy.PluginManager("cmxorganize")``,
2. calling the hooks at the moments their docstrings name, and
3. passing an object that satisfies the :class:`Host` protocol wherever a hook takes ``host``.

A plugin implements hooks with ``@hookimpl`` and uses nothing of the host but what reaches it through the
arguments. Value types that cross the boundary (what hooks return) are the frozen dataclasses in this module.

Versioning: :data:`HOST_API_VERSION` is ``MAJOR.MINOR``. A host adds hooks or optional fields in a minor
version; anything that changes or removes behaviour is a major version. A plugin declares the range it
supports in its ``plugin.toml`` (``host_api = ">=1.1,<2"``) and the host's loader refuses plugins whose range
does not contain the host's version. 1.1 added :class:`Input`, :func:`cmx_record_saved` and
:class:`InstanceHandle` (for command-line tools). 1.2 added :meth:`Host.may_change` (whether a user may change a
record; a plugin that runs on a 1.1 host must treat its absence as "admins only"),
:meth:`Host.old_secret_keys_unused` (a plugin tells the host that old keys are no longer needed), and
``secret_shaped`` on :class:`InterfaceType` and :class:`SettingType` (values the host must never show again).
1.3 added ``busy`` on :class:`Action` and :class:`Method` (what the person reads while the click's request runs).
1.4 added :func:`cmx_deliver` (a plugin may deliver a finished mail itself, e.g. over Microsoft Graph) and
``Input.type = "select"`` with ``options``. 1.5 added :class:`Download` (a route may answer with a file to save, e.g.
a certificate's public part). 1.6 added :func:`cmx_pace` with :class:`Pace` (the plugin says when an account's next
queued mail may go, for limits the mail server enforces per mailbox) and :func:`cmx_budget` with :class:`Budget`
(what the host's queue page shows per account). 1.7 added :func:`cmx_smtp_sent` (the server accepted a mail: "sent"
means the 250 after DATA, not a successful login), :func:`cmx_smtp_refused` (a refusal after authentication, with the
step it came at) and ``limit`` and ``code`` on :meth:`Host.release_held_mail` (one mail held for a problem, as a
probe). 1.8 added :meth:`Host.save_interface` and :meth:`Host.save_setting` (a plugin fills in what a one-step setup
brought back — the interface's Benutzername and an application setting — or removes a value it no longer uses, such
as an unused client secret; optional for a host). 1.9 added
:func:`cmx_record_saving` (a plugin may refuse a save before the host stores it: a user who may not change the record,
a change it must prove first), :func:`cmx_delete_warning` (what stops when a record is deleted, for the host's
confirmation), :func:`cmx_instance_started` (a plugin checks its per-instance options when the instance starts, not at
the first mail) and ``links`` on :class:`Facts` (rows that open a
record).
"""

from __future__ import annotations

import datetime as _dt
import smtplib
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import pluggy

HOST_API_VERSION = "1.9"
PROJECT_NAME = "cmxorganize"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# ---------------------------------------------------------------------------------------------------------------------
# Host services: what the host passes as ``host``
# ---------------------------------------------------------------------------------------------------------------------


class Result(Protocol):
    """What :meth:`Transaction.execute` returns."""

    rowcount: int
    """Rows changed by an INSERT/UPDATE/DELETE (as the DB-API defines it)."""

    def fetchone(self) -> Mapping[str, Any] | None:
        """The next row as a mapping of column name to value, or None."""

    def fetchall(self) -> list[Mapping[str, Any]]:
        """All remaining rows as mappings."""


class Transaction(Protocol):
    """One database transaction. Committed when the ``with`` block ends normally, rolled back on an exception."""

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Result:
        """Run one SQL statement.

        Parameters are named and written ``:name`` in the SQL, for every dialect; the host translates them for
        its driver. Values are ``str``, ``int``, ``bool``, ``bytes``, ``None`` or timezone-aware
        ``datetime.datetime`` (stored as UTC). Columns of type timestamp come back as aware UTC datetimes.
        """


class Database(Protocol):
    """The host's database. Plugins own the tables their migrations create and touch no other table."""

    dialect: Literal["sqlite", "postgresql"]
    """Which SQL dialect the statements must be written in (and which migrations folder the loader applied)."""

    def transaction(self, *, lock: bool = False) -> AbstractContextManager[Transaction]:
        """Open a transaction.

        ``lock=True`` asks for a transaction that may take row locks: on PostgreSQL ``SELECT ... FOR UPDATE``
        works inside it as usual; on SQLite the host begins it with ``BEGIN IMMEDIATE`` so that it holds the
        database's write lock from the start. Use it only for short read-modify-write sections, never around
        network calls.
        """


@dataclass(frozen=True)
class User:
    """The signed-in host user a request belongs to."""

    id: int
    login: str
    display_name: str
    is_admin: bool


@dataclass(frozen=True)
class Interface:
    """A record of the host's form "Schnittstelle" (interface)."""

    id: int
    type: str
    name: str
    username: str
    password: str
    updated_at: _dt.datetime | None = None


@dataclass(frozen=True)
class MailAccount:
    """A record of the host's form "E-Mailkonto". ``password`` is empty for accounts that a plugin authenticates."""

    id: int
    contact: str
    address: str
    username: str
    smtp_host: str
    smtp_port: int
    encryption: Literal["STARTTLS", "SSL/TLS", "keine"]
    password: str = ""


Audience = Literal["admins", "account_contact"]


class Host(Protocol):
    """The services of the host that plugins use. One object per instance; safe to use from any thread.

    Everything a plugin stores lives in :attr:`db`, so that any worker of any app server can handle any request.
    """

    db: Database
    """The instance's database (see :class:`Database`)."""

    public_base_url: str
    """The address users reach this instance at, e.g. ``https://www.kurse.example.de`` (no trailing slash)."""

    secret_keys: Sequence[bytes]
    """Key material for encrypting plugin data at rest: the current key first, older keys after it.

    At least 32 bytes each, random, the same on every worker and stable across restarts. To rotate, the host
    puts a new key first and keeps the old ones until every plugin has called :meth:`old_secret_keys_unused`
    (its periodic jobs re-encrypt and then call it; a plugin for host API 1.1 never calls it, so keep old keys
    for as long as such a plugin is enabled). While the workers change their key lists one after another, some
    still have the old list: plugins treat a value they cannot decrypt as that worker's problem, not the data's.
    """

    def plugin_config(self, plugin_id: str) -> Mapping[str, Any]:
        """The instance configuration's section for the plugin with this id (from its plugin.toml), or ``{}``.

        Operators put per-instance plugin options there, e.g. timeouts or, in development, where Microsoft is.
        """

    def setting(self, app: str, name: str) -> str | None:
        """The value of the application setting ``name`` in app ``app`` (e.g. "Einstellungen", "TenantID")."""

    def interfaces(self, type: str) -> list[Interface]:
        """All interfaces of the given type, oldest first."""

    def save_interface(self, type: str, *, name: str, **fields: str) -> int:
        """Set ``fields`` (``username``, ``password``) of the interface of ``type`` (a type with ``unique=True``) as
        the host's form would store them; fields not given keep their value. When there is none, create it with
        ``name`` and empty values for the fields not given. Returns its id (host API 1.8; optional: a plugin on an
        older host tells the person what to enter or change in the form)."""

    def save_setting(self, app: str, name: str, value: str) -> None:
        """Set the application setting ``name`` of app ``app``, creating it when missing (host API 1.8; optional)."""

    def mail_account(self, account_id: int) -> MailAccount | None:
        """The mail account with this id, or None when it does not exist (any more)."""

    def mail_accounts(self) -> list[MailAccount]:
        """All mail accounts of the instance, by id."""

    def update_mail_account(self, account_id: int, **fields: Any) -> None:
        """Change fields of a mail account (names as in :class:`MailAccount`)."""

    def old_secret_keys_unused(self, plugin_id: str) -> None:
        """The plugin ``plugin_id`` has nothing encrypted with any key but the first of :attr:`secret_keys` any more:
        as far as it is concerned, the host may drop the old keys (host API 1.2; optional for plugins to call)."""

    def may_change(self, user: User, form: str, record_id: int) -> bool:
        """Whether ``user`` may change the record ``record_id`` of ``form`` — the same rules the host applies to its
        own form (host API 1.2).

        Plugins ask before every change they make on a person's behalf (their routes and methods do not inherit the
        form's rules from the host). cmxOrganize answers True for admins and, for an "E-Mailkonto", for the person
        who is the account's contact.
        """

    def record_url(self, form: str, record_id: int) -> str:
        """The absolute URL of a record's page, e.g. ``record_url("E-Mailkonto", 7)``."""

    def route_url(self, path: str, **query: str) -> str:
        """The absolute URL of a route a plugin registered (``path`` as in :class:`Route`), with a query string."""

    def notify(self, audience: Audience, subject: str, text: str, *, account_id: int | None = None) -> None:
        """Tell people something in the host's notification centre (and, if configured there, by mail).

        ``audience`` is ``"admins"`` (every host admin) or ``"account_contact"`` (the contact of the mail account
        ``account_id``). Texts are German and contain no secrets.
        """

    def send_mail(self, account_id: int, to: str, subject: str, body: str) -> None:
        """Send one mail now through the account, the same way the host sends every mail.

        The host's mailer opens the SMTP connection, calls :func:`cmx_smtp_authenticate`, and sends. Raises
        :class:`MailError` (or a subclass) when it was not sent; the mail is then *not* queued. Since 1.6 it asks
        :func:`cmx_pace` first, like the queue: the mail counts against the account's limits, and when the account
        must wait, the host waits a few seconds at most — longer, it raises a :class:`TemporaryMailError` saying
        until when (someone is waiting for this mail; it is not queued).
        """

    def release_held_mail(self, account_id: int, *, limit: int | None = None, code: str | None = None) -> int:
        """Mark the account's held mails (see :class:`PermanentMailError`) as due now; the host sends them with its next
        queue run. Returns how many of the account's mails are waiting to be sent now (released ones included).

        Since host API 1.7: ``code`` releases only the mails held with a :class:`MailError` of that ``code``, and
        ``limit`` only the oldest ``limit`` of them — a plugin lets one mail held for a problem try whether its cause is
        gone (a probe) before it releases the rest. A 1.6 host has neither and releases all.
        """


@dataclass(frozen=True)
class PluginStatus:
    """What the host knows about a plugin in an instance (host API 1.1)."""

    enabled: bool
    """The instance's configuration lists the plugin."""
    applied_migrations: tuple[str, ...]
    """File names of the plugin's migrations recorded as applied in this instance's database."""
    dialect: str


class InstanceHandle(Protocol):
    """An instance opened by a command-line tool, without serving requests (host API 1.1).

    Hosts provide a factory ``open_instance(config_path: str) -> InstanceHandle`` so that plugin commands (e.g.
    ``cmx-m365 doctor``) can work on an instance; it applies no migrations and starts no jobs.
    """

    host: Host

    def plugin_status(self, plugin_id: str) -> PluginStatus:
        """Whether the plugin is enabled and which of its migrations the database has."""

    def close(self) -> None:
        """Release the database connections."""


# ---------------------------------------------------------------------------------------------------------------------
# Errors a plugin raises while the host sends mail
# ---------------------------------------------------------------------------------------------------------------------


class MailError(Exception):
    """A mail could not be sent. ``str(error)`` is a German text for people: cause and what to do, no secrets.

    ``code`` keeps the technical code for support (e.g. ``"535 5.7.139"`` or ``"AADSTS50173"``).
    The subclass says what the host must do with the mail; any *other* exception from a hook is a bug in the
    plugin: the host logs it with its traceback and keeps the mail queued as for a :class:`TemporaryMailError`.
    """

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.code = code


class TemporaryMailError(MailError):
    """Try again later (network trouble, throttling, a server's 4xx). The host keeps the mail and retries it."""

    retry_after: float | None = None

    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentMailError(MailError):
    """A person must change something (configuration, rights) first. The host holds the mail and shows the text.

    Held mails are retried when a person changes the account or runs a test, or when the plugin calls
    :meth:`Host.release_held_mail`.
    """


class SignInRequired(PermanentMailError):
    """The account's authorization is gone (revoked, expired); someone must sign in again. Mail is held."""


# ---------------------------------------------------------------------------------------------------------------------
# Value types that hooks return
# ---------------------------------------------------------------------------------------------------------------------

Check = Callable[[Mapping[str, Any], "Host"], None]
"""An online check: gets the values the schema loaded and the host; raises ``marshmallow.ValidationError``
(messages per field, German) to refuse the values. Called after the schema accepted the input, before the host
stores anything."""


@dataclass(frozen=True)
class InterfaceType:
    """A type of "Schnittstelle" that a plugin adds to the host's type list."""

    name: str
    """The type's name as users see it in the list, e.g. "Azure"."""
    username_label: str
    """Label of the field *Benutzername* for this type."""
    password_label: str
    """Label of the field *Passwort* for this type."""
    schema: type
    """A ``marshmallow.Schema`` subclass that loads ``{"username": ..., "password": ...}`` (and rejects bad input
    with German messages keyed by those field names). The loaded values are what the host stores."""
    help: str = ""
    """A short German text shown above the form."""
    unique: bool = False
    """True: the instance may hold at most one interface of this type; the host refuses a second one."""
    check: Check | None = None
    """Optional online check (see :data:`Check`)."""
    secret_shaped: Callable[[str], bool] | None = None
    """Optional (host API 1.2): True for a typed value that looks like a secret. The host never shows such a value
    again — a field that received one is left empty when the form comes back with errors (a secret pasted into
    Benutzername must not stand on a page in plain text)."""


@dataclass(frozen=True)
class SettingType:
    """An application setting that a plugin declares, so that users can add it in app ``app``."""

    app: str
    """The application the setting belongs to, e.g. "Einstellungen"."""
    name: str
    """The setting's name, e.g. "TenantID"."""
    label: str
    """What the value is, in German, e.g. "Verzeichnis-ID (Mandant)"."""
    schema: type
    """A ``marshmallow.Schema`` subclass that loads ``{"value": ...}``; errors are keyed ``"value"``."""
    help: str = ""
    check: Check | None = None
    secret_shaped: Callable[[str], bool] | None = None
    """Optional (host API 1.2): as :attr:`InterfaceType.secret_shaped`."""


@dataclass(frozen=True)
class Message:
    """A message for the user, shown once (flash). ``level`` is one of success, info, warning, error."""

    level: Literal["success", "info", "warning", "error"]
    text: str


@dataclass(frozen=True)
class Note:
    """Green field: a paragraph of text."""

    text: str
    level: Literal["info", "success", "warning", "error"] = "info"


@dataclass(frozen=True)
class Facts:
    """Green field: a small table of label/value rows (e.g. "Angemeldet als")."""

    rows: tuple[tuple[str, str], ...]
    links: tuple[str, ...] = ()
    """Host API 1.9: per row, a URL its label links to ("" for none; e.g. an overview's row to its record). A host
    before 1.9 shows the labels as text. Hosts show web addresses inside texts (messages, notes, values) as links."""


@dataclass(frozen=True)
class CopyValue:
    """Green field: a value the user must copy exactly (shown in a read-only field with a copy button; a value with
    line breaks, such as a command for a shell, in a multi-line field that keeps them)."""

    label: str
    value: str
    hint: str = ""


@dataclass(frozen=True)
class Input:
    """A field the user fills in before clicking an :class:`Action` (host API 1.1).

    ``type="select"`` (since 1.4) offers ``options`` — (value, label) pairs — with ``value`` preselected; a host
    without it shows a text field, and the plugin's schema refuses anything but the options' values."""

    name: str
    label: str
    type: Literal["text", "date", "select"] = "text"
    value: str = ""
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Action:
    """Green field: a button. ``url`` is a plugin route (see :func:`cmx_routes`).

    For ``method="POST"`` the host renders a form with its CSRF token, the ``fields`` as hidden inputs and the
    ``inputs`` (since 1.1) as visible ones. ``confirm`` is a question the browser asks before submitting.
    ``busy`` (since 1.3) is what the host shows, with the button disabled, from the click until the answer arrives
    (e.g. "Verbindung zu Microsoft wird hergestellt …"); a host without it shows the browser's own progress.
    """

    label: str
    url: str
    method: Literal["GET", "POST"] = "POST"
    fields: tuple[tuple[str, str], ...] = ()
    primary: bool = False
    confirm: str | None = None
    inputs: tuple[Input, ...] = ()
    busy: str = ""


GreenFieldItem = Note | Facts | CopyValue | Action


@dataclass(frozen=True)
class Request:
    """What a route handler gets of the HTTP request."""

    method: Literal["GET", "POST"]
    args: Mapping[str, str]
    """Query string parameters (first value of each)."""
    form: Mapping[str, str]
    """Form fields of a POST (the host has already checked its CSRF token)."""
    base_url: str
    """Scheme and host the browser used for this request, e.g. ``https://kurse.example.de`` (no trailing slash)."""
    session_id: str
    """An opaque, stable identifier of the user's host session (not the session cookie itself)."""
    user: User


@dataclass(frozen=True)
class Redirect:
    """Route result: send the browser to ``location`` and show ``messages`` there."""

    location: str
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Page:
    """Route result: a page of the host's layout with a title and green-field-style items."""

    title: str
    items: tuple[GreenFieldItem, ...] = ()
    messages: tuple[Message, ...] = ()
    status: int = 200


@dataclass(frozen=True)
class Download:
    """Route result (since 1.5): a file the browser saves under ``filename`` (``Content-Disposition: attachment``).
    Only for what may be shown to the user anyway (e.g. a certificate's public part), never a secret. A plugin that
    runs on an older host checks ``hasattr(cmx_hostapi, "Download")`` and answers with a :class:`Page` instead."""

    filename: str
    content_type: str
    body: bytes
    messages: tuple[Message, ...] = ()


Response = Redirect | Page | Download


@dataclass(frozen=True)
class Route:
    """A URL a plugin serves, below the host's root. ``path`` is unencoded: "App E-Mailkonto/continue_oauth" is
    reached at ``/App%20E-Mailkonto/continue_oauth``. Only signed-in users reach it; POSTs carry the host's CSRF
    token (the host refuses them otherwise)."""

    path: str
    handler: Callable[[Request, Host], Response]
    methods: tuple[Literal["GET", "POST"], ...] = ("GET",)
    admin_only: bool = False


@dataclass(frozen=True)
class Method:
    """A method button on a record's page, e.g. "E-Mailkonto testen" on "E-Mailkonto".

    The host runs ``handler(record_id, host, request)`` when the user clicks it and shows the returned messages.
    ``busy`` (since 1.3): as :attr:`Action.busy`.
    """

    form: str
    name: str
    handler: Callable[[int, Host, Request], Sequence[Message]]
    description: str = ""
    busy: str = ""


@dataclass(frozen=True)
class PeriodicJob:
    """Work the host runs regularly. ``run(host, now)`` must be idempotent: it may run on several workers, late,
    or twice; it keeps its own bookkeeping in the database."""

    name: str
    interval: _dt.timedelta
    run: Callable[[Host, _dt.datetime], None]


def _nothing(sent: bool) -> None:
    """The default :attr:`Pace.done`: nothing to give back."""


@dataclass(frozen=True)
class Pace:
    """:func:`cmx_pace`'s answer (host API 1.6).

    ``wait_until`` None: send the mail now, then call ``done(sent)`` once the attempt is over, whatever its outcome
    (``sent`` True when the server accepted the mail); the plugin frees what it reserved for it. ``wait_until`` a
    time: do not try now — keep the mail queued exactly as it is (no attempt counted, no error recorded, not failed)
    and ask again at that time. ``reason`` says why in German, for the queue page."""

    wait_until: _dt.datetime | None = None
    reason: str = ""
    done: Callable[[bool], None] = _nothing


@dataclass(frozen=True)
class Budget:
    """:func:`cmx_budget`'s answer (host API 1.6): what an account may still send, for the host's queue page.
    ``rows`` are (label, value) pairs in German, e.g. ("Empfänger in 24 Stunden", "2.340 von 10.000");
    ``paused_until`` is set while the account's mail waits for a limit, ``reason`` says which."""

    rows: tuple[tuple[str, str], ...] = ()
    paused_until: _dt.datetime | None = None
    reason: str = ""


# ---------------------------------------------------------------------------------------------------------------------
# Hook specifications
# ---------------------------------------------------------------------------------------------------------------------


@hookspec
def cmx_interface_types() -> list[InterfaceType]:
    """Called once at host start. Return the interface types the plugin adds (see :class:`InterfaceType`).

    The host lists them in the type selection of "Schnittstellen", validates input with the type's schema,
    runs its ``check``, and refuses a second interface of a ``unique`` type.
    """


@hookspec
def cmx_settings() -> list[SettingType]:
    """Called once at host start. Return the application settings the plugin declares (see :class:`SettingType`).

    The host offers them when a user adds a setting to the app and validates their values with the schema and
    ``check``. Values of undeclared settings are stored as the host always does.
    """


@hookspec
def cmx_green_field(form: str, record_id: int | None, host: Host, request: Request) -> list[GreenFieldItem]:
    """Called each time the host renders the form ``form`` (e.g. "E-Mailkonto", "Schnittstelle") for a record.

    ``record_id`` is None for a record not yet saved. Return the items to show in the form's green field, in order
    (an empty list shows nothing). Every plugin's items are shown, one plugin after the other. Must be fast: no
    network calls, only the database.
    """


@hookspec
def cmx_routes() -> list[Route]:
    """Called once at host start. Return the routes the plugin serves (see :class:`Route`)."""


@hookspec
def cmx_methods() -> list[Method]:
    """Called once at host start. Return the record methods the plugin adds (see :class:`Method`)."""


@hookspec(firstresult=True)
def cmx_smtp_authenticate(account: MailAccount, smtp: smtplib.SMTP, host: Host) -> bool | None:
    """Called by the host's mailer for every SMTP connection it opens, after STARTTLS (or implicit TLS) with a
    verified certificate and a second EHLO, before MAIL FROM.

    Return None when the plugin does not handle this account (the host then logs in with the account's
    password, if any). Return True after authenticating the connection successfully. Raise a
    :class:`MailError` subclass when it failed; the subclass tells the host what to do with the mail.
    First result wins: the first plugin that does not return None handles the connection.
    """


@hookspec(firstresult=True)
def cmx_deliver(
    account: MailAccount, message: bytes, sender: str, recipients: Sequence[str], host: Host
) -> bool | None:
    """Called by the host's mailer for every mail, before it opens an SMTP connection (host API 1.4).

    ``message`` is the finished mail as the host would send it after DATA (RFC 5322, CRLF line ends, headers
    included), ``sender`` the envelope sender (MAIL FROM) and ``recipients`` the envelope recipients (RCPT TO).
    Return None to let the host send it over SMTP as always (it then asks :func:`cmx_smtp_authenticate`). Return
    True when the plugin delivered the mail itself (e.g. over Microsoft Graph). Raise a :class:`MailError` subclass
    when it could not; the subclass tells the host what to do with the mail, exactly as for SMTP. First result wins.
    A host that never calls this hook sends every mail over SMTP.
    """


@hookspec(firstresult=True)
def cmx_pace(account: MailAccount, recipients: int, host: Host) -> Pace | None:
    """Called by the host before it sends a mail of ``account`` with ``recipients`` envelope recipients — each queued
    mail, on any worker, as often as mails are due, and each mail of :meth:`Host.send_mail` (host API 1.6).

    Return a :class:`Pace`: send now (and call its ``done`` afterwards), or not before ``wait_until`` — the mail
    stays queued unchanged. Return None when the plugin has no limits for this account. Several workers may ask at
    once; the plugin keeps the budget in the database, so that their answers add up. A host without this hook sends
    as fast as it can and relies on the mail server's refusals (temporary errors with ``retry_after``).
    """


@hookspec(firstresult=True)
def cmx_budget(account: MailAccount, host: Host) -> Budget | None:
    """Called when the host shows its mail queue, once per account with queued mail (host API 1.6). Return what the
    account may still send (:class:`Budget`), or None to show nothing."""


@hookspec(firstresult=True)
def cmx_mail_error(account: MailAccount, code: int, text: str, host: Host) -> MailError | None:
    """Called by the host's mailer when the SMTP server refused a command after authentication (MAIL FROM,
    RCPT TO, DATA), with the reply's code and text — by a 1.7 host only when no plugin answered
    :func:`cmx_smtp_refused` (which also names the step).

    Return a :class:`MailError` subclass whose message explains the reply for this account in German (and
    whose class says whether to retry), or None to let the host use its generic message. First result wins.
    """


@hookspec
def cmx_smtp_sent(account: MailAccount, smtp: smtplib.SMTP, host: Host) -> None:
    """Called by the host's mailer after the SMTP server accepted a mail of ``account``: the 250 reply to the end of
    DATA (host API 1.7), on the connection :func:`cmx_smtp_authenticate` saw.

    This, not a successful AUTH, is when a mail counts as sent: a refusal after the login (a full mailbox, a sender
    the mailbox may not send as) means it was not. A host without this hook: a plugin counts a successful
    authentication as sent, as before 1.7.
    """


@hookspec(firstresult=True)
def cmx_smtp_refused(
    account: MailAccount, smtp: smtplib.SMTP, step: str, code: int, text: str, host: Host
) -> MailError | None:
    """Called by the host's mailer when the SMTP server refused a mail of ``account`` after authentication (host API
    1.7): ``step`` is ``"MAIL FROM"``, ``"RCPT TO"`` (every recipient refused; the first refusal is given) or
    ``"DATA"``, with the reply's code and text.

    Return a :class:`MailError` subclass as for :func:`cmx_mail_error`, or None; when no plugin answers, the host
    calls :func:`cmx_mail_error`. First result wins.
    """


@hookspec
def cmx_instance_started(host: Host) -> list[Message]:
    """Called once when the host starts an instance with the plugin enabled — after its migrations, before the first
    request, job or mail (host API 1.9).

    Check what the plugin needs from the instance, above all its options (:meth:`Host.plugin_config`), and return
    German messages for the instance's operators (an option of the wrong type: which one, what it must be, what is
    used meanwhile); an empty list when all is well. The host writes them into its log at the level's severity and
    shows them to its admins. Must not fail the start: a plugin reports, it does not raise. A host before 1.9 never
    calls it; the plugin then finds the same problems where it reads the options.
    """


@hookspec
def cmx_periodic_jobs() -> list[PeriodicJob]:
    """Called once at host start. Return the jobs the host must run regularly (see :class:`PeriodicJob`)."""


@hookspec
def cmx_record_saved(form: str, record_id: int, created: bool, host: Host, request: Request) -> list[Message]:
    """Called after the host stored a record of ``form`` that passed validation (and its type's ``check``), in a
    separate transaction, while the user waits for the page (host API 1.1).

    Return messages to show the user with the host's own "saved" message (an empty list shows nothing more).
    """


@hookspec
def cmx_record_saving(
    form: str, record_id: int | None, values: Mapping[str, Any], host: Host, request: Request
) -> Mapping[str, str] | None:
    """Called before the host stores a record of ``form`` that passed its own validation (and its type's ``check``),
    while the user waits for the page (host API 1.9). ``record_id`` is None for a new record; ``values`` are the
    field values the host is about to store (names as in the form's value type, e.g. :class:`MailAccount`; a secret
    field holds the value that will be stored — never to be shown or logged). ``request.user`` is who saves.

    Return None (or an empty mapping) to let the save go ahead. Return German messages by field name to refuse it:
    the host stores nothing, shows the form again with each message at its field, and a message under the key ``""``
    above the form (for the whole record, e.g. "Sie dürfen dieses E-Mailkonto nicht ändern …"). Every plugin is
    asked; the host shows all their messages. A plugin may note something here that :func:`cmx_record_saved` needs
    (what the record was before), in its own tables. A host before 1.9 never calls it: it stores what its own rules
    allow, and a plugin checks again after the save where it can.
    """


@hookspec
def cmx_delete_warning(form: str, record_id: int, host: Host) -> str | None:
    """Called when the host shows a record of ``form`` with its delete button (host API 1.9). Must be fast: only the
    database.

    Return a German text saying what stops when the record is deleted (e.g. "Danach senden diese E-Mailkonten nicht
    mehr: …"), or None. The host puts every plugin's text into the confirmation it asks before deleting, so that the
    person confirms knowing it. A host before 1.9 asks its plain question.
    """


@hookspec
def cmx_record_deleted(form: str, record_id: int, host: Host) -> list[Message] | None:
    """Called after the host deleted a record of ``form``, in a separate transaction. Clean up what belongs to it.

    Since host API 1.2 a plugin may return messages to show with the host's "deleted" message (e.g. what stays
    elsewhere and where to remove it); None or an empty list shows nothing more. A 1.1 host ignores them.
    """


__all__ = [
    "HOST_API_VERSION",
    "Action",
    "Audience",
    "Budget",
    "Check",
    "CopyValue",
    "Database",
    "Download",
    "Facts",
    "GreenFieldItem",
    "Host",
    "Input",
    "InstanceHandle",
    "Interface",
    "InterfaceType",
    "MailAccount",
    "MailError",
    "Message",
    "Method",
    "Note",
    "Pace",
    "Page",
    "PeriodicJob",
    "PermanentMailError",
    "PluginStatus",
    "Redirect",
    "Request",
    "Response",
    "Result",
    "Route",
    "SettingType",
    "SignInRequired",
    "TemporaryMailError",
    "Transaction",
    "User",
    "hookimpl",
    "hookspec",
]
