"""Helpers the test modules share (test modules never import each other): what a person does on the screens, in
the words of the admin guide, the clocks, and Microsoft emulated — spoken to directly with unmodified msal, plain
HTTP and smtplib, as the emulator's own tests do."""

from __future__ import annotations

import base64
import datetime as dt
import re
import smtplib
import ssl
from urllib.parse import parse_qs, urlsplit

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from cmx_plugin_m365 import certificates
from cmx_plugin_m365.care import credentials
from cmx_plugin_m365.http import Session
from devhost.entra.browser import SignInBrowser
from devhost.exchange.server import HOSTNAME
from devhost.pages import flashes, green_field_text

REDIRECT_URI = "https://kurse.example.de/App%20E-Mailkonto/continue_oauth"
"""The redirect URI registered for the test organisations (conftest's ``org``)."""


def dt_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def later(minutes: float = 1) -> dt.datetime:
    return dt_now() + dt.timedelta(minutes=minutes)


def run_method(office, account_id, name="E-Mailkonto testen", *, everything=False):
    """The steps "E-Mailkonto testen" reports (✓/✗ lines); ``everything``: also its note on the second route."""
    response = office.browser.post(f"/App%20E-Mailkonto/{account_id}/methode", {"method": name})
    messages = flashes(office.follow(response))
    return messages if everything else [m for m in messages if m[:1] in "✓✗"]


def expire_access_token(office, hours=2):
    """Move both clocks past the access token's lifetime; returns the plugin's 'now' to freeze at."""
    office.ms.call("clock/advance", seconds=hours * 3600)
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


# -- certificates --------------------------------------------------------------------------------------------------


def mode(office) -> str:
    """The Azure interface's "Anmeldeart" as its green field says it (first word)."""
    text = green_field_text(office.browser.get(office.interface_path()).text)
    return text.split("Anmeldeart", 1)[1].split()[0]


def in_use(office) -> certificates.Certificate | None:
    return credentials.in_use(office.instance.host)


def certificate_in_use(office, months="24") -> certificates.Certificate:
    """Create, download, upload and prove a certificate: section 2, certificate variant."""
    office.create_certificate(months)
    office.upload_certificate(office.download_certificate())
    page = office.prove_certificate()
    assert any(m.startswith("Zertifikat geprüft") for m in flashes(page)), flashes(page)
    return in_use(office)


# -- values as Entra shows them ------------------------------------------------------------------------------------

CLIENT_ID = "3f2a8b1c-9d4e-4f5a-8b6c-7d8e9f0a1b2c"

SECRET_VALUE = "Qx8Q~abcDEFghiJKLmnoPQRstuVWXyz0123456789"  # shape of an Entra secret value (40 chars)

SECRET_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


# -- the emulated identity platform, with unmodified msal ---------------------------------------------------------

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


ERROR_DESCRIPTION = re.compile(
    r"^AADSTS(\d+): .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: "
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$",
    re.S,
)


def assert_microsoft_error(body: dict, error: str, code: int, text: str = ""):
    assert body["error"] == error
    match = ERROR_DESCRIPTION.match(body["error_description"])
    assert match, body["error_description"]
    assert int(match.group(1)) == code
    assert text in body["error_description"]
    if "error_codes" in body:  # token endpoint bodies carry these; redirects carry error_uri only
        assert body["error_codes"] == [code]
        assert {"timestamp", "trace_id", "correlation_id"} <= set(body)
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={code}"


def http(ms):
    session = requests.Session()
    session.verify = ms.addresses.ca_file
    session.trust_env = False
    return session


def token_request(ms, org, **form):
    data = {"client_id": org.client_id, "client_secret": org.secret_value, **form}
    return http(ms).post(f"{ms.addresses.login_base_url}/{org.tenant_id}/oauth2/v2.0/token", data=data, timeout=10)


def sign_in(ms, org, person="anna", *, browser=None, app=None, **flow_args):
    """The whole auth code flow: returns (msal app, flow, where the browser ended)."""
    app = app or msal_app(ms, org)
    flow_args.setdefault("prompt", "select_account")
    flow = app.initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI, **flow_args)
    browser = browser or SignInBrowser(ms.addresses.ca_file)
    who = org.people[person]
    return app, flow, browser.sign_in(flow["auth_uri"], login=who.upn, password=who.password)


def signed_in_app(ms, org, person="anna"):
    app, flow, outcome = sign_in(ms, org, person)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url))
    assert "access_token" in result, result
    return app, result


def refresh(ms, org, refresh_token, scope=SMTP_SEND):
    return token_request(
        ms, org, grant_type="refresh_token", refresh_token=refresh_token, scope=f"{scope} offline_access openid profile"
    )


# -- the emulated Exchange Online, with smtplib -------------------------------------------------------------------


class Reply:
    """An SMTP reply as Exchange Online ends it: "… [<server> 2025-03-20T11:25:21.972Z 08DD66EDEFB0DFDF]"."""

    def __init__(self, code: int, text: str):
        self.code, self.text = code, text

    def __eq__(self, other) -> bool:
        code, text = other
        tail = rf" \[{re.escape(HOSTNAME)} \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z [0-9A-F]{{16}}\]"
        text = text.decode() if isinstance(text, bytes) else text
        return code == self.code and re.fullmatch(re.escape(self.text) + tail, text) is not None

    def __repr__(self) -> str:
        return f"Reply({self.code}, {self.text!r} [...])"


def connect(ms, *, starttls=True) -> smtplib.SMTP:
    smtp = smtplib.SMTP(ms.addresses.smtp_host, ms.addresses.smtp_port, timeout=10)
    smtp.ehlo()
    if starttls:
        smtp.starttls(context=ssl.create_default_context(cafile=ms.addresses.ca_file))
        smtp.ehlo()
    return smtp


def xoauth2(user: str, token: str) -> str:
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def auth(smtp, user, token):
    return smtp.docmd("AUTH", "XOAUTH2 " + xoauth2(user, token))


FAILED_5_7_3 = Reply(535, "5.7.3 Authentication unsuccessful")


# -- certificates someone made elsewhere -------------------------------------------------------------------------


def make_certificate(bits=2048, days=365, start=None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test")])
    start = start or dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, pem, cert.public_bytes(serialization.Encoding.DER)


def connected(office, person="anna") -> int:
    """A configured instance (once) and this person signed in; the account's ID."""
    if not office.instance.host.interfaces("Azure"):
        office.configure()
    account_id, _ = office.connect(person)
    return account_id


def course(n: int, size: int = 3) -> str:
    """A mail to several participants at once (the devhost queue takes comma-separated recipients), all external
    (the internal domains are the account's own)."""
    return ", ".join(f"teilnehmer{n}-{i}@example.de" for i in range(size))


def queued(office, account_id) -> list[dict]:
    return [q for q in office.queue(account_id) if q["status"] == "queued"]


def staff_browser(office, login="kim", display_name="Kim Klein"):
    """A signed-in office worker who is no admin."""
    from devhost.instance import add_user
    from devhost.web import create_app

    from .conftest import Browser

    add_user(office.instance.db, login, "kim-Kennwort-1", display_name=display_name, is_admin=False)
    app = create_app(office.instance)
    app.config["TESTING"] = True
    return Browser(app.test_client()).login(login, "kim-Kennwort-1")
