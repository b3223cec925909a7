"""The catalogue against answers Microsoft really sent, as captured in public threads (each case names its thread),
and against the structural faults a real answer exposes: several codes in one body, codes that contain others,
Microsoft's own error page in any language, the admin consent endpoint's answers."""

import pytest

from cmx_plugin_m365.diagnosis import (
    CATALOGUE,
    CMX_ADMIN,
    M365_ADMIN,
    SENDER,
    SUPPORT,
    USER,
    Kind,
    aadsts_codes,
    explain,
    from_body,
    from_graph,
    from_oauth,
    from_page,
    from_redirect,
    from_smtp,
    pick_code,
    read_page,
)

TAIL = "\r\nTrace ID: 8ccfdad7-7856-498c-82fa-88e6d5b40fee\r\nCorrelation ID: c7f33b6a-5683-4fff-be74-ffba44a27abc"


# -- token endpoint bodies --------------------------------------------------------------------------------------------

BODIES = [
    # QuePort/passport-azure-oauth#6: a wrapper code in front of the real one, no error_uri.
    (
        {
            "error": "invalid_grant",
            "error_description": "AADSTS70002: Error validating credentials. AADSTS70000: The provided access grant "
            "is invalid or malformed." + TAIL + "\r\nTimestamp: 2014-08-27 12:08:46Z",
            "error_codes": [70002, 70000],
            "timestamp": "2014-08-27 12:08:46Z",
        },
        "AADSTS70000",
        Kind.SIGN_IN,
        USER,
    ),
    # MicrosoftDocs/azure-docs#30802
    (
        {
            "error": "invalid_grant",
            "error_description": "AADSTS50126: Error validating credentials due to invalid username or password",
        },
        "AADSTS50126",
        Kind.SIGN_IN,
        USER,
    ),
    # davidjrh/dnn.azureadprovider#112
    (
        {
            "error": "invalid_grant",
            "error_description": "AADSTS9002313: Invalid request. Request is malformed or invalid. Trace ID: "
            "416deea9-9d5c-4cbe-81eb-e6397b902000 Correlation ID: bd487592-f96d-48f0-b095-f9ade4b75d45 "
            "Timestamp: 2024-10-03 18:40:55Z",
            "error_codes": [9002313],
        },
        "AADSTS9002313",
        Kind.SIGN_IN,
        USER,
    ),
    # a 7000215 body as a Node app logged it (error_uri present)
    (
        {
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
            "request is the client secret value, not the client secret ID, for a secret added to app 'x'.",
            "error_codes": [7000215],
            "error_uri": "https://login.microsoftonline.com/error?code=7000215",
        },
        "AADSTS7000215",
        Kind.CONFIGURATION,
        CMX_ADMIN,
    ),
    # AzureAD/microsoft-authentication-library-for-js#5077
    (
        {
            "error": "invalid_grant",
            "error_description": "AADSTS50076: Due to a configuration change made by your administrator, or because "
            "you moved to a new location, you must use multi-factor authentication to access '<REDACTED>'",
            "suberror": "basic_action",
        },
        "AADSTS50076",
        Kind.SIGN_IN,
        USER,
    ),
    # Softeria/ms-365-mcp-server#490: sign-in frequency
    (
        {"error": "invalid_grant", "error_description": "AADSTS70043: The refresh token has expired or is invalid."},
        "AADSTS70043",
        Kind.SIGN_IN,
        USER,
    ),
    # consent withdrawn, at refresh (reference-error-codes: DelegationDoesNotExist)
    (
        {
            "error": "invalid_grant",
            "error_description": "AADSTS65001: The user or administrator has not consented.",
            "suberror": "consent_required",
        },
        "AADSTS65001",
        Kind.SIGN_IN,
        M365_ADMIN,
    ),
    # Certificates (next-features §2.4). 700027, older wording: Azure/azure-sdk-for-net#29007.
    (
        {
            "error": "invalid_client",
            "error_description": "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key "
            "was not found., Thumbprint of key used by client: 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678', Please "
            "visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id "
            "'00000000-1111-2222-3333-444444444444'.]" + TAIL,
            "error_codes": [700027],
        },
        "AADSTS700027",
        Kind.CONFIGURATION,
        CMX_ADMIN,
    ),
    # 700027, the 2026 wording: AzureAD/microsoft-authentication-library-for-js#8339.
    (
        {
            "error": "invalid_client",
            "error_description": "AADSTS700027: The certificate with identifier used to sign the client assertion is "
            "not registered on application. [Reason - The key was not found., Thumbprint of key used by client: "
            "'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678', Please visit the Azure Portal, Graph Explorer or directly "
            "use MS Graph to see configured keys for app Id '00000000-1111-2222-3333-444444444444'.]" + TAIL,
            "error_codes": [700027],
        },
        "AADSTS700027",
        Kind.CONFIGURATION,
        CMX_ADMIN,
    ),
    # msgraph-sdk-php#1585: key found, signature does not verify.
    (
        {
            "error": "invalid_client",
            "error_description": "AADSTS50013: Assertion failed signature validation. [Reason - Key was found, but "
            "use of the key to verify the signature failed., Thumbprint of key used by client: "
            "'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678', Found key 'Start=01/01/2024 00:00:00, End=01/01/2026 "
            "00:00:00']" + TAIL,
            "error_codes": [50013],
        },
        "AADSTS50013",
        Kind.CONFIGURATION,
        CMX_ADMIN,
    ),
    # AzureAD/microsoft-authentication-library-for-dotnet#4951: clock skew.
    (
        {
            "error": "invalid_client",
            "error_description": "AADSTS700024: Client assertion is not within its valid time range. Current time: "
            "2024-10-02T22:05:03.6755165Z, assertion valid from 1970-01-01T00:00:00.0000000Z, expiry time of "
            "assertion 2024-10-02T21:30:53.0000000Z. Review the documentation at "
            "https://learn.microsoft.com/entra/identity-platform/certificate-credentials" + TAIL,
            "error_codes": [700024],
        },
        "AADSTS700024",
        Kind.TEMPORARY,
        SUPPORT,
    ),
]


