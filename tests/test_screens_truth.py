"""What the admin sees is true (issue 11): the plugin's explanations are reached, whatever address the browser used."""

from devhost.web import create_app

from .conftest import Browser, flashes


def test_under_another_address_the_person_is_told_which_address_to_use(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    app = create_app(office.instance)
    app.config["TESTING"] = True
    www = Browser(app.test_client(), base_url="https://www.kurse.example.de").login()  # configured: kurse.example.de
    office_www = type(office)(office.instance, www, office.ms, office.org, office.microsoft)
    page = office_www.click(account_id, "Bei Microsoft anmelden")
    (message,) = flashes(page)
    assert message.startswith("Sie haben cmxOrganize über „https://www.kurse.example.de“ aufgerufen")
    assert "Bitte rufen Sie cmxOrganize über https://kurse.example.de auf" in message
    assert "Sicherheitsmerkmal" not in page


def test_no_english_error_pages(office, app_for):
    from devhost.instance import add_user

    from .conftest import Browser

    office.configure()
    response = office.browser.get("/App%20E-Mailkonto/oauth_start")  # a GET of a button's target
    assert response.status_code == 405
    assert "Method Not Allowed" not in response.text and "nur über eine Schaltfläche" in response.text
    add_user(office.instance.db, "kim", "kim-Kennwort-1", display_name="Kim Klein")
    app = create_app(office.instance)
    app.config["TESTING"] = True
    kim = Browser(app.test_client()).login("kim", "kim-Kennwort-1")
    response = kim.get("/App%20E-Mailkonto/oauth_overview")  # admins only
    assert response.status_code == 403 and "Forbidden" not in response.text and "Admins" in response.text


# -- nothing goes stale ------------------------------------------------------------------------------------------------


def interface_page(office) -> str:
    from devhost.pages import green_field_text

    (interface,) = office.instance.host.interfaces("Azure")
    return green_field_text(office.browser.get(f"/App%20Schnittstellen/{interface.id}").text)


def recheck(office) -> list[str]:
    (interface,) = office.instance.host.interfaces("Azure")
    return flashes(office.click_on(f"/App%20Schnittstellen/{interface.id}", "Jetzt prüfen"))


def test_jetzt_pruefen_with_a_working_new_secret_clears_7000222_on_every_account(office):
    import datetime as dt

    from .conftest import run_queue_at
    from .test_mailing import expire_access_token

    office.configure()
    anna_id, _ = office.connect("anna")
    ben_id, _ = office.connect("ben")
    office.ms.call("secret/expire", client_id=office.org.client_id, secret_id=office.org.secret_id)
    when = expire_access_token(office)
    for account_id in (anna_id, ben_id):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", str(account_id))
    assert run_queue_at(office, when)["held"] == 2
    assert {office.row(a)["problem_code"] for a in (anna_id, ben_id)} == {"AADSTS7000222"}
    # The admin makes a new secret at Microsoft; until cmxOrganize knows it, the check says ✗.
    new = office.ms.call("secret", client_id=office.org.client_id)
    assert recheck(office)[0].startswith("✗ Zugangsdaten: Geheimer Schlüssel abgelaufen")
    with office.instance.db.transaction() as tx:  # the new value, as the interface's form stores it
        tx.execute("UPDATE interfaces SET password = :p WHERE type = 'Azure'", {"p": new["value"]})
    messages = recheck(office)
    assert messages[0].startswith("✓ Zugangsdaten: Anwendungs-ID, Schlüssel und Verzeichnis passen. Behoben bei 2")
    assert {office.row(a)["problem_code"] for a in (anna_id, ben_id)} == {None}
    assert run_queue_at(office, when + dt.timedelta(minutes=1))["sent"] == 2
    assert "✓ Zugangsdaten" in interface_page(office)


def test_a_fixed_redirect_uri_turns_green_with_jetzt_pruefen(office):
    office.configure()
    office.ms.call("app/redirect_uris", client_id=office.org.client_id, redirect_uris=["https://other.example/cb"])
    assert recheck(office)[1].startswith("✗ Umleitungs-URI")
    assert "✗ Umleitungs-URI" in interface_page(office)
    office.ms.call(
        "app/redirect_uris",
        client_id=office.org.client_id,
        redirect_uris=["https://kurse.example.de/App%20E-Mailkonto/continue_oauth"],
    )
    assert recheck(office)[1].startswith("✓ Umleitungs-URI")
    page = interface_page(office)
    assert "✓ Umleitungs-URI" in page and "✗ Umleitungs-URI" not in page


def test_a_check_from_before_the_secrets_expiry_is_not_shown_as_true(office):
    import datetime as dt

    from freezegun import freeze_time

    from cmx_plugin_m365 import client_secret

    office.configure()
    client_secret.set_expiry(office.instance.host, (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).date())
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=5)):
        page = interface_page(office)
    assert "? Zugangsdaten: zuletzt am" in page and "✓ Zugangsdaten" not in page


def test_the_daily_job_checks_the_setup(office):
    import datetime as dt

    from cmx_plugin_m365 import checks, store

    office.configure()
    before = store.checks(office.instance.host)["credentials"].at
    assert checks.daily_recheck(office.instance.host, dt.datetime.now(dt.UTC)) == 2
    assert store.checks(office.instance.host)["credentials"].at > before


# -- a secret in the wrong field is never shown back; swapped fields are named -----------------------------------------


def test_a_secret_typed_into_benutzername_is_not_shown_back(office):
    from devhost.pages import field_error

    response = office.browser.post(
        "/App%20Schnittstellen/neu",
        {"name": "Microsoft 365", "type": "Azure", "username": office.org.secret_value, "password": "x"},
    )
    assert response.status_code == 400
    assert office.org.secret_value not in response.text
    assert field_error(response.text, "username").startswith("Hier steht offenbar der Wert des geheimen Schlüssels")


def test_swapped_fields_are_named_as_swapped(office):
    from devhost.pages import field_error

    response = office.browser.post(
        "/App%20Schnittstellen/neu",
        {
            "name": "Microsoft 365",
            "type": "Azure",
            "username": office.org.secret_value,
            "password": office.org.client_id,
        },
    )
    assert field_error(response.text, "username").startswith("Benutzername und Passwort sind offenbar vertauscht")
    assert office.org.secret_value not in response.text


def test_a_secret_typed_into_tenantid_is_not_shown_back(office):
    from devhost.pages import field_error

    response = office.browser.post("/App%20Einstellungen/neu", {"name": "TenantID", "value": office.org.secret_value})
    assert response.status_code == 400
    assert office.org.secret_value not in response.text
    assert "gehört ins Passwortfeld der Azure-Schnittstelle" in field_error(response.text, "value")
