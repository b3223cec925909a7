"""The Exchange emulator answers smtplib as Exchange Online does (reference, section 6): replies compared verbatim."""

import smtplib
import ssl
from contextlib import ExitStack
from email.message import EmailMessage

import pytest

from devhost.entra.browser import SignInBrowser
from devhost.exchange.server import HOSTNAME

from .conftest import REDIRECT_URI
from .helpers import FAILED_5_7_3, SMTP_SEND, Reply, auth, connect, msal_app, query, refresh, signed_in_app, xoauth2

SMTP_AUTH_DISABLED = (
    "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the {scope}. "
    "Visit https://aka.ms/smtp_auth_disabled for more information."
)


@pytest.fixture
def anna(ms, org):
    """(upn, access token) of a person who signed in with SMTP.Send."""
    _, result = signed_in_app(ms, org, "anna")
    return org.people["anna"].upn, result["access_token"]


def test_auth_is_advertised_only_after_starttls(ms):
    with connect(ms, starttls=False) as smtp:
        assert not smtp.has_extn("auth")
        assert smtp.has_extn("starttls")
        assert smtp.docmd("MAIL", "FROM:<a@b.de>")[0] == 530  # STARTTLS first
        smtp.starttls(context=ssl.create_default_context(cafile=ms.addresses.ca_file))
        smtp.ehlo()
        assert smtp.esmtp_features["auth"].split() == ["LOGIN", "XOAUTH2"]


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
def test_tls_1_1_is_refused(ms):
    context = ssl.create_default_context(cafile=ms.addresses.ca_file)
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    with connect(ms, starttls=False) as smtp, pytest.raises(ssl.SSLError):
        smtp.starttls(context=context)


def test_xoauth2_success_and_the_mail_is_kept(ms, org, anna):
    user, token = anna
    with connect(ms) as smtp:
        assert auth(smtp, user, token) == (235, b"2.7.0 Authentication successful")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = user, "teilnehmer@example.de", "Anmeldebestätigung"
        message.set_content("Hallo")
        smtp.send_message(message)
    (mail,) = ms.messages(to="teilnehmer@example.de")
    assert (mail["auth_user"], mail["mail_from"], mail["subject"]) == (user, user, "Anmeldebestätigung")
    assert mail["body"].strip() == "Hallo"


def test_xoauth2_with_a_challenge_instead_of_an_initial_response(ms, anna):
    user, token = anna
    with connect(ms) as smtp:
        assert smtp.docmd("AUTH", "XOAUTH2")[0] == 334
        assert smtp.docmd(xoauth2(user, token)) == (235, b"2.7.0 Authentication successful")


def test_smtplib_auth_method_works_too(ms, anna):
    user, token = anna
    with connect(ms) as smtp:
        code, _ = smtp.auth("XOAUTH2", lambda challenge=None: f"user={user}\x01auth=Bearer {token}\x01\x01")
        assert code == 235


def test_expired_token_535_5_7_3(ms, anna):
    user, token = anna
    ms.call("clock/advance", seconds=3601)
    with connect(ms) as smtp:
        assert auth(smtp, user, token) == FAILED_5_7_3


def test_token_of_another_user_535_5_7_3(ms, org, anna):
    _, token = anna
    with connect(ms) as smtp:
        assert auth(smtp, org.people["ben"].upn, token) == FAILED_5_7_3


def test_alias_instead_of_upn_535_5_7_3(ms, org):
    upn = f"clara@{org.domain}"
    ms.user(org.tenant_id, upn, "pw-clara", aliases=[f"info@{org.domain}"])
    org.people["clara"] = type(org.people["anna"])("Clara", upn, "pw-clara", "")
    _, result = signed_in_app(ms, org, "clara")
    with connect(ms) as smtp:
        assert auth(smtp, f"info@{org.domain}", result["access_token"]) == FAILED_5_7_3


def test_token_for_another_resource_535_5_7_3(ms, org):
    """A Graph token (audience graph.microsoft.com, no SMTP.Send) is refused even for the right user."""
    graph = "https://graph.microsoft.com/Mail.Send"
    app = msal_app(ms, org)
    flow = app.initiate_auth_code_flow([SMTP_SEND, graph], redirect_uri=REDIRECT_URI)
    who = org.people["anna"]
    outcome = SignInBrowser(ms.addresses.ca_file).sign_in(flow["auth_uri"], login=who.upn, password=who.password)
    result = app.acquire_token_by_auth_code_flow(flow, query(outcome.url), scopes=[SMTP_SEND])
    graph_token = refresh(ms, org, result["refresh_token"], scope=graph).json()["access_token"]
    with connect(ms) as smtp:
        assert auth(smtp, who.upn, graph_token) == FAILED_5_7_3
        assert auth(smtp, who.upn, result["access_token"])[0] == 235


def test_forged_signature_535_5_7_3(ms, anna):
    user, token = anna
    forged = token.rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    with connect(ms) as smtp:
        assert auth(smtp, user, forged) == FAILED_5_7_3


