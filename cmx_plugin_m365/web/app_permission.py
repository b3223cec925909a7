"""The Anmeldeart in the mail account's green field (issue 24): "Persönliche Anmeldung" or "App-Berechtigung (ohne
Anmeldung)" for a functional mailbox — what it means, the Exchange admin's lines with this mailbox's address and this
app's IDs, the proof by a test mail. The domain side is :mod:`..signin.app_permission`."""

from __future__ import annotations

from cmx_hostapi import (
    Action,
    CopyValue,
    Facts,
    GreenFieldItem,
    Host,
    Input,
    MailAccount,
    Note,
    Page,
    Redirect,
    Request,
)
from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from .. import names, store, tokens
from ..diagnosis import Finding, entry
from ..sending import graph
from ..sending import route as sending_route
from ..signin import app_permission as domain
from ..signin.redirect_uri import path_of
from ..wording import when
from .schemas import GermanSchema, first_error

PERSON_LABEL = "Persönliche Anmeldung"
APP_LABEL = "App-Berechtigung (ohne Anmeldung)"
KINDS = ((store.PERSON, PERSON_LABEL), (store.APP, APP_LABEL))
GRAPH_CHOICES = (("nein", "nein – nur SMTP"), ("ja", "ja, in Exchange eingegrenzt"))
TESTING = "App-Berechtigung wird geprüft …"
IDENTITY_HINT = (
    "Findet Exchange den Dienstprinzipal unter dieser ID nicht, die Spalte Identity aus "
    "„Get-ServicePrincipal | Format-Table DisplayName,AppId,ObjectId,Identity“ einsetzen."
)
"""Microsoft's page names the trustee <SERVICE_PRINCIPAL_ID>, "your registered service principal's identifier" from
Get-ServicePrincipal; its earlier version and the guides built on it use the object ID itself (-User <OBJECT_ID>)."""
TEST_LABEL = "App-Berechtigung testen"
SAVE_LABEL = "Anmeldeart speichern"

EXPLAINED = (
    "Persönliche Anmeldung: eine Person meldet sich einmal bei Microsoft an, und cmxOrganize sendet mit ihrer "
    "Anmeldung – sie endet, wenn das Konto der Person gesperrt wird, das Kennwort zurückgesetzt wird oder die Person "
    "geht. App-Berechtigung (ohne Anmeldung): für ein Funktionspostfach wie anmeldung@ oder info@ sendet cmxOrganize "
    "mit der eigenen Berechtigung der App (Zertifikat oder geheimer Schlüssel), die ein Exchange-Admin einmal für "
    "genau dieses Postfach freigibt; niemand meldet sich an, und nichts läuft mit einer Person ab."
)
UNSCOPED = (
    "Wichtig: Die Anwendungsberechtigung Mail.Send von Microsoft Graph erlaubt ohne Eingrenzung das Senden als jedes "
    "Postfach Ihrer Organisation. cmxOrganize kann die Eingrenzung nicht selbst sehen; es sendet über Graph erst, "
    "wenn Sie sie hier bestätigen."
)


class AnmeldeartSchema(GermanSchema):
    """ "Anmeldeart speichern": person or app, and for the app whether Graph's permission is narrowed."""

    class Meta:
        unknown = EXCLUDE

    account_id = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    signin_kind = fields.String(
        required=True,
        validate=validate.OneOf([store.PERSON, store.APP], error=f"Bitte „{PERSON_LABEL}“ oder „{APP_LABEL}“ wählen."),
        error_messages={"required": "Bitte eine Anmeldeart wählen."},
    )
    graph_scoped = fields.String(
        load_default="nein",
        validate=validate.OneOf(["nein", "ja"], error="Bitte bei Microsoft Graph „nein“ oder „ja“ wählen."),
    )
    graph_outside = fields.String(
        load_default="",
        validate=validate.Length(max=254, error="Die Adresse außerhalb der Eingrenzung ist zu lang."),
    )

    @validates_schema
    def _outside_is_an_address(self, data, **kwargs):
        outside = data.get("graph_outside", "").strip()
        if outside:
            try:
                validate.Email()(outside)
            except ValidationError:
                raise ValidationError(
                    "Bitte eine E-Mail-Adresse eintragen (oder das Feld leer lassen).", "graph_outside"
                ) from None


