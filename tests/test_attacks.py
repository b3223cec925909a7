"""Attacks and bad input: forged requests, replays, redirects elsewhere, injected HTML, oversized and random input,
and secrets in logs, pages or the database."""

import datetime as dt
import inspect
import json
import logging
import re
import string
import sys
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from cmx_plugin_m365 import keys, tokens
from cmx_plugin_m365.web import schemas
from devhost import forms
from devhost.pages import flashes

from .helpers import query

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


EVIL = "https://evil.example/x"


def test_no_plugin_route_sends_the_browser_elsewhere(office):
    """Every redirect the plugin answers with goes to this instance or to the configured Microsoft, whatever a
    request adds (next, redirect_uri, return URLs, a forged account id)."""
    office.configure()
    account_id, _ = office.connect("anna")
    other = office.create_account("ben")
    evil = {"next": EVIL, "redirect_uri": EVIL, "return_to": EVIL, "location": EVIL, "url": EVIL}
    allowed = ("https://kurse.example.de/", office.ms.addresses.login_base_url + "/")

    def stays(location: str) -> bool:  # this instance (a path on the address the browser used) or Microsoft
        return location.startswith(allowed) or (location.startswith("/") and not location.startswith(("//", "/\\")))

    posts = [
        ("/App%20E-Mailkonto/oauth_enable", {"account_id": str(other), "replace": "1"}),
        ("/App%20E-Mailkonto/oauth_start", {"account_id": str(account_id)}),
        ("/App%20E-Mailkonto/oauth_disconnect", {"account_id": str(account_id)}),
        ("/App%20E-Mailkonto/oauth_disable", {"account_id": str(other)}),
        ("/App%20Schnittstellen/m365_admin_consent", {}),
        ("/App%20Schnittstellen/m365_secret_expiry", {"expires_on": "2027-01-01"}),
    ]
    seen = 0
    for path, form in posts:
        response = office.browser.post(path + "?" + urlencode(evil), {**form, **evil})
        if response.status_code in (301, 302, 303):
            seen += 1
            assert stays(response.headers["Location"]), (path, response.headers["Location"])
    auth_uri = office.start_sign_in(account_id)
    for answer in (
        {"state": query(auth_uri)["state"], "error": "access_denied"},
        {"state": "x" * 20, "code": "y" * 20},
    ):
        response = office.browser.get(CALLBACK + "?" + urlencode({**answer, **evil}))
        if response.status_code == 302:
            seen += 1
            assert stays(response.headers["Location"])
    assert seen >= 6  # the routes did answer with redirects, so the check above checked something
    assert EVIL not in office.browser.get(f"/App%20E-Mailkonto/{account_id}").text


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
    assert response.headers["Location"] == f"/App%20E-Mailkonto/{account_id}"


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
    "tail",
    [
        "&code=" + "c" * 100_000,
        "&code=abc%00defgh",
        "&code=abcdefgh&error=" + quote("access_denied'; DROP TABLE m365_account;--"),
        "&error_description=" + "x" * 20_000 + "&error=access_denied",
    ],
)
def test_oversized_and_malformed_answers_are_refused_and_the_real_sign_in_still_works(office, tail):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    auth_uri = office.start_sign_in(account_id)
    state = query(auth_uri)["state"]
    response = office.browser.get(CALLBACK + "?state=" + state + tail)  # a real pending sign-in's state
    assert response.status_code == 400
    assert "Die Rückmeldung von Microsoft ist unvollständig oder beschädigt" in flashes(response.text)[0]
    (row,) = pending_rows(office)
    assert row["used_at"] is None  # the forged answer did not use up the sign-in ...
    outcome = office.at_microsoft(auth_uri, "anna")
    (message,) = flashes(office.come_back(outcome.url))  # ... so Microsoft's real answer still completes it
    assert message.startswith("E-Mailkonto eingerichtet")


