"""The identity emulator answers unmodified msal as Microsoft does (reference: ../shared/reference/, sections 1–5).

Each error test compares HTTP status, ``error``, the AADSTS code and the shape of the message with the reference.
"""

import re

import jwt
import pytest
import requests

from devhost.entra.browser import SignInBrowser, error_message

from .conftest import REDIRECT_URI
from .helpers import (
    SMTP_SEND,
    assert_microsoft_error,
    http,
    msal_app,
    query,
    refresh,
    sign_in,
    signed_in_app,
    token_request,
)

# -- discovery -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["guid", "domain"])
def test_discovery_names_the_tenant_guid(ms, org, by):
    name = org.tenant_id if by == "guid" else org.domain
    config = http(ms).get(f"{ms.addresses.login_base_url}/{name}/v2.0/.well-known/openid-configuration").json()
    base = ms.addresses.login_base_url
    assert config["token_endpoint"] == f"{base}/{org.tenant_id}/oauth2/v2.0/token"
    assert config["authorization_endpoint"] == f"{base}/{org.tenant_id}/oauth2/v2.0/authorize"
    assert config["issuer"] == f"{base}/{org.tenant_id}/v2.0"


def test_discovery_of_unknown_tenant(ms):
    response = http(ms).get(
        f"{ms.addresses.login_base_url}/nichtda.onmicrosoft.com/v2.0/.well-known/openid-configuration"
    )
    assert response.status_code == 400
    assert_microsoft_error(response.json(), "invalid_tenant", 90002, "Tenant 'nichtda.onmicrosoft.com' not found.")


def test_msal_refuses_an_unknown_tenant_at_construction(ms, org):
    with pytest.raises(ValueError, match=r"90002|invalid_tenant|Unable to get authority configuration"):
        msal_app(ms, org, tenant="nichtda.onmicrosoft.com")


# -- authorization code flow ---------------------------------------------------------------------------------------


def test_msal_auth_code_flow_with_pkce_and_nonce(ms, org):
    app, flow, outcome = sign_in(ms, org, login_hint=org.people["anna"].upn)
    assert outcome.kind == "redirect"
    assert outcome.pages == ["login", "consent"]  # nobody signed in yet in this browser; first use needs consent
    assert outcome.url.startswith(REDIRECT_URI + "?code=")
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url))
    assert "error" not in result, result
    claims = result["id_token_claims"]
    assert (claims["tid"], claims["oid"], claims["preferred_username"]) == (
        org.tenant_id,
        org.people["anna"].oid,
        org.people["anna"].upn,
    )
    keys = http(ms).get(f"{ms.addresses.login_base_url}/{org.tenant_id}/discovery/v2.0/keys").json()["keys"]
    access = jwt.decode(
        result["access_token"], jwt.PyJWK(keys[0]).key, algorithms=["RS256"], audience="https://outlook.office.com"
    )
    assert access["scp"] == "SMTP.Send"
    assert access["upn"] == org.people["anna"].upn
    assert access["tid"] == org.tenant_id
    assert result["refresh_token"]
    assert result["client_info"]


def test_authorization_code_is_single_use(ms, org):
    _app, flow, outcome = sign_in(ms, org)
    code = query(outcome.url)["code"]
    first = token_request(
        ms,
        org,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=flow["code_verifier"],
        scope=SMTP_SEND,
    )
    assert first.status_code == 200
    again = token_request(
        ms,
        org,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=flow["code_verifier"],
        scope=SMTP_SEND,
    )
    assert again.status_code == 400
    assert_microsoft_error(again.json(), "invalid_grant", 54005, "already redeemed")


def test_pkce_verifier_must_match(ms, org):
    app, flow, outcome = sign_in(ms, org)
    flow["code_verifier"] = "a" * 43
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url))
    assert result["error"] == "invalid_grant"
    assert result["error_description"].startswith("AADSTS50148: The code_verifier does not match")


