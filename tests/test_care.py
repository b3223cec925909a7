"""Care over the years: checks when saving, the redirect URI, the client secret's expiry and rotation, idle tokens."""

import datetime as dt

import pytest
from freezegun import freeze_time

from cmx_plugin_m365.care import client_secret, maintenance
from cmx_plugin_m365.wording import BERLIN
from devhost.office import INTERFACES
from devhost.pages import field_error, flashes, green_field_text

from .conftest import run_queue_at
from .helpers import run_method


def interface_id(office) -> int:
    return office.instance.host.interfaces("Azure")[0].id


@pytest.fixture
def unreachable_microsoft(office):
    """Nothing listens where the plugin looks for Microsoft."""
    from devhost.emulators import free_port

    options = office.instance.host.plugin_config("m365")
    saved = options["login_base_url"]
    options["login_base_url"] = f"https://localhost:{free_port()}"
    yield
    options["login_base_url"] = saved


# -- checks when saving ---------------------------------------------------------------------------------------------


def test_unknown_tenant_is_refused_with_microsofts_code(office):
    response = office.save_tenant("nichtda.onmicrosoft.com")
    message = field_error(response.text, "value")
    assert message.startswith(
        "Nicht gespeichert. Verzeichnis nicht gefunden: "
        "Microsoft kennt die in der Einstellung „TenantID“ eingetragene Verzeichnis-ID"
    )
    assert "Code AADSTS90002" in message  # a first save: no "die bisherigen Werte gelten weiter"
    assert office.instance.host.setting("Einstellungen", "TenantID") is None


def test_a_tenant_domain_is_accepted(office):
    assert office.save_tenant(office.org.domain).status_code == 302


@pytest.mark.parametrize(
    ("what", "field", "title", "code"),
    [
        ("wrong secret", "password", "Geheimer Schlüssel ungültig", "AADSTS7000215"),
        ("expired secret", "password", "Geheimer Schlüssel abgelaufen", "AADSTS7000222"),
        ("unknown app", "username", "App-Registrierung nicht gefunden", "AADSTS700016"),
    ],
)
def test_interface_values_that_do_not_work_are_not_stored_and_the_old_ones_stay(office, what, field, title, code):
    office.configure()
    before = office.instance.host.interfaces("Azure")[0]
    values = {
        "wrong secret": {"password": "Abc8Q~" + "x" * 34},
        "expired secret": {"password": office.ms.secret(office.org.client_id, days=-1)["value"]},
        "unknown app": {"username": "11111111-2222-4333-8444-555555555555"},
    }[what]
    response = office.save_interface(**values)
    assert response.status_code == 400
    message = field_error(response.text, field)
    assert message.startswith(f"Nicht gespeichert – die bisherigen Werte gelten weiter. {title}:")
    assert f"Code {code}" in message
    after = office.instance.host.interfaces("Azure")[0]
    assert (after.username, after.password) == (before.username, before.password)


def test_tenant_that_does_not_hold_the_app_is_refused(office):
    office.save_interface()
    other = office.ms.tenant("Anderer Mandant")
    response = office.save_tenant(other["id"])
    assert "App-Registrierung nicht gefunden" in field_error(response.text, "value")


def test_microsoft_unreachable_while_saving_refuses_and_says_why(office, unreachable_microsoft):
    response = office.save_tenant(office.org.tenant_id)
    message = field_error(response.text, "value")
    assert message.startswith("Nicht gespeichert. Keine Verbindung: Der Server war nicht erreichbar.")


def test_the_azure_interface_shows_its_checks(office):
    office.configure()
    green = green_field_text(office.browser.get(f"{INTERFACES}{interface_id(office)}").text)
    assert "✓ Zugangsdaten" in green and "Anwendungs-ID, Schlüssel und Verzeichnis passen." in green
    assert "✓ Umleitungs-URI" in green and "Microsoft akzeptiert die Umleitungs-URI" in green


# -- the redirect URI ------------------------------------------------------------------------------------------------


