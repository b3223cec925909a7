"""The diagnosis catalogue against the reference's exact strings (../shared/reference, sections 4 and 6)."""

import socket
import ssl

import pytest
import requests
from cmx_hostapi import PermanentMailError, SignInRequired, TemporaryMailError

from cmx_plugin_m365.diagnosis import CATALOGUE, Kind, from_exception, from_oauth, from_smtp

TAIL = (
    "\r\nTrace ID: 0d1f7b2a-1a2b-4c3d-9e8f-001122334455\r\nCorrelation ID: 8c9d0e1f-2a3b-4c5d-8e9f-66778899aabb\r\n"
    "Timestamp: 2026-11-28 12:00:00Z"
)

# code → (error as Microsoft sends it, kind, who must act (part of the text))
REFERENCE_AADSTS = {
    90002: ("invalid_tenant", Kind.CONFIGURATION, "cmxOrganize-Admin"),
    700016: ("unauthorized_client", Kind.CONFIGURATION, "cmxOrganize-Admin"),
    7000215: ("invalid_client", Kind.CONFIGURATION, "cmxOrganize-Admin"),
    7000222: ("invalid_client", Kind.CONFIGURATION, "cmxOrganize-Admin"),
    50011: ("invalid_request", Kind.CONFIGURATION, "cmxOrganize-Admin"),
    500113: ("invalid_request", Kind.CONFIGURATION, "cmxOrganize-Admin"),
    50194: ("invalid_request", Kind.CONFIGURATION, "cmxOrganize-Admin"),
    50020: ("access_denied", Kind.SIGN_IN, "Postfach"),
    65001: ("invalid_grant", Kind.SIGN_IN, "Microsoft-365-Admin"),
    65004: ("access_denied", Kind.SIGN_IN, "Postfach"),
    70008: ("invalid_grant", Kind.SIGN_IN, "Postfach"),
    700082: ("invalid_grant", Kind.SIGN_IN, "Postfach"),
    50173: ("invalid_grant", Kind.SIGN_IN, "Postfach"),
    50076: ("invalid_grant", Kind.SIGN_IN, "Postfach"),
    50079: ("interaction_required", Kind.SIGN_IN, "Postfach"),
    53003: ("invalid_grant", Kind.CONFIGURATION, "Microsoft-365-Admin"),
    530003: ("invalid_grant", Kind.CONFIGURATION, "Microsoft-365-Admin"),
    70043: ("invalid_grant", Kind.SIGN_IN, "Postfach"),
    70011: ("invalid_scope", Kind.BUG, "cmxKonzepte-Support"),
    70000: ("invalid_grant", Kind.SIGN_IN, "Postfach"),
    54005: ("invalid_grant", Kind.SIGN_IN, "Postfach"),
    9002313: ("invalid_grant", Kind.SIGN_IN, "Postfach"),
    50148: ("invalid_grant", Kind.BUG, "cmxKonzepte-Support"),
    501481: ("invalid_grant", Kind.BUG, "cmxKonzepte-Support"),
    90014: ("invalid_request", Kind.BUG, "cmxKonzepte-Support"),
    900144: ("invalid_request", Kind.BUG, "cmxKonzepte-Support"),
}


@pytest.mark.parametrize("code", sorted(REFERENCE_AADSTS))
def test_every_aadsts_code_of_the_reference_is_explained(code):
    error, kind, who = REFERENCE_AADSTS[code]
    finding = from_oauth(error, f"AADSTS{code}: Something Microsoft says." + TAIL)
    assert finding.code == f"AADSTS{code}"
    assert finding.kind is kind
    assert finding.entry.title != "Unbekannte Antwort von Microsoft"
    message = finding.message()
    assert f"Code AADSTS{code}, Trace-ID 0d1f7b2a-1a2b-4c3d-9e8f-001122334455, Correlation-ID " in message
    assert " Was tun: " in message and who in message


def test_the_code_is_also_found_in_error_codes():
    assert from_oauth("invalid_grant", "", error_codes=[50173]).code == "AADSTS50173"


def test_an_unknown_code_is_classified_by_its_oauth_error_and_keeps_microsofts_words():
    finding = from_oauth("invalid_grant", "AADSTS99999: A brand new reason. More text." + TAIL)
    assert finding.code == "AADSTS99999"
    assert finding.kind is Kind.SIGN_IN
    assert finding.message().startswith(
        "Anmeldung ungültig: Microsoft erkennt die gespeicherte Anmeldung nicht mehr "
        "an. Microsoft: „AADSTS99999: A brand new reason“. Was tun: Im E-Mailkonto "
        "erneut bei Microsoft anmelden."
    )


def test_an_unknown_code_and_error_still_get_a_useful_message():
    finding = from_oauth("something_new", "AADSTS99999: A brand new reason. More text." + TAIL)
    assert finding.code == "AADSTS99999"
    assert finding.message().startswith(
        "Unbekannte Antwort von Microsoft: Microsoft hat mit „AADSTS99999: A brand "
        "new reason“ geantwortet. Was tun: Erneut versuchen; bleibt es, den "
        "cmxKonzepte-Support mit dem Code verständigen."
    )


