"""Certificate mode (issue 21, item 1): the Azure interface saves without a secret and never checks an unused one; the
stored secret can be removed; the form's help names both ways before the first save."""

from __future__ import annotations

from devhost.pages import flashes, green_field_text

from .helpers import certificate_in_use, run_method

INTERFACES = "/App%20Schnittstellen/"


def test_after_the_secret_is_deleted_in_entra_the_interface_still_saves(office):
    office.configure()
    account_id, _ = office.connect("anna")
    certificate_in_use(office)
    office.ms.call("secret/delete", client_id=office.org.client_id, secret_id=office.org.secret_id)
    # Renamed, password field left empty (the host keeps the stored, now deleted secret): the certificate decides.
    response = office.save_interface(name="Microsoft 365 (Zertifikat)", password="")
    assert response.status_code == 302, response.text
    assert flashes(office.follow(response))[0] == "Schnittstelle gespeichert."
    assert office.instance.host.interfaces("Azure")[0].name == "Microsoft 365 (Zertifikat)"
    assert run_method(office, account_id)[-1].startswith("✓")


def test_the_unused_secret_can_be_removed_and_the_interface_saves_without_one(office):
    office.configure()
    account_id, _ = office.connect("anna")
    thumbprint = certificate_in_use(office).thumbprint
    page = office.browser.get(office.interface_path()).text
    assert "mit „Geheimen Schlüssel entfernen“ aus cmxOrganize entfernen" in green_field_text(page)
    page = office.click_on(office.interface_path(), "Geheimen Schlüssel entfernen")
    assert flashes(page) == [
        f"Geheimen Schlüssel aus der Azure-Schnittstelle entfernt. cmxOrganize meldet sich mit dem Zertifikat "
        f"{thumbprint} an."
    ]
    assert office.instance.host.interfaces("Azure")[0].password == ""
    green = green_field_text(page)
    assert "Anmeldeart Zertifikat" in green and "Geheimen Schlüssel entfernen" not in green
    assert "Geheimer Schlüssel eingetragen" not in green
    response = office.save_interface(name="Microsoft 365", password="")
    assert response.status_code == 302
    assert run_method(office, account_id)[-1].startswith("✓")


def test_the_secret_in_use_cannot_be_removed(office):
    from cmx_plugin_m365.care import credentials

    office.configure()
    (message,) = credentials.remove_secret(office.instance.host)
    assert message.text.startswith("Nicht entfernt: cmxOrganize meldet sich mit diesem geheimen Schlüssel an.")
    assert office.instance.host.interfaces("Azure")[0].password == office.org.secret_value


def test_before_the_first_save_the_form_names_both_ways(office, monkeypatch):
    page = office.browser.get(INTERFACES + "neu?type=Azure").text
    green = green_field_text(page)
    assert "empfohlen ein Zertifikat – das Passwortfeld leer lassen" in green
    assert "oder den Wert eines geheimen Schlüssels aus Entra ins Passwortfeld eintragen" in green
    assert "(mit https://, „%20“" in green
    monkeypatch.setattr(office.instance.host, "public_base_url", "http://localhost:8080")  # the demo
    green = green_field_text(office.browser.get(INTERFACES + "neu?type=Azure").text)
    assert "(mit http://, „%20“" in green and "https" not in green


def test_the_hint_about_the_old_secret_names_it_as_entra_does_and_ends(office):
    office.configure()
    office.connect("anna")
    old = office.org.secret_value
    new = office.ms.secret(office.org.client_id)
    page = office.follow(office.save_interface(password=new["value"]))
    assert f"Sie können den alten geheimen Schlüssel (Wert beginnt mit „{old[:3]}“" in flashes(page)[1]
    green = green_field_text(office.browser.get(office.interface_path()).text)
    assert "✓ Schlüsselwechsel" in green and f"Wert beginnt mit „{old[:3]}“" in green
    assert old[3:10] not in green  # no more of the value than Entra shows
    page = office.click_on(office.interface_path(), "Erledigt: alten Schlüssel in Entra gelöscht")
    assert flashes(page) == ["Vermerkt: Der alte geheime Schlüssel ist im Entra Admin Center gelöscht."]
    green = green_field_text(page)
    assert "Schlüsselwechsel" not in green and "Erledigt" not in green


def test_the_hint_about_the_old_secret_ends_in_certificate_mode(office):
    office.configure()
    office.connect("anna")
    office.follow(office.save_interface(password=office.ms.secret(office.org.client_id)["value"]))
    assert "✓ Schlüsselwechsel" in green_field_text(office.browser.get(office.interface_path()).text)
    certificate_in_use(office)
    green = green_field_text(office.browser.get(office.interface_path()).text)
    assert "Schlüsselwechsel" not in green and "alten geheimen Schlüssel" not in green
