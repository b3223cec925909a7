"""Every rule of the plugin's input schemas, with the inputs people really type (and paste)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from cmx_plugin_m365.web.schemas import AzureInterfaceSchema, TenantIdSchema

from .helpers import CLIENT_ID, SECRET_ID, SECRET_VALUE


def azure(**values):
    return AzureInterfaceSchema().load({"username": CLIENT_ID, "password": SECRET_VALUE, **values})


def azure_error(field, **values) -> str:
    with pytest.raises(ValidationError) as info:
        azure(**values)
    assert list(info.value.messages) == [field]
    return info.value.messages[field][0]


def tenant(value):
    return TenantIdSchema().load({"value": value})["value"]


def tenant_error(value) -> str:
    with pytest.raises(ValidationError) as info:
        tenant(value)
    return info.value.messages["value"][0]


# -- Azure interface: Anwendungs-ID (Client) -----------------------------------------------------------------------


def test_valid_azure_values_are_trimmed_and_normalized():
    loaded = azure(username=f"  {CLIENT_ID.upper()}\n", password=f"\t{SECRET_VALUE}  ")
    assert loaded == {"username": CLIENT_ID, "password": SECRET_VALUE}


@pytest.mark.parametrize("value", ["", "   ", "\n\t"])
def test_client_id_empty(value):
    assert azure_error("username", username=value).startswith("Bitte die Anwendungs-ID (Client) eintragen.")


def test_client_id_missing_entirely():
    with pytest.raises(ValidationError) as info:
        AzureInterfaceSchema().load({"password": SECRET_VALUE})
    assert info.value.messages["username"][0].startswith("Bitte die Anwendungs-ID (Client) eintragen.")


@pytest.mark.parametrize(
    "value",
    [
        "cmxOrganize",  # the display name instead of the ID
        "3f2a8b1c9d4e4f5a8b6c7d8e9f0a1b2c",  # without dashes
        "{3f2a8b1c-9d4e-4f5a-8b6c-7d8e9f0a1b2c}",  # with braces
        "3f2a8b1c-9d4e-4f5a-8b6c-7d8e9f0a1b2",  # one character short
        "3f2a8b1c-9d4e-4f5a-8b6c-7d8e9f0a1b2cc",  # one too many
        "3f2a8b1c-9d4e-4f5a-8b6c-7d8e9f0a1bzz",  # not hexadecimal
        "ä" * 36,  # non-ASCII
        "x" * 10_000,  # absurdly long
    ],
)
def test_client_id_must_be_a_guid(value):
    message = azure_error("username", username=value)
    assert "keine Anwendungs-ID (Client)" in message
    assert "App-Registrierungen" in message  # says where to find the right value
    assert value not in message  # never echoes what was typed


def test_client_id_placeholder_refused():
    assert "Platzhalter" in azure_error("username", username="00000000-0000-0000-0000-000000000000")


# -- Azure interface: Wert des geheimen Schlüssels -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "    ", "\r\n"])
def test_an_empty_secret_is_allowed_for_a_certificate(value):
    """No secret: the app proves itself with a certificate cmxOrganize makes (care.credentials); the green field and
    the message after saving say what to do next."""
    assert AzureInterfaceSchema().load({"username": CLIENT_ID, "password": value})["password"] == ""


@pytest.mark.parametrize("value", [SECRET_ID, SECRET_ID.upper(), f"  {SECRET_ID}  "])
def test_secret_id_instead_of_value_is_refused_with_the_explanation(value):
    message = azure_error("password", password=value)
    assert message.startswith("Das ist die ID des geheimen Schlüssels („Geheime ID“), nicht sein Wert.")
    assert "Spalte „Wert“" in message
    assert "neuen geheimen Schlüssel" in message


def test_client_id_pasted_as_secret_is_refused_too():
    assert "nicht sein Wert" in azure_error("password", password=CLIENT_ID)


@pytest.mark.parametrize("value", ["Qx8****************************", "Qx8Q~abc…"])
def test_masked_portal_display_is_refused(value):
    assert "verdeckte Anzeige" in azure_error("password", password=value)


def test_secret_with_inner_whitespace():
    message = azure_error("password", password=SECRET_VALUE[:20] + " " + SECRET_VALUE[20:])
    assert "Leerzeichen oder Zeilenumbrüche" in message


@pytest.mark.parametrize(
    "value", ["Qx8Q~abcDEFghiJKLmnoPQRstuVWXyz012345678ä", "„Qx8Q~abcDEFghiJKLmnoPQRstuVWXyz0123456“"]
)
def test_secret_non_ascii(value):
    assert "Umlaute oder typografische" in azure_error("password", password=value)


def test_secret_too_short():
    message = azure_error("password", password="Qx8Q~abc")
    assert "mit 8 Zeichen zu kurz" in message
    assert "Qx8Q~abc" not in message


def test_secret_too_long():
    assert "mit 201 Zeichen zu lang" in azure_error("password", password="a" * 201)


@given(st.text(max_size=300))
def test_azure_schema_never_fails_otherwise_and_never_echoes_a_secret(text):
    try:
        loaded = AzureInterfaceSchema().load({"username": CLIENT_ID, "password": text})
    except ValidationError as error:
        message = error.messages["password"][0]
        assert len(text.strip()) < 4 or text.strip() not in message
    else:
        value = loaded["password"]
        assert value == "" or (16 <= len(value) <= 200 and value.isascii() and not any(c.isspace() for c in value))


# -- TenantID ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("72f988bf-86f1-41af-91ab-2d7cd011db47", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
        ("  72F988BF-86F1-41AF-91AB-2D7CD011DB47 ", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
        ("contoso.onmicrosoft.com", "contoso.onmicrosoft.com"),
        ("Contoso.DE", "contoso.de"),
        ("kurse.bildungswerk-nord.de", "kurse.bildungswerk-nord.de"),
        ("xn--mller-kva.de", "xn--mller-kva.de"),
    ],
)
def test_tenant_accepted(value, stored):
    assert tenant(value) == stored


@pytest.mark.parametrize("value", ["", "   "])
def test_tenant_empty(value):
    assert tenant_error(value).startswith("Bitte die Verzeichnis-ID (Mandant) eintragen.")


@pytest.mark.parametrize("value", ["common", "organizations", "consumers", "Common", " ORGANIZATIONS "])
def test_collective_endpoints_refused_with_reason(value):
    message = tenant_error(value)
    assert f"„{value.strip().lower()}“ ist keine Verzeichnis-ID" in message
    assert "AADSTS50194" in message
    assert "Nur Konten in diesem Organisationsverzeichnis" in message


def test_placeholder_and_consumer_tenants_refused():
    assert "Platzhalter" in tenant_error("00000000-0000-0000-0000-000000000000")
    assert "privaten Microsoft-Konten" in tenant_error("9188040d-6c67-4c5b-b112-36a304b66dad")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", "keine Adresse (URL)"),
        ("admin@contoso.onmicrosoft.com", "Das ist eine E-Mail-Adresse"),
        ("müller.de", "Umlauten"),
        ("contoso", "weder eine Verzeichnis-ID"),
        ("-contoso.de", "weder eine Verzeichnis-ID"),
        ("contoso..de", "weder eine Verzeichnis-ID"),
        ("contoso.d", "weder eine Verzeichnis-ID"),
        ("contoso.123", "weder eine Verzeichnis-ID"),
        ("72f988bf-86f1-41af-91ab-2d7cd011db4", "weder eine Verzeichnis-ID"),
        ("a" * 250 + ".de", "weder eine Verzeichnis-ID"),
        ("con toso.de", "weder eine Verzeichnis-ID"),
    ],
)
def test_tenant_refused(value, expected):
    message = tenant_error(value)
    assert expected in message
    assert "Verzeichnis-ID (Mandant)" in message  # says where the right value is


@given(st.text(max_size=300))
def test_tenant_schema_only_raises_validation_errors(text):
    try:
        value = tenant(text)
    except ValidationError as error:
        assert error.messages["value"][0]
    else:
        assert value == value.strip().lower()
        assert value not in ("common", "organizations", "consumers")