def kind_action(host: Host, state: store.AccountState, account_field) -> Action:
    """The select "Anmeldeart" with its button; for the app permission also Graph's narrowing."""
    inputs = [Input("signin_kind", "Anmeldeart", "select", state.signin_kind, options=KINDS)]
    if state.by_app:
        inputs += [
            Input(
                "graph_scoped",
                "Microsoft Graph für dieses Postfach eingegrenzt?",
                "select",
                "ja" if state.graph_scope_confirmed else "nein",
                options=GRAPH_CHOICES,
            ),
            Input(
                "graph_outside",
                "Postfach außerhalb der Eingrenzung (optional, für die Probe)",
                "text",
                state.graph_scope_outside or "",
            ),
        ]
    return Action(
        SAVE_LABEL,
        path_of(host.route_url(names.SIGNIN_KIND_PATH)),
        fields=account_field,
        inputs=tuple(inputs),
        confirm=None,
    )


def green_field(
    host: Host, state: store.AccountState, account: MailAccount, account_field, tail: list[GreenFieldItem]
) -> list[GreenFieldItem]:
    """The green field of an account with the app permission; ``tail``: the history and "OAuth nicht mehr
    verwenden" as for every account."""
    address = account.address.strip().lower()
    test = Action(
        TEST_LABEL,
        path_of(host.route_url(names.APP_TEST_PATH)),
        fields=account_field,
        primary=state.state != store.CONNECTED,
        busy=TESTING,
    )
    items: list[GreenFieldItem] = []
    if state.state == store.CONNECTED:
        items.append(Note(f"Sendet mit der App-Berechtigung (ohne Anmeldung) als {address}.", level="success"))
        items.append(
            Facts(
                (
                    ("Anmeldeart", APP_LABEL),
                    ("Postfach", address),
                    ("Nachgewiesen seit", _when(state.connected_at)),
                    ("Zuletzt erfolgreich gesendet", _when(state.last_sent_at)),
                    ("Versandweg", _route(state)),
                )
            )
        )
    else:
        items.append(
            Note(
                f"Anmeldeart „{APP_LABEL}“. Nach den einmaligen Schritten des Exchange-Admins unten „{TEST_LABEL}“ "
                "wählen: eine Testmail an das Postfach selbst entscheidet."
            )
        )
    if state.problem_text:
        items.append(Note(state.problem_text, level="warning" if state.state == store.CONNECTED else "error"))
    items.append(Note(EXPLAINED))
    items += admin_steps(host, address, state)
    items += [test, kind_action(host, state, account_field), *tail]
    return items


def admin_steps(host: Host, address: str, state: store.AccountState) -> list[GreenFieldItem]:
    """The Entra and Exchange admin's one-time steps with the real IDs (read from the app's own token)."""
    app = domain.app_identity(host)
    if app is None:
        return [Note("Zuerst die Azure-Schnittstelle und die Einstellung TenantID einrichten.", level="warning")]
    if isinstance(app, Finding):
        return [Note(f"Microsoft gibt der App kein Zugangstoken: {app.message()}", level="error")]
    items: list[GreenFieldItem] = [
        Facts(
            (
                ("Anwendungs-ID (Client)", app.client_id),
                ("Objekt-ID der Unternehmensanwendung", app.service_principal_id),
                ("Postfach", address),
            )
        )
    ]
    if "SMTP.SendAsApp" not in app.roles:
        no_role = entry("app:no-role")
        items.append(Note(f"Schritt in Microsoft Entra (noch offen): {no_role.action}", level="warning"))
    else:
        items.append(Note("Microsoft Entra: SMTP.SendAsApp ist erteilt (das Token der App enthält sie).", "success"))
    items.append(
        Note(
            "Einmalig in Exchange Online PowerShell (Exchange-Admin). Die Objekt-ID ist die der "
            "Unternehmensanwendung, nicht die der App-Registrierung:"
        )
    )
    items += [
        CopyValue(label, line, hint=IDENTITY_HINT if line.startswith("Add-") else "")
        for label, line in domain.exchange_lines(address, app)
    ]
    items.append(Note(UNSCOPED, level="warning" if state.graph_scope_confirmed else "info"))
    items.append(
        Note(
            "Eingrenzung für Microsoft Graph (RBAC für Anwendungen in Exchange Online; Mail.Send dann nicht "
            "zusätzlich in Entra erteilen, sonst gilt sie für alle Postfächer):"
        )
    )
    items += [CopyValue(label, line) for label, line in domain.graph_lines(address, app)]
    return items


