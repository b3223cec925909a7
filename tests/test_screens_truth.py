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


def two_accounts_held_by_an_expired_secret(office):
    """anna and ben connected; the secret expires; a mail of each is held for it. Returns (ids, the plugin's now)."""
    from .conftest import run_queue_at
    from .helpers import expire_access_token

    office.configure()
    ids = (office.connect("anna")[0], office.connect("ben")[0])
    office.ms.call("secret/expire", client_id=office.org.client_id, secret_id=office.org.secret_id)
    when = expire_access_token(office)
    for account_id in ids:
        office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", str(account_id))
    assert run_queue_at(office, when)["held"] == 2
    assert {office.row(a)["problem_code"] for a in ids} == {"AADSTS7000222"}
    return ids, when


def assert_released(office, ids, when):
    import datetime as dt

    from .conftest import run_queue_at

    assert {office.row(a)["problem_code"] for a in ids} == {None}
    assert run_queue_at(office, when + dt.timedelta(minutes=1))["sent"] == 2


def test_jetzt_pruefen_with_a_working_new_secret_clears_7000222_on_every_account(office):
    ids, when = two_accounts_held_by_an_expired_secret(office)
    # The admin makes a new secret at Microsoft; until cmxOrganize knows it, the check says ✗.
    new = office.ms.call("secret", client_id=office.org.client_id)
    assert recheck(office)[0].startswith("✗ Zugangsdaten: Geheimer Schlüssel abgelaufen")
    with office.instance.db.transaction() as tx:  # the new value, as the interface's form stores it
        tx.execute("UPDATE interfaces SET password = :p WHERE type = 'Azure'", {"p": new["value"]})
    messages = recheck(office)
    assert messages[0].startswith(
        "✓ Zugangsdaten: Anwendungs-ID, Schlüssel und Verzeichnis passen. Behoben bei 2 E-Mailkonten;"
    )
    assert_released(office, ids, when)
    assert "✓ Zugangsdaten" in interface_page(office)


def test_saving_a_working_new_secret_clears_7000222_on_every_account(office):
    ids, when = two_accounts_held_by_an_expired_secret(office)
    new = office.ms.call("secret", client_id=office.org.client_id)
    messages = flashes(office.follow(office.save_interface(password=new["value"])))
    assert messages[1].startswith("Neuer geheimer Schlüssel geprüft")
    assert messages[1].endswith("Behoben bei 2 E-Mailkonten; wartende Mails gehen jetzt hinaus.")
    assert_released(office, ids, when)


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

    from cmx_plugin_m365.care import client_secret

    office.configure()
    client_secret.set_expiry(office.instance.host, (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).date())
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=5)):
        page = interface_page(office)
    assert "? Zugangsdaten: zuletzt am" in page and "✓ Zugangsdaten" not in page


def test_the_daily_job_checks_the_setup(office):
    import datetime as dt

    from cmx_plugin_m365 import store
    from cmx_plugin_m365.care import checks

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


# -- one clear message, nothing twice --------------------------------------------------------------------------------


def test_a_failed_test_shows_the_paragraph_once_and_writes_it_once(office):
    from devhost.pages import green_field_text

    office.configure()
    account_id, _ = office.connect("anna")
    office.ms.call("user/revoke", oid=office.org.people["anna"].oid)
    office.ms.call("clock/advance", seconds=7200)
    response = office.browser.post(f"/App%20E-Mailkonto/{account_id}/methode", {"method": "E-Mailkonto testen"})
    html = office.follow(response)
    *_, failed = flashes(html)
    assert failed == (
        "✗ Anmeldung bei Microsoft: Anmeldung widerrufen (Code AADSTS50173) – Ursache und was zu tun ist, stehen im "
        "grünen Feld."
    )
    green = green_field_text(html)
    cause = "Microsoft hat die Anmeldung widerrufen – bei AADSTS50173, weil ein Admin die Sitzungen"
    assert green.count(cause) == 1  # the problem's note; the history lists it by its title
    assert "Anmeldung widerrufen (Code AADSTS50173)" in green
    events = [e for e in _events(office, account_id) if e["code"] == "AADSTS50173"]
    assert len(events) == 1


def _events(office, account_id):
    from cmx_plugin_m365 import store

    return store.events(office.instance.host, account_id, 50)


def test_jetzt_pruefen_points_to_the_check_it_wrote(office):
    office.configure()
    office.ms.call("secret/expire", client_id=office.org.client_id, secret_id=office.org.secret_id)
    first, _ = recheck(office)
    assert first == (
        "✗ Zugangsdaten: Geheimer Schlüssel abgelaufen (Code AADSTS7000222) – Ursache und was zu tun ist, stehen im "
        "grünen Feld."
    )
    page = interface_page(office)
    assert page.count("Der geheime Schlüssel") <= 2 and "✗ Zugangsdaten (geprüft" in page
    assert "Was tun:" in page


def test_words_people_use_and_local_times(office):
    import datetime as dt
    import re
    from zoneinfo import ZoneInfo

    from devhost.pages import green_field_text

    from .helpers import expire_access_token

    office.configure()
    account_id, _ = office.connect("anna")
    expire_access_token(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    from .conftest import run_queue_at

    run_queue_at(office, dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    green = green_field_text(office.browser.get(f"/App%20E-Mailkonto/{account_id}").text)
    assert "Anmeldung bei Microsoft automatisch aufgefrischt." in green
    assert "Zugangstoken" not in green and "token" not in green.lower()
    # A notification, shown in the time people here read (the database keeps UTC).
    office.choose_route(account_id, "smtp")
    office.ms.call("mailbox/update", address=office.org.people["anna"].upn, smtp_auth_enabled=False)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "y")
    run_queue_at(office, dt.datetime.now(dt.UTC) + dt.timedelta(hours=2, minutes=1))
    page = office.browser.get("/App%20Benachrichtigungen/").text
    assert "UTC" not in page
    shown = re.search(r"<td>(\d\d\.\d\d\.\d{4} \d\d:\d\d)</td>", page)[1]
    with office.instance.db.transaction() as tx:
        stored = tx.execute("SELECT created_at FROM notifications ORDER BY id DESC").fetchone()["created_at"]
    if isinstance(stored, str):
        stored = dt.datetime.fromisoformat(stored)
    stored = stored if stored.tzinfo else stored.replace(tzinfo=dt.UTC)
    assert shown == stored.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y %H:%M")
    account_page = office.browser.get(f"/App%20E-Mailkonto/{account_id}").text
    assert "1 Mail angehalten (Code 535 5.7.139)." in account_page and "Mail(s)" not in account_page


# -- while it runs, the person sees that something happens -------------------------------------------------------------


def test_buttons_that_wait_for_microsoft_say_so_while_they_run(office):
    import re

    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    html = office.browser.get(f"/App%20E-Mailkonto/{account_id}").text
    sign_in = re.search(r'<form class="action"[^>]*oauth_start[^>]*>', html)[0]
    assert 'data-busy="Verbindung zu Microsoft wird hergestellt …"' in sign_in
    test = re.search(r'<form method="post" action="[^"]*/methode"[^>]*>', html)[0]
    assert 'data-busy="E-Mailkonto wird getestet' in test
    (interface,) = office.instance.host.interfaces("Azure")
    html = office.browser.get(f"/App%20Schnittstellen/{interface.id}").text
    recheck_form = re.search(r'<form class="action"[^>]*m365_recheck[^>]*>', html)[0]
    assert 'data-busy="Wird bei Microsoft geprüft …"' in recheck_form