def test_code_lives_ten_minutes(ms, org):
    app, flow, outcome = sign_in(ms, org)
    ms.call("clock/advance", seconds=601)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url))
    assert result["error"] == "invalid_grant"
    assert result["error_description"].startswith("AADSTS70008:")


def test_a_code_for_two_resources_is_refused(ms, org):
    _, flow, outcome = sign_in(ms, org)
    response = token_request(
        ms,
        org,
        grant_type="authorization_code",
        code=query(outcome.url)["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=flow["code_verifier"],
        scope=f"{SMTP_SEND} https://graph.microsoft.com/Mail.Send",
    )
    assert response.status_code == 400
    assert_microsoft_error(response.json(), "invalid_scope", 28000, "more than one resource")


# -- the browser: remembered sign-in, picker, sign-out -------------------------------------------------------------


def test_without_prompt_the_remembered_account_is_used_without_asking(ms, org):
    """The admin guide's pitfall: the second account's sign-in silently completes as the first account."""
    browser = SignInBrowser(ms.addresses.ca_file)
    sign_in(ms, org, "anna", browser=browser, prompt=None)
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI)  # no prompt, no login_hint
    outcome = browser.sign_in(flow["auth_uri"], login=org.people["ben"].upn, password=org.people["ben"].password)
    assert outcome.kind == "redirect" and outcome.pages == []  # no page at all: no chance to interrupt
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url))
    assert result["id_token_claims"]["preferred_username"] == org.people["anna"].upn


def test_select_account_shows_the_picker_with_the_remembered_account(ms, org):
    browser = SignInBrowser(ms.addresses.ca_file)
    sign_in(ms, org, "anna", browser=browser)
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow(
        [SMTP_SEND], redirect_uri=REDIRECT_URI, prompt="select_account", login_hint=org.people["ben"].upn
    )
    page = browser.http.get(flow["auth_uri"], timeout=10).text
    assert "Konto auswählen" in page
    assert org.people["anna"].upn in page
    assert "Anderes Konto verwenden" in page
    outcome = browser.sign_in(flow["auth_uri"], login=org.people["ben"].upn, password=org.people["ben"].password)
    assert outcome.pages == ["picker", "login", "consent"]
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url))
    assert result["id_token_claims"]["preferred_username"] == org.people["ben"].upn


def test_sign_out_forgets_the_remembered_account(ms, org):
    browser = SignInBrowser(ms.addresses.ca_file)
    sign_in(ms, org, "anna", browser=browser)
    browser.sign_out(f"{ms.addresses.login_base_url}/{org.tenant_id}/oauth2/v2.0/logout")
    flow = msal_app(ms, org).initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI)
    assert 'value="login"' in browser.http.get(flow["auth_uri"], timeout=10).text


def test_wrong_password_stays_on_the_sign_in_page(ms, org):
    flow = msal_app(ms, org).initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(
        flow["auth_uri"], login=org.people["anna"].upn, password="falsch"
    )
    assert outcome.kind == "page"
    assert "AADSTS50126" in outcome.text


# -- errors Microsoft shows on its own page, never redirected ------------------------------------------------------


def authorize_page(ms, org, *, client_id=None, redirect_uri=REDIRECT_URI, tenant=None):
    app = msal_app(ms, org, client_id=client_id, tenant=tenant)
    flow = app.initiate_auth_code_flow([SMTP_SEND], redirect_uri=redirect_uri)
    response = http(ms).get(flow["auth_uri"], allow_redirects=False, timeout=10)
    assert "Location" not in response.headers  # never sent back to the (untrusted) redirect URI
    assert "Sorry, but we're having trouble signing you in." in response.text
    assert re.search(r"Request Id: [0-9a-f-]{36}<br>Correlation Id: [0-9a-f-]{36}<br>Timestamp: ", response.text)
    return error_message(response.text)


def test_unregistered_redirect_uri_50011(ms, org):
    message = authorize_page(ms, org, redirect_uri="https://www.kurse.example.de/App%20E-Mailkonto/continue_oauth")
    assert message.startswith(
        "AADSTS50011: The redirect URI 'https://www.kurse.example.de/App%20E-Mailkonto/"
        "continue_oauth' specified in the request does not match the redirect URIs configured "
        f"for the application '{org.client_id}'."
    )


