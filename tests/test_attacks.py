"""Attacks and bad input: forged requests, replays, redirects elsewhere, injected HTML, oversized and random input,
and secrets in logs, pages or the database."""

import json
import logging
import string
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from cmx_plugin_m365 import schemas, tokens
from devhost import forms
from devhost.pages import flashes
from devhost.web import local_path

from .msal_helpers import query

CALLBACK = "/App%20E-Mailkonto/continue_oauth"


def pending_rows(office):
    with office.instance.db.transaction() as tx:
        return tx.execute("SELECT * FROM m365_signin").fetchall()


def test_starting_a_sign_in_needs_the_csrf_token(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    response = office.browser.post("/App%20E-Mailkonto/oauth_start", {"account_id": str(account_id)}, csrf=False)
    assert response.status_code == 400
    assert "Sicherheitsmerkmal fehlt" in response.text
    assert pending_rows(office) == []


def test_csrf_token_of_another_session_is_refused(office, app_for):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    other = app_for(office)
    other.csrf = office.browser.csrf  # a token stolen from another session
    response = other.post("/App%20E-Mailkonto/oauth_start", {"account_id": str(account_id)})
    assert response.status_code == 400
    assert pending_rows(office) == []


def test_the_callback_needs_a_signed_in_user(app):
    response = app.test_client().get(CALLBACK + "?state=abcdefgh12345678&code=abcdefgh")
    assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden?next=")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/%2F%2Fevil.example",
    ],
)
def test_no_redirect_to_elsewhere_after_signing_in(target):
    location = local_path(target)
    assert location in ("/", target) and not urlsplit(location.replace("\\", "/")).netloc
    assert not location.startswith(("//", "/\\"))


def test_login_next_parameter_stays_on_this_host(app):
    from .conftest import ADMIN

    client = app.test_client()
    page = client.get("/anmelden").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/anmelden?next=//evil.example/", data={"login": ADMIN[0], "password": ADMIN[1], "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_no_parameter_of_the_callback_redirects_elsewhere(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    outcome = office.at_microsoft(office.start_sign_in(account_id), "anna")
    answer = query(outcome.url)
    answer.update(
        {
            "redirect_uri": "https://evil.example/",
            "next": "https://evil.example/",
            "post_logout_redirect_uri": "https://evil.example/",
        }
    )
    response = office.browser.get(CALLBACK + "?" + urlencode(answer))
    assert response.headers["Location"] == f"https://kurse.example.de/App%20E-Mailkonto/{account_id}"


def test_html_in_microsofts_answer_is_escaped_on_the_page(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    state = query(office.start_sign_in(account_id))["state"]
    evil = "AADSTS99999: <script>alert('x')</script><img src=x onerror=alert(1)>. Rest"
    response = office.browser.get(
        CALLBACK + "?" + urlencode({"state": state, "error": "something_new", "error_description": evil})
    )
    page = office.follow(response)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "Code AADSTS99999" in flashes(page)[0]


@pytest.mark.parametrize(
    "query_string",
    [
        "state=" + "a" * 10_000 + "&code=abcdefgh",
        "state=abcdefgh12345678&code=" + "c" * 100_000,
        "state=%ff%fe%fd%fc%fb%fa%f9%f8&code=abcdefgh",
        "state=abcdefgh12345678&code=abc%00defgh",
        "state=abcdefgh12345678&error=" + quote("access_denied'; DROP TABLE m365_account;--"),
        "state=abcdefgh12345678&error_description=" + "x" * 20_000 + "&error=access_denied",
    ],
)
def test_oversized_and_malformed_answers_are_refused_cleanly(office, query_string):
    response = office.browser.get(CALLBACK + "?" + query_string)
    assert response.status_code == 400
    assert "Die Rückmeldung von Microsoft ist unvollständig oder beschädigt" in flashes(response.text)[0]
    assert office.row(1) is None or office.row(1)["token_cache"] is None


# -- fuzzing ----------------------------------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
VALUES = st.one_of(st.none(), TEXT, st.integers(), st.booleans(), st.lists(TEXT, max_size=2), st.floats())
SCHEMAS = [
    schemas.AzureInterfaceSchema,
    schemas.TenantIdSchema,
    schemas.CallbackQuerySchema,
    schemas.AccountFormSchema,
    schemas.SecretExpirySchema,
    forms.LoginSchema,
    forms.InterfaceBaseSchema,
    forms.GenericInterfaceSchema,
    forms.SettingNameSchema,
    forms.GenericSettingSchema,
    forms.MailAccountSchema,
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=[s.__name__ for s in SCHEMAS])
@settings(max_examples=150, deadline=None)
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "username",
                "password",
                "value",
                "state",
                "code",
                "error",
                "error_description",
                "account_id",
                "expires_on",
                "login",
                "name",
                "type",
                "address",
                "smtp_port",
                "encryption",
                "contact",
                "x",
            ]
        ),
        VALUES,
        max_size=8,
    )
)
def test_every_schema_either_loads_or_says_why_in_german(schema, data):
    try:
        schema().load(data)
    except ValidationError as error:
        assert error.messages
        for message in json.dumps(error.messages, ensure_ascii=False).split('"'):
            assert "Traceback" not in message


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "state",
                "code",
                "error",
                "error_description",
                "session_state",
                "client_info",
                "error_uri",
                string.ascii_lowercase,
            ]
        ),
        st.text(max_size=300),
        max_size=6,
    )
)
def test_the_callback_never_fails_with_a_server_error(browser, params):
    response = browser.get(CALLBACK + "?" + urlencode(params))
    assert response.status_code in (302, 400)


# -- secrets --------------------------------------------------------------------------------------------------------


def test_no_secret_token_code_or_verifier_in_logs_or_pages(office, caplog):
    """The whole life of an account, logged at DEBUG by everything (msal, requests, urllib3, the plugin, the host)."""
    caplog.set_level(logging.DEBUG)
    pages = []
    office.configure()
    account_id = office.create_account("anna")
    pages.append(office.enable_oauth(account_id))
    auth_uri = office.start_sign_in(account_id)
    state = query(auth_uri)["state"]
    (row,) = pending_rows(office)
    verifier = json.loads(tokens.vault_of(office.instance.host).decrypt(bytes(row["flow"])))["code_verifier"]
    assert verifier.encode() not in bytes(row["flow"])  # the PKCE verifier is encrypted at rest
    outcome = office.at_microsoft(auth_uri, "anna")
    code = query(outcome.url)["code"]
    pages.append(office.come_back(outcome.url))
    pages.append(office.come_back(outcome.url))  # a replay, too
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "x", "x")
    office.instance.mailer.run_queue()
    tokens.access_token(office.instance.host, account_id, force_refresh=True)
    pages.append(office.page(account_id))
    pages.append(office.browser.get("/App%20Schnittstellen/1").text)

    cache = json.loads(tokens.unseal(office.instance.host, bytes(office.row(account_id)["token_cache"])).serialize())
    secrets = {"client secret": office.org.secret_value, "code": code, "state": state, "code verifier": verifier}
    for kind in ("AccessToken", "RefreshToken", "IdToken"):
        for n, entry in enumerate(cache[kind].values()):
            secrets[f"{kind} {n}"] = entry["secret"]
    logs = "\n".join(record.getMessage() for record in caplog.records)
    assert {"msal.application", "urllib3.connectionpool"} <= {r.name for r in caplog.records}  # they did log
    for name, value in secrets.items():
        assert value not in logs, f"{name} appears in the logs"
        for page in pages:
            assert value not in page, f"{name} appears on a page"
