"""The Azure interface for people who may not change it, and its deletion (issue 21, items 8 and 9)."""

from __future__ import annotations

import html
import re

from devhost.pages import flashes, green_field_text

from .helpers import staff_browser


def delete_question(page: str) -> str:
    match = re.search(r'action="[^"]*/loeschen" data-confirm="([^"]*)"', page)
    return html.unescape(match.group(1)) if match else ""


def test_a_non_admin_sees_the_interface_without_buttons_and_cannot_save_it(office):
    office.configure()
    kim = staff_browser(office)
    page = kim.get(office.interface_path()).text
    green = green_field_text(page)
    assert "Ändern dürfen die Azure-Schnittstelle die Admins von cmxOrganize." in green
    assert "Anmeldeart Geheimer Schlüssel" in green  # the state stays visible
    buttons = re.findall(r"<button[^>]*>([^<]*)</button>", page) + re.findall(
        r'<a class="button[^>]*>([^<]*)</a>', page
    )
    assert [
        b for b in buttons if b not in ("Kopieren", "Abmelden")
    ] == []  # no "Speichern", "Löschen", none of the plugin's
    assert "Neues Zertifikat erstellen" not in page and "Administratorzustimmung erteilen" not in green
    response = kim.post(office.interface_path(), {"name": "X", "type": "Azure", "username": "x", "password": ""})
    assert response.status_code == 403
    assert office.instance.host.interfaces("Azure")[0].name == "Microsoft 365"


def test_deleting_the_interface_names_the_accounts_that_stop_and_they_say_how_to_restore_it(office):
    office.configure()
    anna_id, _ = office.connect("anna")
    ben_id, _ = office.connect("ben")
    anna, ben = office.org.people["anna"].upn, office.org.people["ben"].upn
    page = office.browser.get(office.interface_path()).text
    assert delete_question(page) == (
        f"Schnittstelle wirklich löschen? Danach senden diese 2 E-Mailkonten mit OAuth nicht mehr: {anna}, {ben}. "
        "Ihre Mails werden angehalten, nicht verworfen, bis wieder eine Azure-Schnittstelle mit derselben "
        "Anwendungs-ID angelegt ist."
    )
    interface_id = office.instance.host.interfaces("Azure")[0].id
    page = office.follow(office.browser.post(f"/App%20Schnittstellen/{interface_id}/loeschen"))
    deleted, warning = flashes(page)
    assert deleted == "Schnittstelle gelöscht."
    assert warning.startswith("Die Azure-Schnittstelle wurde am ") and warning.endswith(f"Betroffen: {anna}, {ben}.")
    green = green_field_text(office.page(anna_id))
    assert "Die Azure-Schnittstelle wurde am" in green
    assert f"dieselbe Anwendungs-ID (Client) „{office.org.client_id}“" in green
    assert "Es gibt noch keine Schnittstelle" not in green

    office.configure()  # restored with the same application: the accounts send again, the note is gone
    assert "Die Azure-Schnittstelle wurde am" not in green_field_text(office.page(anna_id))
    office.instance.mailer.enqueue(ben_id, "kurs@example.de", "Nach dem Wiederherstellen", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
