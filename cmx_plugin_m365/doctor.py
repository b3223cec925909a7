"""``cmx-m365 doctor``: every check of an instance in one table, with an exit status for scripts and monitoring.

Checks, in order: plugin enabled and migrated; Azure interface and TenantID present and valid; the directory
exists; client ID, secret and directory work together; Microsoft accepts the redirect URI; the secret's expiry;
then, for each mail account with OAuth, its state and a valid access token (refreshed if due) and, with
``smtp=True``, an SMTP AUTH XOAUTH2 at its mail server (no mail is sent).
"""

from __future__ import annotations

import importlib.util
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from cmx_hostapi import Host, InstanceHandle, MailError
from marshmallow import ValidationError

from . import certificates, identity, store, tokens
from .care import checks, client_secret, credentials
from .config import PLUGIN_ID, Missing, Options, azure_app
from .diagnosis import Finding
from .names import INTERFACE_TYPE
from .sending import mailing
from .signin import redirect_uri
from .web.schemas import AzureInterfaceSchema, TenantIdSchema
from .wording import count


def migrations_dir() -> Path | None:
    """Where the plugin's migrations are: in the installed wheel's bundle (``cmx_plugin_m365_bundle/migrations``, what
    the host's loader applies), else beside the source tree (development). None when neither exists."""
    spec = importlib.util.find_spec("cmx_plugin_m365_bundle")
    bundle = [Path(p) / "migrations" for p in (spec.submodule_search_locations or ())] if spec else []
    candidates = [*bundle, Path(__file__).resolve().parent.parent / "migrations"]
    return next((path for path in candidates if path.is_dir()), None)


class Status(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


MARKS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIPPED: "–"}


@dataclass(frozen=True)
class Row:
    area: tuple[str, str]
    """What was checked, (German, English)."""
    subject: str
    status: Status
    detail: tuple[str, str]
    """The result, (German, English)."""

    @property
    def needs_action(self) -> bool:
        return self.status in (Status.WARN, Status.FAIL)


def _finding_detail(finding: Finding) -> tuple[str, str]:
    return finding.message(), f"{finding.entry.en or finding.entry.title} ({finding.code})"


def run(
    handle: InstanceHandle, *, smtp: bool = False, progress: Callable[[int, int], None] | None = None
) -> Iterator[Row]:
    """The rows of the report, as each check finishes."""
    host = handle.host
    status = handle.plugin_status(PLUGIN_ID)
    plugin = ("Plugin", "Plugin")
    if not status.enabled:
        yield Row(
            plugin,
            PLUGIN_ID,
            Status.FAIL,
            (
                "Nicht aktiviert: das Plugin fehlt in der Konfiguration der Instanz.",
                "Not enabled in the instance's configuration.",
            ),
        )
        return
    folder = migrations_dir()
    wanted = sorted(p.name for p in (folder / status.dialect).glob("*.sql")) if folder else []
    if not wanted:
        yield Row(
            plugin,
            PLUGIN_ID,
            Status.FAIL,
            (
                "Die Migrationen des Plugins wurden nicht gefunden (weder im installierten Paket "
                "cmx_plugin_m365_bundle noch neben dem Quelltext): die Installation ist unvollständig.",
                "The plugin's migrations were not found (neither in the installed bundle nor beside the source).",
            ),
        )
        return
    missing = [m for m in wanted if m not in status.applied_migrations]
    if missing:
        yield Row(
            plugin,
            PLUGIN_ID,
            Status.FAIL,
            (
                f"Migrationen fehlen: {', '.join(missing)}. cmxOrganize neu starten, damit es sie einspielt.",
                f"Migrations missing: {', '.join(missing)}. Restart cmxOrganize to apply them.",
            ),
        )
        return
    yield Row(
        plugin,
        PLUGIN_ID,
        Status.OK,
        (
            f"aktiviert, {len(wanted)} Migrationen eingespielt ({status.dialect})",
            f"enabled, {len(wanted)} migrations applied ({status.dialect})",
        ),
    )
    yield from _configuration(host)
    yield from _accounts(host, smtp=smtp, progress=progress)
    yield from _unknown_answers(host)


