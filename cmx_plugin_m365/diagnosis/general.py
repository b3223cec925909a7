"""Answers without a specific code: the OAuth ``error`` values (RFC 6749 §4.1.2.1 and §5.2, and Microsoft's
additions listed in v2-oauth2-auth-code-flow and reference-error-codes), the product's own checks, and the network
on the way to Microsoft."""

from __future__ import annotations

from .model import CMX_ADMIN, M365_ADMIN, SENDER, SUPPORT, USER, Entry, Kind

# fmt: off
OAUTH: tuple[Entry, ...] = (
    Entry("oauth:temporarily_unavailable", "Störung bei Microsoft",
          "Der Anmeldedienst von Microsoft ist vorübergehend nicht verfügbar.",
          "Nichts – cmxOrganize versucht es später erneut.",
          USER, Kind.TEMPORARY, en="Microsoft temporarily unavailable"),
    Entry("oauth:server_error", "Störung bei Microsoft",
          "Der Anmeldedienst von Microsoft meldet einen Fehler.",
          "Nichts – cmxOrganize versucht es später erneut.",
          USER, Kind.TEMPORARY, en="Error at Microsoft"),
    Entry("oauth:access_denied", "Anmeldung abgebrochen oder Zustimmung verweigert",
          "Die Anmeldung wurde abgebrochen oder der Zugriff verweigert – bei Organisationen, in denen nur "
          "Administratoren Apps zustimmen dürfen, auch nach der Seite „Genehmigung des Administrators erforderlich“.",
          "Erneut anmelden und den Zugriff mit „Akzeptieren“ bestätigen. Zeigt Microsoft „Genehmigung des "
          "Administrators erforderlich“, muss der Microsoft-365-Admin cmxOrganize einmalig für die ganze Organisation "
          "zustimmen.",
          USER, Kind.SIGN_IN, en="Access denied or consent refused", admin_consent=True),
    Entry("oauth:login_required", "Nicht angemeldet",
          "Im Browser war niemand bei Microsoft angemeldet.",
          "Erneut anmelden.",
          USER, Kind.SIGN_IN, en="Nobody signed in"),
    Entry("oauth:interaction_required", "Anmeldung nötig",
          "Microsoft verlangt eine neue Anmeldung (z. B. wegen einer Richtlinie Ihrer Organisation).",
          "Im E-Mailkonto erneut bei Microsoft anmelden.",
          USER, Kind.SIGN_IN, en="Interactive sign-in required"),
    Entry("oauth:consent_required", "Zustimmung fehlt",
          "Für cmxOrganize liegt keine Zustimmung vor.",
          "Erneut anmelden und den Zugriff bestätigen; dürfen Benutzer Ihrer Organisation Apps nicht selbst "
          "zustimmen, erteilt der Microsoft-365-Admin einmalig die Administratorzustimmung.",
          M365_ADMIN, Kind.SIGN_IN, en="Consent missing", admin_consent=True),
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
    Entry("oauth:invalid_resource", "Dienst im Verzeichnis nicht gefunden",
          "Der Dienst, für den cmxOrganize die Anmeldung braucht (Exchange Online), ist im Verzeichnis nicht "
          "eingerichtet.",
          "Der Microsoft-365-Admin prüft, ob die Organisation Exchange Online nutzt.",
          M365_ADMIN, Kind.CONFIGURATION, en="Resource not found in the directory"),
    Entry("oauth:invalid_tenant", "Verzeichnis nicht gefunden",
          "Microsoft kennt die in der Einstellung „TenantID“ eingetragene Verzeichnis-ID (Mandant) nicht.",
          "Die Verzeichnis-ID aus dem Entra Admin Center in die Einstellung „TenantID“ eintragen.",
          CMX_ADMIN, Kind.CONFIGURATION, en="Directory (tenant) not found"),
    Entry("oauth:invalid_request", "Ungültige Anfrage",
          "Microsoft hat die Anfrage von cmxOrganize als ungültig abgelehnt.",
          "Erneut versuchen; bleibt es, den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="Invalid request"),
    Entry("oauth:invalid_scope", "Ungültige Berechtigungsanfrage",
          "cmxOrganize hat ungültige Berechtigungen angefragt.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="Invalid scope requested (bug)"),
    Entry("oauth:unsupported_response_type", "Ungültige Anfrage",
          "Die App-Registrierung lässt die Art der Anfrage nicht zu.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="Unsupported response type"),
    Entry("oauth:unsupported_grant_type", "Ungültige Anfrage",
          "Microsoft nimmt die Art der Anfrage nicht an.",
          "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="Unsupported grant type (bug)"),
    Entry("oidc:nonce", "Sicherheitsprüfung (Nonce) fehlgeschlagen",
          "Die Antwort von Microsoft gehört nicht zu der Anmeldung, die cmxOrganize begonnen hat.",
          "Erneut anmelden; tritt es wieder auf, den cmxKonzepte-Support verständigen.",
          SUPPORT, Kind.BUG, en="Nonce check failed"),
    # msal refuses the credential before asking Microsoft (a ValueError from ClientApplication._build_client): in
    # msal 1.31–1.34 a certificate without "thumbprint" ("client_credential needs to follow this format …"), from 1.35
    # one with neither thumbprint nor public certificate ("You must provide either 'thumbprint' or
    # 'public_certificate' …"). cmxOrganize passes {"private_key", "public_certificate"}, the form msal has since
    # 1.35 ("Changed in version 1.35.0", msal/application.py); pyproject.toml requires msal>=1.35.
    Entry("oauth:msal_credential", "Anmeldedaten der App in falscher Form für msal",
          "Die Bibliothek msal, mit der cmxOrganize sich bei Microsoft anmeldet, kann das Zertifikat (bzw. den "
          "geheimen Schlüssel) in der Form, in der cmxOrganize es übergibt, nicht verwenden – meist, weil auf dem "
          "Server eine ältere msal-Version als 1.35 installiert ist. Microsoft wurde dabei gar nicht gefragt; an der "
          "Verzeichnis-ID (TenantID), der Anwendungs-ID oder dem Zertifikat in Entra liegt es nicht.",
          "Der cmxKonzepte-Support (oder wer den Server betreut) installiert msal 1.35 oder neuer in der Umgebung von "
          "cmxOrganize; bleibt es danach, den cmxKonzepte-Support mit dem Code verständigen.",
          SUPPORT, Kind.BUG, en="msal cannot use the app's credential (msal older than 1.35?)"),
)

NETWORK: tuple[Entry, ...] = (
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
          "Statt Microsofts Anmeldedienst hat etwas anderes geantwortet (z. B. ein Proxy oder eine Firewall mit einer "
          "eigenen Seite), oder Microsoft hat unerwartet geantwortet.",
          "Nichts – cmxOrganize versucht es später erneut; bleibt es, prüft der IT-Admin, ob der Server "
          "login.microsoftonline.com ohne Proxy-Anmeldung erreicht.",
          CMX_ADMIN, Kind.TEMPORARY, en="Unexpected answer from Microsoft"),
)

LIMITS: tuple[Entry, ...] = (
    # Checked by cmxOrganize before sending (sending.mailing), with the limits of next-features §5.1.
    Entry("limit:recipients", "Zu viele Empfänger für eine Mail",
          "Die Mail hat mehr Empfänger (An, Cc und Bcc zusammen), als Microsoft 365 in einer Mail annimmt "
          "(höchstens 500). cmxOrganize hat sie deshalb nicht gesendet; andere Mails gehen weiter.",
          "Die Mail auf mehrere Mails mit je höchstens 500 Empfängern aufteilen – am besten als Serienversand, eine "
          "Mail je Empfänger.",
          SENDER, Kind.MESSAGE, en="Too many recipients for one message"),
    Entry("limit:size", "Mail zu groß für Microsoft 365",
          "Die Mail ist größer, als Exchange Online für ein Postfach annimmt (35 MB, sofern Ihr Microsoft-365-Admin "
          "nichts anderes eingestellt hat; Anhänge wachsen beim Senden um etwa ein Drittel). cmxOrganize hat sie "
          "deshalb nicht gesendet; andere Mails gehen weiter.",
          "Die Anhänge verkleinern oder einen Link zum Herunterladen statt des Anhangs senden.",
          SENDER, Kind.MESSAGE, en="Message larger than Exchange Online accepts"),
)
# fmt: on
