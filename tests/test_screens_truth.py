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
