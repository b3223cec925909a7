"""Plugin options checked when the instance starts (issue 21, item 14): a marshmallow schema, a German message naming
the option, and a wrong-typed option never breaks sending."""

from __future__ import annotations

import pytest

from devhost.entra.browser import SignInBrowser
from devhost.instance import Instance, add_user
from devhost.office import Office, plugin_config
from devhost.web import create_app

from .conftest import ADMIN, Browser, make_config


@pytest.fixture
def typo_office(database, ms, org):
    """An instance whose [plugin_config.m365] was typed by hand: a limit as a word, a size as text with a unit."""
    options = {"m365": {**plugin_config(ms)["m365"], "limit_messages": "dreißig", "max_message_mb": "35 MB"}}
    config = make_config(database, plugin_config=options, smtp_ca_file=ms.addresses.ca_file, smtp_timeout=10)
    inst = Instance.start(config)
    add_user(inst.db, *ADMIN, display_name="Anna Admin", is_admin=True)
    app = create_app(inst)
    app.config["TESTING"] = True
    yield Office(inst, Browser(app.test_client()).login(), ms, org, SignInBrowser(ms.addresses.ca_file))
    inst.close()


def test_wrong_options_are_named_at_start_and_mail_still_goes(typo_office):
    office = typo_office
    texts = [m.text for m in office.instance.start_messages]
    assert texts == [
        "Die Einstellung limit_messages in der Konfiguration der Instanz ([plugin_config.m365]) muss eine ganze Zahl "
        "sein; bis das korrigiert ist, gilt 30.",
        "Die Einstellung max_message_mb in der Konfiguration der Instanz ([plugin_config.m365]) muss eine Zahl sein; "
        "bis das korrigiert ist, gilt 35.0.",
    ]
    assert texts[0] in office.browser.get("/").text  # the admins see it on the start page
    office.configure()
    account_id, _ = office.connect("anna")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Trotz Tippfehler", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1


def test_right_options_say_nothing(office):
    assert office.instance.start_messages == []


def test_the_azure_interface_names_them_too(typo_office):
    from devhost.pages import green_field_text

    typo_office.configure()
    green = green_field_text(typo_office.browser.get(typo_office.interface_path()).text)
    assert "Die Einstellung limit_messages in der Konfiguration der Instanz" in green


def test_a_value_is_judged_by_its_type_also_after_an_equal_one_was_accepted():
    """The check is remembered per set of values; 1, 1.0 and True are equal in Python, only 1 is a count of mails."""
    from cmx_plugin_m365.config import Options

    class Host:
        def __init__(self):
            self.raw: dict = {}

        def plugin_config(self, _plugin_id):
            return self.raw

    host = Host()
    host.raw = {"limit_messages": 1}
    assert (Options.of(host).limit_messages, Options.of(host).ignored) == (1, ())
    for typed in (1.0, True, [1]):
        host.raw = {"limit_messages": typed}
        options = Options.of(host)
        assert options.limit_messages == 30
        assert options.ignored == (
            "Die Einstellung limit_messages in der Konfiguration der Instanz ([plugin_config.m365]) muss eine ganze "
            "Zahl sein; bis das korrigiert ist, gilt 30.",
        )