@pytest.mark.parametrize(("body", "code", "kind", "who"), BODIES, ids=[c for _, c, _, _ in BODIES])
def test_real_token_endpoint_bodies(body, code, kind, who):
    finding = from_body(body)
    assert (finding.code, finding.kind, finding.entry.who, finding.known) == (code, kind, who, True)
    assert explain(body).code == code  # the same through the catch-all reader


def test_an_unknown_code_with_a_suberror_still_names_what_to_do():
    finding = from_body(
        {"error": "invalid_grant", "error_description": "AADSTS9999999: new.", "suberror": "consent_required"}
    )
    assert finding.code == "AADSTS9999999" and not finding.known
    assert finding.entry.admin_consent and finding.kind is Kind.SIGN_IN
    assert "AADSTS9999999: new" in finding.message()


# -- what comes back to the redirect URI ------------------------------------------------------------------------------


def test_admin_consent_cancelled_as_observed():
    # MicrosoftDocs/azure-docs#114009, case 1 (no tenant parameter; admin_consent=True after the error)
    url = (
        "https://kurse.example.de/App%20E-Mailkonto/continue_oauth?error=access_denied&error_description=AADSTS65004"
        "%3a+User+declined+to+consent+to+access+the+app.%0d%0aTrace+ID%3a+7c839d05-4806-48f2-ba40-bf4128382500%0d%0a"
        "Correlation+ID%3a+b94f5bce-b15e-48c6-a713-fc07c5c41a77%0d%0aTimestamp%3a+2023-08-28+11%3a25%3a19Z&error_uri"
        "=https%3a%2f%2flogin.microsoftonline.com%2ferror%3fcode%3d65004&admin_consent=True&state=d66b10a0-8f6f-4631"
        "-9336-2d2201c984e1#"
    )
    finding = from_redirect(url)
    assert finding.code == "AADSTS65004" and finding.entry.admin_consent
    assert finding.correlation_id == "b94f5bce-b15e-48c6-a713-fc07c5c41a77"


