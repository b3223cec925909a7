"""Other Microsoft clouds: the SMTP.Send scope, the credential check's resource, the SMTP host and Graph follow the
configured sign-in address — or the option ``cloud`` where the address cannot tell (DoD shares GCC High's sign-in
host). Values and sources in cmx_plugin_m365/config.py, CLOUDS."""

import pytest

from cmx_plugin_m365.config import Options
from cmx_plugin_m365.signin import consent
from devhost.entra.browser import SignInBrowser
from devhost.instance import Instance, add_user
from devhost.office import Office, plugin_config
from devhost.pages import green_field_text
from devhost.web import create_app

from .conftest import ADMIN, Browser, make_config
from .helpers import query

US = "https://login.microsoftonline.us"


@pytest.mark.parametrize(
    ("login", "scope", "credentials", "smtp_host"),
    [
        (
            "https://login.microsoftonline.com",
            "https://outlook.office.com/SMTP.Send",
            "https://outlook.office365.com/.default",
            "smtp.office365.com",
        ),
        (
            "https://login.microsoftonline.us",
            "https://outlook.office365.us/SMTP.Send",
            "https://outlook.office365.us/.default",
            "outlook.office365.us",  # Microsoft's GCC High endpoint list (config.CLOUDS)
        ),
        (
            "https://login.partner.microsoftonline.cn",
            "https://partner.outlook.cn/SMTP.Send",
            "https://partner.outlook.cn/.default",
            "smtp.partner.outlook.cn",
        ),
        (
            "https://login.chinacloudapi.cn",
            "https://partner.outlook.cn/SMTP.Send",
            "https://partner.outlook.cn/.default",
            "smtp.partner.outlook.cn",
        ),
        # the devhost's emulator: the global cloud's names on a local address
        (
            "https://localhost:8443",
            "https://outlook.office.com/SMTP.Send",
            "https://outlook.office365.com/.default",
            "smtp.office365.com",
        ),
    ],
)
def test_the_cloud_follows_the_sign_in_address(login, scope, credentials, smtp_host):
    options = Options(login_base_url=login)
    assert (options.smtp_send, options.credentials_scope, options.smtp_host) == (scope, credentials, smtp_host)


def test_an_explicit_smtp_host_wins():
    assert Options(login_base_url="https://login.microsoftonline.us", smtp_host="smtp.example").smtp_host == (
        "smtp.example"
    )


def test_the_plugin_asks_for_the_configured_clouds_scope(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    scope = query(office.start_sign_in(account_id))["scope"]
    assert set(scope.split()) == {
        "https://outlook.office.com/SMTP.Send",
        "https://graph.microsoft.com/Mail.Send",  # the second route: consent for both at one sign-in
        "https://graph.microsoft.com/Mail.Send.Shared",
        "https://graph.microsoft.com/User.Read",  # GET /me: is the address an alias of the mailbox?
        "offline_access",
        "openid",
        "profile",
    }


def test_graph_follows_the_cloud():
    """GRAPH-DEPLOY: Graph's root per cloud is both the resource of Mail.Send and where its API is."""
    us = Options(login_base_url="https://login.microsoftonline.us")
    assert us.graph_send == ("https://graph.microsoft.us/Mail.Send", "https://graph.microsoft.us/Mail.Send.Shared")
    assert us.graph_base_url == "https://graph.microsoft.us"
    china = Options(login_base_url="https://login.partner.microsoftonline.cn")
    assert china.graph_base_url == "https://microsoftgraph.chinacloudapi.cn"
    emulated = Options(login_base_url="https://localhost:8443", graph_base_url="https://localhost:8443")
    assert emulated.graph_send[0] == "https://graph.microsoft.com/Mail.Send"  # the scope names the real resource


# -- DoD: the option cloud ---------------------------------------------------------------------------------------------


def test_dod_is_chosen_with_the_option_and_has_its_own_graph_and_smtp_host():
    """GRAPH-DEPLOY: "If you're working in a Microsoft 365 DoD environment, use … https://dod-graph.microsoft.us";
    Microsoft's DoD endpoint list: outlook-dod.office365.us for 587."""
    dod = Options(login_base_url=US, cloud="usgov-dod")
    assert dod.problems == ()
    assert dod.graph_base_url == "https://dod-graph.microsoft.us"
    assert dod.signin_scopes == [
        "https://outlook.office365.us/SMTP.Send",  # third-party only (config.CLOUDS)
        "https://dod-graph.microsoft.us/Mail.Send",
        "https://dod-graph.microsoft.us/Mail.Send.Shared",
        "https://dod-graph.microsoft.us/User.Read",
    ]
    assert dod.smtp_host == "outlook-dod.office365.us"
    assert dod.cloud.graph == "https://dod-graph.microsoft.us"  # the certificate's self-renewal asks Graph there
    assert "https://dod-graph.microsoft.us/Mail.Send" in consent.scopes(dod)  # and so does the admin consent


def test_without_the_option_login_microsoftonline_us_is_gcc_high():
    gcc_high = Options(login_base_url=US)
    assert (gcc_high.cloud.name, gcc_high.graph_base_url) == ("usgov", "https://graph.microsoft.us")
    assert Options(login_base_url=US, cloud="usgov").graph_base_url == "https://graph.microsoft.us"


def test_an_unknown_value_is_named_in_german_and_the_sign_in_address_decides():
    options = Options(login_base_url=US, cloud="usgov-dood")
    (problem,) = options.problems
    assert problem.startswith("Die Einstellung cloud = „usgov-dood“ in der Konfiguration der Instanz")
    assert "„usgov-dod“ (US Government DoD)" in problem and "„usgov“ (US Government GCC High)" in problem
    assert "verwendet cmxOrganize die Cloud „usgov“" in problem
    assert options.graph_base_url == "https://graph.microsoft.us"


def test_a_cloud_that_does_not_sign_in_there_is_named_too():
    (problem,) = Options(login_base_url="https://login.microsoftonline.com", cloud="usgov-dod").problems
    assert "passt nicht zu login_base_url = https://login.microsoftonline.com" in problem
    assert "https://login.microsoftonline.us" in problem
    assert Options(login_base_url="https://login.microsoftonline.com", cloud="global").problems == ()


@pytest.fixture
def office_with(database, ms, org):
    """cmxOrganize with extra options in [plugin_config.m365] (as the conftest's office, otherwise)."""
    started = []

    def make(**options) -> Office:
        config = make_config(
            database,
            plugin_config={"m365": {**plugin_config(ms)["m365"], **options}},
            smtp_ca_file=ms.addresses.ca_file,
            smtp_timeout=10,
        )
        inst = Instance.start(config)
        started.append(inst)
        add_user(inst.db, *ADMIN, display_name="Anna Admin", is_admin=True)
        app = create_app(inst)
        app.config["TESTING"] = True
        return Office(inst, Browser(app.test_client()).login(), ms, org, SignInBrowser(ms.addresses.ca_file))

    yield make
    for inst in started:
        inst.close()


def test_a_wrong_value_stops_sign_ins_and_the_green_fields_say_why(office_with):
    office = office_with(cloud="usgov-dood")
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    green = green_field_text(office.page(account_id))
    assert "Bevor Sie sich bei Microsoft anmelden können, fehlt noch:" in green
    assert "• Die Einstellung cloud = „usgov-dood“ in der Konfiguration der Instanz ([plugin_config.m365])" in green
    assert "Bei Microsoft anmelden" not in green
    assert "Die Einstellung cloud = „usgov-dood“" in green_field_text(office.browser.get(office.interface_path()).text)
