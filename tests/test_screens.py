"""The devhost's screens over HTTP, as an admin uses them for section 2 of the admin guide."""

from urllib.parse import quote

import pytest

from .conftest import field_error, flashes
from .helpers import CLIENT_ID, SECRET_ID, SECRET_VALUE

INTERFACES = "/" + quote("App Schnittstellen") + "/"
SETTINGS = "/" + quote("App Einstellungen") + "/"
ACCOUNTS = "/" + quote("App E-Mailkonto") + "/"


@pytest.fixture
def tenant(ms):
    """A directory the emulated Microsoft knows (TenantID is checked online when saved)."""
    return ms.tenant("Bildungswerk")["id"]


def stored(instance, table):
    with instance.db.transaction() as tx:
        return tx.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def create_azure(browser, **overrides):
    data = {"name": "Microsoft 365", "type": "Azure", "username": CLIENT_ID, "password": SECRET_VALUE, **overrides}
    return browser.post(INTERFACES + "neu", data)


def test_pages_need_a_signed_in_user(app):
    client = app.test_client()
    for url in (INTERFACES, SETTINGS, ACCOUNTS, "/App%20E-Mailkonto/neu"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/anmelden?next=")


def test_wrong_password_is_refused(app):
    client = app.test_client()
    html = client.get("/anmelden").text
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/anmelden", data={"login": "admin", "password": "falsch", "csrf_token": token})
    assert response.status_code == 400
    assert field_error(response.text, "password") == "Benutzername oder Passwort ist falsch."


def test_search_bar_finds_the_apps(browser):
    assert browser.get("/suche?q=Schnittstellen").headers["Location"] == INTERFACES
    assert browser.get("/suche?q=e-mailkonten").headers["Location"] == ACCOUNTS


def test_type_list_includes_azure_with_its_field_labels(browser):
    html = browser.get(INTERFACES + "neu?type=Azure").text
    assert '<option value="Azure" selected>Azure</option>' in html
    assert "Anwendungs-ID (Client)" in html
    assert "Wert des geheimen Schlüssels" in html


def test_create_azure_interface(browser, instance):
    response = create_azure(browser, username=f" {CLIENT_ID.upper()} ", password=f" {SECRET_VALUE}\n")
    assert response.status_code == 302
    (row,) = stored(instance, "interfaces")
    assert (row["type"], row["username"], row["password"]) == ("Azure", CLIENT_ID, SECRET_VALUE)
    page = browser.get(response.headers["Location"]).text
    assert "Schnittstelle gespeichert." in flashes(page)
    assert SECRET_VALUE not in page  # the secret is never shown again


def test_secret_id_instead_of_value_shows_the_german_error_and_stores_nothing(browser, instance):
    response = create_azure(browser, password=SECRET_ID)
    assert response.status_code == 400
    assert field_error(response.text, "password").startswith("Das ist die ID des geheimen Schlüssels")
    assert "Nicht gespeichert: bitte die markierten Felder korrigieren." in flashes(response.text)
    assert stored(instance, "interfaces") == []
    assert SECRET_ID not in response.text


def test_bad_client_id_stores_nothing(browser, instance):
    response = create_azure(browser, username="cmxOrganize")
    assert response.status_code == 400
    assert "keine Anwendungs-ID (Client)" in field_error(response.text, "username")
    assert stored(instance, "interfaces") == []


def test_second_azure_interface_is_refused(browser, instance):
    create_azure(browser)
    response = create_azure(browser, name="Noch eine")
    assert response.status_code == 400
    assert field_error(response.text, "type") == (
        "Es gibt bereits eine Schnittstelle vom Typ „Azure“ („Microsoft 365“). "
        "Bitte diese bearbeiten statt eine zweite anzulegen: "
        f"{instance.host.record_url('Schnittstelle', stored(instance, 'interfaces')[0]['id'])}"
    )
    assert len(stored(instance, "interfaces")) == 1


def test_editing_with_empty_secret_keeps_the_stored_one_and_a_new_value_replaces_it(browser, instance):
    location = create_azure(browser).headers["Location"]
    browser.post(location, {"name": "M365", "type": "Azure", "username": CLIENT_ID, "password": ""})
    assert stored(instance, "interfaces")[0]["password"] == SECRET_VALUE
    new_value = "Zy9Q~" + "n" * 35
    browser.post(location, {"name": "M365", "type": "Azure", "username": CLIENT_ID, "password": new_value})
    assert stored(instance, "interfaces")[0]["password"] == new_value
    response = browser.post(location, {"name": "M365", "type": "Azure", "username": CLIENT_ID, "password": SECRET_ID})
    assert response.status_code == 400
    assert stored(instance, "interfaces")[0]["password"] == new_value  # a bad value changes nothing


def test_azure_green_field_shows_the_exact_redirect_uri(browser):
    location = create_azure(browser).headers["Location"]
    html = browser.get(location).text
    assert 'value="https://kurse.example.de/App%20E-Mailkonto/continue_oauth" readonly' in html
    assert "„Web“" in html
    assert 'class="green-field"' in html


def test_green_field_on_a_new_interface_already_shows_the_uri(browser):
    html = browser.get(INTERFACES + "neu").text
    assert "https://kurse.example.de/App%20E-Mailkonto/continue_oauth" in html


def test_other_interface_types_have_no_green_field(browser, instance):
    response = browser.post(INTERFACES + "neu", {"name": "FTP", "type": "Allgemein", "username": "x", "password": "y"})
    html = browser.get(response.headers["Location"]).text
    assert "continue_oauth" not in html


def test_unknown_type_is_refused(browser, instance):
    response = browser.post(INTERFACES + "neu", {"name": "X", "type": "Gibtsnicht"})
    assert field_error(response.text, "type") == "Diesen Typ gibt es nicht."
    assert stored(instance, "interfaces") == []


def test_post_without_csrf_token_is_refused_and_stores_nothing(browser, instance):
    response = browser.post(
        INTERFACES + "neu",
        {"name": "M365", "type": "Azure", "username": CLIENT_ID, "password": SECRET_VALUE},
        csrf=False,
    )
    assert response.status_code == 400
    assert "Sicherheitsmerkmal fehlt" in response.text
    assert stored(instance, "interfaces") == []


# -- Applikation Einstellungen: TenantID ---------------------------------------------------------------------------


def test_tenant_id_is_offered_and_can_be_added(browser, instance, tenant):
    html = browser.get(SETTINGS).text
    assert "TenantID</a> – Verzeichnis-ID (Mandant)" in html
    response = browser.post(SETTINGS + "neu", {"name": "TenantID", "value": f"  {tenant.upper()} "})
    assert response.status_code == 302
    assert [(r["name"], r["value"]) for r in stored(instance, "settings")] == [("TenantID", tenant)]
    assert instance.host.setting("Einstellungen", "TenantID") == tenant


def test_tenant_common_is_refused_with_the_reason_and_nothing_stored(browser, instance):
    response = browser.post(SETTINGS + "neu", {"name": "TenantID", "value": "common"})
    assert response.status_code == 400
    assert "„common“ ist keine Verzeichnis-ID" in field_error(response.text, "value")
    assert stored(instance, "settings") == []


def test_editing_tenant_to_a_bad_value_keeps_the_old_one(browser, instance, tenant):
    browser.post(SETTINGS + "neu", {"name": "TenantID", "value": tenant})
    record_id = stored(instance, "settings")[0]["id"]
    response = browser.post(f"{SETTINGS}{record_id}", {"value": "organizations"})
    assert response.status_code == 400
    assert stored(instance, "settings")[0]["value"] == tenant


def test_second_setting_with_the_same_name_is_refused(browser, instance, tenant):
    browser.post(SETTINGS + "neu", {"name": "TenantID", "value": tenant})
    response = browser.post(SETTINGS + "neu", {"name": "TenantID", "value": "contoso.onmicrosoft.com"})
    assert "gibt es schon" in field_error(response.text, "name")
    assert [r["value"] for r in stored(instance, "settings")] == [tenant]


def test_undeclared_settings_are_stored_as_the_host_always_does(browser, instance):
    browser.post(SETTINGS + "neu", {"name": "Waehrung", "value": "EUR"})
    assert instance.host.setting("Einstellungen", "Waehrung") == "EUR"


# -- E-Mailkonten --------------------------------------------------------------------------------------------------


def test_mail_account_create_and_validation(browser, instance):
    response = browser.post(
        ACCOUNTS + "neu",
        {"contact": "Geschäftsstelle Nord", "address": "kurse@", "smtp_port": "x", "encryption": "STARTTLS"},
    )
    assert response.status_code == 400
    assert field_error(response.text, "address").startswith("Bitte eine gültige E-Mailadresse")
    assert field_error(response.text, "smtp_port") == "Der Port ist eine Zahl, z. B. 587."
    assert stored(instance, "mail_accounts") == []
    response = browser.post(
        ACCOUNTS + "neu",
        {
            "contact": "Geschäftsstelle Nord",
            "address": "kurse@example.de",
            "username": "kurse@example.de",
            "smtp_host": "smtp.example.de",
            "smtp_port": "587",
            "encryption": "STARTTLS",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == ACCOUNTS + str(stored(instance, "mail_accounts")[0]["id"])
