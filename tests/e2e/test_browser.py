"""The outcome of the sign-in issue, clicked by a person in a real browser (Debian's chromium via Playwright).

A screenshot of every step goes to ``$CMX_TEST_ARTIFACTS/e2e/<test>`` (default ``test-artifacts/e2e``), not to git.
"""

from __future__ import annotations

import logging
import re

import pytest

from devhost.stage import ADMIN, live_office

from ..conftest import run_queue_at
from ..helpers import expire_access_token
from .conftest import Shots, flash_texts, green_text, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def live(ms, tmp_path):
    """A devhost on real HTTP (SQLite), wired to the emulators, with an org whose redirect URI points at it."""
    with live_office(tmp_path, ms.addresses) as office:
        yield office.browser.base_url, office.org, office.instance


def test_admin_sets_up_two_mail_accounts_in_the_browser(live, page, ms, caplog):
    caplog.set_level(logging.DEBUG)  # everything every library logs while a person clicks through
    base_url, org, instance = live
    anna, ben = org.people["anna"], org.people["ben"]
    shot = Shots(page, "anleitung")
    page.set_default_timeout(15000)
    answers = []  # what Microsoft sent the browser back with (codes, states)
    page.on("request", lambda request: answers.append(request.url) if "continue_oauth?" in request.url else None)

    page.goto(base_url + "/")
    page.fill("#f-login", ADMIN[0])
    page.fill("#f-password", ADMIN[1])
    page.click("button:has-text('Anmelden')")
    shot("angemeldet")

    # Section 2: the Azure interface (found with the search bar, as the guide says) and TenantID.
    page.fill("input[name=q]", "Schnittstellen")
    page.press("input[name=q]", "Enter")
    page.click("text=Neue Schnittstelle")
    page.fill("#f-name", "Microsoft 365")  # typed first: choosing the type must not lose it
    page.select_option("#f-type", "Azure")
    assert page.locator("#f-name").input_value() == "Microsoft 365"
    assert page.locator("#help-username").inner_text() == "Anwendungs-ID (Client)"
    page.fill("#f-username", org.client_id)
    page.fill("#f-password", org.secret_id)  # the pitfall: the secret's ID instead of its value
    page.click("button:has-text('Speichern')")
    assert page.locator("#error-password").inner_text().startswith("Das ist die ID des geheimen Schlüssels")
    shot("geheime-id-abgelehnt")
    page.fill("#f-username", org.client_id)
    page.fill("#f-password", org.secret_value)
    page.click("button:has-text('Speichern')")
    assert flash_texts(page) == ["Schnittstelle gespeichert."]
    assert page.locator(".copy-value").input_value() == base_url + "/App%20E-Mailkonto/continue_oauth"
    shot("azure-schnittstelle-mit-umleitungs-uri")

    page.fill("input[name=q]", "Einstellungen")
    page.press("input[name=q]", "Enter")
    page.click("a:has-text('TenantID')")
    page.fill("#f-value", org.tenant_id)
    page.click("button:has-text('Speichern')")
    assert flash_texts(page) == ["Einstellung gespeichert."]
    shot("tenantid")

    # Section 3: the first mail account.
    def new_account(person):
        page.goto(base_url + "/App%20E-Mailkonto/neu")
        page.fill("#f-contact", "Geschäftsstelle Nord")
        page.fill("#f-address", person.upn)
        page.click("form.record button:has-text('Speichern')")
        assert flash_texts(page) == ["E-Mailkonto gespeichert."]
        page.click(".green-field button:has-text('OAuth (Microsoft 365) verwenden')")
        assert page.locator("#f-username").input_value() == person.upn

    new_account(anna)
    shot("oauth-eingeschaltet")
    page.click(".green-field button:has-text('Bei Microsoft anmelden')")
    page.wait_for_url(re.compile(re.escape(ms.addresses.login_base_url)))
    assert page.locator("input[name=login]").input_value() == anna.upn  # login_hint pre-filled
    shot("microsoft-anmeldung")
    page.fill("input[name=password]", anna.password)
    page.click("#idSIButton9")
    shot("microsoft-zustimmung")
    page.click("#idBtn_Accept")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20E-Mailkonto/\d+"))
    assert flash_texts(page) == [f"E-Mailkonto eingerichtet, Testmail an {anna.upn} gesendet."]
    assert f"Angemeldet als {anna.upn}" in page.locator(".green-field").inner_text().replace("\n", " ").replace(
        "\t", " "
    )
    shot("eingerichtet-testmail-gesendet")
    assert [m["subject"] for m in ms.messages(to=anna.upn)] == ["cmxOrganize: Testmail"]

    # The second account on the same PC, without signing out of Microsoft first.
    new_account(ben)
    page.click(".green-field button:has-text('Bei Microsoft anmelden')")
    page.wait_for_url(re.compile(re.escape(ms.addresses.login_base_url)))
    assert page.locator(f"button.account:has-text('{anna.upn}')").count() == 1  # Microsoft asks which account
    shot("kontoauswahl")
    page.click("button.account:has-text('Anderes Konto verwenden')")
    page.fill("input[name=login]", ben.upn)
    page.fill("input[name=password]", ben.password)
    page.click("#idSIButton9")
    page.click("#idBtn_Accept")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20E-Mailkonto/\d+"))
    assert flash_texts(page) == [f"E-Mailkonto eingerichtet, Testmail an {ben.upn} gesendet."]
    shot("zweites-konto-eingerichtet")
    assert ms.messages(to=ben.upn)[0]["auth_user"] == ben.upn

    # "E-Mailkonto testen" on the first account.
    page.goto(base_url + "/App%20E-Mailkonto/1")
    page.click("button:has-text('E-Mailkonto testen')")
    assert [t[:1] for t in flash_texts(page)] == ["✓", "✓", "✓", "✓", "Z"]
    shot("e-mailkonto-testen")
    with instance.db.transaction() as tx:
        states = tx.execute("SELECT state, signed_in_as FROM m365_account ORDER BY account_id").fetchall()
    assert [(s["state"], s["signed_in_as"]) for s in states] == [("connected", anna.upn), ("connected", ben.upn)]

    assert_no_secrets_logged(caplog, instance, org, answers)


