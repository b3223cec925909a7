"""Validation of everything a person types in: one marshmallow schema per input, German messages.

Messages never repeat the value that was typed: a secret pasted into the wrong field must not end up on a page.
"""

from __future__ import annotations

import datetime as dt
import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates, validates_schema

GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DOMAIN_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD_RE = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")

NIL_GUID = "00000000-0000-0000-0000-000000000000"
CONSUMERS_TENANT_GUID = "9188040d-6c67-4c5b-b112-36a304b66dad"
"""The tenant of personal Microsoft accounts (outlook.com): not an organisation's directory."""

COLLECTIVE_TENANTS = ("common", "organizations", "consumers")

SECRET_MIN_LENGTH = 16
SECRET_MAX_LENGTH = 200
"""Entra generates 40-character secret values; older ones have 32 to 44. The limits catch partial copies and
pastes of whole documents, with room for what Microsoft may do next."""

WHERE_CLIENT_ID = (
    "Sie steht im Microsoft Entra Admin Center unter App-Registrierungen → (Ihre Registrierung) → Übersicht."
)
WHERE_TENANT_ID = (
    "Sie steht im Microsoft Entra Admin Center unter App-Registrierungen → (Ihre Registrierung) → Übersicht "
    "als „Verzeichnis-ID (Mandant)“."
)


# marshmallow's own messages are English; a person must never read them. Each maps to German (numbers kept).
_GERMAN = (
    (re.compile(r"^Missing data for required field\.$|^Field may not be null\.$"), "Angabe fehlt."),
    (re.compile(r"^Not a valid string\.$"), "Bitte einen Text eintragen."),
    (re.compile(r"^Not a valid integer\.$|^Not a valid number\.$"), "Bitte eine Zahl eintragen."),
    (
        re.compile(r"^Number too large\.$|^Special numeric values \(nan or infinity\) are not permitted\.$"),
        "Bitte eine gültige Zahl eintragen.",
    ),
    (re.compile(r"^Not a valid date\.$"), "Bitte ein Datum eintragen, z. B. 28.11.2028."),
    (re.compile(r"^Not a valid boolean\.$"), "Bitte ja oder nein angeben."),
    (re.compile(r"^Unknown field\.$"), "Unbekanntes Feld."),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), r"Die Länge muss zwischen \1 und \2 Zeichen liegen."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"Zu kurz (mindestens \1 Zeichen)."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"Zu lang (höchstens \1 Zeichen)."),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        r"Bitte eine Zahl von \1 bis \2 eintragen.",
    ),
    (re.compile(r"^String does not match expected pattern\.$"), "Enthält unzulässige Zeichen."),
    (re.compile(r"^Must be one of: .*$"), "Dieser Wert ist hier nicht vorgesehen."),
)


def german(message: str) -> str:
    """marshmallow's English default messages in German; the schemas' own (German) messages pass unchanged."""
    for pattern, replacement in _GERMAN:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    if re.match(r"^[A-Z][a-z]+( [a-z]+)* .*\.$", message) and re.search(r"\b(must|not|valid|field|value)\b", message):
        return "Ungültige Eingabe."  # another English message of the library
    return message