def test_no_redirect_uri_registered_500113(ms, org):
    ms.call("app/redirect_uris", client_id=org.client_id, redirect_uris=[])
    assert authorize_page(ms, org).startswith("AADSTS500113: No reply address is registered for the application.")


def test_unknown_application_700016(ms, org):
    other = ms.tenant("Fremd")
    stranger = ms.app(other["id"], "Fremde App", [REDIRECT_URI])
    message = authorize_page(ms, org, client_id=stranger)
    assert message.startswith(
        f"AADSTS700016: Application with identifier '{stranger}' was not found in the directory '{org.tenant_id}'."
    )


def test_redirect_uris_must_be_https_except_localhost(ms, org):
    with pytest.raises(RuntimeError, match="must use https"):
        ms.call("app/redirect_uris", client_id=org.client_id, redirect_uris=["http://kurse.example.de/x"])
    ms.call("app/redirect_uris", client_id=org.client_id, redirect_uris=["http://localhost:8000/x"])


# -- errors sent back to the redirect URI --------------------------------------------------------------------------


def test_declined_consent_65004(ms, org):
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(
        flow["auth_uri"], login=org.people["anna"].upn, password=org.people["anna"].password, consent=False
    )
    answer = query(outcome.url)
    assert outcome.url.startswith(REDIRECT_URI + "?")
    assert answer["state"] == flow["state"]
    assert_microsoft_error(answer, "access_denied", 65004, "User declined to consent")


def test_user_of_another_tenant_50020(ms, org):
    other = ms.tenant("Andere")
    upn = f"eve@{other['domains'][0]}"
    ms.user(other["id"], upn, "pw-eve")
    flow = msal_app(ms, org).initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=upn, password="pw-eve")
    assert_microsoft_error(query(outcome.url), "access_denied", 50020, f"User account '{upn}'")


def test_single_tenant_app_via_common_50194(ms, org):
    flow = msal_app(ms, org, tenant="common").initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"])
    assert_microsoft_error(query(outcome.url), "invalid_request", 50194, "is not configured as a multi-tenant")


# -- refresh tokens ------------------------------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_token_still_works(ms, org):
    _app, result = signed_in_app(ms, org)
    first = refresh(ms, org, result["refresh_token"])
    assert first.status_code == 200
    assert first.json()["refresh_token"] != result["refresh_token"]
    assert refresh(ms, org, result["refresh_token"]).status_code == 200


def test_msal_silent_refresh(ms, org):
    app, _ = signed_in_app(ms, org)
    (account,) = app.get_accounts(username=org.people["anna"].upn)
    result = app.acquire_token_silent_with_error([SMTP_SEND], account, force_refresh=True)
    assert result["token_source"] == "identity_provider"


def test_revoked_grant_50173(ms, org):
    _, result = signed_in_app(ms, org)
    ms.call("user/revoke", oid=org.people["anna"].oid)
    response = refresh(ms, org, result["refresh_token"])
    assert response.status_code == 400
    assert_microsoft_error(response.json(), "invalid_grant", 50173, "revoked")


