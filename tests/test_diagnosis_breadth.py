"""Diagnosis breadth (issue 20): answers without a code are found by Microsoft's words, words that name another
cause than the code decide, Graph's and EWS's codes for mail, Exchange's tenant limits and account blocks, and every
reader stays quick on hostile input. Real captured answers are in test_diagnosis_real.py; here the catalogue's own
tables are held to what they promise."""

import time

import pytest
from cmx_hostapi import PermanentMailError, SignInRequired, TemporaryMailError

from cmx_plugin_m365.diagnosis import (
    CMX_ADMIN,
    M365_ADMIN,
    SENDER,
    SUPPORT,
    USER,
    Kind,
    explain,
    from_graph,
    from_oauth,
    from_page,
    from_smtp,
    known,
    person_waiting,
    read_page,
)
from cmx_plugin_m365.diagnosis.catalogue import NDR_TEXTS, SMTP_ENTRIES, graph_entry
from cmx_plugin_m365.diagnosis.exchange_replies import NDR_TEXTS as NDR_TABLE
from cmx_plugin_m365.diagnosis.identity_codes import MESSAGES, REFINEMENTS
from cmx_plugin_m365.diagnosis.readers import code_of_words, from_ndr

# -- the tables point at entries that exist ----------------------------------------------------------------------------


def test_every_wording_names_a_code_the_catalogue_explains():
    for _, code in MESSAGES:
        assert known(f"AADSTS{code}"), code
    for _, codes, target in REFINEMENTS:
        assert known(f"AADSTS{target}") and all(known(f"AADSTS{c}") for c in codes.split()), target


def test_every_ndr_wording_names_a_reply_the_catalogue_explains():
    keys = {found.key for _, found in SMTP_ENTRIES}
    assert all(key in keys for _, key in NDR_TABLE)
    assert len(NDR_TEXTS) == len(NDR_TABLE)


# -- an AADSTS message without its code --------------------------------------------------------------------------------

WITHOUT_CODE = [
    # (what a library or a person passed on, the code it stands for, who must act, what happens to mail)
    ("Error validating credentials due to invalid username or password.", "AADSTS50126", USER, Kind.SIGN_IN),
    ("Invalid username or password", "AADSTS50126", USER, Kind.SIGN_IN),
    (
        "The provided client secret keys for app '00000000-1111-2222-3333-444444444444' are expired. Visit the Azure "
        "portal to create new keys for your app: https://aka.ms/NewClientSecret",
        "AADSTS7000222",
        CMX_ADMIN,
        Kind.CONFIGURATION,
    ),
    ("The provided client secret keys are expired.", "AADSTS7000222", CMX_ADMIN, Kind.CONFIGURATION),
    (
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not "
        "the client secret ID",
        "AADSTS7000215",
        CMX_ADMIN,
        Kind.CONFIGURATION,
    ),
    ("Tenant 'kurse.example.de' not found.", "AADSTS90002", CMX_ADMIN, Kind.CONFIGURATION),
    ("The refresh token has expired due to inactivity.", "AADSTS700082", USER, Kind.SIGN_IN),
    ("The provided grant has expired due to it being revoked.", "AADSTS50173", USER, Kind.SIGN_IN),
    ("Access has been blocked by Conditional Access policies.", "AADSTS53003", M365_ADMIN, Kind.CONFIGURATION),
    ("Client assertion is not within its valid time range. Current time: …", "AADSTS700024", SUPPORT, Kind.TEMPORARY),
    ("User declined to consent to access the app.", "AADSTS65004", USER, Kind.SIGN_IN),
    (
        "The redirect URI 'https://kurse.example.de/x' specified in the request does not match the redirect URIs "
        "configured for the application 'a'.",
        "AADSTS50011",
        CMX_ADMIN,
        Kind.CONFIGURATION,
    ),
    # the sign-in page speaks of "isn't" where the list writes "is not"; a typographic apostrophe is the same
    (
        "Application 'a'(cmx) isn\u2019t configured as a multitenant application.",
        "AADSTS50194",
        CMX_ADMIN,
        Kind.CONFIGURATION,
    ),
]


@pytest.mark.parametrize(("text", "code", "who", "kind"), WITHOUT_CODE, ids=[c for _, c, _, _ in WITHOUT_CODE])
def test_microsofts_words_without_their_code_find_the_entry(text, code, who, kind):
    for finding in (from_oauth("invalid_grant", text), explain(text)):
        assert (finding.code, finding.entry.who, finding.kind, finding.known) == (code, who, kind, True)
        assert f"(Zuständig: {who}; Code {code}" in finding.message()