def _unknown_answers(host: Host) -> Iterator[Row]:
    """Answers of Microsoft the catalogue could not explain, so that they can be added (kept in the event trail)."""
    area = ("Unbekannte Antwort", "Unknown answer")
    for code, text, times in store.unknown_answers(host):
        yield Row(
            area,
            code,
            Status.WARN,
            (
                f"{times}× „{text}“ – bitte mit dem Code an den cmxKonzepte-Support, damit cmxOrganize sie erklärt.",
                f'{times}× "{text}" – not in the catalogue; send it to support so that it gets explained.',
            ),
        )


def _configuration(host: Host) -> Iterator[Row]:
    area = ("Einrichtung", "Setup")
    azure = azure_app(host)
    if isinstance(azure, Missing):
        for item in azure.items:
            yield Row(area, "", Status.FAIL, (item, "Azure interface or TenantID missing."))
        return
    try:
        AzureInterfaceSchema().load(
            {"username": azure.client_id, "password": azure.secret if not azure.thumbprint else ""}
        )
        TenantIdSchema().load({"value": azure.tenant})
    except ValidationError as error:
        text = " ".join(str(m[0]) for m in error.messages.values())
        yield Row(area, "", Status.FAIL, (text, "Azure interface or TenantID hold invalid values."))
        return
    yield Row(
        area,
        INTERFACE_TYPE,
        Status.OK,
        (
            f"Anwendungs-ID {azure.client_id}, Zertifikat {azure.thumbprint}",
            f"client ID {azure.client_id}, certificate {azure.thumbprint}",
        )
        if azure.thumbprint
        else (
            f"Anwendungs-ID {azure.client_id}, Schlüssel {azure.secret_fingerprint}…",
            f"client ID {azure.client_id}, secret {azure.secret_fingerprint}…",
        ),
    )
    options = Options.of(host)
    try:
        guid = checks.discover(options, azure.tenant)
    except identity.MicrosoftError as error:
        yield Row(("Verzeichnis", "Directory"), azure.tenant, Status.FAIL, _finding_detail(error.finding))
        return
    yield Row(("Verzeichnis", "Directory"), azure.tenant, Status.OK, (f"gefunden ({guid})", f"found ({guid})"))
    try:
        identity.check_credentials(options, azure)
    except identity.MicrosoftError as error:
        yield Row(("Zugangsdaten", "Credentials"), azure.client_id, Status.FAIL, _finding_detail(error.finding))
        return
    yield Row(
        ("Zugangsdaten", "Credentials"),
        azure.client_id,
        Status.OK,
        (checks.ok_text(azure), f"client ID, {'certificate' if azure.thumbprint else 'secret'} and directory work"),
    )
    finding = redirect_uri.record_redirect_probe(host)
    uri_area = ("Umleitungs-URI", "Redirect URI")
    if finding is not None:
        yield Row(uri_area, host.public_base_url, Status.FAIL, _finding_detail(finding))
    else:
        yield Row(uri_area, host.public_base_url, Status.OK, ("von Microsoft akzeptiert", "accepted by Microsoft"))
    yield _certificate_row(host) if azure.thumbprint else _secret_row(host)


def _certificate_row(host: Host) -> Row:
    area = ("Zertifikat", "Certificate")
    current = credentials.in_use(host)
    now = store.utcnow()
    day, days = credentials.when(current.expires_at), current.days_left(now)
    if now >= current.expires_at:
        return Row(area, current.thumbprint, Status.FAIL, (f"seit {day} abgelaufen", f"expired since {day}"))
    renews = certificates.setting(host, certificates.OBJECT_ID) is not None
    status = Status.WARN if days <= credentials.THRESHOLDS[0] else Status.OK
    audience = credentials.proof_audience(host)  # the proof aud Graph accepted at the last renewal
    proven = (f"; Besitznachweis mit aud {audience} angenommen", f"; proof accepted with aud {audience}")
    return Row(
        area,
        current.thumbprint,
        status,
        (
            f"läuft am {day} ab, in {days} Tagen"
            + ("; erneuert sich selbst" if renews else "; Objekt-ID fehlt")
            + (proven[0] if audience else ""),
            f"expires on {day}, in {days} days"
            + ("; renews itself" if renews else "; object ID missing")
            + (proven[1] if audience else ""),
        ),
    )


