"""Issue 20, item 10: where the copy of a sent mail lands. SMTP keeps it in the signed-in user's Sent Items
(smtp-submission-improvements.md), in the shared mailbox's as well with MessageCopyForSentAsEnabled; Graph's
/users/{shared}/sendMail keeps it in the shared mailbox's, /me/sendMail in the signed-in user's (GRAPH-OTHERUSER). The
plugin uses /users/{shared} where Full Access allows it and says in the green field where copies land."""

import base64
from email.message import EmailMessage

import requests

from devhost.emulators import Person
from devhost.entra.browser import SignInBrowser
from devhost.pages import flashes, green_field_text

from .conftest import REDIRECT_URI
from .helpers import msal_app, query, run_method


def sent_items(office, address) -> list[str]:
    return [c["subject"] for c in office.ms.call("sent_items", address=address)["sent_items"]]


def shared_account(office, *, full_access: bool) -> tuple[int, str, str]:
    """info@ (a shared mailbox) with Send As for Anna — and Full Access if asked; an account for it, signed in by
    Anna. Returns (account id, shared address, Anna's address)."""
    office.configure()
    anna = office.org.people["anna"]
    shared = f"info@{office.org.domain}"
    office.ms.call(
        "shared_mailbox",
        tenant_id=office.org.tenant_id,
        address=shared,
        send_as=[anna.oid],
        full_access=[anna.oid] if full_access else [],
    )
    account_id = office.create_account("anna", address=shared, username="")
    office.enable_oauth(account_id)
    _, page = office.connect("anna", account_id)
    assert flashes(page) == [f"E-Mailkonto eingerichtet, Testmail an {shared} gesendet."]
    office.ms.call("messages/clear")  # the test mail's copies are not what the tests look at
    return account_id, shared, anna.upn


def send(office, account_id, subject):
    office.instance.mailer.enqueue(account_id, "kurs@example.de", subject, "x")
    assert office.instance.mailer.run_queue()["sent"] == 1


def kept(office, account_id) -> str:
    """The green field's line on where copies land."""
    green = green_field_text(office.page(account_id))
    return green.split("Kopien gesendeter Mails ", 1)[1] if "Kopien gesendeter Mails " in green else ""


# -- SMTP --------------------------------------------------------------------------------------------------------------


def test_over_smtp_the_copy_lands_with_the_signed_in_user_and_the_green_field_says_so(office):
    account_id, shared, anna = shared_account(office, full_access=True)
    send(office, account_id, "Kursbestätigung")
    assert (sent_items(office, anna), sent_items(office, shared)) == (["Kursbestätigung"], [])
    assert kept(office, account_id).startswith(f"im Postfach {anna} (Gesendete Elemente), nicht in {shared}")
    green = green_field_text(office.page(account_id))
    assert f"Set-Mailbox -Identity {shared} -MessageCopyForSentAsEnabled $true" in green
    assert "Microsoft-365-Admin" in green


def test_with_message_copy_for_sent_as_the_shared_mailbox_keeps_one_too(office):
    account_id, shared, anna = shared_account(office, full_access=False)
    office.ms.call("mailbox/update", address=shared, message_copy_for_sent_as=True)
    send(office, account_id, "Rechnung")
    assert (sent_items(office, anna), sent_items(office, shared)) == (["Rechnung"], ["Rechnung"])


# -- Microsoft Graph ---------------------------------------------------------------------------------------------------


def test_over_graph_with_full_access_the_copy_stays_in_the_shared_mailbox(office):
    account_id, shared, anna = shared_account(office, full_access=True)
    office.choose_route(account_id, "graph")
    assert kept(office, account_id).startswith(f"im Postfach {shared}, wenn {anna} Vollzugriff darauf hat")
    send(office, account_id, "Über Graph")
    assert (sent_items(office, shared), sent_items(office, anna)) == (["Über Graph"], [])
    (mail,) = office.ms.messages(to="kurs@example.de")
    assert (mail["via"], mail["from"], mail["auth_user"]) == ("graph", shared, anna)
    assert kept(office, account_id).startswith(f"im Postfach {shared} (Gesendete Elemente)")
    send(office, account_id, "Noch eine")
    assert office.ms.counters()["graph:sendMail"] == 2  # the way is remembered: one request per mail


def test_over_graph_without_full_access_the_mail_goes_once_and_the_green_field_says_why(office):
    account_id, shared, anna = shared_account(office, full_access=False)
    office.choose_route(account_id, "graph")
    office.ms.call("counters/reset")
    send(office, account_id, "Ohne Vollzugriff")
    assert [m["subject"] for m in office.ms.messages(to="kurs@example.de")] == ["Ohne Vollzugriff"]  # once
    assert office.ms.counters()["graph:sendMail"] == 2  # /users/{shared} refused (403), then /me
    assert (sent_items(office, anna), sent_items(office, shared)) == (["Ohne Vollzugriff"], [])
    line = kept(office, account_id)
    assert line.startswith(f"im Postfach {anna} (Gesendete Elemente), nicht in {shared}: {anna} hat keinen Vollzugriff")
    green = green_field_text(office.page(account_id))
    assert "Delegierung → „Lesen und verwalten“" in green and "MessageCopyForSentAsEnabled $true" in green
    office.ms.call("counters/reset")
    send(office, account_id, "Danach")
    assert office.ms.counters()["graph:sendMail"] == 1  # straight through /me now