def test_words_do_not_overrule_a_code_microsoft_gave():
    # "Invalid username or password" under a code the catalogue does not know keeps Microsoft's code and words
    finding = from_oauth("invalid_grant", "AADSTS9999999: Invalid username or password.")
    assert finding.code == "AADSTS9999999" and not finding.known
    assert "AADSTS9999999: Invalid username or password" in finding.message()


def test_words_that_say_nothing_known_still_fall_back_to_the_oauth_error():
    finding = from_oauth("invalid_grant", "Something entirely new.")
    assert (finding.code, finding.kind) == ("invalid_grant", Kind.SIGN_IN)
    assert code_of_words("Stay signed in?") is None


# -- Microsoft's words decide where the code misleads ------------------------------------------------------------------


@pytest.mark.parametrize("code", ["50012", "50013", "50027"])
def test_a_client_assertion_out_of_its_time_range_is_the_servers_clock_under_any_code(code):
    finding = from_oauth("invalid_client", f"AADSTS{code}: Client assertion is not within its valid time range.")
    assert finding.code == f"AADSTS{code}"  # Microsoft's code, for support
    assert finding.entry.title == "Uhr des Servers geht falsch" and finding.kind is Kind.TEMPORARY
    assert "Zeitsynchronisation" in finding.message()
    assert isinstance(finding.mail_error(), TemporaryMailError)


def test_without_those_words_the_code_keeps_its_own_cause():
    finding = from_oauth("invalid_client", "AADSTS50012: Client assertion contains an invalid signature.")
    assert finding.entry.title == "Signatur mit dem Zertifikat stimmt nicht"


# -- consent pages without a code (entra-docs application-sign-in-unexpected-user-consent-error.md) --------------------

CONSENT_PAGES = [
    (
        "cmxOrganize needs permission to access resources in your organization that only an admin can grant. Ask an "
        "admin to grant permission to this app before you can use it.",
        "AADSTS90094",
    ),
    (
        "An administrator of Kurse GmbH set a policy that prevents you from granting cmxOrganize the permissions it's "
        "requesting. Contact an administrator of Kurse GmbH, who can grant permissions to this app on your behalf.",
        "AADSTS90093",
    ),
    ("This app might be risky. If you trust this app, ask your admin to grant you access.", "AADSTS900941"),
    ("This app might be risky. Only continue if you trust this app.", "AADSTS900981"),
]


@pytest.mark.parametrize(("text", "code"), CONSENT_PAGES, ids=[c for _, c in CONSENT_PAGES])
def test_consent_pages_without_a_code_name_the_admin_consent(text, code):
    page = f"<html><body><div>{text}</div><div>Request Id: 1</div></body></html>"
    reading = read_page(page)
    assert reading is not None and reading.code == code
    finding = from_page(page)
    assert finding.code == code and finding.entry.admin_consent and finding.entry.who == M365_ADMIN
    assert explain(text).code == code


# -- Exchange Online: tenant limits and account blocks -----------------------------------------------------------------


def test_the_tenant_external_recipient_limit_is_a_limit_not_a_broken_account():
    finding = from_smtp(
        550,
        "5.7.233 Your message can't be sent because your tenant exceeded its daily limit for sending email to "
        "external recipients (tenant external recipient rate limit)",
    )
    assert finding.code == "550 5.7.233" and finding.entry.key == "550 5.7.233"
    assert finding.kind is Kind.TEMPORARY and finding.entry.who == M365_ADMIN
    assert "ganze Microsoft-365-Organisation" in finding.message()
    assert isinstance(finding.mail_error(), TemporaryMailError)
    with person_waiting():
        assert "Testmail später noch einmal senden" in finding.message()


def test_a_trial_tenant_has_its_own_limit():
    finding = from_smtp(
        550,
        "5.7.232 Your message can't be sent because your trial tenant has exceeded its daily limit for sending email "
        "to external recipients (tenant external recipient rate limit)",
    )
    assert finding.entry.key == "550 5.7.232" and "Testversion" in finding.message()


def test_a_blocked_sender_needs_the_admin_and_says_both_causes():
    finding = from_smtp(550, "5.1.8 Access denied, bad outbound sender")
    assert (finding.kind, finding.entry.who) == (Kind.CONFIGURATION, M365_ADMIN)
    assert isinstance(finding.mail_error(), PermanentMailError)
    message = finding.message()
    assert "Eingeschränkte Entitäten" in message and "Ausgangs-Spamfilterrichtlinie" in message


def test_5_7_511_is_a_banned_ip_as_the_current_ndr_table_says():
    finding = from_smtp(550, "5.7.511 Access denied, banned sender")
    assert finding.entry.title == "Adresse des Servers gesperrt" and "delist@microsoft.com" in finding.message()
    assert from_smtp(550, "5.7.502 Access denied, banned sender").entry.title == "Konto für den Versand gesperrt"