def _germanised(messages):
    if isinstance(messages, dict):
        return {key: _germanised(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_germanised(value) for value in messages]
    return german(str(messages))


class GermanSchema(Schema):
    """A schema whose every message is German (see :func:`german`)."""

    def handle_error(self, error: ValidationError, data, *, many: bool, **kwargs) -> None:
        raise ValidationError(_germanised(error.messages), data=error.data, valid_data=error.valid_data) from None


class Trimmed(fields.String):
    """A string field that strips surrounding white space (copying from the portal often adds some)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _is_guid(value: str) -> bool:
    return bool(GUID_RE.match(value.lower()))


def _german(required: str) -> dict[str, str]:
    return {"required": required, "null": required, "invalid": "Bitte einen Text eintragen."}


class AzureInterfaceSchema(GermanSchema):
    """The "Azure" interface: Benutzername = Anwendungs-ID (Client), Passwort = Wert des geheimen Schlüssels."""

    class Meta:
        unknown = EXCLUDE

    username = Trimmed(
        required=True,
        error_messages=_german("Bitte die Anwendungs-ID (Client) eintragen. " + WHERE_CLIENT_ID),
    )
    password = Trimmed(load_default="")
    """Empty is allowed: the app then proves itself with a certificate cmxOrganize makes (green field)."""

    @validates("username")
    def _client_id(self, value: str, **_kwargs) -> None:
        if not value:
            raise ValidationError("Bitte die Anwendungs-ID (Client) eintragen. " + WHERE_CLIENT_ID)
        if looks_like_secret(value):
            raise ValidationError(
                "Hier steht offenbar der Wert des geheimen Schlüssels; er gehört ins Feld Passwort. In Benutzername "
                "gehört die Anwendungs-ID (Client). " + WHERE_CLIENT_ID
            )
        if not _is_guid(value):
            raise ValidationError(
                "Das ist keine Anwendungs-ID (Client). Sie hat die Form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx "
                "(32 Hexadezimalzeichen mit Bindestrichen). " + WHERE_CLIENT_ID
            )
        if value.lower() == NIL_GUID:
            raise ValidationError("00000000-0000-0000-0000-000000000000 ist ein Platzhalter, keine Anwendungs-ID.")

    @validates("password")
    def _secret_value(self, value: str, **_kwargs) -> None:
        if not value:
            return  # no secret: a certificate (see cmx_plugin_m365.care.credentials)
        problem = secret_value_problem(value)
        if problem:
            raise ValidationError(problem)

    def load(self, data, *args, **kwargs):
        try:
            loaded = super().load(data, *args, **kwargs)
        except ValidationError:
            username, password = str(data.get("username") or ""), str(data.get("password") or "").strip()
            if looks_like_secret(username) and _is_guid(password):
                raise ValidationError({"username": [SWAPPED], "password": [SWAPPED]}) from None
            raise
        loaded["username"] = loaded["username"].lower()
        return loaded


_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_.~+/=-]{30,200}$")
SWAPPED = (
    "Benutzername und Passwort sind offenbar vertauscht: In Benutzername gehört die Anwendungs-ID (Client), die Form "
    "xxxxxxxx-xxxx-…; in Passwort der Wert des geheimen Schlüssels. Bitte beide neu eintragen."
)


def looks_like_secret(value: str) -> bool:
    """Whether a typed value has the shape of a client secret's value (Entra's are 40 characters like
    ``abc8Q~…``; older ones 32–44 characters of letters, digits and ``_.~+/=-``). Such a value is never shown again
    (host API 1.2, ``secret_shaped``) and, in the wrong field, named as a secret."""
    value = value.strip()
    if not _SECRET_SHAPE.match(value) or _is_guid(value) or _is_domain(value.lower()):
        return False
    return "~" in value or (
        any(c.islower() for c in value) and any(c.isupper() for c in value) and any(c.isdigit() for c in value)
    )


def secret_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be the value of a client secret, in German, or None when it may be one."""
    if not value:
        return "Bitte den Wert des geheimen Schlüssels (Client Secret) eintragen."
    if _is_guid(value):
        return (
            "Das ist die ID des geheimen Schlüssels („Geheime ID“), nicht sein Wert. Benötigt wird der Wert aus der "
            "Spalte „Wert“ unter Zertifikate & Geheimnisse → Geheime Clientschlüssel. Er wird nur direkt nach dem "
            "Anlegen vollständig angezeigt; haben Sie ihn nicht notiert, legen Sie dort einen neuen geheimen "
            "Schlüssel an und tragen dessen Wert ein."
        )
    if "***" in value or "…" in value:
        return (
            "Das ist die verdeckte Anzeige des Schlüssels, nicht sein Wert. Das Entra Admin Center zeigt den Wert nur "
            "direkt nach dem Anlegen vollständig an; legen Sie einen neuen geheimen Schlüssel an und kopieren Sie "
            "dessen Wert sofort."
        )
    if any(ch.isspace() for ch in value):
        return (
            "Der Wert enthält Leerzeichen oder Zeilenumbrüche – beim Kopieren ist vermutlich etwas hinzugekommen. "
            "Bitte den Wert erneut aus dem Entra Admin Center kopieren."
        )
    if not value.isascii() or not value.isprintable():
        return (
            "Der Wert enthält Zeichen, die in einem Schlüsselwert nicht vorkommen (z. B. Umlaute oder typografische "
            "Anführungszeichen). Bitte den Wert direkt aus dem Entra Admin Center kopieren."
        )
    if len(value) < SECRET_MIN_LENGTH:
        return (
            f"Der Wert ist mit {len(value)} Zeichen zu kurz für einen geheimen Schlüssel (Entra erzeugt 40 Zeichen). "
            "Vermutlich wurde nur ein Teil kopiert."
        )
    if len(value) > SECRET_MAX_LENGTH:
        return (
            f"Der Wert ist mit {len(value)} Zeichen zu lang für einen geheimen Schlüssel (Entra erzeugt 40 Zeichen). "
            "Bitte nur den Wert kopieren."
        )
    return None


