"""msal, unmodified, pointed at the emulator: what the plugin does, written out for the emulator's own tests."""

from urllib.parse import parse_qs, urlsplit

import msal

from cmx_plugin_m365.http import Session

SMTP_SEND = "https://outlook.office.com/SMTP.Send"


def msal_app(ms, org, *, secret=None, tenant=None, client_id=None):
    return msal.ConfidentialClientApplication(
        client_id or org.client_id,
        client_credential=secret or org.secret_value,
        authority=f"{ms.addresses.login_base_url}/{tenant or org.tenant_id}",
        http_client=Session(ca_file=ms.addresses.ca_file),
        instance_discovery=False,
    )


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