def test_a_state_that_is_too_long_or_not_url_safe_is_refused(office):
    for state in ("a" * 10_000, "%ff%fe%fd%fc%fb%fa%f9%f8"):
        response = office.browser.get(CALLBACK + "?state=" + state + "&code=abcdefgh")
        assert response.status_code == 400
        assert german(flashes(response.text)[0])


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
        messages = list(_leaves(error.messages))
        assert messages
        for message in messages:
            # The plugin's schemas speak German; the devhost's stand-ins for cmxOrganize's forms are left to it.
            assert schema.__module__ != "cmx_plugin_m365.web.schemas" or german(message), message
            fixed = inspect.getsource(sys.modules[schema.__module__])  # the schema's own words
            for value in data.values():  # what was typed is never shown back (a secret may be in the wrong field)
                if isinstance(value, str) and len(value.strip()) >= 8 and value not in fixed:
                    assert value not in message


def _leaves(messages):
    if isinstance(messages, dict):
        for value in messages.values():
            yield from _leaves(value)
    elif isinstance(messages, list):
        for value in messages:
            yield from _leaves(value)
    else:
        yield str(messages)


GERMAN_WORDS = re.compile(
    r"\b(bitte|nicht|der|die|das|ein|eine|ist|sind|wird|werden|und|oder|mit|kein|keine|fehlt|ungültig|zu)\b",
    re.IGNORECASE,
)
ENGLISH_MARKERS = re.compile(
    r"Traceback|Exception|Missing data|Not a valid|Unknown field|Field may not|Length must|Must be one of|"
    r"Method Not Allowed|Internal Server Error|\bthe\b",
    re.IGNORECASE,
)


def german(text: str) -> bool:
    """A message a person reads: German (words or letters), and none of the English libraries put into theirs."""
    return bool(GERMAN_WORDS.search(text) or re.search(r"[äöüÄÖÜß]", text)) and not ENGLISH_MARKERS.search(text)


PENDING = ("fresh", "expired", "other session", "other user", "undecryptable", "used")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from((*PENDING, "unknown")),
    params=st.dictionaries(
        st.sampled_from(
            [
                "code",
                "error",
                "error_description",
                "session_state",
                "client_info",
                "error_uri",
                "admin_consent",
                *string.ascii_lowercase[:3],
            ]
        ),
        st.text(max_size=300),
        max_size=6,
    ),
)
def test_the_callback_never_fails_with_a_server_error_and_always_answers_in_german(office_with_account, kind, params):
    """Random answers against every kind of pending sign-in (so that each branch of the callback is reached): never
    a 500, always a German message, and never a stored sign-in."""
    office, account_id = office_with_account
    state = _pending(office, account_id, kind)
    response = office.browser.get(CALLBACK + "?" + urlencode({**params, "state": state}))
    assert response.status_code in (302, 400)
    page = office.follow(response) if response.status_code == 302 else response.text
    messages = flashes(page)
    assert messages and all(german(m) for m in messages), messages
    assert office.row(account_id)["token_cache"] is None


@pytest.fixture
def office_with_account(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    return office, account_id


def _pending(office, account_id, kind) -> str:
    """A pending sign-in of the given kind, as the plugin stores them; returns its state."""
    from cryptography.fernet import Fernet

    from cmx_plugin_m365 import store

    state = "s" + secrets_token()
    if kind == "unknown":
        return state
    host = office.instance.host
    flow = {
        "state": state,
        "redirect_uri": "https://kurse.example.de" + CALLBACK,
        "scope": [],
        "nonce": "n",
        "code_verifier": "v" * 43,
        "auth_uri": "https://x",
        "claims_challenge": None,
    }
    blob = keys.vault(host).encrypt(json.dumps(flow).encode())
    if kind == "undecryptable":
        blob = Fernet(Fernet.generate_key()).encrypt(b"{}")
    session = office.browser.session_id if kind != "other session" else "another-session"
    user_id = 1 if kind != "other user" else 999
    store.add_signin(
        host,
        state=state,
        account_id=account_id,
        session_id=session,
        user_id=user_id,
        flow=blob,
        lifetime=dt.timedelta(minutes=-1 if kind == "expired" else 10),
    )
    if kind == "used":
        store.use_signin(host, state)
    return state


def secrets_token() -> str:
    import secrets

    return secrets.token_urlsafe(16)


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
    verifier = json.loads(keys.vault(office.instance.host).decrypt(bytes(row["flow"])))["code_verifier"]
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