def assert_no_secrets_logged(caplog, instance, org, answers):
    import json
    from urllib.parse import parse_qs, urlsplit

    from cmx_plugin_m365 import tokens

    secrets = {"client secret": org.secret_value}
    for url in answers:
        for name in ("code", "state"):
            secrets[f"{name} {len(secrets)}"] = parse_qs(urlsplit(url).query)[name][0]
    with instance.db.transaction() as tx:
        blobs = [bytes(r["token_cache"]) for r in tx.execute("SELECT token_cache FROM m365_account").fetchall()]
    for blob in blobs:
        cache = json.loads(tokens.unseal(instance.host, blob).serialize())
        for kind in ("AccessToken", "RefreshToken", "IdToken"):
            for entry in cache[kind].values():
                secrets[f"{kind} {len(secrets)}"] = entry["secret"]
    logs = "\n".join(record.getMessage() for record in caplog.records)
    assert "continue_oauth?code=[entfernt]" in logs  # the access log line is there, without the code
    # The secret, two codes and states, and per account a refresh, an access and an ID token (and the second route's
    # Graph token of the account that was tested).
    assert len(answers) == 2 and len(secrets) >= 1 + 4 + 6
    for name, value in secrets.items():
        assert value not in logs, f"{name} appears in the logs"


def test_where_only_admins_may_consent_the_admin_consents_from_cmxorganize(office_live, page, ms):
    office = office_live
    base_url, org = office.browser.base_url, office.org
    office.configure()  # section 2 by HTTP; the browser test above clicks it
    ms.call("tenant/update", tenant_id=org.tenant_id, consent_policy="admins")
    admin = ms.call(
        "user",
        tenant_id=org.tenant_id,
        upn=f"it-admin@{org.domain}",
        password="Admin-Kennwort-1",
        is_admin=True,
        mailbox=False,
        display_name="IT-Admin",
    )
    anna = org.people["anna"]
    shot = Shots(page, "administratorzustimmung")
    page.set_default_timeout(15000)
    page.goto(base_url + "/")
    page.fill("#f-login", ADMIN[0])
    page.fill("#f-password", ADMIN[1])
    page.click("button:has-text('Anmelden')")

    # The person tries first and meets Microsoft's "Need admin approval".
    page.goto(base_url + "/App%20E-Mailkonto/neu")
    page.fill("#f-contact", "Geschäftsstelle Nord")
    page.fill("#f-address", anna.upn)
    page.click("form.record button:has-text('Speichern')")
    page.click(".green-field button:has-text('OAuth (Microsoft 365) verwenden')")
    account_page = page.url
    page.click(".green-field button:has-text('Bei Microsoft anmelden')")
    page.fill("input[name=password]", anna.password)
    page.click("#idSIButton9")
    assert page.locator("h1").inner_text() == "Genehmigung des Administrators erforderlich"
    shot("genehmigung-erforderlich")
    page.click("#returnWithoutConsent")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20E-Mailkonto/\d+"))
    (message,) = flash_texts(page)
    assert "Zustimmung eines Administrators erforderlich" in message and "Administratorzustimmung erteilen" in message
    shot("meldung-admin-muss-zustimmen")
    assert "Zustimmung eines Administrators erforderlich. Verlangt Ihre Organisation" in green_text(page)
    shot.green_field("administratorzustimmung-noetig")

    # The admin grants consent from the Azure interface.
    (interface,) = office.instance.host.interfaces("Azure")
    page.goto(base_url + f"/App%20Schnittstellen/{interface.id}")
    page.click(".green-field button:has-text('Administratorzustimmung erteilen')")
    page.wait_for_url(re.compile(re.escape(ms.addresses.login_base_url)))
    page.click("button.account:has-text('Anderes Konto verwenden')")
    page.fill("input[name=login]", admin["upn"])
    page.fill("input[name=password]", "Admin-Kennwort-1")
    page.click("#idSIButton9")
    shot("zustimmung-fuer-die-organisation")
    page.click("#idBtn_Accept")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20Schnittstellen/\d+"))
    assert flash_texts(page)[0].startswith("Administratorzustimmung erteilt")
    assert "✓ Administratorzustimmung" in page.locator(".green-field").inner_text()
    shot("administratorzustimmung-erteilt")

    # Now the person signs in without being asked for consent.
    page.goto(account_page)
    page.click(".green-field button:has-text('Bei Microsoft anmelden')")
    page.click(f"button.account:has-text('{anna.upn}')")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20E-Mailkonto/\d+"))
    assert flash_texts(page) == [f"E-Mailkonto eingerichtet, Testmail an {anna.upn} gesendet."]
    shot("eingerichtet-nach-administratorzustimmung")