def test_unregistered_redirect_uri_is_found_before_anyone_is_stuck_at_microsoft(office):
    office.ms.call(
        "app/redirect_uris",
        client_id=office.org.client_id,
        redirect_uris=["https://www.kurse.example.de/App%20E-Mailkonto/continue_oauth"],
    )
    office.follow(office.save_interface())
    response = office.save_tenant(office.org.tenant_id)
    messages = flashes(office.follow(response))
    assert messages[0] == "Einstellung gespeichert."
    assert messages[1].startswith(
        "Die Anmeldung bei Microsoft wird so noch nicht funktionieren. Umleitungs-URI nicht registriert:"
    )
    assert "Code AADSTS50011" in messages[1]
    green = green_field_text(office.browser.get(f"{INTERFACES}{interface_id(office)}").text)
    assert "✗ Umleitungs-URI" in green

    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    page = office.click(account_id, "Bei Microsoft anmelden")  # stays in cmxOrganize: not sent to an error page
    (message,) = flashes(page)
    assert message.startswith(
        "Die Anmeldung bei Microsoft würde scheitern. Umleitungs-URI nicht registriert: Die "
        "Adresse, an die Microsoft nach der Anmeldung zurückleitet"
    )


def test_browser_on_another_host_name_is_told_before_the_sign_in(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    office.browser.base_url = "https://www.kurse.example.de"  # the same instance, reached with "www."
    office.browser.login()
    (message,) = flashes(office.click(account_id, "Bei Microsoft anmelden"))
    assert message == (
        "Sie haben cmxOrganize über „https://www.kurse.example.de“ aufgerufen, die Anmeldung bei "
        "Microsoft ist aber für „https://kurse.example.de“ eingerichtet (Umleitungs-URI). Bitte rufen "
        "Sie cmxOrganize über https://kurse.example.de auf und starten Sie die Anmeldung dort erneut."
    )


# -- the client secret's expiry ---------------------------------------------------------------------------------------


def secret_warnings(office):
    return [n["subject"] for n in office.notifications() if "Schlüssel" in n["subject"]]


def test_expiry_warnings_once_per_threshold_and_daily_after(office):
    office.configure()
    host = office.instance.host
    info = client_secret.current(host)
    expires = info.expires_at
    assert expires == info.entered_at + dt.timedelta(days=730)  # Entra's maximum, until the admin enters the date
    # Days are counted on Berlin's calendar: the test must not depend on the time of day it runs at, so the expiry is
    # moved to noon of its day, and every "now" keeps that wall-clock time (across summer time, too).
    expires = dt.datetime.combine(expires.astimezone(BERLIN).date(), dt.time(12), BERLIN)
    with office.instance.db.transaction() as tx:
        tx.execute("UPDATE m365_secret SET expires_at = :x", {"x": expires.astimezone(dt.UTC)})

    def run(days_before: float):
        now = expires - dt.timedelta(days=days_before)
        with freeze_time(now):
            return client_secret.warn(host, now)

    assert run(31) is None
    assert run(30) == "Geheimer Schlüssel der Azure-Schnittstelle läuft in 30 Tagen ab"
    assert run(29.5) is None and run(20) is None  # once per threshold, not every run
    assert run(14) == "Geheimer Schlüssel der Azure-Schnittstelle läuft in 14 Tagen ab"
    assert run(7) == "Geheimer Schlüssel der Azure-Schnittstelle läuft in 7 Tagen ab"
    assert run(1) == "Geheimer Schlüssel der Azure-Schnittstelle läuft morgen ab"
    assert run(0.5) is None
    assert run(-0.01) == "Geheimer Schlüssel der Azure-Schnittstelle ist abgelaufen"
    assert run(-0.02) is None  # the same day
    assert run(-1) == "Geheimer Schlüssel der Azure-Schnittstelle ist abgelaufen"  # daily after
    assert run(-2) == "Geheimer Schlüssel der Azure-Schnittstelle ist abgelaufen"
    assert len(secret_warnings(office)) == 7
    text = office.notifications()[-1]["text"]
    assert "Zertifikate & Geheimnisse" in text and "ins Passwortfeld" in text


def test_a_secret_that_is_entered_late_warns_once_not_for_every_threshold(office):
    office.configure()
    host = office.instance.host
    client_secret.set_expiry(host, dt.datetime.now(BERLIN).date() + dt.timedelta(days=5))
    assert client_secret.warn(host, dt.datetime.now(dt.UTC)) == (
        "Geheimer Schlüssel der Azure-Schnittstelle läuft in 5 Tagen ab"
    )
    assert client_secret.warn(host, dt.datetime.now(dt.UTC)) is None
    assert len(secret_warnings(office)) == 1


def test_admin_enters_the_real_expiry_date(office):
    office.configure()
    interface_url = f"{INTERFACES}{interface_id(office)}"
    assert "angenommen: 24 Monate nach dem Eintragen" in green_field_text(office.browser.get(interface_url).text)
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=365)
    page = office.follow(
        office.browser.post("/App%20Schnittstellen/m365_secret_expiry", {"expires_on": day.isoformat()})
    )
    assert flashes(page) == [f"Ablaufdatum des geheimen Schlüssels gespeichert: {day:%d.%m.%Y}."]
    assert f"Läuft ab {day:%d.%m.%Y}" in green_field_text(page)
    assert "angenommen" not in green_field_text(page)
    page = office.follow(office.browser.post("/App%20Schnittstellen/m365_secret_expiry", {"expires_on": "morgen"}))
    assert flashes(page) == ["Nicht gespeichert: Bitte ein Datum eintragen, z. B. 28.11.2028."]


