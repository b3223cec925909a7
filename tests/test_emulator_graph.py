"""The Graph emulator answers as Microsoft Graph does (sources in devhost/graph/server.py): sendMail with MIME and
JSON, the errors the plugin must explain, throttling, and the large-attachment path the plugin chose not to use."""

import base64
import json
import threading
from email.message import EmailMessage

import jwt
import msal
import requests

from cmx_plugin_m365.http import Session
from devhost.entra.browser import SignInBrowser

from .conftest import REDIRECT_URI
from .helpers import SMTP_SEND, msal_app, query, refresh, token_request

MAIL_SEND = "https://graph.microsoft.com/Mail.Send"
MAIL_SEND_SHARED = "https://graph.microsoft.com/Mail.Send.Shared"


def graph_token(ms, org, person="anna", scopes=(MAIL_SEND, MAIL_SEND_SHARED), extra=""):
    """Sign in with consent for SMTP and Graph; the Graph token comes from the refresh token, as the plugin gets it."""
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow([SMTP_SEND, *scopes], redirect_uri=REDIRECT_URI)
    who = org.people[person]
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=who.upn, password=who.password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    answer = refresh(ms, org, result["refresh_token"], scope=" ".join(scopes) + extra)
    assert answer.status_code == 200, answer.text
    return answer.json()


def session(ms) -> requests.Session:
    http = requests.Session()
    http.verify = ms.addresses.ca_file
    http.trust_env = False
    return http


def mime(sender: str, to: str, subject: str = "Graph", body: str = "Hallo") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    return message.as_bytes()


def send(ms, token: str, data: bytes, *, content_type="text/plain", path="/v1.0/me/sendMail"):
    return session(ms).post(
        ms.addresses.login_base_url + path,
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        timeout=10,
    )


def test_token_answer_names_graph_scopes_without_the_resource(ms, org):
    answer = graph_token(ms, org)
    assert answer["scope"].split()[:2] == ["Mail.Send", "Mail.Send.Shared"]


def test_sendmail_with_mime_is_accepted_with_202_and_delivered(ms, org):
    anna = org.people["anna"].upn
    token = graph_token(ms, org)["access_token"]
    response = send(ms, token, base64.b64encode(mime(anna, "kurs@example.de", "Zertifikat")))
    assert (response.status_code, response.content) == (202, b"")
    (mail,) = ms.messages(to="kurs@example.de")
    assert (mail["via"], mail["mail_from"], mail["auth_user"], mail["subject"]) == ("graph", anna, anna, "Zertifikat")


def test_sendmail_with_json(ms, org):
    token = graph_token(ms, org)["access_token"]
    body = {"message": {"subject": "JSON", "body": {"contentType": "Text", "content": "x"},
                        "toRecipients": [{"emailAddress": {"address": "kurs@example.de"}}]}}  # fmt: skip
    response = send(ms, token, json.dumps(body).encode(), content_type="application/json")
    assert response.status_code == 202
    assert ms.messages(to="kurs@example.de")[0]["subject"] == "JSON"


def test_bad_base64_is_graphs_documented_error(ms, org):
    token = graph_token(ms, org)["access_token"]
    response = send(ms, token, b"not base64 at all!")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ErrorMimeContentInvalidBase64String"


def test_a_request_over_4_mb_is_413(ms, org):
    token = graph_token(ms, org)["access_token"]
    response = send(ms, token, b"A" * (4 * 1024 * 1024 + 4))
    assert response.status_code == 413


def test_an_outlook_token_is_refused_with_401_and_graphs_header(ms, org):
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow([SMTP_SEND], redirect_uri=REDIRECT_URI)
    who = org.people["anna"]
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=who.upn, password=who.password)
    outlook = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])["access_token"]
    response = send(ms, outlook, base64.b64encode(mime(who.upn, "x@example.de")))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert 'client_id="00000003-0000-0000-c000-000000000000"' in response.headers["WWW-Authenticate"]


def test_send_as_needs_mail_send_shared_and_the_right(ms, org):
    shared = f"info@{org.domain}"
    ms.call("shared_mailbox", tenant_id=org.tenant_id, address=shared, send_as=[org.people["anna"].oid])
    only_own = graph_token(ms, org, scopes=(MAIL_SEND,))["access_token"]
    response = send(ms, only_own, base64.b64encode(mime(shared, "x@example.de")))
    assert (response.status_code, response.json()["error"]["code"]) == (403, "ErrorSendAsDenied")
    both = graph_token(ms, org)["access_token"]
    assert send(ms, both, base64.b64encode(mime(shared, "x@example.de"))).status_code == 202
    assert ms.messages(to="x@example.de")[-1]["mail_from"] == shared