@pytest.mark.parametrize(
    ("how", "revoked"),
    [
        # The "Confidential client token" column of Entra's "Token revocation" table (refresh-tokens.md).
        ("user", False),  # "Password changed by user — Stays alive"
        ("sspr", False),  # "User does SSPR — Stays alive"
        ("azure_portal", False),  # "Admin resets password (Azure portal) — Stays alive"
        ("entra_admin_center", True),  # "Admin resets password (Microsoft Entra admin center) — Revoked"
        ("m365_admin_center", True),  # "Admin resets password (M365 admin center) — Revoked"
    ],
)
def test_a_new_password_revokes_a_confidential_clients_refresh_token_only_when_an_admin_resets_it(
    ms, org, how, revoked
):
    _, result = signed_in_app(ms, org)
    anna = org.people["anna"]
    assert ms.call("user/password", oid=anna.oid, password="Neu-Kennwort-2026!", how=how) == {"revoked": revoked}
    response = refresh(ms, org, result["refresh_token"])
    if revoked:
        assert_microsoft_error(response.json(), "invalid_grant", 50173, "revoked")
    else:
        assert response.status_code == 200 and response.json()["refresh_token"]
    # The sign-in page takes the new password now, not the old one, whichever way it was set.
    flow = msal_app(ms, org).initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI, prompt="login")
    old = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=anna.upn, password=anna.password)
    assert "Ihr Konto oder Kennwort ist falsch. (AADSTS50126)" in old.text
    new = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=anna.upn, password="Neu-Kennwort-2026!")
    assert new.kind == "redirect" and "code=" in new.url


def test_changing_the_password_through_user_update_is_the_users_own_change(ms, org):
    _, result = signed_in_app(ms, org)
    ms.call("user/update", oid=org.people["anna"].oid, password="Selbst-geaendert-1!")
    assert refresh(ms, org, result["refresh_token"]).status_code == 200


def test_signing_out_of_the_browser_leaves_the_refresh_token_alive(ms, org):
    """ "Single sign-out — Stays alive" for a confidential client (refresh-tokens.md)."""
    _, result = signed_in_app(ms, org)
    http(ms).get(f"{ms.addresses.login_base_url}/{org.tenant_id}/oauth2/v2.0/logout", timeout=10)
    assert refresh(ms, org, result["refresh_token"]).status_code == 200


def test_ninety_days_of_inactivity_700082(ms, org):
    _, result = signed_in_app(ms, org)
    ms.call("clock/advance", seconds=91 * 86400)
    response = refresh(ms, org, result["refresh_token"])
    assert_microsoft_error(response.json(), "invalid_grant", 700082, "expired due to inactivity")


def test_refresh_within_ninety_days_keeps_the_token_alive(ms, org):
    _, result = signed_in_app(ms, org)
    ms.call("clock/advance", seconds=60 * 86400)
    assert refresh(ms, org, result["refresh_token"]).status_code == 200
    ms.call("clock/advance", seconds=60 * 86400)
    assert refresh(ms, org, result["refresh_token"]).status_code == 200


def test_mfa_now_required_50076(ms, org):
    _, result = signed_in_app(ms, org)
    ms.call("user/update", oid=org.people["anna"].oid, mfa_required=True)
    body = refresh(ms, org, result["refresh_token"]).json()
    assert_microsoft_error(body, "invalid_grant", 50076, "multi-factor authentication")
    assert body["suberror"] == "basic_action"


def test_conditional_access_53003(ms, org):
    _, result = signed_in_app(ms, org)
    ms.call("user/update", oid=org.people["anna"].oid, blocked_by_conditional_access=True)
    assert_microsoft_error(
        refresh(ms, org, result["refresh_token"]).json(), "invalid_grant", 53003, "Conditional Access"
    )


def test_scope_without_consent_65001(ms, org):
    _, result = signed_in_app(ms, org)
    body = refresh(ms, org, result["refresh_token"], scope="https://graph.microsoft.com/Mail.Send").json()
    assert_microsoft_error(body, "invalid_grant", 65001, "has not consented")
    assert body["suberror"] == "consent_required"


def test_malformed_refresh_token_9002313(ms, org):
    _, result = signed_in_app(ms, org)
    body = refresh(ms, org, result["refresh_token"][:-10]).json()
    assert_microsoft_error(body, "invalid_grant", 9002313, "malformed")


# -- client credentials and client authentication ------------------------------------------------------------------


def test_client_credentials_prove_client_id_secret_and_tenant(ms, org):
    result = msal_app(ms, org).acquire_token_for_client(["https://outlook.office365.com/.default"])
    assert result["token_type"] == "Bearer"
    assert "refresh_token" not in result