def test_what_the_admin_sees_stays_true_in_the_browser(office_live, page, ms):
    """Issue 11 in chromium: another address (1), "E-Mailkonto testen" proving each link (3), "Jetzt prüfen" and a
    new secret clearing what they disprove (4), the progress shown while Microsoft is asked (5), and the green field
    in each state of an account."""
    office = office_live
    base_url, org = office.browser.base_url, office.org
    anna = org.people["anna"]
    office.configure()
    account_id, _ = office.connect("anna")
    shot = Shots(page, "zustaende")
    page.set_default_timeout(15000)
    log_in(page, base_url)
    account_url = f"{base_url}/App%20E-Mailkonto/{account_id}"

    def run_test() -> list[str]:
        """The steps "E-Mailkonto testen" reports (its note on the second route left out)."""
        page.click("button:has-text('E-Mailkonto testen')")
        page.wait_for_selector(".flash")
        return [m for m in flash_texts(page) if m[:1] in "✓✗"]

    page.goto(account_url)
    assert "Mit Microsoft 365 verbunden (OAuth)." in green_text(page)
    shot.green_field("verbunden")

    # 5 and 3: while the test waits for Microsoft, the person sees it; then every step is proven now.
    ms.call("fault", kind="hang", seconds=2, remaining=1)
    # Clicked from within the page: what the submit handlers show is read before the answer replaces the page.
    busy_text, disabled = page.evaluate(
        """() => {
            const button = [...document.querySelectorAll('button')].find(b => b.textContent === 'E-Mailkonto testen');
            button.click();
            return [button.form.querySelector('.busy')?.textContent, button.disabled];
        }"""
    )
    assert busy_text.startswith("E-Mailkonto wird getestet") and disabled
    shot.while_loading("test-laeuft")
    page.wait_for_selector(".flash")
    assert [t[:1] for t in flash_texts(page)] == ["✓", "✓", "✓", "✓", "Z"]  # the fifth: the second route

    # Sign-in revoked at Microsoft: the test says so at its own step at once (no cached token hides it).
    ms.call("user/revoke", oid=anna.oid)
    page.goto(account_url)
    messages = run_test()
    assert [m[:1] for m in messages] == ["✓", "✓", "✗"]
    assert messages[2].startswith("✗ Anmeldung bei Microsoft: Anmeldung widerrufen (Code AADSTS50173)")
    assert "Anmeldung bei Microsoft erforderlich" in green_text(page)
    shot.green_field("anmeldung-erforderlich")
    page.click(".green-field button:has-text('Bei Microsoft anmelden')")
    page.wait_for_url(re.compile(re.escape(ms.addresses.login_base_url)))
    page.fill("input[name=password]", anna.password)
    page.click("#idSIButton9")
    page.wait_for_url(re.compile(re.escape(account_url)))
    assert "Testmail an" in flash_texts(page)[0]

    # SMTP AUTH switched off for the mailbox: "automatisch" sends over Microsoft Graph (issue 12).
    ms.call("mailbox/update", address=anna.upn, smtp_auth_enabled=False)
    messages = run_test()
    assert messages[-1].startswith("✓ Microsoft Graph: Testmail an") and "Unzustellbarkeitsnachricht" in messages[-1]
    assert "Versandweg automatisch – zurzeit Microsoft Graph (SMTP AUTH ist für das Postfach ausgeschaltet" in (
        green_text(page)
    )
    assert ms.messages(to=anna.upn)[-1]["via"] == "graph"
    shot.green_field("versand-ueber-graph")

    # With the route fixed to SMTP the same is a problem the account's green field explains.
    page.select_option(".green-field select[name=route]", "smtp")
    page.click(".green-field button:has-text('Versandweg speichern')")
    assert flash_texts(page)[0].startswith("Versandweg „SMTP“")
    messages = run_test()
    assert messages[-1].startswith("✗ Mailserver:") and "SMTP AUTH" in messages[-1]
    assert "Authentifiziertes SMTP" in green_text(page)
    shot.green_field("problem")
    ms.call("mailbox/update", address=anna.upn, smtp_auth_enabled=True)
    assert [m[:1] for m in run_test()] == ["✓", "✓", "✓", "✓"]
    assert "SMTP AUTH" not in green_text(page)

    # 1: cmxOrganize opened as 127.0.0.1 instead of the configured localhost.
    elsewhere = base_url.replace("localhost", "127.0.0.1")
    log_in(page, elsewhere)
    page.goto(f"{elsewhere}/App%20E-Mailkonto/{account_id}")
    page.click(".green-field button:has-text('Erneut anmelden')")
    (message,) = flash_texts(page)
    assert f"Bitte rufen Sie cmxOrganize über {base_url} auf" in message and "Sicherheitsmerkmal" not in message
    shot("andere-adresse")

    # The secret expires: the test fails at the app's step; the mail that could not go is held, and said why.
    ms.call("secret/expire", client_id=org.client_id, secret_id=org.secret_id)
    page.goto(account_url)
    messages = run_test()
    assert [m[:1] for m in messages] == ["✓", "✗"]
    assert messages[1].startswith("✗ App-Registrierung bei Microsoft: Geheimer Schlüssel abgelaufen")
    later = expire_access_token(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    assert run_queue_at(office, later)["held"] == 1
    page.goto(account_url)
    assert "Geheimer Schlüssel abgelaufen" in green_text(page)
    shot.green_field("schluessel-abgelaufen")

    # 4: "Jetzt prüfen" on the Azure interface says ✗ now; a new secret, saved, clears the account's problem.
    (interface,) = office.instance.host.interfaces("Azure")
    interface_url = f"{base_url}/App%20Schnittstellen/{interface.id}"
    page.goto(interface_url)
    page.click(".green-field button:has-text('Jetzt prüfen')")
    page.wait_for_selector(".flash")
    assert flash_texts(page)[0].startswith("✗ Zugangsdaten: Geheimer Schlüssel abgelaufen (Code AADSTS7000222)")
    assert "✗ Zugangsdaten" in green_text(page) and "Läuft ab abgelaufen (laut Microsoft" in green_text(page)
    shot.green_field("schnittstelle-schluessel-abgelaufen")
    new = ms.secret(org.client_id)
    page.fill("#f-password", new["value"])
    page.click("form.record button:has-text('Speichern')")
    page.wait_for_selector(".flash")
    messages = flash_texts(page)
    assert messages[1].startswith("Neuer geheimer Schlüssel geprüft")
    assert messages[1].endswith("Behoben bei 1 E-Mailkonto; wartende Mails gehen jetzt hinaus.")
    page.click(".green-field button:has-text('Jetzt prüfen')")
    page.wait_for_selector(".flash")
    assert [m[:13] for m in flash_texts(page)] == ["✓ Zugangsdate", "✓ Umleitungs-"]
    shot.green_field("schnittstelle-geprueft")
    page.goto(account_url)
    assert "Geheimer Schlüssel abgelaufen" not in green_text(page).split("Angemeldet als")[0]
    assert run_queue_at(office, later)["sent"] == 1


def test_the_admin_switches_to_a_certificate_in_the_browser(office_live, page, ms, tmp_path):
    """Section 2a clicked: create, download (a real file), upload it on the emulated Entra's page, prove."""
    office = office_live
    base_url, org = office.browser.base_url, office.org
    office.configure()
    shot = Shots(page, "zertifikat")
    page.set_default_timeout(15000)
    log_in(page, base_url)
    page.goto(base_url + office.interface_path())
    assert "Anmeldeart Geheimer Schlüssel" in green_text(page)
    page.select_option("select[name=months]", "24")
    page.fill("input[name=object_id]", org.object_id)
    page.click(".green-field button:has-text('Zertifikat erstellen')")
    (made,) = flash_texts(page)
    assert made.startswith("Zertifikat erstellt, gültig bis")
    shot.green_field("bereit-zum-hochladen")

    with page.expect_download() as download:
        page.click(".green-field a:has-text('Zertifikat herunterladen')")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".cer" and saved.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE" not in saved.read_text()

    # In "Entra" (the emulator's page): Zertifikate → Zertifikat hochladen, the downloaded file.
    page.goto(ms.addresses.login_base_url + "/_emulator/")
    row = page.locator("tr", has_text=org.client_id)
    row.locator("input[name=certificate_file]").set_input_files(str(saved))
    row.locator("button:has-text('Zertifikat hochladen')").click()
    thumbprint = made.split("Fingerabdruck ")[1].split(".")[0]
    assert thumbprint in page.locator("body").inner_text()  # the admin compares it

    page.goto(base_url + office.interface_path())
    page.click(".green-field button:has-text('Zertifikat prüfen')")
    (proven,) = flash_texts(page)
    assert proven.startswith("Zertifikat geprüft: Microsoft nimmt es an")
    assert "Anmeldeart Zertifikat" in green_text(page) and f"Zertifikat (Fingerabdruck) {thumbprint}" in green_text(
        page
    )
    shot.green_field("in-gebrauch")
