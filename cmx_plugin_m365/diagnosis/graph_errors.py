"""Microsoft Graph's answers to sending mail (``POST /me/sendMail``), explained.

Sources (../shared/reference/next-features.md §1, short names there): GRAPH-SENDMAIL (202, base64 MIME,
ErrorMimeContentInvalidBase64String), GRAPH-OTHERUSER (ErrorSendAsDenied's exact words, Mail.Send.Shared), GRAPH-LARGE
and the 4 MB request limit (microsoft-graph-docs#85, #9834: 413; microsoft-graph-docs-contrib#682: 400 "The maximum
request length supported is 4MB." for drafts), GRAPH-THROTTLE (429 with Retry-After; ApplicationThrottled
"MailboxConcurrency": magodo/terraform-provider-outlook#21), MailboxNotEnabledForRESTAPI (iyear/E5SubBot#39, guests:
microsoft-graph-docs-contrib#405, licence: #717), ErrorQuotaExceeded (microsoft-graph-docs#5607), 401
InvalidAuthenticationToken with WWW-Authenticate and claims challenges (Microsoft365DSC#4427,
msgraph-sdk-dotnet#1416), ErrorMessageSizeExceeded (InnoGE/laravel-msgraph-mail#41).

Keys are ``graph:<Graph's error code>``; ``graph:http-<status>`` stands for an answer without a code we know.
"""

from __future__ import annotations

from .model import CMX_ADMIN, M365_ADMIN, SENDER, SUPPORT, USER, Entry, Kind

GRAPH_SIZE_LIMIT = 3 * 1024 * 1024
"""Bytes of MIME a single sendMail request carries: the request (base64, 4/3 of the raw size) may not pass 4 MB."""

ENABLE_SMTP_AUTH_OR_SMALLER = (
    "Den Anhang verkleinern oder als Link senden; oder der Microsoft-365-Admin schaltet „Authentifiziertes SMTP“ für "
    "das Postfach ein – über SMTP darf eine Mail bis 35 MB groß sein."
)


def graph(key: str, title: str, cause: str, action: str, who: str, kind: Kind, en: str, **more) -> Entry:
    return Entry(f"graph:{key}", title, cause, action, who, kind, en=en, **more)


