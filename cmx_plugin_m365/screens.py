"""What the plugin shows in the host's green fields: built from the database, never from the network."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from cmx_hostapi import Action, CopyValue, Facts, GreenFieldItem, Host, Note

from . import signin, store, views
from .names import INTERFACE_TYPE
from .redirect_uri import redirect_uri, registration_problem

BERLIN = ZoneInfo("Europe/Berlin")


def interface_green_field(record_id: int | None, host: Host) -> list[GreenFieldItem]:
    """The Azure interface's green field: the exact redirect URI to register in Entra."""
    if record_id is not None and not any(i.id == record_id for i in host.interfaces(INTERFACE_TYPE)):
        return []
    items: list[GreenFieldItem] = []
    if record_id is None:
        items.append(Note("Für den Typ „Azure“ (Microsoft 365):"))
    items.append(
        CopyValue(
            label="Umleitungs-URI für die App-Registrierung",
            value=redirect_uri(host.public_base_url),
            hint=(
                "Im Microsoft Entra Admin Center unter App-Registrierungen → (Ihre Registrierung) → Authentifizierung "
                "→ Plattform hinzufügen → „Web“ genau so eintragen, Zeichen für Zeichen (mit https://, „%20“ und "
                "gegebenenfalls „www.“)."
            ),
        )
    )
    problem = registration_problem(host.public_base_url)
    if problem:
        items.append(Note(problem, level="error"))
    return items


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") if value else "–"


def mail_account_green_field(record_id: int | None, host: Host) -> list[GreenFieldItem]:
    """The E-Mailkonto's green field, by the account's state (see the admin guide, section 3)."""
    if record_id is None:
        return [Note("Nach dem Speichern können Sie hier OAuth (Microsoft 365) für dieses E-Mailkonto einschalten.")]
    state = store.account_state(host, record_id)
    account_field = (("account_id", str(record_id)),)
    if state is None:
        return [
            Note(
                "Postfach bei Microsoft 365 (Office 365, Exchange Online)? Dann meldet sich cmxOrganize mit OAuth "
                "an statt mit einem Passwort."
            ),
            Action(
                "OAuth (Microsoft 365) verwenden", host.route_url(views.ENABLE_PATH), fields=account_field, primary=True
            ),
        ]
    switch_off = Action(
        "OAuth nicht mehr verwenden",
        host.route_url(views.DISABLE_PATH),
        fields=account_field,
        confirm="OAuth für dieses E-Mailkonto ausschalten und die Anmeldung löschen?",
    )
    sign_in = Action("Bei Microsoft anmelden", host.route_url(views.START_PATH), fields=account_field, primary=True)
    missing = signin.prerequisites(host, record_id)
    if missing:
        return [
            Note(
                "OAuth (Microsoft 365) ist eingeschaltet. Bevor Sie sich bei Microsoft anmelden können, fehlt noch:",
                level="warning",
            ),
            *(Note("• " + m, level="warning") for m in missing),
            switch_off,
        ]
    account = host.mail_account(record_id)
    if state.state == store.NEW:
        return [
            Note(
                f"OAuth (Microsoft 365) ist eingeschaltet. Melden Sie sich jetzt bei Microsoft an – als "
                f"{account.username}. Microsoft fragt, mit welchem Konto; wählen Sie dieses."
            ),
            sign_in,
            switch_off,
        ]
    facts = Facts(
        (
            ("Angemeldet als", state.signed_in_as or "–"),
            ("Verbunden seit", _when(state.connected_at)),
            ("Zuletzt erfolgreich gesendet", _when(state.last_sent_at)),
        )
    )
    if state.state == store.SIGNIN_REQUIRED:
        return [
            Note(
                "Anmeldung bei Microsoft erforderlich – bis dahin werden Mails dieses Kontos angehalten, nicht "
                "verworfen.",
                level="error",
            ),
            Note(state.problem_text or "", level="error"),
            sign_in,
            facts,
            switch_off,
        ]
    items: list[GreenFieldItem] = [Note("Mit Microsoft 365 verbunden (OAuth).", level="success"), facts]
    if state.problem_text:
        items.insert(1, Note(state.problem_text, level="warning"))
    if state.signed_in_as and account.username.strip().lower() != state.signed_in_as:
        items.insert(
            1,
            Note(
                f"Im Feld Benutzername steht jetzt {account.username}, angemeldet ist aber "
                f"{state.signed_in_as}. Bitte erneut anmelden.",
                level="warning",
            ),
        )
    items += [
        Action("Erneut anmelden", host.route_url(views.START_PATH), fields=account_field),
        Action(
            "Verbindung trennen",
            host.route_url(views.DISCONNECT_PATH),
            fields=account_field,
            confirm="Anmeldung löschen? Danach sendet dieses E-Mailkonto erst nach einer neuen Anmeldung.",
        ),
        switch_off,
    ]
    return items
