"""Issue 21 in chromium: when something goes wrong, the screens still tell the truth — items 1 to 10, each state with a
screenshot under ``test-artifacts/e2e/fehlerfaelle-*``."""

from __future__ import annotations

import re

import pytest

from devhost.instance import add_user

from ..helpers import certificate_in_use
from .conftest import Shots, flash_texts, green_text, log_in

pytestmark = pytest.mark.e2e

STAFF = ("kim", "kim-Kennwort-1")


def log_in_as(page, base_url: str, login: str, password: str) -> None:
    page.context.clear_cookies()  # a new session: the admin's is gone
    page.goto(base_url + "/")
    page.fill("#f-login", login)
    page.fill("#f-password", password)
    page.click("button:has-text('Anmelden')")


def save_form(page) -> None:
    page.click("form.record button:has-text('Speichern')")


def test_certificate_mode_and_the_old_secret(office_live, page):
    """Items 1 and 4: the form names both ways; the old-secret hint names it as Entra does and ends; in certificate
    mode the interface saves without the deleted secret, and the stored one can be removed."""
    office = office_live
    base_url, org = office.browser.base_url, office.org
    shot = Shots(page, "fehlerfaelle-zertifikat")
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base_url)

    page.goto(base_url + "/App%20Schnittstellen/neu?type=Azure")
    assert "empfohlen ein Zertifikat – das Passwortfeld leer lassen" in green_text(page)
    shot.green_field("vor-dem-ersten-speichern-zwei-wege")

    office.configure()
    office.connect("anna")
    old = org.secret_value
    new = office.ms.secret(org.client_id)
    page.goto(base_url + office.interface_path())
    page.fill("#f-password", new["value"])
    page.click("button.primary:has-text('Speichern')")
    rotated = flash_texts(page)[1]
    assert f"Sie können den alten geheimen Schlüssel (Wert beginnt mit „{old[:3]}“" in rotated
    shot("schluesselwechsel-alter-schluessel-wie-in-entra")
    page.click(".green-field button:has-text('Erledigt: alten Schlüssel in Entra gelöscht')")
    assert "Schlüsselwechsel" not in green_text(page)
    shot.green_field("hinweis-erledigt")

    certificate_in_use(office)
    office.ms.call("secret/delete", client_id=org.client_id, value=new["value"])
    page.goto(base_url + office.interface_path())
    page.fill("#f-name", "Microsoft 365 (Zertifikat)")
    page.click("button.primary:has-text('Speichern')")
    assert flash_texts(page)[0] == "Schnittstelle gespeichert."
    assert "Geheimer Schlüssel ungültig" not in page.locator("body").inner_text()
    shot("zertifikat-umbenannt-ohne-schluessel-gespeichert")
    page.click(".green-field button:has-text('Geheimen Schlüssel entfernen')")
    assert flash_texts(page)[0].startswith("Geheimen Schlüssel aus der Azure-Schnittstelle entfernt.")
    assert "Anmeldeart Zertifikat" in green_text(page) and "Geheimen Schlüssel entfernen" not in green_text(page)
    shot("geheimer-schluessel-entfernt")