# fmt: off
ENTRIES: tuple[Entry, ...] = (
    # -- the sign-in ---------------------------------------------------------------------------------------------------
    graph("consent", "Neue Anmeldung für Microsoft Graph nötig",
          "Die Anmeldung des E-Mailkontos stammt aus der Zeit, bevor cmxOrganize auch über Microsoft Graph senden "
          "konnte: Microsoft hat ihr nur den Versand über SMTP erlaubt. Weil SMTP AUTH für das Postfach ausgeschaltet "
          "ist, braucht cmxOrganize jetzt den Weg über Microsoft Graph (Berechtigung „Mail.Send“).",
          "Einmal im E-Mailkonto „Bei Microsoft anmelden“ wählen und den Zugriff bestätigen; die wartenden Mails "
          "gehen danach über Microsoft Graph hinaus.",
          USER, Kind.SIGN_IN, "New sign-in needed for Microsoft Graph", admin_consent=True),
    graph("InvalidAuthenticationToken", "Anmeldung von Microsoft Graph abgelehnt",
          "Microsoft Graph hat die Anmeldung des E-Mailkontos auch nach ihrer Erneuerung nicht angenommen (z. B. "
          "nach einem Widerruf der Sitzungen oder einer neuen Richtlinie).",
          "Im E-Mailkonto erneut „Bei Microsoft anmelden“ wählen.",
          USER, Kind.SIGN_IN, "Graph refused the sign-in"),
    graph("claims", "Microsoft verlangt eine erneute Anmeldung",
          "Eine Richtlinie Ihrer Organisation (bedingter Zugriff, z. B. eine zusätzliche Bestätigung per MFA) verlangt "
          "für den Versand über Microsoft Graph eine neue Anmeldung der Person.",
          "Im E-Mailkonto erneut „Bei Microsoft anmelden“ wählen und die Anmeldung bei Microsoft vollständig "
          "abschließen.",
          USER, Kind.SIGN_IN, "Conditional Access requires a new sign-in"),
    graph("ErrorAccessDenied", "Microsoft Graph verweigert den Versand",
          "Die Anmeldung des E-Mailkontos hat die Berechtigung „Mail.Send“ von Microsoft Graph nicht (mehr) – z. B. "
          "weil die Zustimmung entfernt wurde.",
          "Im E-Mailkonto erneut „Bei Microsoft anmelden“ und den Zugriff bestätigen; dürfen Benutzer nicht selbst "
          "zustimmen, erteilt der Microsoft-365-Admin die Administratorzustimmung.",
          USER, Kind.SIGN_IN, "Mail.Send not granted", admin_consent=True),
    # -- the mailbox ---------------------------------------------------------------------------------------------------
    graph("ErrorSendAsDenied", "Senden als diese Adresse nicht erlaubt",
          "Das angemeldete Konto darf nicht mit der Absenderadresse dieses E-Mailkontos senden (Microsoft Graph: "
          "ErrorSendAsDenied).",
          "Entweder als Inhaber*in dieser Adresse anmelden, oder der Microsoft-365-Admin erteilt dem angemeldeten "
          "Konto das Recht „Senden als“ für diese Adresse (Exchange Admin Center → Empfänger → Postfach → "
          "Delegierung); danach „E-Mailkonto testen“.",
          M365_ADMIN, Kind.CONFIGURATION, "Send As not permitted (Graph)"),
    graph("MailboxNotEnabledForRESTAPI", "Kein Exchange-Online-Postfach",
          "Das angemeldete Konto hat bei Microsoft 365 kein nutzbares Postfach: keine Exchange-Online-Lizenz, ein "
          "Gastkonto, ein Postfach auf einem eigenen Exchange-Server (On-Premises) oder ein inaktives bzw. gelöschtes "
          "Postfach.",
          "Der Microsoft-365-Admin weist dem Konto eine Lizenz mit Exchange Online zu (oder es wird mit dem Konto "
          "angemeldet, dem das Postfach gehört); danach „E-Mailkonto testen“.",
          M365_ADMIN, Kind.CONFIGURATION, "No Exchange Online mailbox"),
    graph("ErrorQuotaExceeded", "Postfach voll",
          "Das Postfach ist voll; Microsoft legt jede gesendete Mail in „Gesendete Elemente“ ab und nimmt deshalb "
          "keine mehr an.",
          "Im Postfach Platz schaffen (z. B. „Gesendete Elemente“ leeren oder archivieren), oder der "
          "Microsoft-365-Admin vergrößert das Postfach.",
          USER, Kind.CONFIGURATION, "Mailbox full (Graph)"),
    # -- the message ---------------------------------------------------------------------------------------------------
    graph("RequestEntityTooLarge", "Mail zu groß für Microsoft Graph",
          "Über Microsoft Graph kann eine Mail höchstens etwa 3 MB groß sein (eine Anfrage darf 4 MB nicht "
          "überschreiten); cmxOrganize bittet dafür nicht um das weitergehende Recht, Postfächer zu lesen und zu "
          "schreiben.",
          ENABLE_SMTP_AUTH_OR_SMALLER,
          SENDER, Kind.MESSAGE, "Message too large for Graph"),
    graph("ErrorMessageSizeExceeded", "Mail zu groß",
          "Die Mail ist größer, als Exchange Online für dieses Postfach erlaubt (standardmäßig 35 MB).",
          "Den Anhang verkleinern oder als Link senden.",
          SENDER, Kind.MESSAGE, "Message exceeds the mailbox's size limit"),
    graph("ErrorMimeContentInvalidBase64String", "Ungültige Anfrage an Microsoft Graph",
          "cmxOrganize hat die Mail fehlerhaft an Microsoft Graph übergeben.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, "Invalid MIME content (bug)"),
    graph("ErrorMimeContentInvalid", "Ungültige Anfrage an Microsoft Graph",
          "cmxOrganize hat die Mail fehlerhaft an Microsoft Graph übergeben.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, "Invalid MIME content (bug)"),
    # -- Microsoft's side ----------------------------------------------------------------------------------------------
    graph("ApplicationThrottled", "Microsoft bremst",
          "Microsoft Graph nimmt für dieses Postfach gerade nicht mehr Anfragen an (höchstens 4 gleichzeitig und "
          "10.000 in 10 Minuten).",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, "Throttled by Microsoft Graph"),
    graph("http-429", "Microsoft bremst",
          "Microsoft Graph hat zu viele Anfragen in kurzer Zeit abgewiesen.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, "Throttled by Microsoft Graph"),
    graph("http-5xx", "Störung bei Microsoft",
          "Microsoft Graph meldet einen vorübergehenden Fehler.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, "Transient error at Microsoft Graph"),
    # -- the app rolling its own certificate (addKey / removeKey; next-features §7) ------------------------------------
    # Captured: 401 Authentication_MissingOrMalformed for a proof Graph does not accept (microsoft-graph-docs-contrib
    # #1076, #2862), 403 Authorization_RequestDenied without a valid proof (msgraph-sdk-powershell#779), 400
    # CredentialInvalidLifetimeAsPerAppPolicy (OfficeDev/microsoft-365-agents-toolkit#10998).
    graph("Authentication_MissingOrMalformed", "Microsoft nimmt den Nachweis des Zertifikats nicht an",
          "Beim Erneuern des Zertifikats hat Microsoft Graph den Nachweis abgelehnt, den cmxOrganize mit dem "
          "bisherigen Zertifikat signiert hat – meist stimmt die eingetragene Objekt-ID der App-Registrierung nicht "
          "(gebraucht wird die Objekt-ID, nicht die Anwendungs-ID).",
          "Im Entra Admin Center unter App-Registrierungen → cmxOrganize → Übersicht die „Objekt-ID“ kopieren und im "
          "grünen Feld der Azure-Schnittstelle eintragen; bis dahin das Zertifikat von Hand erneuern.",
          CMX_ADMIN, Kind.CONFIGURATION, "Key roll proof refused"),
    graph("Authorization_RequestDenied", "Microsoft lässt cmxOrganize das Zertifikat nicht selbst erneuern",
          "Ihr Mandant erlaubt der App nicht, ihre Zertifikate selbst zu wechseln (eine Richtlinie), oder die App hat "
          "kein gültiges Zertifikat mehr, mit dem sie den Wechsel nachweisen könnte.",
          "Das Zertifikat von Hand erneuern: im grünen Feld der Azure-Schnittstelle das neue Zertifikat herunterladen, "
          "in Entra hochladen und „Zertifikat prüfen“.",
          M365_ADMIN, Kind.CONFIGURATION, "Key roll not allowed"),
    graph("CredentialInvalidLifetimeAsPerAppPolicy", "Laufzeit des Zertifikats zu lang für Ihre Richtlinie",
          "Eine Richtlinie Ihres Mandanten (App-Verwaltungsrichtlinie, „asymmetricKeyLifetime“) erlaubt Zertifikate "
          "nur mit kürzerer Laufzeit, als cmxOrganize gewählt hat.",
          "Im grünen Feld der Azure-Schnittstelle eine kürzere Gültigkeit wählen und ein neues Zertifikat erstellen; "
          "die erlaubte Höchstdauer nennt der Microsoft-365-Admin.",
          CMX_ADMIN, Kind.CONFIGURATION, "Certificate lifetime exceeds the tenant's policy"),
    graph("Request_ResourceNotFound", "App-Registrierung unter dieser Objekt-ID nicht gefunden",
          "Unter der eingetragenen Objekt-ID gibt es keine App-Registrierung, die cmxOrganize ändern dürfte.",
          "Im Entra Admin Center unter App-Registrierungen → cmxOrganize → Übersicht die „Objekt-ID“ kopieren und im "
          "grünen Feld der Azure-Schnittstelle eintragen.",
          CMX_ADMIN, Kind.CONFIGURATION, "Application object not found"),
    graph("Request_BadRequest", "Microsoft hat das neue Zertifikat nicht angenommen",
          "Microsoft Graph hat das neue Zertifikat beim Hinzufügen abgelehnt.",
          "Das Zertifikat von Hand erneuern (grünes Feld der Azure-Schnittstelle); bleibt es, den cmxKonzepte-Support "
          "mit Microsofts Meldung verständigen.",
          SUPPORT, Kind.CONFIGURATION, "New certificate refused"),
)
# fmt: on

UNKNOWN_BY_STATUS = {
    400: Kind.BUG,
    401: Kind.SIGN_IN,
    403: Kind.CONFIGURATION,
    404: Kind.CONFIGURATION,
    413: Kind.MESSAGE,
}
"""How to treat a Graph error the catalogue does not know, by its HTTP status (5xx and 429: temporary)."""