@pytest.mark.parametrize(
    ("line", "title"),
    [
        (
            "550 5.7.513 Service unavailable, Client host [203.0.113.5] blocked by example.org using Customer Block "
            "list (AS16012607)",
            "Empfängerorganisation blockiert den Absender",
        ),
        ("550 5.4.300 Message expired", "Zustellung aufgegeben"),
        (
            "550 5.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.",
            "Server des Empfängers nicht sicher erreichbar",
        ),
        (
            "550 5.0.350 Requested action not taken: policy violation detected (AS345)",
            "Empfängerorganisation hat die Mail abgelehnt",
        ),
    ],
)
def test_refusals_of_the_recipients_side_stop_only_this_mail(line, title):
    finding = from_smtp(0, line)
    assert (finding.entry.title, finding.kind, finding.entry.who) == (title, Kind.MESSAGE, SENDER)


def test_a_reply_without_its_enhanced_code_or_without_its_basic_code_is_still_read():
    # Exchange's words carry it where the enhanced status code is missing …
    assert from_smtp(554, "STOREDRV.Submission.Exception:SubmissionQuotaExceededException").entry.key == "554 5.2.0"
    # … and a library that passes on only "5.x.y …" is read by that code's class
    finding = from_smtp(0, "4.9.9 Something new")
    assert (finding.code, finding.kind, finding.known) == ("4.9.9", Kind.TEMPORARY, False)
    assert from_smtp(0, "5.9.9 Something new").kind is Kind.CONFIGURATION


def test_a_non_delivery_report_is_read_by_its_reply_or_its_words():
    finding = from_ndr("Diagnostic-Code: smtp; 550 5.7.233 Your message can't be sent because …\nStatus: 5.7.233")
    assert finding.code == "550 5.7.233" and finding.kind is Kind.TEMPORARY
    finding = from_ndr("Your message can't be sent because your tenant has exceeded its daily limit for sending email")
    assert finding is None  # a cut-off wording is not guessed at
    assert from_ndr("Delivery has failed to these recipients.") is None


# -- Microsoft Graph: recipients, users, resources, quotas -------------------------------------------------------------


def body(code: str, message: str = "", inner: dict | None = None) -> str:
    import json

    error = {"code": code, "message": message, "innerError": inner or {"request-id": "rid-1", "date": "2026-01-01"}}
    return json.dumps({"error": error})


GRAPH = [
    # (status, code, message, title, kind, who, host error)
    (
        400,
        "ErrorInvalidRecipients",
        "At least one recipient isn't valid.",
        "Empfänger ungültig",
        Kind.MESSAGE,
        SENDER,
        PermanentMailError,
    ),
    (400, "ErrorMissingRecipients", "", "Empfänger ungültig", Kind.MESSAGE, SENDER, PermanentMailError),
    (400, "ErrorInvalidSmtpAddress", "", "Adresse ungültig", Kind.MESSAGE, SENDER, PermanentMailError),
    (
        404,
        "ErrorInvalidUser",
        "The requested user 'x' is invalid.",
        "Postfach nicht gefunden",
        Kind.CONFIGURATION,
        M365_ADMIN,
        PermanentMailError,
    ),
    (
        404,
        "ResourceNotFound",
        "Resource could not be discovered.",
        "Postfach nicht gefunden",
        Kind.CONFIGURATION,
        M365_ADMIN,
        PermanentMailError,
    ),
    (403, "ErrorAccountDisabled", "", "Konto deaktiviert", Kind.CONFIGURATION, M365_ADMIN, PermanentMailError),
    (403, "ErrorInvalidLicense", "", "Lizenz fehlt", Kind.CONFIGURATION, M365_ADMIN, PermanentMailError),
    (403, "ErrorSubmissionQuotaExceeded", "", "Sendelimit erreicht", Kind.TEMPORARY, CMX_ADMIN, TemporaryMailError),
    (
        503,
        "ErrorServerBusy",
        "",
        "Postfach vorübergehend nicht erreichbar",
        Kind.TEMPORARY,
        CMX_ADMIN,
        TemporaryMailError,
    ),
    (403, "ErrorPasswordExpired", "", "Kennwort abgelaufen", Kind.SIGN_IN, USER, SignInRequired),
    (
        403,
        "ErrorQuotaExceeded",
        "Mailbox has exceeded maximum mailbox size.",
        "Postfach voll",
        Kind.CONFIGURATION,
        USER,
        PermanentMailError,
    ),
    (
        403,
        "ErrorQuotaExceeded",
        "Cannot get ID from name.",
        "Eigenschaften-Kontingent des Postfachs erschöpft",
        Kind.CONFIGURATION,
        M365_ADMIN,
        PermanentMailError,
    ),
    (403, "ErrorQuotaExceeded", "", "Kontingent des Postfachs erschöpft", Kind.CONFIGURATION, USER, PermanentMailError),
    (
        403,
        "ErrorAccessDenied",
        "Access to OData is disabled.",
        "Zugriff über Microsoft Graph für das Postfach gesperrt",
        Kind.CONFIGURATION,
        M365_ADMIN,
        PermanentMailError,
    ),
    (
        403,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
        "Microsoft Graph verweigert den Versand",
        Kind.SIGN_IN,
        USER,
        SignInRequired,
    ),
    (400, "invalidRequest", "", "Ungültige Anfrage an Microsoft Graph", Kind.BUG, SUPPORT, TemporaryMailError),
]


