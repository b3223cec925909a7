"""The emulator behaves as Entra and Exchange do for real tenants: names, guests, consent policies, the admin consent
endpoint, and error bodies and pages shaped like captured ones (each behaviour cites its source in devhost/)."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt

from cmx_plugin_m365.diagnosis import from_body, from_page
from devhost.entra.browser import SignInBrowser

from .conftest import REDIRECT_URI
from .helpers import FAILED_5_7_3, SMTP_SEND, auth, connect, http, msal_app, query, refresh, token_request


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def person(ms, org, upn, **more) -> tuple[str, str]:
    password = "pw-" + upn.split("@")[0]
    user = ms.call("user", tenant_id=org.tenant_id, upn=upn, password=password, display_name=upn, **more)
    return user["upn"], password


def signed_in(ms, org, login, password, **sign_in):
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI, prompt="select_account")
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=login, password=password, **sign_in)
    return app, flow, outcome


def test_upn_and_primary_address_differ(ms, org):
    upn, password = person(ms, org, f"u4711@{org.domain}", mail=f"clara@{org.domain}")
    app, flow, outcome = signed_in(ms, org, upn, password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    assert result["id_token_claims"]["preferred_username"] == upn
    access = claims(result["access_token"])
    assert (access["upn"], access["unique_name"], access["ver"]) == (upn, upn, "1.0")
    assert "preferred_username" not in access  # a v1.0 access token
    with connect(ms) as smtp:
        assert auth(smtp, f"clara@{org.domain}", result["access_token"]) == FAILED_5_7_3  # the address is no login
        assert auth(smtp, upn, result["access_token"])[0] == 235
        smtp.sendmail(f"clara@{org.domain}", ["x@example.de"], "Subject: x\r\n\r\nx")  # own mailbox: no Send As


def test_signing_in_with_an_alias_needs_the_alternate_login_id(ms, org):
    upn, password = person(ms, org, f"u4712@{org.domain}", mail=f"dora@{org.domain}")
    _, _, outcome = signed_in(ms, org, f"dora@{org.domain}", password)
    assert outcome.kind == "page" and "AADSTS50034" in outcome.text
    ms.call("tenant/update", tenant_id=org.tenant_id, alternate_login_id=True)
    app, flow, outcome = signed_in(ms, org, f"dora@{org.domain}", password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    assert result["id_token_claims"]["preferred_username"] == f"dora@{org.domain}"  # the name typed
    assert claims(result["access_token"])["upn"] == upn  # the UPN
    with connect(ms) as smtp:
        assert auth(smtp, f"dora@{org.domain}", result["access_token"]) == FAILED_5_7_3
    # msal refreshes keep the name the person signed in with in the ID token
    again = refresh(ms, org, result["refresh_token"]).json()
    assert claims(again["id_token"])["preferred_username"] == f"dora@{org.domain}"


def test_a_guest_has_an_ext_upn_and_no_mailbox(ms, org):
    upn, password = person(ms, org, "gerd@partner.example", home_tenant="live.com")
    assert re.fullmatch(rf"gerd_partner\.example#ext#@{re.escape(org.domain)}", upn)
    app, flow, outcome = signed_in(ms, org, "gerd@partner.example", password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    assert result["id_token_claims"]["idp"] == "live.com"
    assert claims(result["access_token"])["upn"] == upn
    with connect(ms) as smtp:
        assert auth(smtp, upn, result["access_token"]) == FAILED_5_7_3


def test_a_rename_keeps_the_object_and_changes_the_tokens(ms, org):
    anna = org.people["anna"]
    app, flow, outcome = signed_in(ms, org, anna.upn, anna.password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    ms.call("user/rename", oid=anna.oid, upn=f"anna.albers@{org.domain}")
    again = refresh(ms, org, result["refresh_token"]).json()
    assert claims(again["access_token"])["upn"] == f"anna.albers@{org.domain}"
    assert claims(again["access_token"])["oid"] == anna.oid


# -- consent --------------------------------------------------------------------------------------------------------


def test_where_users_may_not_consent_they_see_need_admin_approval(ms, org):
    ms.call("tenant/update", tenant_id=org.tenant_id, consent_policy="admins")
    anna = org.people["anna"]
    _, _, outcome = signed_in(ms, org, anna.upn, anna.password)
    assert outcome.pages == ["login", "approval"]
    answer = query(outcome.url)
    assert (answer["error"], answer["error_description"][:13]) == ("access_denied", "AADSTS90094: ")


def test_an_admin_may_consent_for_the_organisation_on_the_consent_page(ms, org):
    ms.call("tenant/update", tenant_id=org.tenant_id, consent_policy="admins")
    admin, password = person(ms, org, f"admin@{org.domain}", is_admin=True)
    _, _, outcome = signed_in(ms, org, admin, password, for_organisation=True)
    assert "code" in query(outcome.url)
    consents = ms.call("consents", tenant_id=org.tenant_id, client_id=org.client_id)
    assert consents["tenant"] == [SMTP_SEND]
    anna = org.people["anna"]
    _, _, outcome = signed_in(ms, org, anna.upn, anna.password)
    assert outcome.pages == ["login"] and "code" in query(outcome.url)


def admin_consent_url(ms, org, **params):
    base = {
        "client_id": org.client_id,
        "scope": f"{SMTP_SEND} offline_access openid profile",
        "redirect_uri": REDIRECT_URI,
        "state": "s-123456789",
    }
    return f"{ms.addresses.login_base_url}/{org.tenant_id}/v2.0/adminconsent?{urlencode({**base, **params})}"


def test_admin_consent_endpoint_success(ms, org):
    admin, password = person(ms, org, f"admin@{org.domain}", is_admin=True)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(admin_consent_url(ms, org), login=admin, password=password)
    assert outcome.pages == ["login", "consent"]
    assert parse_qsl(urlsplit(outcome.url).query) == [
        ("admin_consent", "True"),
        ("tenant", org.tenant_id),
        ("scope", SMTP_SEND),
        ("state", "s-123456789"),
    ]


def test_admin_consent_endpoint_cancelled(ms, org):
    admin, password = person(ms, org, f"admin@{org.domain}", is_admin=True)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(
        admin_consent_url(ms, org), login=admin, password=password, consent=False
    )
    # As observed (MicrosoftDocs/azure-docs#114009): error, error_description, error_uri, admin_consent, state.
    names = [name for name, _ in parse_qsl(urlsplit(outcome.url).query)]
    assert names == ["error", "error_description", "error_uri", "admin_consent", "state"]
    assert query(outcome.url)["error_description"].startswith("AADSTS65004: User declined to consent")


def test_admin_consent_endpoint_refuses_an_unregistered_redirect_uri_on_its_page(ms, org):
    page = http(ms).get(admin_consent_url(ms, org, redirect_uri="https://evil.example/cb")).text
    assert from_page(page).code == "AADSTS50011"


# -- bodies and pages shaped like real ones ----------------------------------------------------------------------------


def test_error_page_carries_the_config_object(ms, org):
    params = {
        "client_id": org.client_id,
        "response_type": "code",
        "redirect_uri": "https://x.example/cb",
        "scope": SMTP_SEND,
    }
    page = http(ms).get(f"{ms.addresses.login_base_url}/{org.tenant_id}/oauth2/v2.0/authorize?{urlencode(params)}").text
    config = re.search(r"\$Config=(\{.*?\});", page).group(1)
    assert '"iErrorCode": 50011' in config or '"iErrorCode":50011' in config
    assert "strServiceExceptionMessage" in config
    assert from_page(page).code == "AADSTS50011"


def test_mfa_required_body_has_suberror_and_claims(ms, org):
    anna = org.people["anna"]
    app, flow, outcome = signed_in(ms, org, anna.upn, anna.password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    ms.call("user/update", oid=anna.oid, mfa_required=True)
    body = refresh(ms, org, result["refresh_token"]).json()
    assert body["suberror"] == "basic_action"
    assert '"capolids":{"essential":true' in body["claims"]
    assert from_body(body).code == "AADSTS50076"


def test_silent_request_without_a_session_login_required(ms, org):
    params = {
        "client_id": org.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": SMTP_SEND,
        "prompt": "none",
        "state": "s",
    }
    response = http(ms).get(
        f"{ms.addresses.login_base_url}/{org.tenant_id}/oauth2/v2.0/authorize?{urlencode(params)}",
        allow_redirects=False,
    )
    answer = query(response.headers["Location"])
    assert answer["error"] == "login_required" and answer["error_description"].startswith("AADSTS50058: ")
    assert "error_uri" not in answer  # "only present when the error lookup system has additional information"


def test_consent_withdrawn_makes_the_next_refresh_fail_65001(ms, org):
    anna = org.people["anna"]
    app, flow, outcome = signed_in(ms, org, anna.upn, anna.password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    ms.call("consents/revoke", client_id=org.client_id)
    body = refresh(ms, org, result["refresh_token"]).json()
    assert body["error"] == "invalid_grant" and body["error_codes"] == [65001]
    assert token_request(ms, org, grant_type="client_credentials", scope="https://outlook.office365.com/.default").ok