def test_the_job_runs_through_the_host_scheduler(office):
    office.configure()
    host = office.instance.host
    client_secret.set_expiry(host, dt.datetime.now(BERLIN).date() + dt.timedelta(days=3))
    ran = office.instance.run_due_jobs()
    assert "m365: Ablauf des geheimen Schlüssels" in ran
    assert secret_warnings(office) == ["Geheimer Schlüssel der Azure-Schnittstelle läuft in 3 Tagen ab"]
    assert office.instance.run_due_jobs() == []  # not due again yet


# -- rotation (admin guide, section 4) --------------------------------------------------------------------------------


def test_rotation_proves_the_new_secret_and_says_when_the_old_one_may_go(office):
    office.configure()
    account_id, _ = office.connect("anna")
    new = office.ms.secret(office.org.client_id)
    office.ms.call("counters/reset")
    page = office.follow(office.save_interface(password=new["value"]))
    messages = flashes(page)
    assert messages[0] == "Schnittstelle gespeichert."
    assert messages[1].startswith(
        "Neuer geheimer Schlüssel geprüft: Erneuerung der Anmeldung und Testmail über "
        f"{office.org.people['anna'].upn} erfolgreich. Sie können den alten geheimen "
        f"Schlüssel (Wert beginnt mit „{office.org.secret_value[:3]}“, in cmxOrganize eingetragen am "
    )
    assert office.ms.counters()[f"token:refresh_token:{office.org.client_id}"] == 1
    assert office.mails_to("anna")[-1]["subject"] == "cmxOrganize: Testmail nach Schlüsselwechsel"
    assert "✓ Schlüsselwechsel" in green_field_text(page)

    office.ms.call("secret/delete", client_id=office.org.client_id, secret_id=office.org.secret_id)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    office.ms.call("clock/advance", seconds=7200)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Nach dem Wechsel", "x", now=later)
    assert run_queue_at(office, later)["sent"] == 1


def test_a_new_secret_that_does_not_work_never_replaces_the_old(office):
    office.configure()
    account_id, _ = office.connect("anna")
    response = office.save_interface(password="Zzz8Q~" + "y" * 34)
    assert "Geheimer Schlüssel ungültig" in field_error(response.text, "password")
    assert office.instance.host.interfaces("Azure")[0].password == office.org.secret_value
    assert run_method(office, account_id)[-1].startswith("✓")


# -- idle tokens -----------------------------------------------------------------------------------------------------