def test_address_changes_rights_and_what_the_account_says(office_live, page):
    """Items 2, 3, 5, 7 and 8: a refused and a proven address change, the history newest first, "zuletzt erfolgreich
    gesendet" after the test mail, and a non-admin who sees no buttons she may not use and cannot save."""
    office = office_live
    base_url, org = office.browser.base_url, office.org
    anna, ben = org.people["anna"].upn, org.people["ben"].upn
    office.configure()
    account_id, _ = office.connect("anna")
    shot = Shots(page, "fehlerfaelle-e-mailkonto")
    page.set_default_timeout(15000)
    log_in(page, base_url)
    account_url = f"{base_url}/App%20E-Mailkonto/{account_id}"

    # 3: an address the signed-in account may not send as — refused, both named, nothing changed.
    page.goto(account_url)
    page.fill("#f-address", ben)
    save_form(page)
    refused = flash_texts(page)[1]
    assert refused.startswith(f"Nicht übernommen: Das Microsoft-Konto {anna} darf nicht als {ben} senden.")
    assert page.locator("#f-address").input_value() == anna
    assert "Mit Microsoft 365 verbunden (OAuth)." in green_text(page)
    shot("adresse-abgelehnt-beide-genannt")

    # 3: one with Send As — the test mail proves it.
    shared = f"info@{org.domain}"
    office.ms.call("shared_mailbox", tenant_id=org.tenant_id, address=shared, send_as=[org.people["anna"].oid])
    page.fill("#f-address", shared)
    save_form(page)
    assert flash_texts(page)[1] == f"Neue E-Mailadresse bestätigt: Testmail an {shared} gesendet."
    shot("adresse-bestaetigt")

    # 3: until proven (Exchange busy when saving), the green field says so.
    office.ms.call("smtp_fault", reply="451 4.7.500 Server busy. Please try again later.", remaining=1)
    page.fill("#f-address", anna)
    save_form(page)
    assert flash_texts(page)[1].startswith("Gespeichert, aber noch nicht bestätigt:")
    assert f"die neue E-Mailadresse {anna} ist aber noch nicht bestätigt" in green_text(page)
    shot.green_field("adresse-noch-nicht-bestaetigt")

    # 5 and 7: "E-Mailkonto testen" proves it; the time is that mail's, the history newest first.
    page.click("button:has-text('E-Mailkonto testen')")
    page.wait_for_selector(".flash")
    green = green_text(page)
    assert "noch nicht bestätigt" not in green
    last = re.search(r"Zuletzt erfolgreich gesendet (\d\d\.\d\d\.\d{4} \d\d:\d\d)", green).group(1)
    history = re.findall(r"(\d\d\.\d\d\.\d{4} \d\d:\d\d)", green.split("Zuletzt erfolgreich gesendet")[1])[1:]
    assert history and last == history[0] and history == sorted(history, reverse=True)
    shot("getestet-zuletzt-gesendet-und-verlauf")

    # 2 and 8: Kim, neither admin nor the account's contact.
    add_user(office.instance.db, STAFF[0], STAFF[1], display_name="Kim Klein", is_admin=False)
    log_in_as(page, base_url, *STAFF)
    page.goto(account_url)
    green = green_text(page)
    assert "Ändern dürfen dieses E-Mailkonto die Admins von cmxOrganize und seine Kontaktperson." in green
    assert page.locator(".green-field button").count() == 0
    shot("mitarbeiterin-sieht-keine-knoepfe")
    page.fill("#f-address", f"kim@{org.domain}")
    save_form(page)
    (message,) = flash_texts(page)
    assert message.startswith("Nicht gespeichert: Sie dürfen dieses E-Mailkonto nicht ändern. Ändern dürfen dieses")
    assert office.instance.host.mail_account(account_id).address == anna
    shot("mitarbeiterin-speichern-abgelehnt")
    page.goto(account_url)
    page.click("button:has-text('E-Mailkonto testen')")
    (message,) = flash_texts(page)
    assert message.startswith("Testen dürfen dieses E-Mailkonto die Admins") and "ändern" not in message
    shot("mitarbeiterin-testen-keine-aenderung")
    page.goto(base_url + office.interface_path())
    assert "Ändern dürfen die Azure-Schnittstelle die Admins von cmxOrganize." in green_text(page)
    labels = [t.strip() for t in page.locator("main button, .green-field a.button").all_inner_texts()]
    assert not {"Speichern", "Löschen", "Neues Zertifikat erstellen", "Jetzt prüfen"} & set(labels), labels
    shot("mitarbeiterin-azure-schnittstelle-ohne-knoepfe")