def test_full_access_granted_later_is_used_after_e_mailkonto_testen(office):
    account_id, shared, _ = shared_account(office, full_access=False)
    office.choose_route(account_id, "graph")
    send(office, account_id, "Vorher")
    office.ms.call("mailbox/update", address=shared, grant_full_access=[office.org.people["anna"].oid])
    messages = run_method(office, account_id)
    assert any(
        m.startswith(f"✓ Microsoft Graph: Testmail an {shared} über Microsoft Graph übergeben") for m in messages
    )
    assert sent_items(office, shared) == ["cmxOrganize: Testmail"]
    assert kept(office, account_id).startswith(f"im Postfach {shared} (Gesendete Elemente)")


def test_the_own_mailbox_has_no_line_and_keeps_its_copies(office):
    office.configure()
    account_id, _ = office.connect("anna")
    anna = office.org.people["anna"].upn
    office.choose_route(account_id, "graph")
    office.ms.call("messages/clear")
    send(office, account_id, "Eigenes Postfach")
    assert sent_items(office, anna) == ["Eigenes Postfach"]
    assert kept(office, account_id) == ""


# -- the emulator, as Microsoft documents it --------------------------------------------------------------------------


GRAPH_SCOPES = ["https://graph.microsoft.com/Mail.Send", "https://graph.microsoft.com/Mail.Send.Shared"]


def graph_token(ms, org, scopes=GRAPH_SCOPES) -> str:
    """Anna's Graph token (a sign-in through the emulator's pages with unmodified msal)."""
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow(list(scopes), redirect_uri=REDIRECT_URI)
    anna = org.people["anna"]
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=anna.upn, password=anna.password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url))
    return result["access_token"]


def call(ms, token, path, *, mime: bytes | None = None, json_body=None, method="POST"):
    headers = {"Authorization": f"Bearer {token}"}
    if mime is not None:
        headers["Content-Type"] = "text/plain"
    return requests.request(
        method,
        ms.addresses.login_base_url + path,
        data=base64.b64encode(mime) if mime is not None else None,
        json=json_body,
        headers=headers,
        verify=ms.addresses.ca_file,
        timeout=10,
    )


def a_mail(sender, subject) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "kurs@example.de", subject
    message.set_content("x")
    return message.as_bytes()


def with_shared_mailbox(ms, org, **rights) -> str:
    shared = f"team@{org.domain}"
    ms.call("shared_mailbox", tenant_id=org.tenant_id, address=shared, **rights)
    return shared


def test_emulator_users_path_needs_full_access_and_keeps_the_copy_in_the_from_mailbox(ms, org):
    anna = org.people["anna"]
    shared = with_shared_mailbox(ms, org, send_as=[anna.oid])
    token = graph_token(ms, org)
    refused = call(ms, token, f"/v1.0/users/{shared}/sendMail", mime=a_mail(shared, "ohne"))
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "ErrorAccessDenied")
    unknown = call(ms, token, f"/v1.0/users/niemand@{org.domain}/sendMail", mime=a_mail(shared, "wer"))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "ErrorInvalidUser")
    ms.call("mailbox/update", address=shared, grant_full_access=[anna.oid])
    assert call(ms, token, f"/v1.0/users/{shared}/sendMail", mime=a_mail(shared, "mit")).status_code == 202
    assert call(ms, token, "/v1.0/me/sendMail", mime=a_mail(shared, "über me")).status_code == 202
    assert sent_items_of(ms, shared) == ["mit"]
    assert sent_items_of(ms, anna.upn) == ["über me"]


def test_emulator_save_to_sent_items_false_and_the_admins_copy(ms, org):
    anna = org.people["anna"]
    shared = with_shared_mailbox(ms, org, send_as=[anna.oid])
    token = graph_token(ms, org)
    body = {
        "message": {
            "subject": "ohne Kopie",
            "from": {"emailAddress": {"address": shared}},
            "toRecipients": [{"emailAddress": {"address": "kurs@example.de"}}],
        },
        "saveToSentItems": "false",  # GRAPH-SENDMAIL's example sends the string
    }
    assert call(ms, token, "/v1.0/me/sendMail", json_body=body).status_code == 202
    assert (sent_items_of(ms, anna.upn), sent_items_of(ms, shared)) == ([], [])
    ms.call("mailbox/update", address=shared, message_copy_for_sent_as=True)
    assert call(ms, token, "/v1.0/me/sendMail", json_body=body).status_code == 202
    # "the message will still be saved to the from user's Sent Items" (GRAPH-OTHERUSER)
    assert (sent_items_of(ms, anna.upn), sent_items_of(ms, shared)) == ([], ["ohne Kopie"])


def test_emulator_me_names_proxy_addresses_only_on_select(ms, org):
    clara = ms.call(
        "user", tenant_id=org.tenant_id, upn=f"clara@{org.domain}", password="pw-clara", aliases=[f"kn@{org.domain}"]
    )
    org.people["clara"] = Person("Clara", clara["upn"], "pw-clara", clara["oid"])
    app = msal_app(ms, org)
    scopes = ["https://graph.microsoft.com/User.Read"]
    flow = app.initiate_auth_code_flow(scopes, redirect_uri=REDIRECT_URI)
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=clara["upn"], password="pw-clara")
    token = app.acquire_token_by_auth_code_flow(flow, query(outcome.url))["access_token"]
    plain = call(ms, token, "/v1.0/me", method="GET").json()
    assert plain["mail"] == clara["upn"] and "proxyAddresses" not in plain
    selected = call(ms, token, "/v1.0/me?$select=mail,proxyAddresses", method="GET").json()
    assert selected == {"mail": clara["upn"], "proxyAddresses": [f"SMTP:{clara['upn']}", f"smtp:kn@{org.domain}"]}


def sent_items_of(ms, address) -> list[str]:
    return [c["subject"] for c in ms.call("sent_items", address=address)["sent_items"]]