def test_errors_without_a_code_use_the_oauth_error():
    assert from_oauth("temporarily_unavailable").kind is Kind.TEMPORARY
    assert from_oauth("access_denied", "The user cancelled").kind is Kind.SIGN_IN


REFERENCE_SMTP = [
    (
        535,
        "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit "
        "https://aka.ms/smtp_auth_disabled for more information. [AM0PR01MB1234.eurprd01.prod.exchangelabs.com]",
        "SMTP AUTH ist ausgeschaltet",
        Kind.CONFIGURATION,
        PermanentMailError,
    ),
    (
        535,
        "5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. "
        "Contact your administrator.",
        "Durch Sicherheitsstandards blockiert",
        Kind.CONFIGURATION,
        PermanentMailError,
    ),
    (
        535,
        "5.7.139 Authentication unsuccessful, basic authentication is disabled.",
        "Anmeldung mit Passwort abgeschaltet",
        Kind.CONFIGURATION,
        PermanentMailError,
    ),
    (
        535,
        "5.7.3 Authentication unsuccessful [AM0PR01MB1234.eurprd01.prod.exchangelabs.com]",
        "Anmeldung am Mailserver abgelehnt",
        Kind.CONFIGURATION,
        PermanentMailError,
    ),
    (530, "5.7.57 Client not authenticated to send mail", "Nicht angemeldet gesendet", Kind.BUG, TemporaryMailError),
    (
        550,
        "5.7.60 SMTP; Client does not have permissions to send as this sender",
        "Senden als fremde Adresse nicht erlaubt",
        Kind.CONFIGURATION,
        PermanentMailError,
    ),
    (
        554,
        "5.2.252 SendAsDenied; kurse@example.de not allowed to send as info@example.de; STOREDRV.Submission...",
        "Senden als fremde Adresse nicht erlaubt",
        Kind.CONFIGURATION,
        PermanentMailError,
    ),
    (
        554,
        "5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied",
        "Senden als fremde Adresse nicht erlaubt",
        Kind.CONFIGURATION,
        PermanentMailError,
    ),
    (
        421,
        "4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2.",
        "Veraltete Verschlüsselung",
        Kind.BUG,
        TemporaryMailError,
    ),
    (
        432,
        "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded",
        "Zu viele gleichzeitige Verbindungen",
        Kind.TEMPORARY,
        TemporaryMailError,
    ),
    (
        554,
        "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException",
        "Sendelimit erreicht",
        Kind.TEMPORARY,
        TemporaryMailError,
    ),
    (
        550,
        "5.7.30 Basic authentication is not supported for Client Submission.",
        "Anmeldung mit Passwort abgeschaltet",
        Kind.CONFIGURATION,
        PermanentMailError,
    ),
]


@pytest.mark.parametrize(
    ("code", "text", "title", "kind", "error_class"),
    REFERENCE_SMTP,
    ids=[f"{c} {t[:12]}" for c, t, *_ in REFERENCE_SMTP],
)
def test_every_smtp_reply_of_the_reference_is_explained(code, text, title, kind, error_class):
    finding = from_smtp(code, text.encode())
    assert finding.entry.title == title
    assert finding.kind is kind
    error = finding.mail_error()
    assert type(error) is error_class
    assert error.code == finding.code
    assert str(error).startswith(title + ": ")


def test_an_unknown_smtp_reply_is_classified_by_its_class():
    assert from_smtp(451, "4.4.1 Try later").mail_error().__class__ is TemporaryMailError
    finding = from_smtp(553, "5.9.99 Something entirely new")
    assert finding.code == "553 5.9.99"
    assert not finding.known
    assert finding.mail_error().__class__ is PermanentMailError
    assert "5.9.99 Something entirely new" in finding.message()


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (requests.ConnectionError(socket.gaierror(-2, "Name or service not known")), "net:dns"),
        (requests.ConnectTimeout("connect timeout"), "net:timeout"),
        (requests.ReadTimeout("read timeout"), "net:timeout"),
        (requests.exceptions.SSLError(ssl.SSLCertVerificationError("certificate verify failed")), "net:tls"),
        (requests.ConnectionError(ConnectionRefusedError(111, "Connection refused")), "net:refused"),
        (requests.HTTPError("500"), "net:http"),
    ],
)
def test_network_failures(error, key):
    finding = from_exception(error)
    assert finding.code == key
    assert finding.kind is (Kind.CONFIGURATION if key == "net:tls" else Kind.TEMPORARY)


def test_sign_in_findings_hold_mail_as_sign_in_required():
    assert isinstance(from_oauth("invalid_grant", "AADSTS50173: revoked").mail_error(), SignInRequired)


def test_catalogue_entries_are_complete():
    for entry in CATALOGUE:
        assert entry.title and entry.cause.endswith((".", ")")) and entry.action and entry.who, entry.key


def test_every_entry_has_an_english_title():
    assert all(entry.en for entry in CATALOGUE)