def test_wrong_secret_7000215(ms, org):
    response = token_request(
        ms,
        org,
        grant_type="client_credentials",
        scope="https://outlook.office365.com/.default",
        client_secret="Abc8Q~" + "x" * 34,
    )
    assert response.status_code == 401
    assert_microsoft_error(response.json(), "invalid_client", 7000215, "Invalid client secret provided.")


def test_secret_id_instead_of_value_7000215(ms, org):
    response = token_request(
        ms,
        org,
        grant_type="client_credentials",
        scope="https://outlook.office365.com/.default",
        client_secret=org.secret_id,
    )
    assert response.status_code == 401
    assert_microsoft_error(
        response.json(),
        "invalid_client",
        7000215,
        "Ensure the secret being sent in the request is the client secret value, not the client secret ID",
    )


def test_expired_secret_7000222(ms, org):
    ms.call("secret/expire", client_id=org.client_id, secret_id=org.secret_id)
    result = msal_app(ms, org).acquire_token_for_client(["https://outlook.office365.com/.default"])
    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith(
        f"AADSTS7000222: The provided client secret keys for app '{org.client_id}' are expired."
    )


def test_unknown_app_at_token_endpoint_700016(ms, org):
    response = token_request(
        ms,
        org,
        grant_type="client_credentials",
        scope="https://outlook.office365.com/.default",
        client_id="11111111-2222-4333-8444-555555555555",
    )
    assert response.status_code == 400
    assert_microsoft_error(response.json(), "unauthorized_client", 700016, "was not found in the directory")


def test_client_credentials_need_dot_default_1002012(ms, org):
    response = token_request(ms, org, grant_type="client_credentials", scope=SMTP_SEND)
    assert_microsoft_error(response.json(), "invalid_scope", 1002012, "/.default")


def test_unknown_tenant_at_token_endpoint_90002(ms, org):
    response = http(ms).post(
        f"{ms.addresses.login_base_url}/nichtda.onmicrosoft.com/oauth2/v2.0/token",
        data={"client_id": org.client_id, "grant_type": "client_credentials"},
        timeout=10,
    )
    assert response.status_code == 400
    assert_microsoft_error(response.json(), "invalid_request", 90002, "not found")


def test_missing_parameter_900144(ms, org):
    response = token_request(ms, org, grant_type="authorization_code", redirect_uri=REDIRECT_URI)
    assert_microsoft_error(response.json(), "invalid_request", 900144, "'code'")


# -- faults and counters -------------------------------------------------------------------------------------------


def test_throttling_429_with_retry_after(ms, org):
    ms.call("fault", kind="429", retry_after=7, remaining=1)
    response = token_request(ms, org, grant_type="client_credentials", scope="https://outlook.office365.com/.default")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    again = token_request(ms, org, grant_type="client_credentials", scope="https://outlook.office365.com/.default")
    assert again.status_code == 200


def test_server_error_500(ms, org):
    ms.call("fault", kind="500", remaining=1)
    response = token_request(ms, org, grant_type="client_credentials", scope="https://outlook.office365.com/.default")
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"


def test_hanging_token_endpoint(ms, org):
    ms.call("fault", kind="hang", seconds=3, remaining=1)
    with pytest.raises(requests.Timeout):
        http(ms).post(f"{ms.addresses.login_base_url}/{org.tenant_id}/oauth2/v2.0/token", data={}, timeout=0.5)


def test_requests_are_counted_per_endpoint_and_grant_type(ms, org):
    ms.call("counters/reset")
    app, _ = signed_in_app(ms, org)
    app.acquire_token_for_client(["https://outlook.office365.com/.default"])
    counters = ms.counters()
    assert counters["authorize"] == 1
    assert counters["token:authorization_code"] == 1
    assert counters[f"token:client_credentials:{org.client_id}"] == 1
    assert counters["discovery"] == 1


def test_unknown_scope_at_authorize_70011(ms, org):
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow(["https://example.com/Nothing.Here"], redirect_uri=REDIRECT_URI)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"])
    assert_microsoft_error(query(outcome.url), "invalid_scope", 70011, "is not valid")