@pytest.mark.parametrize(
    ("status", "code", "message", "title", "kind", "who", "error_class"),
    GRAPH,
    ids=[f"{c} {m[:12]}" for _, c, m, *_ in GRAPH],
)
def test_graph_answers_for_mail(status, code, message, title, kind, who, error_class):
    finding = from_graph(status, body(code, message))
    assert (finding.code, finding.entry.title, finding.kind, finding.entry.who) == (f"graph:{code}", title, kind, who)
    assert finding.known and finding.trace_id == "rid-1"
    error = finding.mail_error()
    assert type(error) is error_class and error.code == f"graph:{code}"
    assert str(error).startswith(f"{title}: ")


def test_an_invalid_recipient_stops_this_mail_only():
    finding = from_graph(400, body("ErrorInvalidRecipients", "At least one recipient isn't valid."))
    assert "andere Mails gehen weiter" in finding.message()


def test_the_most_specific_code_graph_nests_wins():
    finding = from_graph(403, body("generalException", "x", {"code": "ErrorQuotaExceeded", "innerError": {}}))
    assert finding.code == "graph:ErrorQuotaExceeded"


def test_graph_codes_in_another_case_are_found_but_kept_as_sent():
    finding = from_graph(403, body("ExtensionError", "Access to OData is disabled."))
    assert finding.code == "graph:ExtensionError" and finding.entry.who == M365_ADMIN
    assert graph_entry("errorinvalidrecipients").key == "graph:ErrorInvalidRecipients"


def test_a_successful_redirect_with_its_code_is_no_graph_error():
    assert explain({"code": "0.AXYZ", "state": "s", "session_state": "t"}) is None
    assert explain('{"code": "0.AXYZ", "state": "s"}') is None


def test_an_unknown_graph_code_is_still_classified_by_its_status():
    finding = from_graph(403, body("ErrorSomethingNew", "New words."))
    assert (finding.code, finding.known, finding.kind) == ("graph:ErrorSomethingNew", False, Kind.CONFIGURATION)
    assert "New words" in finding.message()


def test_a_graph_code_in_a_log_line_is_read():
    finding = explain("Graph sendMail failed: ErrorInvalidRecipients: At least one recipient isn't valid.")
    assert finding.code == "graph:ErrorInvalidRecipients" and finding.kind is Kind.MESSAGE
    assert explain("ErrorInvalidRecipientsAndMore is not a code") is None


# -- hostile input -----------------------------------------------------------------------------------------------------

HOSTILE = [
    ("many <", lambda: explain("<" * 400_000)),
    ("unclosed scripts", lambda: read_page("<script" * 60_000)),
    ("unclosed styles", lambda: explain(b"<html>" + b"<style x" * 60_000)),
    ("repeated enhanced codes", lambda: from_smtp(550, "5.1.0 " * 20_000)),
    ("repeated wording starts", lambda: from_oauth("", "does not exist in the " * 5_000)),
    ("deep JSON for Graph", lambda: from_graph(400, "[" * 100_000)),
    ("deep JSON for explain", lambda: explain("{" + '"a":[' * 30_000)),
    ("deep $Config", lambda: explain("$Config=" + '{"a":' * 50_000)),
    ("many replies", lambda: explain("x 550 5.1.8 " * 30_000)),
    ("many AADSTS", lambda: explain("AADSTS" * 100_000)),
    ("many resource principals", lambda: explain("resource principal named " * 10_000)),
]


@pytest.mark.parametrize("run", [r for _, r in HOSTILE], ids=[n for n, _ in HOSTILE])
def test_readers_stay_quick_on_hostile_input(run):
    started = time.perf_counter()
    run()  # no exception: a reader answers (or says None), it does not fail
    assert time.perf_counter() - started < 2.0