def test_admin_consent_deleting_the_interface_and_the_queue(office_live, page):
    """Items 6, 9 and 10: admin consent cancelled at Microsoft has its own advice; deleting the interface names the
    accounts that stop, which then say how to restore it; the queue counts what waits and what is held, and why."""
    office = office_live
    base_url, org = office.browser.base_url, office.org
    anna, ben = org.people["anna"].upn, org.people["ben"].upn
    office.configure()
    anna_id, _ = office.connect("anna")
    office.connect("ben")
    shot = Shots(page, "fehlerfaelle-zustimmung-loeschen-warteschlange")
    page.set_default_timeout(15000)
    questions: list[str] = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    log_in(page, base_url)

    # 6: the admin cancels at Microsoft's consent page.
    page.goto(base_url + office.interface_path())
    page.click(".green-field button:has-text('Administratorzustimmung erteilen')")
    page.wait_for_url(re.compile(re.escape(office.ms.addresses.login_base_url)))
    it_admin = office.ms.call(
        "user",
        tenant_id=org.tenant_id,
        upn=f"it-admin@{org.domain}",
        password="Admin-Kennwort-1",
        is_admin=True,
        mailbox=False,
        display_name="IT-Admin",
    )
    page.fill("input[name=login]", it_admin["upn"])  # nobody signed in at Microsoft in this browser yet
    page.fill("input[name=password]", "Admin-Kennwort-1")
    page.click("#idSIButton9")
    page.click("button:has-text('Abbrechen')")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20Schnittstellen/\d+"))
    (message,) = flash_texts(page)
    assert message.startswith("Die Administratorzustimmung wurde nicht erteilt: Zugriff nicht bestätigt (Code ")
    assert message.endswith("stehen im grünen Feld.")  # said once: in full in the green field
    green = green_text(page)
    assert "erneut „Administratorzustimmung erteilen“" in green and "Zuständig: Microsoft-365-Admin" in green
    assert green.count("Zugriff nicht bestätigt") == 1
    shot("administratorzustimmung-abgebrochen")

    # 10: mail held for a problem and mail waiting, counted with reason and next try.
    ben_id = office.instance.host.mail_accounts()[-1].id
    office.ms.call("mailbox/update", address=ben, full=True)
    office.instance.mailer.enqueue(anna_id, "kurs@example.de", "Bestätigung", "x")
    office.instance.mailer.enqueue(ben_id, "kurs@example.de", "Anmeldebestätigung", "x")  # its mailbox is full: held
    # Exchange busy for the first mail (anna's): it waits for its next try.
    office.ms.call("smtp_fault", reply="451 4.7.500 Server busy. Please try again later.", remaining=1)
    page.goto(base_url + "/App%20Warteschlange/")
    page.click("button:has-text('Jetzt senden')")
    (counted,) = flash_texts(page)
    assert re.match(
        r"Warteschlange bearbeitet: 0 gesendet, 1 später erneut, 1 angehalten\. Offen: 1 warten \(nä", counted
    )
    assert "1 sind angehalten (" in counted
    mailboxes = page.locator("table.mailboxes").inner_text()
    assert anna in mailboxes and ben in mailboxes
    shot("warteschlange-wartend-mit-naechstem-versuch")

    # 9: deleting the interface names both accounts first, then they say how to restore it.
    page.goto(base_url + office.interface_path())
    page.click("button.danger:has-text('Löschen')")
    assert questions[-1].startswith("Schnittstelle wirklich löschen? Danach senden diese 2 E-Mailkonten mit OAuth")
    assert anna in questions[-1] and ben in questions[-1]
    assert flash_texts(page)[1].endswith(f"Betroffen: {anna}, {ben}.")
    shot("schnittstelle-geloescht")
    page.goto(f"{base_url}/App%20E-Mailkonto/{anna_id}")
    assert "Die Azure-Schnittstelle wurde am" in green_text(page) and "Wiederherstellen" in green_text(page)
    shot.green_field("konto-nach-dem-loeschen")
