"""What people see of the setup in one step: the Azure interface's second way, the command, the Einrichtungscode.

The green field of the Azure interface (new or saved) offers "Automatisch einrichten (Azure Cloud Shell)"; the button
leads to a page of its own with the command to copy, the script as a download and the field for the code — a page,
because before the code there may be no interface record to come back to. The domain is
:mod:`cmx_plugin_m365.signin.one_step`.
"""

from __future__ import annotations

import re

import cmx_hostapi
from cmx_hostapi import Action, CopyValue, GreenFieldItem, Host, Input, Message, Note, Page, Redirect, Request
from marshmallow import EXCLUDE, ValidationError, fields, validates

from .. import names, store
from ..signin import one_step
from ..signin.redirect_uri import path_of
from .schemas import GermanSchema, Trimmed

TITLE = "Automatisch einrichten (Azure Cloud Shell)"
SCRIPT_NAME = "cmxorganize-einrichtung.sh"
_NAME = re.compile(r"^[\w .,&()+-]{1,80}$")


class OrganisationSchema(GermanSchema):
    """The organisation's name for the app registration's display name ("cmxOrganize <Organisation>")."""

    class Meta:
        unknown = EXCLUDE

    organisation = Trimmed(required=True, error_messages={"required": "Bitte den Namen der Organisation eintragen."})

    @validates("organisation")
    def _name(self, value: str, **_kwargs) -> None:
        if not value:
            raise ValidationError("Bitte den Namen der Organisation eintragen.")
        if not _NAME.match(value):
            raise ValidationError(
                "Der Name darf bis zu 80 Buchstaben, Ziffern, Leerzeichen und . , & ( ) + - enthalten."
            )


class SetupCodeSchema(GermanSchema):
    """The pasted Einrichtungscode: checked by :func:`one_step.decode` (never repeated in a message)."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, error_messages={"required": "Bitte den Einrichtungscode einfügen."})

    @validates("code")
    def _code(self, value: str, **_kwargs) -> None:
        if len(value) > 2000:
            raise ValidationError(one_step.MANGLED)
        try:
            one_step.decode(value)
        except one_step.CodeError as error:
            raise ValidationError(str(error)) from None


def green_field(host: Host) -> list[GreenFieldItem]:
    """The Azure interface's entry to the second way (hooked into web.screens.interface_green_field)."""
    done = store.checks(host).get("one_step")
    items: list[GreenFieldItem] = []
    if done is not None and done.ok and one_step.certificate(host) is None:
        items.append(Note(f"✓ Einrichtung in einem Schritt: {done.text}", level="success"))
        return items
    items.append(
        Note(
            f"{TITLE}: statt der Schritte im Entra Admin Center ein Befehl für Azure Cloud Shell, danach eine Zeile "
            "zurück hierher. Kein geheimer Schlüssel wird kopiert."
        )
    )
    items.append(Action(TITLE, path_of(host.route_url(names.ONE_STEP_PATH)), method="GET"))
    return items