def _route(state: store.AccountState) -> str:
    """The route as it really is: Graph only with the narrowing confirmed (:func:`..sending.route.deliver`)."""
    if not state.graph_scope_confirmed:
        return "SMTP (Microsoft Graph erst nach bestätigter Eingrenzung)"
    label = sending_route.LABELS.get(state.route, state.route)
    in_use = "Microsoft Graph" if state.route_in_use == store.ROUTE_GRAPH else "SMTP"
    return f"{label} – zurzeit {in_use}; Microsoft Graph eingegrenzt (bestätigt)"


def _when(value) -> str:
    return when(value) if value else "–"


# -- routes -----------------------------------------------------------------------------------------------------------


def save(request: Request, host: Host) -> Redirect | Page:
    """ "Anmeldeart speichern"."""
    from . import views

    account_id, refusal = views._account_to_change(request, host)
    if refusal:
        return refusal
    state = store.account_state(host, account_id)
    if state is None:
        return views._unknown_account(host)
    try:
        data = AnmeldeartSchema().load(dict(request.form))
    except ValidationError as error:
        return views._back(host, account_id, "error", "Nicht gespeichert: " + first_error(error))
    kind = data["signin_kind"]
    scoped = kind == store.APP and data["graph_scoped"] == "ja"
    outside = data["graph_outside"].strip().lower() or None if kind == store.APP else None
    account = host.mail_account(account_id)
    if outside and account is not None and outside == account.address.strip().lower():
        return views._back(
            host, account_id, "error", "Nicht gespeichert: Die Adresse außerhalb der Eingrenzung ist dieses Postfach."
        )
    changed = kind != state.signin_kind
    store.set_signin_kind(host, account_id, kind, graph_scope_confirmed=scoped, graph_scope_outside=outside)
    tokens.forget(account_id)
    label = APP_LABEL if kind == store.APP else PERSON_LABEL
    store.add_event(
        host, "signin_kind", f"Anmeldeart „{label}“ gewählt von {request.user.display_name}.", account_id=account_id
    )
    if not changed:
        text = "Eingrenzung für Microsoft Graph bestätigt." if scoped else "Gespeichert."
        return views._back(host, account_id, "success", text)
    if kind == store.APP:
        text = (
            f"Anmeldeart „{APP_LABEL}“ gewählt. Die bisherige Anmeldung ist gelöscht. Jetzt die Schritte im grünen "
            f"Feld ausführen (lassen) und „{TEST_LABEL}“ wählen."
        )
    else:
        text = f"Anmeldeart „{PERSON_LABEL}“ gewählt. Jetzt „Bei Microsoft anmelden“ wählen."
    return views._back(host, account_id, "success", text)


def test(request: Request, host: Host) -> Redirect | Page:
    """ "App-Berechtigung testen": the test mail decides; with Graph narrowed and an address outside named, the
    refused probe proves the narrowing."""
    from . import views

    account_id, refusal = views._account_to_change(request, host)
    if refusal:
        return refusal
    outcome = domain.prove(host, account_id)
    state = store.account_state(host, account_id)
    text = outcome.text
    level = outcome.level
    if outcome.ok and state is not None and state.graph_scope_confirmed and state.graph_scope_outside:
        account = host.mail_account(account_id)
        probe = graph.prove_scope(host, account.address if account else "", state.graph_scope_outside)
        if probe is None:
            text += (
                f" Microsoft Graph: Die Eingrenzung hält – eine Mail als {state.graph_scope_outside} wurde abgelehnt."
            )
        else:
            level = "warning"
            text += f" Microsoft Graph: {probe.message()}"
            if probe.entry.key == "app:graph-unscoped":
                store.set_signin_kind(
                    host, account_id, store.APP, graph_scope_confirmed=False, graph_scope_outside=None
                )
    return views._back(host, account_id, level, text)