def test_sendmail_needs_mail_send(ms, org):
    """GRAPH-SENDMAIL's permissions: Mail.Send; Mail.Send.Shared alone is not documented for it."""
    anna = org.people["anna"].upn
    token = graph_token(ms, org, scopes=(MAIL_SEND_SHARED,))["access_token"]
    response = send(ms, token, base64.b64encode(mime(anna, "x@example.de")))
    assert (response.status_code, response.json()["error"]["code"]) == (403, "ErrorAccessDenied")


def test_a_json_sendmail_needs_its_message_object(ms, org):
    token = graph_token(ms, org)["access_token"]
    bare = {"subject": "Ohne message", "toRecipients": [{"emailAddress": {"address": "kurs@example.de"}}]}
    response = send(ms, token, json.dumps(bare).encode(), content_type="application/json")
    assert response.status_code == 400
    assert ms.messages(to="kurs@example.de") == []


def test_me_needs_user_read_not_mail_send(ms, org):
    token = graph_token(ms, org)["access_token"]  # Mail.Send, Mail.Send.Shared
    response = session(ms).get(
        ms.addresses.login_base_url + "/v1.0/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "ErrorAccessDenied")


def test_mailbox_problems(ms, org):
    anna = org.people["anna"].upn
    token = graph_token(ms, org)["access_token"]
    ms.call("mailbox/update", address=anna, full=True)
    response = send(ms, token, base64.b64encode(mime(anna, "x@example.de")))
    assert response.json()["error"]["code"] == "ErrorQuotaExceeded"
    ms.call("mailbox/update", address=anna, full=False, rest_enabled=False)
    response = send(ms, token, base64.b64encode(mime(anna, "x@example.de")))
    assert (response.status_code, response.json()["error"]["code"]) == (404, "MailboxNotEnabledForRESTAPI")


def test_more_than_four_requests_at_once_are_throttled_with_retry_after(ms, org):
    anna = org.people["anna"].upn
    token = graph_token(ms, org)["access_token"]
    ms.call("graph_delay", seconds=0.5)
    start = threading.Barrier(6)
    answers = []

    def one():
        start.wait()
        answers.append(send(ms, token, base64.b64encode(mime(anna, "x@example.de"))))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    throttled = [a for a in answers if a.status_code == 429]
    assert sorted(a.status_code for a in answers) == [202] * 4 + [429] * 2
    assert throttled[0].json()["error"]["message"] == "Application is over its MailboxConcurrency limit."
    assert throttled[0].headers["Retry-After"].isdigit()


def test_a_step_up_challenge_is_met_by_a_refresh_with_claims(ms, org):
    anna = org.people["anna"]
    answer = graph_token(ms, org)
    ms.call("user/update", oid=anna.oid, graph_step_up=True)
    response = send(ms, answer["access_token"], base64.b64encode(mime(anna.upn, "x@example.de")))
    assert response.status_code == 401
    header = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_claims"' in header
    claims = base64.b64decode(header.split('claims="')[1].split('"')[0]).decode()
    assert json.loads(claims) == {"access_token": {"acrs": {"essential": True, "value": "c1"}}}

    again = token_request(
        ms,
        org,
        grant_type="refresh_token",
        refresh_token=answer["refresh_token"],
        scope=f"{MAIL_SEND} offline_access openid profile",
        claims=claims,
    ).json()
    assert send(ms, again["access_token"], base64.b64encode(mime(anna.upn, "x@example.de"))).status_code == 202


def test_a_revocation_is_a_cae_claims_challenge_only_for_a_client_that_declared_cp1(ms, org):
    """Unmodified msal with client_capabilities=["cp1"] (it sends {"access_token":{"xms_cc":{"values":["cp1"]}}}):
    its Graph token carries xms_cc, and after a revocation Graph answers it with the CAE claims challenge
    (claims-challenge.md, app-resilience-continuous-access-evaluation.md; msgraph-sdk-powershell#1741)."""
    app = msal.ConfidentialClientApplication(
        org.client_id,
        client_credential=org.secret_value,
        authority=f"{ms.addresses.login_base_url}/{org.tenant_id}",
        http_client=Session(ca_file=ms.addresses.ca_file),
        instance_discovery=False,
        client_capabilities=["cp1"],
    )
    anna = org.people["anna"]
    flow = app.initiate_auth_code_flow([SMTP_SEND, MAIL_SEND, MAIL_SEND_SHARED], redirect_uri=REDIRECT_URI)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=anna.upn, password=anna.password)
    app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    (account,) = app.get_accounts()
    token = app.acquire_token_silent_with_error([MAIL_SEND, MAIL_SEND_SHARED], account)["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["xms_cc"] == ["cp1"]
    assert send(ms, token, base64.b64encode(mime(anna.upn, "x@example.de"))).status_code == 202

    ms.call("user/revoke", oid=anna.oid)
    response = send(ms, token, base64.b64encode(mime(anna.upn, "x@example.de")))
    assert response.status_code == 401
    assert response.json()["error"]["message"].endswith("code: TokenIssuedBeforeRevocationTimestamp")
    header = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_claims"' in header
    claims = json.loads(base64.b64decode(header.split('claims="')[1].split('"')[0]))
    assert claims["access_token"]["nbf"]["essential"] is True


def test_without_cp1_a_revoked_users_graph_token_is_taken_until_the_refresh_says_revoked(ms, org):
    """A client that declared no capability gets no claims challenge from Graph (claims-challenge.md): its token
    is an ordinary one until it expires; the revocation shows at the next refresh (AADSTS50173)."""
    anna = org.people["anna"]
    answer = graph_token(ms, org)
    assert "xms_cc" not in jwt.decode(answer["access_token"], options={"verify_signature": False})
    ms.call("user/revoke", oid=anna.oid)
    response = send(ms, answer["access_token"], base64.b64encode(mime(anna.upn, "x@example.de")))
    assert response.status_code == 202 and "WWW-Authenticate" not in response.headers
    again = refresh(ms, org, answer["refresh_token"], scope=MAIL_SEND)
    assert again.status_code == 400 and again.json()["error_codes"] == [50173]


def test_only_cp1_is_a_known_capability(ms, org):
    """ "The only currently known value is cp1"; "The values aren't case-sensitive" (claims-challenge.md)."""

    answer = graph_token(ms, org)
    for values, expected in ((["CP1", "foo"], ["cp1"]), (["foo"], None)):
        claims = json.dumps({"access_token": {"xms_cc": {"values": values}}})
        token = token_request(
            ms, org, grant_type="refresh_token", refresh_token=answer["refresh_token"], scope=MAIL_SEND, claims=claims
        ).json()["access_token"]
        assert jwt.decode(token, options={"verify_signature": False}).get("xms_cc") == expected


def test_large_attachments_by_draft_upload_session_and_send(ms, org):
    """The path for mail over 4 MB (GRAPH-LARGE). The plugin does not take it (it would need Mail.ReadWrite); the
    emulator has it so that the decision is a decision, not a gap."""
    anna = org.people["anna"].upn
    scopes = (MAIL_SEND, "https://graph.microsoft.com/Mail.ReadWrite")
    token = graph_token(ms, org, scopes=scopes)["access_token"]
    http = session(ms)
    auth = {"Authorization": f"Bearer {token}"}
    base = ms.addresses.login_base_url
    draft = http.post(
        f"{base}/v1.0/me/messages",
        data=base64.b64encode(mime(anna, "x@example.de", "Groß")),
        headers={**auth, "Content-Type": "text/plain"},
        timeout=10,
    )
    assert draft.status_code == 201
    draft_id = draft.json()["id"]
    data = b"x" * (5 * 1024 * 1024)
    upload = http.post(
        f"{base}/v1.0/me/messages/{draft_id}/attachments/createUploadSession",
        json={"AttachmentItem": {"attachmentType": "file", "name": "skript.pdf", "size": len(data)}},
        headers=auth,
        timeout=10,
    ).json()
    chunk = 3 * 1024 * 1024
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        end = start + len(part) - 1
        answer = http.put(
            upload["uploadUrl"],
            data=part,
            headers={"Content-Range": f"bytes {start}-{end}/{len(data)}", "Content-Type": "application/octet-stream"},
            timeout=10,
        )
        assert answer.status_code == (201 if end == len(data) - 1 else 200), answer.text
    sent = http.post(f"{base}/v1.0/me/messages/{draft_id}/send", headers=auth, timeout=10)
    assert sent.status_code == 202
    assert ms.messages(to="x@example.de")[-1]["attachments"] == ["skript.pdf"]


def test_the_demo_page_shows_the_graph_switches_and_the_route_of_each_mail(ms, org):
    anna = org.people["anna"].upn
    token = graph_token(ms, org)["access_token"]
    send(ms, token, base64.b64encode(mime(anna, "kurs@example.de", "Über Graph")))
    page = session(ms).get(ms.addresses.login_base_url + "/_emulator/", timeout=10).text
    assert "Microsoft Graph stören" in page and "Graph sperren (MailboxNotEnabledForRESTAPI)" in page
    assert "<td>Graph</td>" in page