def test_user_of_another_directory_at_the_admin_consent_endpoint():
    # MicrosoftDocs/azure-docs#114009, case 2
    query = (
        "error=access_denied&error_description=AADSTS50020%3a+User+account+%27%7bEmailHidden%7d%27+from+identity+"
        "provider+%27https%3a%2f%2fsts.windows.net%2fx%2f%27+does+not+exist+in+tenant+%27ExampleDotCom%27.&"
        "admin_consent=True&state=s"
    )
    finding = from_redirect(query)
    assert (finding.code, finding.kind) == ("AADSTS50020", Kind.SIGN_IN)


def test_app_without_user_read_90008():
    # snok/django-auth-adfs#218
    url = (
        "http://localhost:8000/oauth2/callback?error=invalid_request&error_description=AADSTS90008%3a+The+user+or+"
        "administrator+has+not+consented+to+use+the+application+with+ID+%273c8e86fb%27.&state=Lw%3d%3d#"
    )
    finding = from_redirect(url)
    assert (finding.code, finding.entry.who, finding.entry.admin_consent) == ("AADSTS90008", CMX_ADMIN, True)


def test_a_success_is_not_a_failure():
    assert from_redirect("https://x/cb?code=abc&state=s&session_state=t") is None
    assert from_redirect("admin_consent=True&tenant=9188040d-6c67-4c5b-b112-36a304b66dad&state=s") is None


# -- Microsoft's own pages ---------------------------------------------------------------------------------------------


def test_need_admin_approval_page_as_captured():
    # microsoftgraph/microsoft-graph-docs#3917
    page = (
        "<html><body><div>Need admin approval</div><div>Tutorial Sample App</div><p>Tutorial Sample App needs "
        "permission to access resources in your organization that only an admin can grant.</p><a>Have an admin "
        "account? Sign in with that account</a><a>Return to the application without granting consent</a>"
        "<div>Request Id: 215af977-11d5-4ed1-b1bc-5003db27a400<br>Correlation Id: 13efa1db-5aba-426e-bbd1-"
        "5925624c60a3<br>Timestamp: 2019-02-04T19:44:56Z<br>Message: AADSTS900941: An administrator of Microsoft has "
        "set a policy that prevents you from granting Tutorial Sample App the permissions it is requesting.</div>"
        "</body></html>"
    )
    finding = from_page(page)
    assert (finding.code, finding.entry.who, finding.entry.admin_consent) == ("AADSTS900941", M365_ADMIN, True)
    assert finding.correlation_id == "13efa1db-5aba-426e-bbd1-5925624c60a3"


def test_need_admin_approval_page_without_a_code():
    page = "<html><h1>Genehmigung des Administrators erforderlich</h1><p>cmxOrganize benötigt …</p></html>"
    assert from_page(page).code == "AADSTS90094"


def test_user_not_assigned_page():
    # nextauthjs/next-auth#5455 (shown at login.microsoftonline.com/common/SAS/ProcessAuth)
    page = (
        "<html><p>AADSTS50105: Your administrator has configured the application XXX ('X') to block users unless "
        "they are specifically granted ('assigned') access to the application.</p></html>"
    )
    finding = from_page(page)
    assert (finding.code, finding.entry.who) == ("AADSTS50105", M365_ADMIN)


def test_exact_codes_500113_is_not_50011():
    page = (
        "<html><p>Sorry, but we’re having trouble signing you in.</p><p>Message: AADSTS500113: No reply address is "
        "registered for the application.</p></html>"
    )
    assert from_page(page).code == "AADSTS500113"
    assert pick_code(["AADSTS500113"]) == "AADSTS500113"


def test_the_config_object_alone_is_enough():
    page = (
        '<html><script>//<![CDATA[\n$Config={"iErrorCode":50011,"sErrorCode":"50011","strServiceExceptionMessage":'
        "\"AADSTS50011: The redirect URI 'https://kurse.example.de/x' specified in the request does not match.\","
        '"pgid":"ConvergedError"};\n//]]></script></html>'
    )
    reading = read_page(page)
    assert reading.code == "AADSTS50011" and reading.message.startswith("AADSTS50011: The redirect URI")
    assert from_page(page).entry.title == "Umleitungs-URI nicht registriert"