class TenantIdSchema(GermanSchema):
    """The setting "TenantID": the directory (tenant) ID as GUID, or one of the directory's verified domains."""

    class Meta:
        unknown = EXCLUDE

    value = Trimmed(
        required=True, error_messages=_german("Bitte die Verzeichnis-ID (Mandant) eintragen. " + WHERE_TENANT_ID)
    )

    @validates("value")
    def _tenant(self, value: str, **_kwargs) -> None:
        problem = tenant_problem(value)
        if problem:
            raise ValidationError(problem)

    def load(self, data, *args, **kwargs):
        loaded = super().load(data, *args, **kwargs)
        loaded["value"] = loaded["value"].lower()
        return loaded


def tenant_problem(value: str) -> str | None:
    """Why ``value`` cannot be used as TenantID, in German, or None when it can."""
    lowered = value.lower()
    if not value:
        return "Bitte die Verzeichnis-ID (Mandant) eintragen. " + WHERE_TENANT_ID
    if looks_like_secret(value):
        return (
            "Hier steht offenbar der Wert eines geheimen Schlüssels; er gehört ins Passwortfeld der "
            "Azure-Schnittstelle, nicht in TenantID. " + WHERE_TENANT_ID
        )
    if lowered in COLLECTIVE_TENANTS:
        return (
            f"„{lowered}“ ist keine Verzeichnis-ID, sondern ein Sammel-Endpunkt von Microsoft. Eine App-Registrierung "
            "für „Nur Konten in diesem Organisationsverzeichnis“ (die übliche Wahl) funktioniert dort nicht "
            "(Microsoft-Fehler AADSTS50194). " + WHERE_TENANT_ID
        )
    if _is_guid(value):
        if lowered == NIL_GUID:
            return "00000000-0000-0000-0000-000000000000 ist ein Platzhalter, keine Verzeichnis-ID. " + WHERE_TENANT_ID
        if lowered == CONSUMERS_TENANT_GUID:
            return (
                "Das ist das Verzeichnis der privaten Microsoft-Konten (outlook.com), nicht das Ihrer Organisation. "
                + WHERE_TENANT_ID
            )
        return None
    if "://" in value or "/" in value:
        return "Bitte nur die Verzeichnis-ID eintragen, keine Adresse (URL). " + WHERE_TENANT_ID
    if "@" in value:
        return (
            "Das ist eine E-Mail-Adresse. Eingetragen wird die Verzeichnis-ID (GUID) oder eine Domain Ihrer "
            "Organisation, z. B. contoso.onmicrosoft.com. " + WHERE_TENANT_ID
        )
    if not value.isascii():
        return (
            "Domains mit Umlauten oder anderen Sonderzeichen bitte nicht verwenden; tragen Sie die Verzeichnis-ID "
            "(GUID) ein. " + WHERE_TENANT_ID
        )
    if len(value) > 253 or not _is_domain(lowered):
        return (
            "Das ist weder eine Verzeichnis-ID (Form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) noch eine Domain wie "
            "contoso.onmicrosoft.com. " + WHERE_TENANT_ID
        )
    return None


def _is_domain(value: str) -> bool:
    labels = value.split(".")
    return (
        len(labels) >= 2 and all(_DOMAIN_LABEL_RE.match(label) for label in labels) and bool(_TLD_RE.match(labels[-1]))
    )


def first_error(error: ValidationError) -> str:
    """The first message of a ValidationError, for places that show one line."""
    messages = error.messages
    while isinstance(messages, dict):
        messages = next(iter(messages.values()))
    while isinstance(messages, list):
        messages = messages[0]
    return str(messages)


_URLSAFE = re.compile(r"^[A-Za-z0-9_.~\-]+$")
_CODE = re.compile(r"^[A-Za-z0-9_.~\-]+$")


