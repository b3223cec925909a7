"""The emulators' application permissions (issue 24): ``roles`` in client-credentials tokens only after admin consent,
and Exchange's answers to an app-only XOAUTH2 before and after the Exchange admin's steps."""

import base64
from email.message import EmailMessage

import jwt
import pytest

from devhost.emulators import exchange_admin_steps, grant_smtp_app_permission

from .helpers import FAILED_5_7_3, Reply, auth, connect, http, token_request

APP_SCOPE = "https://outlook.office365.com/.default"


@pytest.fixture
def shared(ms, org):
    address = f"anmeldung@{org.domain}"
    ms.call("shared_mailbox", tenant_id=org.tenant_id, address=address, send_as=[])
    return address


def app_token(ms, org) -> str:
    response = token_request(ms, org, grant_type="client_credentials", scope=APP_SCOPE)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_roles_only_after_consent_and_oid_is_the_service_principal(ms, org):
    before = claims(app_token(ms, org))
    assert "roles" not in before and "scp" not in before
    assert before["oid"] == org.service_principal_id != org.object_id
    grant_smtp_app_permission(ms, org)
    assert claims(app_token(ms, org))["roles"] == ["SMTP.SendAsApp"]
    # the shared data model: a Graph grant is another resource's and does not leak into Exchange's token
    ms.call(
        "app_roles",
        tenant_id=org.tenant_id,
        client_id=org.client_id,
        resource_app_id="00000003-0000-0000-c000-000000000000",
        roles=["Mail.Send"],
    )
    assert claims(app_token(ms, org))["roles"] == ["SMTP.SendAsApp"]


def test_each_missing_step_is_535_5_7_3_and_the_steps_make_it_235(ms, org, shared):
    with connect(ms) as smtp:
        assert auth(smtp, shared, app_token(ms, org)) == FAILED_5_7_3  # no roles
    grant_smtp_app_permission(ms, org)
    with connect(ms) as smtp:
        assert auth(smtp, shared, app_token(ms, org)) == FAILED_5_7_3  # not registered in Exchange
    # the documented mistake: the app registration's object ID instead of the enterprise application's
    exchange_admin_steps(ms, org, shared, object_id=org.object_id)
    ms.call("mailbox/permission", address=shared, trustee=org.service_principal_id, rights=["FullAccess"], remove=True)
    with connect(ms) as smtp:
        assert auth(smtp, shared, app_token(ms, org)) == FAILED_5_7_3
    ms.call(
        "exchange/service_principal", tenant_id=org.tenant_id, app_id=org.client_id, object_id=org.service_principal_id
    )
    with connect(ms) as smtp:
        assert auth(smtp, shared, app_token(ms, org)) == FAILED_5_7_3  # no mailbox permission yet
    exchange_admin_steps(ms, org, shared)
    token = app_token(ms, org)
    with connect(ms) as smtp:
        assert auth(smtp, shared, token)[0] == 235
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = shared, shared, "Test"
        message.set_content("Hallo")
        smtp.send_message(message)
        # another address of the tenant needs Send As for the service principal
        code, text = smtp.docmd("MAIL", f"FROM:<{org.people['anna'].upn}>")
        assert code == 550 and b"5.7.60" in text
    assert [m["auth_user"] for m in ms.call("messages", to=shared)["messages"]] == [shared]


def test_smtp_auth_off_for_the_mailbox_is_5_7_139(ms, org, shared):
    grant_smtp_app_permission(ms, org)
    exchange_admin_steps(ms, org, shared)
    ms.call("mailbox/update", address=shared, smtp_auth_enabled=False)
    with connect(ms) as smtp:
        code, text = auth(smtp, shared, app_token(ms, org))
    assert code == 535 and b"5.7.139" in text and b"Mailbox" in text


def test_reply_form_is_exchanges(ms, org, shared):
    with connect(ms) as smtp:
        assert auth(smtp, shared, app_token(ms, org)) == Reply(535, "5.7.3 Authentication unsuccessful")


# -- Graph with the app's own token ---------------------------------------------------------------------------------

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def graph_app_token(ms, org) -> str:
    response = token_request(ms, org, grant_type="client_credentials", scope="https://graph.microsoft.com/.default")
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def send_as(ms, token: str, mailbox: str, path: str | None = None):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = mailbox, mailbox, "Graph"
    message.set_content("Hallo")
    data = base64.b64encode(message.as_bytes())
    return http(ms).post(
        ms.addresses.login_base_url + (path or f"/v1.0/users/{mailbox}/sendMail"),
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
        timeout=10,
    )


def test_graph_app_only_answers(ms, org, shared):
    other = org.people["anna"].upn
    token = graph_app_token(ms, org)
    me = send_as(ms, token, shared, "/v1.0/me/sendMail")
    assert (me.status_code, me.json()["error"]["message"]) == (
        400,
        "/me request is only valid with delegated authentication flow.",
    )
    refused = send_as(ms, token, shared)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "ErrorAccessDenied")
    # RBAC for Applications: the scope holds the shared mailbox only
    ms.call("graph/app_scope", tenant_id=org.tenant_id, client_id=org.client_id, mailboxes=[shared])
    assert send_as(ms, token, shared).status_code == 202
    outside = send_as(ms, token, other)
    assert (outside.status_code, outside.json()["error"]["message"]) == (403, "Access to OData is disabled.")
    # Mail.Send consented in Entra as well: additive, every mailbox again
    ms.call(
        "app_roles", tenant_id=org.tenant_id, client_id=org.client_id, resource_app_id=GRAPH_APP_ID, roles=["Mail.Send"]
    )
    assert send_as(ms, graph_app_token(ms, org), other).status_code == 202
    assert {m["mail_from"] for m in ms.call("messages")["messages"] if m["via"] == "graph"} >= {shared, other}