def test_an_ordinary_sign_in_page_is_no_error():
    assert from_page("<html><h1>Anmelden</h1><input name=login></html>") is None


# -- Exchange Online's replies -----------------------------------------------------------------------------------------

SMTP = [
    (
        "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated "
        "successfully. Contact your administrator. [MN2PR07CA0004.namprd07.prod.outlook.com 2024-08-13T18:27:55.030Z "
        "08DCBB430284475F]",
        "Durch Richtlinie für bedingten Zugriff blockiert",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    (
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit "
        "https://aka.ms/smtp_auth_disabled for more information.",
        "SMTP AUTH ist ausgeschaltet",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    (
        "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. "
        "Contact your administrator.",
        "Durch Sicherheitsstandards blockiert",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    (
        "535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. "
        "[PH0PR07CA0004.namprd07.prod.outlook.com]",
        "Passwort abgelehnt",
        Kind.CONFIGURATION,
        CMX_ADMIN,
    ),
    (
        "535 5.7.3 Authentication unsuccessful [SGXP274CA0016.SGPP274.PROD.OUTLOOK.COM 2025-03-20T11:25:21.972Z "
        "08DD66EDEFB0DFDF]",
        "Anmeldung am Mailserver abgelehnt",
        Kind.CONFIGURATION,
        CMX_ADMIN,
    ),
    (
        "504 5.7.4 Unrecognized authentication type [MW4PR03CA0123.namprd03.prod.outlook.com]",
        "Anmeldeverfahren nicht angeboten",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    ("501 5.5.124 Invalid XOAUTH2 auth data", "Anmeldedaten unlesbar", Kind.BUG, SUPPORT),
    (
        "451 4.7.500 Access denied, please try again later. For more information please go to "
        "http://go.microsoft.com/fwlink/?LinkId=526653. (AS112201)",
        "Versand vorübergehend eingeschränkt",
        Kind.TEMPORARY,
        CMX_ADMIN,
    ),
    (
        "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. For more information "
        "please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(7230) [BM1PR01MB1076.INDPRD01.PROD.OUTLOOK.COM]",
        "Versand der Organisation gesperrt",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    ("550 5.1.8 Access denied, bad outbound sender", "Konto für den Versand gesperrt", Kind.CONFIGURATION, M365_ADMIN),
    (
        "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process "
        "message due to a permanent exception with message Cannot submit message.",
        "Senden als fremde Adresse nicht erlaubt",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    (
        "554 5.2.2 mailbox full; STOREDRV.Submission.Exception:QuotaExceededException."
        "MapiExceptionShutoffQuotaExceeded",
        "Postfach voll",
        Kind.CONFIGURATION,
        USER,
    ),
    (
        "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException",
        "Sendelimit erreicht",
        Kind.TEMPORARY,
        CMX_ADMIN,
    ),
    (
        "550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients",
        "Sendelimit erreicht",
        Kind.TEMPORARY,
        CMX_ADMIN,
    ),
    (
        "552 5.3.4 MapiExceptionMaxSubmissionExceeded; Message size exceeds maximum size limit.",
        "Mail zu groß",
        Kind.MESSAGE,
        SENDER,
    ),
    (
        "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=AM0PR01MB1234]",
        "Zu viele gleichzeitige Verbindungen",
        Kind.TEMPORARY,
        CMX_ADMIN,
    ),
    ("550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", "Empfänger abgelehnt", Kind.MESSAGE, SENDER),
    (
        "421 4.7.0 Temporary server error. Please try again later.",
        "Mailserver vorübergehend nicht bereit",
        Kind.TEMPORARY,
        CMX_ADMIN,
    ),
]


@pytest.mark.parametrize(("line", "title", "kind", "who"), SMTP, ids=[line[:24] for line, *_ in SMTP])
def test_real_smtp_replies(line, title, kind, who):
    code, text = int(line[:3]), line[4:]
    for finding in (from_smtp(code, text), from_smtp(0, line), explain(line)):
        assert (finding.entry.title, finding.kind, finding.entry.who) == (title, kind, who)
        assert finding.code.startswith(line[:3])


def test_a_message_problem_does_not_stop_the_account():
    finding = from_smtp(552, "5.3.4 Message size exceeds fixed maximum message size")
    assert finding.kind is Kind.MESSAGE
    assert type(finding.mail_error()).__name__ == "PermanentMailError"


# -- the catalogue itself ----------------------------------------------------------------------------------------------


def test_the_catalogue_covers_microsofts_list_for_these_flows():
    codes = aadsts_codes()
    assert len(codes) >= 200
    for wanted in (
        "AADSTS50011",
        "AADSTS500113",
        "AADSTS90094",
        "AADSTS90095",
        "AADSTS65001",
        "AADSTS530035",
        "AADSTS50105",
        "AADSTS700082",
        "AADSTS7000222",
        "AADSTS650056",
        "AADSTS500011",
    ):
        assert wanted in codes


def test_every_consent_answer_names_the_admin_consent():
    for code in ("AADSTS65001", "AADSTS65004", "AADSTS90094", "AADSTS900941", "AADSTS90095", "AADSTS650056"):
        assert from_oauth("", f"{code}: x").entry.admin_consent, code
    for error in ("consent_required", "access_denied"):
        assert from_oauth(error).entry.admin_consent, error


def test_the_catalogue_docstring_counts_right():
    import cmx_plugin_m365.diagnosis.identity_codes as module

    count = len(aadsts_codes())
    assert f"{count} codes" in module.__doc__, "update the count in identity_codes' docstring"
    assert all(e.title and e.action for e in CATALOGUE)


def test_the_ordinary_sign_in_page_with_its_config_object_is_no_error():
    page = (
        '<html><script>$Config={"pgid":"ConvergedSignIn","strMainMessage":"Sign in","iErrorCode":0,'
        '"sErrorCode":"0","urlPost":"/common/login"};</script><div>Sign in</div><input name="loginfmt"></html>'
    )
    assert read_page(page) is None and from_page(page) is None


PAGE_TEXTS = [
    # text as people copy it from Microsoft's pages into a thread (no HTML, no code)
    (
        "Need admin approval\nTutorial Sample App needs permission to access resources in your organization that "
        "only an admin can grant.\nHave an admin account? Sign in with that account\nReturn to the application "
        "without granting consent",
        "AADSTS90094",
        M365_ADMIN,
    ),
    ("Your account or password is incorrect. If you don't remember your password, reset it now.", "AADSTS50126", USER),
    (
        "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.",
        "AADSTS50034",
        USER,
    ),
    ("Your account has been locked. Contact your support person to unlock it, then try again.", "AADSTS50053", USER),
    (
        "You cannot access this right now\nYour sign-in was successful but does not meet the criteria to access this "
        "resource.",
        "AADSTS53003",
        M365_ADMIN,
    ),
    (
        "More information required\nYour organization needs more information to keep your account secure",
        "AADSTS50079",
        USER,
    ),
    ("Genehmigung des Administrators erforderlich", "AADSTS90094", M365_ADMIN),
]


@pytest.mark.parametrize(("text", "code", "who"), PAGE_TEXTS, ids=[c for _, c, _ in PAGE_TEXTS])
def test_page_texts_without_a_code(text, code, who):
    finding = explain(text)
    assert (finding.code, finding.entry.who) == (code, who)


def test_the_real_cause_after_error():
    finding = from_smtp(
        530, "5.7.57 Client not authenticated to send mail. Error: 535 5.7.3 Authentication unsuccessful"
    )
    assert finding.entry.title == "Anmeldung am Mailserver abgelehnt"
    finding = from_smtp(
        530,
        "5.7.57 Client not authenticated to send mail. Error: 535 5.7.139 Authentication unsuccessful, "
        "SmtpClientAuthentication is disabled for the Tenant.",
    )
    assert finding.entry.title == "SMTP AUTH ist ausgeschaltet"


def test_plain_text_without_any_error_is_none():
    assert explain("Stay signed in?") is None


# -- breadth (issue 20): real answers the catalogue did not know or misread --------------------------------------------

BREADTH_BODIES = [
    # AzureAD/azure-activedirectory-library-for-java#46 (the reporter: "My system clock was wrong"): a time range
    # under AADSTS50012 is the server's clock, not a wrong key.
    (
        {
            "error_description": "AADSTS70002: Error validating credentials. AADSTS50012: Client assertion is not "
            "within its valid time range.\r\nTrace ID: 80ad7758-a570-42f0-97b7-ae2dded006c7\r\nCorrelation ID: "
            "986a6c2c-a596-4189-b5b5-3a1b1a9a17e2\r\nTimestamp: 2015-07-30 17:18:47Z",
            "error": "invalid_client",
        },
        "AADSTS50012",
        "Uhr des Servers geht falsch",
        Kind.TEMPORARY,
    ),
    # sjkp/letsencrypt-siteextension#117: a wrong secret under 50012, not a certificate
    (
        {
            "error": "invalid_client",
            "error_description": "AADSTS70002: Error validating credentials. AADSTS50012: Invalid client secret is "
            "provided. Trace ID: f8002e35-8e39-4dce-a889-96498b8f0d00 Correlation ID: "
            "96cd5114-2f15-4cc4-89fd-8d110359777a Timestamp: 2017-04-02 12:10:31Z",
        },
        "AADSTS50012",
        "Geheimer Schlüssel ungültig",
        Kind.CONFIGURATION,
    ),
    # Worklytics/psoxy#74
    (
        {
            "error": "unauthorized_client",
            "error_description": "AADSTS7000112: Application '8b0c024c-7823-3774-2da8-a8d8b7ed331a'"
            "(worklytics-azuread-connector) is disabled.",
        },
        "AADSTS7000112",
        "App deaktiviert",
        Kind.CONFIGURATION,
    ),
    # AzureAD/microsoft-authentication-library-for-dotnet#5251 (a decommissioned tenant; the message as its title
    # quotes it, in an MsalUiRequiredException, i.e. invalid_grant)
    (
        {"error": "invalid_grant", "error_description": "AADSTS5000224: We are sorry, this resource is not available."},
        "AADSTS5000224",
        "Verzeichnis nicht mehr verfügbar",
        Kind.CONFIGURATION,
    ),
]


@pytest.mark.parametrize(("body", "code", "title", "kind"), BREADTH_BODIES, ids=[c for _, c, _, _ in BREADTH_BODIES])
def test_real_bodies_the_catalogue_now_reads_right(body, code, title, kind):
    for finding in (from_body(body), explain(body)):
        assert (finding.code, finding.entry.title, finding.kind, finding.known) == (code, title, kind, True)
        assert f"Code {code}" in finding.message()


WITHOUT_PREFIX = [
    # Microsoft's messages as these threads quote them, with their "AADSTSnnnn: " taken off (libraries and people
    # pass error_description on without it): dotnet/sign#849, Microsoft365DSC/Microsoft365DSC#801,
    # MicrosoftDocs/azure-docs#30802, davidjrh/dnn.azureadprovider#112, nextauthjs/next-auth#5455.
    (
        "The provided client secret keys for app 'ccc25fb8-d83b-4225-b4b7-5f31bfb007be' are expired. Visit the Azure "
        "portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
        "credentials for added security: https://aka.ms/certCreds. Trace ID: de577a4f-a611-44e8-94e6-5ca7955a3800 "
        "Correlation ID: b1f881fe-810c-4731-a772-fa920ee90430 Timestamp: 2025-04-10 13:07:42Z",
        "AADSTS7000222",
        CMX_ADMIN,
    ),
    (
        "The user account {EmailHidden} does not exist in the nexxxxxxxxxxk directory. To sign into this "
        "application, the account must be added to the directory.",
        "AADSTS50034",
        USER,
    ),
    ("Error validating credentials due to invalid username or password", "AADSTS50126", USER),
    ("Invalid request. Request is malformed or invalid.", "AADSTS9002313", USER),
    (
        "Your administrator has configured the application XXX ('X') to block users unless they are specifically "
        "granted ('assigned') access to the application.",
        "AADSTS50105",
        M365_ADMIN,
    ),
]


@pytest.mark.parametrize(("text", "code", "who"), WITHOUT_PREFIX, ids=[c for _, c, _ in WITHOUT_PREFIX])
def test_real_messages_without_their_code(text, code, who):
    for finding in (from_oauth("invalid_grant", text), explain(text)):
        assert (finding.code, finding.entry.who, finding.known) == (code, who, True)


def test_an_aadsts_answer_wrapped_into_graphs():
    # Cloud-Architekt/AzureAD-Attack-Defense#43 (not in Microsoft's list): a lapsed subscription or a disabled
    # service principal of the resource
    body = (
        '{"error": {"code": "AuthenticationError", "message": "AADSTS500014: The service principal for resource '
        "'47ee738b-3f1a-4fc7-ab11-37e4822b007e' is disabled. This indicate that a subscription within the tenant has "
        "lapsed, or that the administrator for this tenant has disabled the application, preventing tokens from being "
        "issued for it. Trace ID: 703bc6a1-ad77-4b3b-a7ba-3aa6 Correlation ID: 175795e3-c60d-454c-9a83-a1ce Timestamp: "
        '2024-03-20 13:36:24Z", "innerError": {"date": "2024-03-20T13:36:24", "request-id": '
        '"175795e3-c60d-454c-9a83-a1ce7f7ff9e3", "client-request-id": "175795e3-c60d-454c-9a83-a1ce7f7ff9e3"}}}'
    )
    for finding in (from_graph(401, body), explain(body)):
        assert (finding.code, finding.kind, finding.entry.who) == ("AADSTS500014", Kind.CONFIGURATION, M365_ADMIN)
        assert "Abonnement" in finding.message()


GRAPH_BODIES = [
    # microsoftgraph/ruby-connect-rest-sample#15: an invalid recipient stops this one mail, the account is fine
    (
        400,
        '{"error": {"code": "ErrorInvalidRecipients", "message": "At least one recipient isn\'t valid., Recipient '
        '\\"bad\\" isn\'t resolved. All recipients must be resolved before a message can be submitted.", '
        '"innerError": {"request-id": "0a4d510f-c111-46dc-a7e5-51cedf2e1409", "date": "2016-08-11T21:26:55"}}}',
        "Empfänger ungültig",
        Kind.MESSAGE,
        SENDER,
    ),
    # microsoftgraph/microsoft-graph-docs#5143 (a Microsoft employee: a mailbox that does not exist)
    (
        404,
        '{"error": {"code": "ResourceNotFound", "message": "Resource could not be discovered.", "innerError": '
        '{"request-id": "9e65dd0a-4684-4149-b9f6-5495f3b25487", "date": "2019-07-16T19:41:51"}}}',
        "Postfach nicht gefunden",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    # InnoGE/laravel-msgraph-mail#16 (code and message as the issue quotes them)
    (
        404,
        '{"error": {"code": "ErrorInvalidUser", "message": "The requested user \'example@domain.tld\' is invalid."}}',
        "Postfach nicht gefunden",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    # microsoftgraph/microsoft-graph-docs#2927: the full mailbox …
    (
        403,
        '{"error": {"code": "ErrorQuotaExceeded", "message": "Mailbox has exceeded maximum mailbox size."}}',
        "Postfach voll",
        Kind.CONFIGURATION,
        USER,
    ),
    # … and microsoftgraph/msgraph-sdk-java#767: the same code is not always a full mailbox
    (
        403,
        '{"error": {"code": "ErrorQuotaExceeded", "message": "Cannot get ID from name."}}',
        "Eigenschaften-Kontingent des Postfachs erschöpft",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    # microsoft/MHA#49, OfficeDev/office-js-docs-pr#2808: an organisation's policy, not a missing consent
    (
        403,
        '{"error":{"code":"ErrorAccessDenied","message":"Access to OData is disabled."}}',
        "Zugriff über Microsoft Graph für das Postfach gesperrt",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
]


@pytest.mark.parametrize(
    ("status", "body", "title", "kind", "who"), GRAPH_BODIES, ids=[b[20:52] for _, b, *_ in GRAPH_BODIES]
)
def test_real_graph_answers(status, body, title, kind, who):
    for finding in (from_graph(status, body), explain(body)):
        assert (finding.entry.title, finding.kind, finding.entry.who, finding.known) == (title, kind, who, True)
        assert finding.code.startswith("graph:") and finding.code in finding.message()


def test_a_graph_error_as_an_sdk_logs_it():
    # microsoftgraph/msgraph-sdk-javascript#252 (the SDK's error object, not Graph's wire form)
    logged = {
        "statusCode": 403,
        "code": "ExtensionError",
        "message": "Operation: Create; Exception: [Status Code: Forbidden; Reason: Access to OData is disabled.]",
        "requestId": "f41fabda-5d81-44db-a3e6-a0fc43c9a5ac",
        "date": "2020-06-30T21:58:03.000Z",
    }
    finding = explain(logged)
    assert (finding.code, finding.entry.who, finding.kind) == ("graph:ExtensionError", M365_ADMIN, Kind.CONFIGURATION)


NDRS = [
    # MicrosoftDocs/OfficeDocs-o365seccomp#643
    (
        "Your message couldn't be delivered because you weren't recognized as a valid sender. The most common reason "
        "for this is that your email address is suspected of sending spam and it's no longer allowed to send "
        "messages outside of your organization. Contact your email admin for assistance. Remote Server returned "
        "'550 5.1.8 Access denied, bad outbound sender'",
        "550 5.1.8",
        "Konto für den Versand gesperrt",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    # MicrosoftDocs/microsoft-365-docs#12957: the same block, an NDR without any code
    (
        "This message couldn't be delivered because the sending email address was not recognized as a valid sender. "
        "The most common reason for this error is that the email address is, or was, suspected of sending spam. "
        "Contact the organization's email admin for help and give them this error message",
        "550 5.1.8",
        "Konto für den Versand gesperrt",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    # dougperkes/Visual-Graph-Explorer#1
    (
        "Remote Server returned '550 5.7.501 Access denied, spam abuse detected. For more information please go to "
        "http://go.microsoft.com/fwlink/?LinkId=526653'",
        "550 5.7.501",
        "Konto für den Versand gesperrt",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
    # learn.microsoft.com/answers/questions/5835651: the tenant external recipient rate limit (TERRL) …
    (
        "Remote server returned '550 5.7.233 - Your message can't be sent because your tenant has exceeded its daily "
        "limit for sending email to external recipients (tenant external recipient rate limit).",
        "550 5.7.233",
        "Tageslimit Ihrer Organisation für externe Empfänger erreicht",
        Kind.TEMPORARY,
        M365_ADMIN,
    ),
    # … and learn.microsoft.com/answers/questions/5808888, quoted without the code
    (
        "Your message can't be sent because your tenant has exceeded its daily limit for sending email to external "
        "recipients (tenant external recipient rate limit)",
        "550 5.7.233",
        "Tageslimit Ihrer Organisation für externe Empfänger erreicht",
        Kind.TEMPORARY,
        M365_ADMIN,
    ),
    # jstedfast/MailKit#1176: a library that passes on the reply without its "554"
    (
        "5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process "
        "message due to a permanent exception with message Cannot submit message. 0.35250:D8360000, "
        "1.36674:0A000000, 1.61250:00000000",
        "5.2.0",
        "Senden als fremde Adresse nicht erlaubt",
        Kind.CONFIGURATION,
        M365_ADMIN,
    ),
]


@pytest.mark.parametrize(("text", "code", "title", "kind", "who"), NDRS, ids=[n[0][:30] for n in NDRS])
def test_real_non_delivery_reports_and_quoted_replies(text, code, title, kind, who):
    finding = explain(text)
    assert (finding.code, finding.entry.title, finding.kind, finding.entry.who) == (code, title, kind, who)
    assert f"Code {code}" in finding.message()