class CallbackQuerySchema(GermanSchema):
    """The query string Microsoft sends the browser back with to ``App%20E-Mailkonto/continue_oauth``."""

    class Meta:
        unknown = EXCLUDE

    state = fields.String(
        required=True,
        validate=[validate.Length(min=8, max=512), validate.Regexp(_URLSAFE)],
        error_messages={"required": "Der Rückmeldung von Microsoft fehlt die Kennung der Anmeldung."},
    )
    code = fields.String(load_default=None, validate=[validate.Length(min=8, max=8192), validate.Regexp(_CODE)])
    error = fields.String(load_default=None, validate=[validate.Length(max=100), validate.Regexp(r"^[a-z_]+$")])
    error_description = fields.String(load_default=None, validate=validate.Length(max=8192))
    error_uri = fields.String(load_default=None, validate=validate.Length(max=2048))
    session_state = fields.String(load_default=None, validate=validate.Length(max=512))
    client_info = fields.String(load_default=None, validate=validate.Length(max=4096))
    # The admin consent endpoint's answer (admin_consent=True&tenant=<guid>&scope=…): ENTRA-ADMINCONSENT.
    admin_consent = fields.String(load_default=None, validate=validate.OneOf(["True", "true", "False", "false"]))
    tenant = fields.String(load_default=None, validate=[validate.Length(max=100), validate.Regexp(r"^[A-Za-z0-9.-]+$")])
    scope = fields.String(load_default=None, validate=validate.Length(max=2048))

    @validates_schema
    def _code_or_error(self, data, **_kwargs) -> None:
        if not data.get("code") and not data.get("error") and not data.get("admin_consent"):
            raise ValidationError("Die Rückmeldung von Microsoft enthält weder eine Anmeldung noch einen Fehler.")


class AccountFormSchema(GermanSchema):
    """The hidden field of the green-field buttons."""

    class Meta:
        unknown = EXCLUDE

    account_id = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    replace = fields.String(load_default="", validate=validate.OneOf(["", "1"]))
    """"OAuth verwenden": "1" once the person agreed that OAuth replaces the account's password or server."""


class RouteSchema(GermanSchema):
    """ "Versandweg speichern": which way the account's mail leaves."""

    class Meta:
        unknown = EXCLUDE

    account_id = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=2**31 - 1))
    route = fields.String(
        required=True,
        validate=validate.OneOf(
            ["auto", "smtp", "graph"], error="Bitte „automatisch“, „SMTP“ oder „Microsoft Graph“ wählen."
        ),
        error_messages={"required": "Bitte einen Versandweg wählen."},
    )


class GermanDate(fields.Date):
    """A date as people here type it (28.11.2028, also 28.11.28) or as a date picker sends it (2028-11-28)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value or "").strip()
        for pattern in ("%d.%m.%Y", "%d.%m.%y"):
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                pass
        return super()._deserialize(text, attr, data, **kwargs)


class SecretExpirySchema(GermanSchema):
    """The expiry date of the client secret as Entra shows it ("Läuft ab")."""

    class Meta:
        unknown = EXCLUDE

    expires_on = GermanDate(
        required=True,
        error_messages={
            "required": "Bitte das Ablaufdatum eintragen, wie es im Entra Admin Center in der Spalte „Läuft ab“ steht.",
            "invalid": "Bitte ein Datum eintragen, z. B. 28.11.2028.",
        },
    )


class CertificateSchema(GermanSchema):
    """ "Zertifikat erstellen": how long the certificate lives, and (for renewal by itself) the registration's object
    ID. ``client_id`` is the Anwendungs-ID, to tell the two GUIDs apart — people mix them up."""

    class Meta:
        unknown = EXCLUDE

    months = fields.Integer(
        required=True,
        strict=False,
        validate=validate.OneOf([12, 24, 36], error="Bitte eine Gültigkeit von 1, 2 oder 3 Jahren wählen."),
        error_messages={"required": "Bitte eine Gültigkeit wählen.", "invalid": "Bitte eine Gültigkeit wählen."},
    )
    object_id = Trimmed(load_default="")
    client_id = Trimmed(load_default="")

    @validates_schema
    def _object_id(self, data, **_kwargs) -> None:
        value = data.get("object_id", "").lower()
        if not value:
            return
        if not _is_guid(value) or value == NIL_GUID:
            raise ValidationError(
                "Die Objekt-ID hat die Form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx. " + WHERE_OBJECT_ID, "object_id"
            )
        if value == data.get("client_id", "").lower():
            raise ValidationError(
                "Das ist die Anwendungs-ID (Client); gebraucht wird die Objekt-ID der App-Registrierung. "
                + WHERE_OBJECT_ID,
                "object_id",
            )


WHERE_OBJECT_ID = "Sie steht im Entra Admin Center unter App-Registrierungen → cmxOrganize → Übersicht („Objekt-ID“)."
