"""Every answer of Microsoft we know, explained: one catalogue from code to German cause, fix and who must act.

Sources: ../shared/reference/microsoft-identity-and-exchange.md (sections 4 and 6). Each entry says what kind of
failure it is, which decides what happens to mail: TEMPORARY (retry, keep the mail), SIGN_IN (the account must
sign in again; mail is held), CONFIGURATION (a person must change a setting; mail is held), BUG (our fault;
mail is kept, the support is needed).
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass, replace
from enum import Enum

import requests

from cmx_hostapi import MailError, PermanentMailError, SignInRequired, TemporaryMailError


class Kind(Enum):
    TEMPORARY = "temporary"
    SIGN_IN = "sign_in"
    CONFIGURATION = "configuration"
    BUG = "bug"


USER = "die Person, der das Postfach gehört"
CMX_ADMIN = "der cmxOrganize-Admin"
M365_ADMIN = "der Microsoft-365-Admin Ihrer Organisation"
SUPPORT = "der cmxKonzepte-Support"


@dataclass(frozen=True)
class Entry:
    key: str
    """``AADSTS50173``, ``535 5.7.139``, ``oauth:access_denied``, ``net:timeout`` …"""
    title: str
    cause: str
    action: str
    who: str
    kind: Kind
    match: str = ""
    """For SMTP replies: a piece of the reply text that must appear too (several entries share a code)."""
    en: str = ""
    """The title in English (``cmx-m365 doctor --lang en``); cause and action are German only."""


# A table, one entry per Microsoft answer: easier to read and review than one argument per line.
# fmt: off
CATALOGUE: tuple[Entry, ...] = (
    # -- identity platform: configuration of the app registration ----------------------------------------------------
    Entry("AADSTS90002", "Verzeichnis nicht gefunden",
          "Microsoft kennt die in der Einstellung „TenantID“ eingetragene Verzeichnis-ID (Mandant) nicht.",
          "Die Verzeichnis-ID aus dem Entra Admin Center (App-Registrierungen → cmxOrganize → Übersicht) in die "
          "Einstellung „TenantID“ eintragen.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Directory (tenant) not found"),
    Entry("AADSTS700016", "App-Registrierung nicht gefunden",
          "Im eingestellten Verzeichnis gibt es keine App mit der Anwendungs-ID aus der Azure-Schnittstelle – die ID "
          "ist falsch, oder die App ist in einem anderen Verzeichnis (Mandanten) registriert.",
          "Anwendungs-ID (Client) und Verzeichnis-ID (Mandant) aus derselben App-Registrierung übernehmen: "
          "Benutzername der Azure-Schnittstelle bzw. Einstellung „TenantID“.",
          CMX_ADMIN, Kind.CONFIGURATION, en="App registration not found in the directory"),
    Entry("AADSTS7000215", "Geheimer Schlüssel ungültig",
          "Im Passwortfeld der Azure-Schnittstelle steht kein gültiger Wert eines geheimen Schlüssels – oft die "
          "„Geheime ID“ statt des „Werts“, oder ein Schlüssel, der inzwischen gelöscht wurde.",
          "Im Entra Admin Center unter Zertifikate & Geheimnisse einen neuen geheimen Schlüssel anlegen und seinen "
          "Wert (nicht die ID) in das Passwortfeld der Azure-Schnittstelle eintragen.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Invalid client secret (value expected, not its ID)"),
    Entry("AADSTS7000222", "Geheimer Schlüssel abgelaufen",
          "Der geheime Schlüssel der App-Registrierung ist abgelaufen (er gilt höchstens 24 Monate).",
          "Im Entra Admin Center einen neuen geheimen Schlüssel anlegen, seinen Wert in die Azure-Schnittstelle "
          "eintragen, „E-Mailkonto testen“ ausführen und danach den alten Schlüssel löschen.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Client secret expired"),
    Entry("AADSTS7000218", "Geheimer Schlüssel fehlt",
          "Die Azure-Schnittstelle enthält keinen geheimen Schlüssel.",
          "Den Wert des geheimen Schlüssels in das Passwortfeld der Azure-Schnittstelle eintragen.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Client secret missing"),
    Entry("AADSTS50011", "Umleitungs-URI nicht registriert",
          "Die Adresse, an die Microsoft nach der Anmeldung zurückleitet, ist in der App-Registrierung nicht (genau "
          "so) eingetragen – oft fehlt oder stört ein „www.“, „https://“ oder das „%20“.",
          "Im Entra Admin Center unter App-Registrierungen → cmxOrganize → Authentifizierung bei Plattform „Web“ "
          "genau die Umleitungs-URI eintragen, die die Azure-Schnittstelle in cmxOrganize anzeigt.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Redirect URI not registered"),
    Entry("AADSTS500113", "Keine Umleitungs-URI registriert",
          "In der App-Registrierung ist noch gar keine Umleitungs-URI eingetragen.",
          "Im Entra Admin Center unter Authentifizierung → Plattform hinzufügen → „Web“ die Umleitungs-URI eintragen, "
          "die die Azure-Schnittstelle in cmxOrganize anzeigt.",
          CMX_ADMIN, Kind.CONFIGURATION, en="No redirect URI registered"),
    Entry("AADSTS50194", "Verzeichnis-ID fehlt",
          "Die App ist nur für Konten Ihrer Organisation registriert, die Anmeldung lief aber über einen "
          "Sammel-Endpunkt („common“).",
          "In der Einstellung „TenantID“ die Verzeichnis-ID (Mandant) eintragen, nicht „common“.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Tenant ID missing (collective endpoint used)"),
    # -- identity platform: the person signing in --------------------------------------------------------------------
    Entry("AADSTS50020", "Konto gehört nicht zur Organisation",
          "Die Anmeldung erfolgte mit einem Konto, das nicht zum Verzeichnis Ihrer Organisation gehört (z. B. ein "
          "privates Microsoft-Konto oder das einer anderen Firma).",
          "Erneut anmelden und im Kontoauswahl-Fenster das Konto des Postfachs wählen.",
          USER, Kind.SIGN_IN, en="Account is not in the organisation's directory"),
    Entry("AADSTS65001", "Zustimmung fehlt",
          "Für cmxOrganize liegt keine Zustimmung zum Senden von E-Mails vor.",
          "Erneut anmelden und den Zugriff bestätigen. Erlaubt Ihre Organisation das Benutzern nicht, erteilt der "
          "Microsoft-365-Admin im Entra Admin Center die Administratorzustimmung (Unternehmensanwendungen → "
          "cmxOrganize → Berechtigungen).",
          USER, Kind.SIGN_IN, en="Consent missing"),
    Entry("AADSTS65004", "Zugriff nicht bestätigt",
          "Bei der Anmeldung wurde die Abfrage der Berechtigungen abgebrochen.",
          "Erneut anmelden und die Berechtigungen mit „Akzeptieren“ bestätigen.",
          USER, Kind.SIGN_IN, en="Consent declined"),
    Entry("AADSTS70008", "Anmeldung abgelaufen",
          "Die Anmeldung bei Microsoft ist abgelaufen, weil sie zu lange nicht verwendet wurde.",
          "Im E-Mailkonto erneut bei Microsoft anmelden.",
          USER, Kind.SIGN_IN, en="Sign-in expired"),
    Entry("AADSTS700082", "Anmeldung nach 90 Tagen abgelaufen",
          "Microsoft hat die Anmeldung verfallen lassen, weil über 90 Tage keine Mail über das Konto ging.",
          "Im E-Mailkonto erneut bei Microsoft anmelden.",
          USER, Kind.SIGN_IN, en="Sign-in expired after 90 idle days"),
    Entry("AADSTS50173", "Anmeldung widerrufen",
          "Microsoft hat die Anmeldung widerrufen – meist, weil das Kennwort des Kontos geändert oder zurückgesetzt "
          "wurde, oder weil ein Admin die Sitzungen beendet hat.",
          "Im E-Mailkonto erneut bei Microsoft anmelden.",
          USER, Kind.SIGN_IN, en="Sign-in revoked (password changed or sessions revoked)"),
    Entry("AADSTS50076", "Mehrstufige Authentifizierung verlangt",
          "Eine Richtlinie Ihrer Organisation verlangt jetzt eine Anmeldung mit zweitem Faktor.",
          "Im E-Mailkonto erneut bei Microsoft anmelden und den zweiten Faktor bestätigen.",
          USER, Kind.SIGN_IN, en="Multi-factor authentication required"),
    Entry("AADSTS50079", "Einrichtung der mehrstufigen Authentifizierung verlangt",
          "Das Konto muss erst einen zweiten Faktor (z. B. Authenticator-App) einrichten.",
          "Im E-Mailkonto erneut bei Microsoft anmelden und die Einrichtung abschließen.",
          USER, Kind.SIGN_IN, en="Multi-factor registration required"),
    Entry("AADSTS70043", "Anmeldung zu alt",
          "Eine Richtlinie Ihrer Organisation (Anmeldehäufigkeit) verlangt regelmäßig eine neue Anmeldung.",
          "Im E-Mailkonto erneut bei Microsoft anmelden. Soll das seltener nötig sein, passt der Microsoft-365-Admin "
          "die Richtlinie für cmxOrganize an.",
          USER, Kind.SIGN_IN, en="Sign-in frequency policy: sign in again"),
    Entry("AADSTS70000", "Berechtigung abgelaufen",
          "Die erteilte Berechtigung ist nicht mehr gültig.",
          "Im E-Mailkonto erneut bei Microsoft anmelden.",
          USER, Kind.SIGN_IN, en="Grant expired"),
    Entry("AADSTS54005", "Anmeldung schon abgeschlossen",
          "Der Rückweg von Microsoft wurde zweimal aufgerufen (Neu laden oder Doppelklick).",
          "Nichts, falls das E-Mailkonto verbunden ist; sonst erneut anmelden.",
          USER, Kind.SIGN_IN, en="Sign-in already completed (code reused)"),
    Entry("AADSTS9002313", "Anmeldung unvollständig",
          "Microsoft hat eine unvollständige oder verstümmelte Anmeldung erhalten.",
          "Im E-Mailkonto erneut bei Microsoft anmelden.",
          USER, Kind.SIGN_IN, en="Malformed or truncated sign-in"),
    Entry("AADSTS50058", "Nicht angemeldet",
          "Im Browser war niemand bei Microsoft angemeldet.",
          "Erneut anmelden.",
          USER, Kind.SIGN_IN, en="Nobody signed in"),
    Entry("AADSTS50057", "Konto gesperrt",
          "Das Microsoft-Konto des Postfachs ist deaktiviert.",
          "Der Microsoft-365-Admin aktiviert das Konto wieder; danach erneut anmelden.",
          M365_ADMIN, Kind.CONFIGURATION, en="Account disabled"),
    Entry("AADSTS53003", "Durch Richtlinie für bedingten Zugriff blockiert",
          "Eine Richtlinie für bedingten Zugriff (Conditional Access) Ihrer Organisation verbietet cmxOrganize den "
          "Zugriff, z. B. wegen des Standorts des Servers oder eines nicht verwalteten Geräts.",
          "Der Microsoft-365-Admin nimmt cmxOrganize bzw. den Server von der Richtlinie aus; danach erneut anmelden.",
          M365_ADMIN, Kind.CONFIGURATION, en="Blocked by Conditional Access"),
    Entry("AADSTS530003", "Verwaltetes Gerät verlangt",
          "Eine Richtlinie verlangt ein von der Organisation verwaltetes Gerät.",
          "Der Microsoft-365-Admin passt die Richtlinie für cmxOrganize an; danach erneut anmelden.",
          M365_ADMIN, Kind.CONFIGURATION, en="Managed device required"),
    # -- identity platform: our side ---------------------------------------------------------------------------------
    Entry("AADSTS70011", "Ungültige Berechtigungsanfrage",
          "cmxOrganize hat ungültige Berechtigungen angefragt.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="Invalid scope requested (bug)"),
    Entry("AADSTS28000", "Ungültige Berechtigungsanfrage",
          "cmxOrganize hat Berechtigungen für zwei Dienste zugleich angefragt.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="Two resources in one request (bug)"),
    Entry("AADSTS50148", "Sicherheitsprüfung (PKCE) fehlgeschlagen",
          "Die Anmeldung passt nicht zu der, die cmxOrganize begonnen hat.",
          "Erneut anmelden; tritt es wieder auf, den cmxKonzepte-Support verständigen.",
          SUPPORT, Kind.BUG, en="PKCE check failed"),
    Entry("AADSTS501481", "Sicherheitsprüfung (PKCE) fehlgeschlagen",
          "Die Anmeldung passt nicht zu der, die cmxOrganize begonnen hat.",
          "Erneut anmelden; tritt es wieder auf, den cmxKonzepte-Support verständigen.",
          SUPPORT, Kind.BUG, en="PKCE check failed"),
    Entry("oidc:nonce", "Sicherheitsprüfung (Nonce) fehlgeschlagen",
          "Die Antwort von Microsoft gehört nicht zu der Anmeldung, die cmxOrganize begonnen hat.",
          "Erneut anmelden; tritt es wieder auf, den cmxKonzepte-Support verständigen.",
          SUPPORT, Kind.BUG, en="Nonce check failed"),
    Entry("AADSTS90014", "Unvollständige Anfrage",
          "cmxOrganize hat eine unvollständige Anfrage gesendet.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="Incomplete request (bug)"),
    Entry("AADSTS900144", "Unvollständige Anfrage",
          "cmxOrganize hat eine unvollständige Anfrage gesendet.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="Incomplete request (bug)"),
    # -- identity platform: Microsoft's side -------------------------------------------------------------------------
    Entry("AADSTS50196", "Microsoft bremst",
          "Microsoft hat zu viele Anfragen in kurzer Zeit abgewiesen.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, en="Throttled by Microsoft"),
    Entry("AADSTS90033", "Störung bei Microsoft",
          "Microsoft meldet einen vorübergehenden Fehler.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, en="Transient error at Microsoft"),
    Entry("oauth:temporarily_unavailable", "Störung bei Microsoft",
          "Der Anmeldedienst von Microsoft ist vorübergehend nicht verfügbar.",
          "Etwas später erneut versuchen.",
          USER, Kind.TEMPORARY, en="Microsoft temporarily unavailable"),
    Entry("oauth:server_error", "Störung bei Microsoft",
          "Der Anmeldedienst von Microsoft meldet einen Fehler.",
          "Etwas später erneut versuchen.",
          USER, Kind.TEMPORARY, en="Error at Microsoft"),
    Entry("oauth:access_denied", "Zugriff verweigert",
          "Die Anmeldung wurde abgebrochen oder verweigert.",
          "Erneut anmelden und den Zugriff bestätigen.",
          USER, Kind.SIGN_IN, en="Access denied"),
    Entry("oauth:login_required", "Nicht angemeldet",
          "Im Browser war niemand bei Microsoft angemeldet.",
          "Erneut anmelden.",
          USER, Kind.SIGN_IN, en="Nobody signed in"),
    Entry("oauth:interaction_required", "Anmeldung nötig",
          "Microsoft verlangt eine neue Anmeldung.",
          "Im E-Mailkonto erneut bei Microsoft anmelden.",
          USER, Kind.SIGN_IN, en="Interactive sign-in required"),
    Entry("oauth:consent_required", "Zustimmung fehlt",
          "Für cmxOrganize liegt keine Zustimmung vor.",
          "Erneut anmelden und den Zugriff bestätigen.",
          USER, Kind.SIGN_IN, en="Consent missing"),
    Entry("oauth:invalid_grant", "Anmeldung ungültig",
          "Microsoft erkennt die gespeicherte Anmeldung nicht mehr an.",
          "Im E-Mailkonto erneut bei Microsoft anmelden.",
          USER, Kind.SIGN_IN, en="Stored sign-in no longer valid"),
    Entry("oauth:invalid_client", "App-Registrierung abgelehnt",
          "Microsoft hat die Zugangsdaten der App-Registrierung (Azure-Schnittstelle) abgelehnt.",
          "Anwendungs-ID und Wert des geheimen Schlüssels in der Azure-Schnittstelle prüfen.",
          CMX_ADMIN, Kind.CONFIGURATION, en="App credentials refused"),
    Entry("oauth:unauthorized_client", "App nicht zugelassen",
          "Die App-Registrierung darf sich so nicht anmelden.",
          "Anwendungs-ID und Verzeichnis-ID prüfen.",
          CMX_ADMIN, Kind.CONFIGURATION, en="App not allowed"),
    # -- Exchange Online SMTP ----------------------------------------------------------------------------------------
    Entry("535 5.7.139", "SMTP AUTH ist ausgeschaltet",
          "Für dieses Postfach (oder die ganze Organisation) ist „Authentifiziertes SMTP“ bei Microsoft "
          "ausgeschaltet; Mailprogramme wie cmxOrganize dürfen darüber nicht senden.",
          "Im Microsoft 365 Admin Center → Benutzer → Aktive Benutzer → (Postfach) → E-Mail → E-Mail-Apps verwalten "
          "„Authentifiziertes SMTP“ einschalten, oder per PowerShell: Set-CASMailbox -Identity <Adresse> "
          "-SmtpClientAuthenticationDisabled $false. Die Änderung kann bis zu einer Stunde brauchen.",
          M365_ADMIN, Kind.CONFIGURATION, match="SmtpClientAuthentication is disabled",
          en="SMTP AUTH disabled for the mailbox or tenant"),
    Entry("535 5.7.139", "Durch Sicherheitsstandards blockiert",
          "Die Sicherheitsstandards (Security Defaults) Ihrer Organisation blockieren SMTP AUTH.",
          "Der Microsoft-365-Admin schaltet die Sicherheitsstandards ab und ersetzt sie durch Richtlinien für "
          "bedingten Zugriff, die SMTP AUTH für dieses Postfach erlauben.",
          M365_ADMIN, Kind.CONFIGURATION, match="security defaults", en="Blocked by security defaults"),
    Entry("535 5.7.139", "Anmeldung mit Passwort abgeschaltet",
          "Microsoft nimmt für dieses Postfach keine Anmeldung mit Passwort mehr an.",
          "Im E-Mailkonto „OAuth (Microsoft 365) verwenden“ wählen und bei Microsoft anmelden.",
          CMX_ADMIN, Kind.CONFIGURATION, match="basic authentication is disabled", en="Password login disabled"),
    Entry("550 5.7.30", "Anmeldung mit Passwort abgeschaltet",
          "Microsoft nimmt für dieses Postfach keine Anmeldung mit Passwort mehr an.",
          "Im E-Mailkonto „OAuth (Microsoft 365) verwenden“ wählen und bei Microsoft anmelden.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Password login disabled"),
    Entry("535 5.7.3", "Anmeldung am Mailserver abgelehnt",
          "Microsoft hat die Anmeldung am Mailserver abgelehnt, obwohl die Anmeldung bei Microsoft gültig ist. "
          "Häufige Ursachen: Im Feld „Benutzername“ steht nicht die Anmeldeadresse des Kontos, mit dem angemeldet "
          "wurde (sondern z. B. ein Alias oder ein freigegebenes Postfach), oder das Konto hat kein "
          "Exchange-Online-Postfach (Lizenz).",
          "Benutzername = Anmeldeadresse des angemeldeten Kontos eintragen und erneut anmelden; bleibt es, prüft der "
          "Microsoft-365-Admin Postfach und Lizenz.",
          CMX_ADMIN, Kind.CONFIGURATION, en="SMTP authentication refused"),
    Entry("530 5.7.57", "Nicht angemeldet gesendet",
          "cmxOrganize hat ohne Anmeldung zu senden versucht.",
          "Bitte den cmxKonzepte-Support verständigen.",
          SUPPORT, Kind.BUG, en="Sent without authentication (bug)"),
    Entry("550 5.7.60", "Senden als fremde Adresse nicht erlaubt",
          "Das angemeldete Konto darf nicht mit der Absenderadresse dieses E-Mailkontos senden.",
          "Entweder als Inhaber*in dieser Adresse anmelden, oder der Microsoft-365-Admin erteilt dem angemeldeten "
          "Konto das Recht „Senden als“ (Send As) für die Adresse.",
          M365_ADMIN, Kind.CONFIGURATION, en="Send As not permitted"),
    Entry("554 5.2.252", "Senden als fremde Adresse nicht erlaubt",
          "Das angemeldete Konto darf nicht mit der Absenderadresse dieses E-Mailkontos senden.",
          "Der Microsoft-365-Admin erteilt dem angemeldeten Konto das Recht „Senden als“ (Send As) für die Adresse.",
          M365_ADMIN, Kind.CONFIGURATION, en="Send As not permitted"),
    Entry("554 5.2.0", "Senden als fremde Adresse nicht erlaubt",
          "Das angemeldete Konto darf nicht mit der Absenderadresse dieses E-Mailkontos senden.",
          "Der Microsoft-365-Admin erteilt dem angemeldeten Konto das Recht „Senden als“ (Send As) für die Adresse.",
          M365_ADMIN, Kind.CONFIGURATION, match="SendAsDenied", en="Send As not permitted"),
    Entry("554 5.2.0", "Tageslimit erreicht",
          "Das Postfach hat das Tageslimit von Microsoft (10.000 Empfänger in 24 Stunden) erreicht.",
          "Nichts – die Mails bleiben in der Warteschlange und gehen später hinaus. Bei regelmäßig großen Mengen "
          "mehrere Postfächer verwenden.",
          CMX_ADMIN, Kind.TEMPORARY, match="SubmissionQuotaExceeded", en="Daily sending limit reached"),
    Entry("421 4.7.66", "Veraltete Verschlüsselung",
          "Microsoft verlangt TLS 1.2 oder neuer.",
          "Bitte den cmxKonzepte-Support verständigen (Server-Konfiguration).",
          SUPPORT, Kind.BUG, en="Outdated TLS"),
    Entry("432 4.3.2", "Zu viele gleichzeitige Verbindungen",
          "Microsoft erlaubt je Postfach höchstens drei gleichzeitige Verbindungen.",
          "Nichts – die Mail geht mit dem nächsten Versuch hinaus.",
          CMX_ADMIN, Kind.TEMPORARY, en="Too many concurrent connections"),
    # -- the network -------------------------------------------------------------------------------------------------
    Entry("net:dns", "Server nicht gefunden",
          "Der Name des Servers ließ sich nicht auflösen (DNS).",
          "Nichts, falls es eine kurze Störung ist; bleibt es, Internetverbindung und DNS des Servers prüfen.",
          CMX_ADMIN, Kind.TEMPORARY, en="Server name not found (DNS)"),
    Entry("net:timeout", "Keine Antwort",
          "Der Server hat nicht rechtzeitig geantwortet.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, en="No answer (timeout)"),
    Entry("net:refused", "Keine Verbindung",
          "Der Server war nicht erreichbar.",
          "Nichts – cmxOrganize versucht es später erneut; bleibt es, Firewall und Internetverbindung prüfen.",
          CMX_ADMIN, Kind.TEMPORARY, en="No connection"),
    Entry("net:tls", "Verschlüsselte Verbindung gescheitert",
          "Das Zertifikat des Servers wurde nicht akzeptiert – oft, weil ein Proxy oder eine Firewall die Verbindung "
          "aufbricht.",
          "Netzwerk/Proxy des Servers prüfen (IT-Admin).",
          CMX_ADMIN, Kind.CONFIGURATION, en="TLS connection failed"),
    Entry("net:http", "Unerwartete Antwort von Microsoft",
          "Microsoft hat unerwartet geantwortet.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, en="Unexpected answer from Microsoft"),
)
# fmt: on

_BY_KEY: dict[str, list[Entry]] = {}
for _entry in CATALOGUE:
    _BY_KEY.setdefault(_entry.key, []).append(_entry)


@dataclass(frozen=True)
class Finding:
    """One diagnosed failure: the catalogue entry plus what Microsoft said, for support."""

    entry: Entry
    code: str
    """The code as Microsoft gave it (``AADSTS50173``, ``535 5.7.139``)."""
    trace_id: str | None = None
    correlation_id: str | None = None
    microsoft_text: str = ""

    @property
    def kind(self) -> Kind:
        return self.entry.kind

    def message(self) -> str:
        """The German text for people: title, cause, what to do and who, then the codes for support."""
        support = [f"Code {self.code}"]
        if self.trace_id:
            support.append(f"Trace-ID {self.trace_id}")
        if self.correlation_id:
            support.append(f"Correlation-ID {self.correlation_id}")
        return (
            f"{self.entry.title}: {self.entry.cause} Was tun: {self.entry.action} (Zuständig: {self.entry.who}; "
            f"{', '.join(support)})"
        )

    def mail_error(self) -> MailError:
        """The host API error that tells the host what to do with the mail."""
        cls = {
            Kind.TEMPORARY: TemporaryMailError,
            Kind.SIGN_IN: SignInRequired,
            Kind.CONFIGURATION: PermanentMailError,
            Kind.BUG: TemporaryMailError,
        }[self.kind]
        return cls(self.message(), code=self.code)


_AADSTS = re.compile(r"AADSTS(\d+)")
_TRACE = re.compile(r"Trace ID: ([0-9a-fA-F-]+)")
_CORRELATION = re.compile(r"Correlation ID: ([0-9a-fA-F-]+)")


def _first_sentence(text: str) -> str:
    return text.split("\r\n", 1)[0].split(". ", 1)[0][:300]


def unknown_entry(code: str, text: str, kind: Kind) -> Entry:
    return Entry(
        code,
        "Unbekannte Antwort von Microsoft",
        f"Microsoft hat mit „{_first_sentence(text)}“ geantwortet.",
        "Erneut versuchen; bleibt es, den cmxKonzepte-Support mit dem Code verständigen.",
        SUPPORT,
        kind,
    )


def from_oauth(error: str, description: str = "", *, error_codes: list[int] | None = None) -> Finding:
    """Diagnose an OAuth error answer (token endpoint body, or the query Microsoft sent back)."""
    description = description or ""
    match = _AADSTS.search(description)
    number = match.group(1) if match else (str(error_codes[0]) if error_codes else None)
    trace = _TRACE.search(description)
    correlation = _CORRELATION.search(description)
    ids = {
        "trace_id": trace.group(1) if trace else None,
        "correlation_id": correlation.group(1) if correlation else None,
    }
    text = description.split("\r\n", 1)[0]
    if number and f"AADSTS{number}" in _BY_KEY:
        return Finding(_BY_KEY[f"AADSTS{number}"][0], f"AADSTS{number}", microsoft_text=text, **ids)
    if f"oauth:{error}" in _BY_KEY:
        # A code we do not know: the OAuth error still says what kind of failure it is; Microsoft's own first
        # sentence says the rest.
        entry = _BY_KEY[f"oauth:{error}"][0]
        if number:
            entry = replace(entry, cause=f"{entry.cause} Microsoft: „{_first_sentence(text)}“.")
        return Finding(entry, f"AADSTS{number}" if number else error, microsoft_text=text, **ids)
    code = f"AADSTS{number}" if number else (error or "unbekannt")
    return Finding(unknown_entry(code, text or error, Kind.CONFIGURATION), code, microsoft_text=text, **ids)


def from_smtp(code: int, text: str) -> Finding:
    """Diagnose an SMTP reply (code and text as the server sent them)."""
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    enhanced = text.split(" ", 1)[0] if re.match(r"^\d\.\d{1,3}\.\d{1,3}\b", text) else ""
    for key in (f"{code} {enhanced}".strip(), str(code)):
        for entry in _BY_KEY.get(key, []):
            if entry.match.lower() in text.lower():
                return Finding(entry, key, microsoft_text=text)
    kind = Kind.TEMPORARY if 400 <= code < 500 else Kind.CONFIGURATION
    key = f"{code} {enhanced}".strip()
    return Finding(unknown_entry(key, text, kind), key, microsoft_text=text)


def from_exception(error: BaseException) -> Finding:
    """Diagnose a network failure talking to Microsoft (requests or socket level)."""
    chain = _chain(error)
    if (
        any(isinstance(e, socket.gaierror) for e in chain)
        or "NameResolutionError" in repr(error)
        or ("Name or service not known" in str(error))
    ):
        key = "net:dns"
    elif any(isinstance(e, ssl.SSLError | requests.exceptions.SSLError) for e in chain):
        key = "net:tls"
    elif any(isinstance(e, TimeoutError | requests.Timeout | socket.timeout) for e in chain):
        key = "net:timeout"
    elif any(isinstance(e, ConnectionError | requests.ConnectionError) for e in chain):
        key = "net:refused"
    else:
        key = "net:http"
    return Finding(_BY_KEY[key][0], key, microsoft_text=error.__class__.__name__)


def _chain(error: BaseException) -> list[BaseException]:
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def entry(key: str) -> Entry:
    return _BY_KEY[key][0]
