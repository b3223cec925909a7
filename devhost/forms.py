"""The devhost's own input schemas (the host's fields; plugins validate theirs with their own schemas)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates


class _Trimmed(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _required(text: str) -> dict[str, str]:
    return {"required": text, "null": text}


class LoginSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    login = _Trimmed(
        required=True,
        validate=validate.Length(min=1, max=100, error="Bitte den Benutzernamen eintragen."),
        error_messages=_required("Bitte den Benutzernamen eintragen."),
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Bitte das Passwort eintragen."),
        error_messages=_required("Bitte das Passwort eintragen."),
    )


class InterfaceBaseSchema(Schema):
    """Fields every interface has, whatever its type."""

    class Meta:
        unknown = EXCLUDE

    name = _Trimmed(
        required=True,
        validate=validate.Length(min=1, max=100, error="Bitte eine Bezeichnung (bis 100 Zeichen) eintragen."),
        error_messages=_required("Bitte eine Bezeichnung eintragen."),
    )
    type = _Trimmed(required=True, error_messages=_required("Bitte einen Typ wählen."))


class GenericInterfaceSchema(Schema):
    """Benutzername/Passwort of the host's own interface types."""

    class Meta:
        unknown = EXCLUDE

    username = _Trimmed(load_default="", validate=validate.Length(max=200, error="Höchstens 200 Zeichen."))
    password = fields.String(load_default="", validate=validate.Length(max=500, error="Höchstens 500 Zeichen."))


class SettingNameSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = _Trimmed(
        required=True,
        validate=[
            validate.Length(min=1, max=100, error="Bitte einen Namen (bis 100 Zeichen) eintragen."),
            validate.Regexp(r"^[A-Za-z0-9_.-]+$", error="Der Name darf nur Buchstaben, Ziffern, _ . und - enthalten."),
        ],
        error_messages=_required("Bitte einen Namen eintragen."),
    )


class GenericSettingSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    value = _Trimmed(load_default="", validate=validate.Length(max=2000, error="Höchstens 2000 Zeichen."))


ENCRYPTIONS = ("STARTTLS", "SSL/TLS", "keine")


class MailAccountSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    contact = _Trimmed(
        required=True,
        validate=validate.Length(
            min=1, max=200, error="Bitte Mitarbeiter*in oder Geschäftsstelle eintragen (bis 200 Zeichen)."
        ),
        error_messages=_required("Bitte Mitarbeiter*in oder Geschäftsstelle eintragen."),
    )
    address = _Trimmed(required=True, error_messages=_required("Bitte die E-Mailadresse eintragen."))
    username = _Trimmed(load_default="", validate=validate.Length(max=254, error="Höchstens 254 Zeichen."))
    smtp_host = _Trimmed(load_default="", validate=validate.Length(max=253, error="Höchstens 253 Zeichen."))
    smtp_port = fields.Integer(
        load_default=587,
        validate=validate.Range(min=1, max=65535, error="Der Port liegt zwischen 1 und 65535."),
        error_messages={"invalid": "Der Port ist eine Zahl, z. B. 587."},
    )
    encryption = _Trimmed(
        load_default="STARTTLS", validate=validate.OneOf(ENCRYPTIONS, error="Bitte eine Verschlüsselung wählen.")
    )
    password = fields.String(load_default="", validate=validate.Length(max=500, error="Höchstens 500 Zeichen."))

    @validates("address")
    def _address(self, value: str, **_kw) -> None:
        if not value:
            raise ValidationError("Bitte die E-Mailadresse eintragen.")
        local, at, domain = value.partition("@")
        if not (local and at and "." in domain and " " not in value and len(value) <= 254):
            raise ValidationError("Bitte eine gültige E-Mailadresse eintragen, z. B. kurse@example.de.")


def field_errors(error: ValidationError) -> dict[str, str]:
    """ValidationError.messages flattened to one German message per field."""
    flat = {}
    for name, messages in error.messages.items():
        while isinstance(messages, (list, dict)):
            messages = messages[0] if isinstance(messages, list) else next(iter(messages.values()))
        flat[name] = str(messages)
    return flat