def _page(host: Host, messages: tuple[Message, ...] = (), status: int = 200) -> Page:
    made = one_step.certificate(host)
    items: list[GreenFieldItem] = [
        Note(
            "cmxOrganize erstellt ein Zertifikat (der private Schlüssel bleibt hier) und einen Befehl. Er legt in "
            "Ihrem Microsoft-365-Mandanten die App-Registrierung „cmxOrganize <Organisation>“ an (nur dieses "
            "Verzeichnis, Plattform Web, die Umleitungs-URI dieser Instanz), trägt das Zertifikat und die "
            "Berechtigungen ein (Exchange Online SMTP.Send; Microsoft Graph Mail.Send, Mail.Send.Shared, User.Read) "
            "und erteilt die Zustimmung für die Organisation. Nötig ist die Rolle „Cloudanwendungsadministrator“ "
            "(oder „Anwendungsadministrator“, „Globaler Administrator“)."
        ),
        Action(
            "Befehl für Azure Cloud Shell erstellen" if made is None else "Befehl neu erstellen",
            path_of(host.route_url(names.ONE_STEP_PATH)),
            inputs=(Input("organisation", "Name der Organisation", "text", one_step.default_name(host)),),
            busy="Zertifikat wird erstellt …",
        ),
    ]
    if made is not None:
        items += [
            CopyValue(
                label="1. Diesen Befehl in Azure Cloud Shell (Bash) einfügen",
                value=one_step.command(one_step.script(host, made)),
                hint=(
                    "Azure Cloud Shell: im Azure-Portal oder unter https://shell.azure.com, Bash wählen, einfügen, "
                    "Eingabetaste. Ohne Cloud Shell läuft das Skript überall, wo die Azure CLI angemeldet ist "
                    "(az login) und jq vorhanden ist. Zum Nachlesen: das Skript als Datei. Für Funktionspostfächer "
                    "ohne Anmeldung erneut mit „bash cmxorganize-einrichtung.sh --app-berechtigungen“ ausführen "
                    "(Rolle „Administrator für privilegierte Rollen“)."
                ),
            ),
            Action("Skript herunterladen", path_of(host.route_url(names.ONE_STEP_SCRIPT_PATH)), method="GET"),
            Action(
                "2. Einrichtungscode übernehmen",
                path_of(host.route_url(names.ONE_STEP_CODE_PATH)),
                inputs=(Input("code", "Einrichtungscode (letzte Zeile des Skripts)", "text", ""),),
                primary=True,
                busy="Wird bei Microsoft geprüft …",
            ),
        ]
    return Page(TITLE, items=tuple(items), messages=messages, status=status)


def _first(error: ValidationError) -> str:
    messages = error.messages
    while isinstance(messages, dict | list):
        messages = next(iter(messages.values())) if isinstance(messages, dict) else messages[0]
    return str(messages)


def show(request: Request, host: Host) -> Page:
    """GET: the page; POST: make the certificate and the command (again: the same certificate while it is young)."""
    if request.method != "POST":
        return _page(host)
    try:
        values = OrganisationSchema().load(dict(request.form))
    except ValidationError as error:
        return _page(host, (Message("error", "Nicht erstellt: " + _first(error)),), status=400)
    one_step.prepare(host, values["organisation"])
    return _page(host, (Message("success", "Befehl erstellt. Jetzt Schritt 1, dann Schritt 2."),))


def script_file(request: Request, host: Host) -> Page | cmx_hostapi.Response:
    made = one_step.certificate(host)
    if made is None:
        return _page(host, (Message("error", "Zuerst „Befehl für Azure Cloud Shell erstellen“."),), status=404)
    text = one_step.script(host, made)
    download = getattr(cmx_hostapi, "Download", None)
    if download is None:  # a host before API 1.5
        return Page(TITLE, items=(CopyValue(label=f"Inhalt der Datei {SCRIPT_NAME}", value=text),))
    return download(SCRIPT_NAME, "text/x-shellscript; charset=utf-8", text.encode())


def take_code(request: Request, host: Host) -> Page | Redirect:
    """The pasted code: refused with a German reason (nothing changed), or taken over after Microsoft's proof."""
    try:
        values = SetupCodeSchema().load(dict(request.form))
    except ValidationError as error:
        return _page(host, (Message("error", _first(error) + " Es wurde nichts geändert."),), status=400)
    messages = one_step.finish(host, one_step.decode(values["code"]))
    if any(m.level == "error" for m in messages):
        return _page(host, tuple(messages), status=400)
    interfaces = host.interfaces(names.INTERFACE_TYPE)
    if not interfaces:  # a host before API 1.8: the person enters the values (the message says which)
        return _page(host, tuple(messages))
    return Redirect(path_of(host.record_url(names.INTERFACE_FORM, interfaces[0].id)), tuple(messages))
