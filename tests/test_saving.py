"""Saving an OAuth mail account in the host's form (issue 21, items 2 and 3): the plugin is asked before the host
stores it (host API 1.9), and a new address of a connected account is proven by the test mail."""

from __future__ import annotations

from devhost.pages import green_field_text

from .conftest import flashes
from .helpers import staff_browser

ACCOUNTS = "/App%20E-Mailkonto/"


def test_a_user_who_may_not_change_the_account_cannot_save_it(office):
    office.configure()
    account_id, _ = office.connect("anna")  # contact: Geschäftsstelle Nord
    kim = staff_browser(office)
    response = kim.post(f"{ACCOUNTS}{account_id}", office.account_form(account_id, address="kim@example.de"))
    assert response.status_code == 400
    assert flashes(response.text) == [
        "Nicht gespeichert: Sie dürfen dieses E-Mailkonto nicht ändern. Ändern dürfen dieses E-Mailkonto die Admins "
        "von cmxOrganize und seine Kontaktperson. Bitte wenden Sie sich an sie."
    ]
    assert office.instance.host.mail_account(account_id).address == office.org.people["anna"].upn


def test_the_contact_may_save_and_so_may_anyone_an_account_without_oauth(office):
    office.configure()
    plain = office.create_account("anna", smtp_host="mail.anderer-anbieter.de", password="geheim-123")
    mine = office.create_account("ben", contact="Kim Klein")
    office.enable_oauth(mine)
    kim = staff_browser(office)
    response = kim.post(f"{ACCOUNTS}{plain}", office.account_form(plain, contact="Geschäftsstelle Süd"))
    assert response.status_code == 302  # not the plugin's account: the host's own rules alone
    response = kim.post(f"{ACCOUNTS}{mine}", office.account_form(mine, smtp_port="587"))
    assert response.status_code == 302
    assert office.instance.host.mail_account(plain).contact == "Geschäftsstelle Süd"


def test_a_new_address_the_mailbox_may_send_as_is_proven_by_the_test_mail(office):
    office.configure()
    account_id, _ = office.connect("anna")
    shared = f"info@{office.org.domain}"
    office.ms.call(
        "shared_mailbox", tenant_id=office.org.tenant_id, address=shared, send_as=[office.org.people["anna"].oid]
    )
    response = office.browser.post(f"{ACCOUNTS}{account_id}", office.account_form(account_id, address=shared))
    page = office.follow(response)
    assert flashes(page) == [
        "E-Mailkonto gespeichert.",
        f"Neue E-Mailadresse bestätigt: Testmail an {shared} gesendet.",
    ]
    assert office.ms.messages(to=shared)[-1]["from"] == shared
    green = green_field_text(page)
    assert "Mit Microsoft 365 verbunden (OAuth)." in green and "noch nicht bestätigt" not in green


def test_a_send_as_refusal_puts_the_old_address_back_and_names_both(office):
    office.configure()
    account_id, _ = office.connect("anna")
    anna, ben = office.org.people["anna"].upn, office.org.people["ben"].upn
    told_before = len(office.notifications())
    response = office.browser.post(f"{ACCOUNTS}{account_id}", office.account_form(account_id, address=ben))
    page = office.follow(response)
    saved, refused = flashes(page)
    assert saved == "E-Mailkonto gespeichert."
    assert refused.startswith(f"Nicht übernommen: Das Microsoft-Konto {anna} darf nicht als {ben} senden.")
    assert f"Das E-Mailkonto sendet weiter als {anna}." in refused and "550 5.7.60" in refused
    assert office.instance.host.mail_account(account_id).address == anna
    assert office.row(account_id)["state"] == "connected" and office.row(account_id)["problem_code"] is None
    assert len(office.notifications()) == told_before  # nobody told of a problem of an account that did not change
    green = green_field_text(page)
    assert "Mit Microsoft 365 verbunden (OAuth)." in green
    # Once per screen: the advice in the message, one line in the history.
    assert page.count("Soll es als") == 1
    assert f"Neue E-Mailadresse {ben} nicht übernommen: {anna} darf nicht als sie senden." in green


def test_until_a_mail_proves_it_the_green_field_says_the_new_address_is_unproven(office):
    office.configure()
    account_id, _ = office.connect("anna")
    shared = f"info@{office.org.domain}"
    office.ms.call(
        "shared_mailbox", tenant_id=office.org.tenant_id, address=shared, send_as=[office.org.people["anna"].oid]
    )
    # Exchange busy while the person saves: that says nothing about Send As.
    office.ms.call("smtp_fault", reply="451 4.7.500 Server busy. Please try again later.", remaining=1)
    response = office.browser.post(f"{ACCOUNTS}{account_id}", office.account_form(account_id, address=shared))
    page = office.follow(response)
    assert flashes(page)[1].startswith("Gespeichert, aber noch nicht bestätigt:")
    green = green_field_text(page)
    assert f"die neue E-Mailadresse {shared} ist aber noch nicht bestätigt" in green
    assert "Mit Microsoft 365 verbunden (OAuth)." not in green
    page = office.follow(office.browser.post(f"{ACCOUNTS}{account_id}/methode", {"method": "E-Mailkonto testen"}))
    assert flashes(page)[-2].startswith(f"✓ Mailserver: Testmail an {shared} gesendet")
    assert "noch nicht bestätigt" not in green_field_text(page)