def _secret_row(host: Host) -> Row:
    area = ("Geheimer Schlüssel", "Client secret")
    info = client_secret.current(host)
    now = store.utcnow()
    day = info.expires_at.astimezone(client_secret.BERLIN).strftime("%d.%m.%Y")
    days = info.days_left(now)
    assumed = ("" if info.expiry_confirmed else " (angenommen)", "" if info.expiry_confirmed else " (assumed)")
    if now >= info.expires_at:
        return Row(
            area,
            info.fingerprint,
            Status.FAIL,
            (
                f"seit {day} abgelaufen – neuen anlegen und eintragen",
                f"expired since {day} – create and enter a new one",
            ),
        )
    status = Status.WARN if days <= client_secret.THRESHOLDS[0] else Status.OK
    return Row(
        area,
        info.fingerprint,
        status,
        (f"läuft am {day}{assumed[0]} ab, in {days} Tagen", f"expires on {day}{assumed[1]}, in {days} days"),
    )


def _accounts(host: Host, *, smtp: bool, progress: Callable[[int, int], None] | None) -> Iterator[Row]:
    states = store.all_account_states(host)
    area = ("E-Mailkonto", "Mail account")
    for n, state in enumerate(states, start=1):
        if progress:
            progress(n, len(states))
        account = host.mail_account(state.account_id)
        if account is None:
            yield Row(
                area,
                f"Nr. {state.account_id}",
                Status.WARN,
                ("gelöscht, OAuth-Daten noch vorhanden", "deleted, OAuth data left"),
            )
            continue
        if state.state == store.NEW:
            yield Row(
                area,
                account.address,
                Status.WARN,
                (
                    ("App-Berechtigung gewählt, aber noch nicht nachgewiesen", "app permission chosen, not proven yet")
                    if state.by_app
                    else ("OAuth eingeschaltet, aber noch nicht angemeldet", "OAuth on, but nobody signed in yet")
                ),
            )
            continue
        try:
            tokens.access_token(host, account.id)
        except MailError as error:
            yield Row(area, account.address, Status.FAIL, (str(error), f"token: {error.code}"))
            continue
        if smtp:
            finding = mailing.probe(host, account, state)  # the route in use: SMTP AUTH, or Graph's Mail.Send
            if finding is not None:
                yield Row(area, account.address, Status.FAIL, _finding_detail(finding))
                continue
        current = store.account_state(host, account.id)
        if current.problem_code:
            yield Row(area, account.address, Status.FAIL, (current.problem_text, f"problem {current.problem_code}"))
            continue
        via_graph = state.route_in_use == "graph"
        checked = ("Microsoft Graph", "Graph") if via_graph else ("SMTP AUTH", "SMTP AUTH")
        signin = "App-Berechtigung" if state.by_app else "Anmeldung"
        what = f"{signin} und {checked[0]} gültig" if smtp else f"{signin} gültig"
        yield Row(
            area,
            account.address,
            Status.OK,
            (
                f"{what} (als {state.signed_in_as})",
                f"{f'sign-in and {checked[1]}' if smtp else 'sign-in'} valid (as {state.signed_in_as})",
            ),
        )


# -- the table ---------------------------------------------------------------------------------------------------------

HEADERS = {"de": ("Prüfung", "Gegenstand", "Ergebnis"), "en": ("Check", "Subject", "Result")}


def render(rows: list[Row], lang: str = "de", width: int = 120) -> str:
    """A plain-text table; long results wrap within their column."""
    index = 0 if lang == "de" else 1
    head = HEADERS[lang]
    area_w = max([len(head[0])] + [len(r.area[index]) for r in rows]) + 2
    subject_w = max([len(head[1])] + [min(len(r.subject), 40) for r in rows])
    result_w = max(30, width - area_w - subject_w - 6)
    lines = [f"   {head[0]:<{area_w - 2}}  {head[1]:<{subject_w}}  {head[2]}", "-" * width]
    for row in rows:
        wrapped = textwrap.wrap(row.detail[index], result_w) or [""]
        subject = row.subject if len(row.subject) <= 40 else row.subject[:39] + "…"
        lines.append(f"{MARKS[row.status]}  {row.area[index]:<{area_w - 2}}  {subject:<{subject_w}}  {wrapped[0]}")
        lines += [" " * (area_w + subject_w + 5) + more for more in wrapped[1:]]
    actions = sum(r.needs_action for r in rows)
    lines.append("-" * width)
    if lang == "de":
        need = f"{count(actions, 'Punkt braucht', 'Punkte brauchen')} Aufmerksamkeit (! oder ✗)."
        lines.append("Alles in Ordnung." if not actions else need)
    else:
        need = f"{actions} {'item needs' if actions == 1 else 'items need'} attention (! or ✗)."
        lines.append("All good." if not actions else need)
    return "\n".join(lines)
