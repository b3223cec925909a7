"""Other Microsoft clouds: the SMTP.Send scope, the credential check's resource and the SMTP host follow the
configured sign-in address (values and sources in cmx_plugin_m365/config.py, CLOUDS)."""

import pytest

from cmx_plugin_m365.config import Options

from .msal_helpers import query


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