def test_smtp_auth_disabled_for_the_mailbox_535_5_7_139(ms, anna):
    user, token = anna
    ms.call("mailbox/update", address=user, smtp_auth_enabled=False)
    with connect(ms) as smtp:
        assert auth(smtp, user, token) == Reply(535, SMTP_AUTH_DISABLED.format(scope="Mailbox"))


def test_mailbox_setting_wins_over_the_tenant(ms, org, anna):
    user, token = anna
    ms.call("tenant/update", tenant_id=org.tenant_id, smtp_auth_enabled=False)
    with connect(ms) as smtp:
        assert auth(smtp, user, token) == Reply(535, SMTP_AUTH_DISABLED.format(scope="Tenant"))
    ms.call("mailbox/update", address=user, smtp_auth_enabled=True)
    with connect(ms) as smtp:
        assert auth(smtp, user, token)[0] == 235


def test_basic_authentication_is_disabled(ms, anna):
    user, _ = anna
    with connect(ms) as smtp, pytest.raises(smtplib.SMTPAuthenticationError) as info:
        smtp.login(user, "anna-Kennwort-1")
    assert (info.value.smtp_code, info.value.smtp_error) == Reply(
        535, "5.7.139 Authentication unsuccessful, basic authentication is disabled."
    )


def test_mail_before_auth_530_5_7_57(ms):
    with connect(ms) as smtp:
        assert smtp.docmd("MAIL", "FROM:<kurse@example.de>") == Reply(
            530, "5.7.57 Client not authenticated to send mail."
        )


def test_send_as_someone_else_550_5_7_60(ms, org, anna):
    user, token = anna
    with connect(ms) as smtp:
        auth(smtp, user, token)
        with pytest.raises(smtplib.SMTPSenderRefused) as info:
            smtp.sendmail(org.people["ben"].upn, ["x@example.de"], "Subject: x\r\n\r\nx")
    assert (info.value.smtp_code, info.value.smtp_error) == Reply(
        550, "5.7.60 SMTP; Client does not have permissions to send as this sender"
    )


def test_send_as_a_shared_mailbox_with_the_right(ms, org, anna):
    user, token = anna
    shared = f"kurse@{org.domain}"
    ms.call("shared_mailbox", tenant_id=org.tenant_id, address=shared, send_as=[org.people["anna"].oid])
    with connect(ms) as smtp:
        auth(smtp, user, token)
        smtp.sendmail(shared, ["x@example.de"], "Subject: geteilt\r\n\r\nx")
    assert ms.messages(to="x@example.de")[-1]["mail_from"] == shared


def test_shared_mailbox_address_as_login_535_5_7_3(ms, org, anna):
    _, token = anna
    shared = f"info@{org.domain}"
    ms.call("shared_mailbox", tenant_id=org.tenant_id, address=shared, send_as=[org.people["anna"].oid])
    with connect(ms) as smtp:
        assert auth(smtp, shared, token) == FAILED_5_7_3


def test_fourth_concurrent_connection_432_4_3_2(ms, anna):
    """The fourth connection submitting at once is refused at the end of DATA with the wording real servers send since
    2021 (sabuhish/fastapi-mail#75, nodemailer/nodemailer#1613)."""
    user, token = anna
    with ExitStack() as stack:
        for _ in range(3):
            smtp = stack.enter_context(connect(ms))
            auth(smtp, user, token)
            assert smtp.docmd("MAIL", f"FROM:<{user}>")[0] == 250
        fourth = stack.enter_context(connect(ms))
        auth(fourth, user, token)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            fourth.sendmail(user, ["kurs@example.de"], b"Subject: Vierte\r\n\r\nx\r\n")
        assert (refused.value.smtp_code, refused.value.smtp_error) == (
            432,
            b"4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more "
            b"information. [Hostname=" + HOSTNAME.encode() + b"]",
        )
    assert ms.messages(to="kurs@example.de") == []
    with connect(ms) as smtp:  # once the others have closed, there is room again
        auth(smtp, user, token)
        smtp.sendmail(user, ["kurs@example.de"], b"Subject: Wieder Platz\r\n\r\nx\r\n")
    assert [m["subject"] for m in ms.messages(to="kurs@example.de")] == ["Wieder Platz"]


@pytest.mark.parametrize(
    "reply",
    [
        # What the emulator sends (real servers since 2021), and the older wording Microsoft's page still names.
        "432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more "
        "information. [Hostname=OS0PR01MB6099.jpnprd01.prod.outlook.com]",
        "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded",
    ],
)
def test_the_plugin_recognises_both_432_wordings(reply):
    from cmx_plugin_m365.diagnosis import Kind, from_smtp

    finding = from_smtp(int(reply[:3]), reply[4:])
    assert (finding.code, finding.kind) == ("432 4.3.2", Kind.TEMPORARY)
    assert finding.message().startswith("Zu viele gleichzeitige Verbindungen: Microsoft erlaubt je Postfach höchstens")


def test_connections_and_auths_are_counted(ms, anna):
    user, token = anna
    ms.call("counters/reset")
    with connect(ms) as smtp:
        auth(smtp, user, token)
    counters = ms.counters()
    assert counters["smtp:connections"] == 1
    assert counters["smtp:auth:xoauth2"] == 1