def test_idle_tokens_are_kept_alive_past_ninety_days(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.ms.call(
        "counters/reset"
    )  # the sign-in's own refreshes (Graph's token for reading the mailbox) are not idle ones
    start = dt.datetime.now(dt.UTC)
    for days in (61, 122):
        office.ms.call("clock/advance", seconds=61 * 86400)
        now = start + dt.timedelta(days=days)
        with freeze_time(now, tick=True):
            assert maintenance.keep_alive(office.instance.host, now) == 1
    assert office.ms.counters()[f"token:refresh_token:{office.org.client_id}"] == 2
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Nach 122 Tagen", "x", now=now)
    assert run_queue_at(office, now)["sent"] == 1


def test_without_keep_alive_microsoft_drops_the_sign_in_after_ninety_days(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.ms.call("clock/advance", seconds=91 * 86400)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Nach 91 Tagen", "x", now=now)
    assert run_queue_at(office, now)["held"] == 1
    assert office.queue(account_id)[0]["last_error_code"] == "AADSTS700082"
    assert office.row(account_id)["state"] == "signin_required"


def test_keep_alive_leaves_recently_refreshed_accounts_alone(office):
    office.configure()
    office.connect("anna")
    assert maintenance.keep_alive(office.instance.host, dt.datetime.now(dt.UTC) + dt.timedelta(days=59)) == 0


# -- the overview ----------------------------------------------------------------------------------------------------


def test_overview_of_all_mail_accounts(office):
    office.configure()
    office.connect("anna")
    ben_id = office.create_account("ben")
    office.enable_oauth(ben_id)
    office.create_account("anna", address="info@anderer-anbieter.de", smtp_host="mail.anderer-anbieter.de")
    page = office.browser.get("/App%20E-Mailkonto/oauth_overview").text
    text = green_field_text(page)
    assert "3 E-Mailkonten, davon 2 mit OAuth; 1 braucht Aufmerksamkeit." in text
    assert f"{office.org.people['anna'].upn} OAuth, verbunden; angemeldet als {office.org.people['anna'].upn}" in text
    assert f"{office.org.people['ben'].upn} OAuth, nicht angemeldet" in text
    assert "info@anderer-anbieter.de ohne OAuth" in text


def test_a_problem_shows_its_title_not_only_its_code(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.choose_route(account_id, "smtp")
    office.ms.call("mailbox/update", address=office.org.people["anna"].upn, smtp_auth_enabled=False)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    office.instance.mailer.run_queue()
    text = green_field_text(office.browser.get("/App%20E-Mailkonto/oauth_overview").text)
    assert "OAuth, verbunden – SMTP AUTH ist ausgeschaltet (535 5.7.139)" in text


def test_deleting_an_account_says_what_stays_at_microsoft(office):
    office.configure()
    account_id, _ = office.connect("anna")
    page = office.follow(office.browser.post(f"/App%20E-Mailkonto/{account_id}/loeschen"))
    messages = flashes(page)
    assert messages[0] == "E-Mailkonto gelöscht."
    assert "Die Zustimmung bei Microsoft bleibt bestehen" in messages[1] and "myapps.microsoft.com" in messages[1]
    assert office.row(account_id) is None


def test_the_interface_shows_when_microsoft_accepted_the_secret(office):
    office.configure()  # interface first (no TenantID yet: not checkable), then TenantID: now it is checked
    info = client_secret.current(office.instance.host)
    assert info.validated_at is not None
    text = green_field_text(office.browser.get(f"{INTERFACES}{interface_id(office)}").text)
    assert "Zuletzt von Microsoft akzeptiert –" not in text


def test_old_events_and_pending_sign_ins_are_purged(office):
    office.configure()
    account_id, _ = office.connect("anna")
    account = office.instance.host.mail_account(account_id)
    office.instance.mailer.enqueue(account.id, "kurs@example.de", "x", "x")
    in_a_year = dt.datetime.now(dt.UTC) + dt.timedelta(days=366)
    assert maintenance.purge(office.instance.host, in_a_year) > 0
    with office.instance.db.transaction() as tx:
        assert tx.execute("SELECT count(*) AS n FROM m365_event").fetchone()["n"] == 0
        assert tx.execute("SELECT count(*) AS n FROM m365_signin").fetchone()["n"] == 0
