"""The identity platform's answers (AADSTS codes), explained for the people who run cmxOrganize.

Source: Microsoft's list "Microsoft Entra authentication and authorization error codes"
(learn.microsoft.com/entra/identity-platform/reference-error-codes, MicrosoftDocs/entra-docs
docs/identity-platform/reference-error-codes.md, ms.date 04/24/2024), every code an app meets that uses the
authorization-code flow with PKCE, refresh tokens and client credentials; plus codes that appear in real captured
answers but not in that list (AADSTS900941, 900981: github.com/OneDrive/onedrive-sample-apibrowser-dotnet/issues/18,
microsoftgraph/microsoft-graph-docs#3917; AADSTS90095: MicrosoftDocs/azure-docs#80997; AADSTS700024:
AzureAD/microsoft-authentication-library-for-dotnet#4951; AADSTS530003: ../shared/reference; AADSTS500014, 5000224:
see their rows). Codes for flows this product never uses (SAML, WS-Federation, device code, on-behalf-of, sign-out)
are left out on purpose: they cannot reach it, and an unknown code still keeps Microsoft's own words. The password
change codes (1200xx) are in: Microsoft's sign-in asks for a new password after 50055/50144/50125, in the very
browser window in which a person connects a mail account.

Answers quoted without their "AADSTSnnnn:" still find their row by Microsoft's words (``MESSAGES`` at the end), and
where the words name another cause than the code's usual one, the words decide (``REFINEMENTS``).

Who must act and what happens to mail (``Kind``) is this product's reading of each code for a mail account that
sends through Exchange Online on behalf of a signed-in person.

Coverage: 252 codes (a test keeps this number true). Several codes share one row when cause and fix are the same.
"""

from __future__ import annotations

from .model import CMX_ADMIN, M365_ADMIN, SUPPORT, USER, Entry, Kind

SIGN_IN_AGAIN = "Im E-Mailkonto erneut „Bei Microsoft anmelden“ wählen."
ENTERPRISE_APP = "Microsoft Entra Admin Center → Unternehmensanwendungen → cmxOrganize"
APP_REGISTRATION = "Microsoft Entra Admin Center → App-Registrierungen → cmxOrganize"
WRONG_ACCOUNT_ACTION = (
    "Erneut anmelden und im Kontoauswahl-Fenster das Geschäftskonto wählen, dem das Postfach gehört (oder „Anderes "
    "Konto verwenden“)."
)
CONDITIONAL_ACCESS_ACTION = (
    "Der Microsoft-365-Admin prüft im Entra Admin Center unter Überwachung → Anmeldeprotokolle (Fehlercode) die "
    "Richtlinie für bedingten Zugriff und nimmt cmxOrganize bzw. den Server davon aus; danach erneut anmelden."
)


def aad(
    codes: str,
    title: str,
    cause: str,
    action: str,
    who: str,
    kind: Kind,
    en: str,
    *,
    admin_consent: bool = False,
) -> tuple[Entry, ...]:
    """Entries for one or more codes that share cause and fix (``codes`` = numbers separated by spaces)."""
    return tuple(
        Entry(f"AADSTS{code}", title, cause, action, who, kind, en=en, admin_consent=admin_consent)
        for code in codes.split()
    )


WRAPPERS = frozenset({"AADSTS70002", "AADSTS50000", "AADSTS90023"})
"""Codes Microsoft puts in front of the real one ("AADSTS70002: Error validating credentials. AADSTS50126: ...",
error_codes [70002, 70000] in github.com/QuePort/passport-azure-oauth/issues/6): when a body carries another
known code too, that one is the diagnosis."""

# A table, one row per cause: easier to read and review than one argument per line.
# fmt: off
ENTRIES: tuple[Entry, ...] = (
    # -- the app registration and the instance's settings ----------------------------------------------------------
    *aad("90002", "Verzeichnis nicht gefunden",
         "Microsoft kennt die in der Einstellung „TenantID“ eingetragene Verzeichnis-ID (Mandant) nicht.",
         "Die Verzeichnis-ID aus dem Entra Admin Center (App-Registrierungen → cmxOrganize → Übersicht) in die "
         "Einstellung „TenantID“ eintragen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Directory (tenant) not found"),
    *aad("50059 50128 90019", "Verzeichnis nicht bestimmbar",
         "Microsoft konnte aus der Anfrage nicht erkennen, zu welchem Verzeichnis (Mandant) die Anmeldung gehört.",
         "In der Einstellung „TenantID“ die Verzeichnis-ID (Mandant) als GUID eintragen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Directory (tenant) could not be determined"),
    *aad("50029", "Verzeichnis-Domain ungültig",
         "Der in „TenantID“ eingetragene Domainname enthält Zeichen, die Microsoft nicht annimmt.",
         "In der Einstellung „TenantID“ die Verzeichnis-ID (Mandant) als GUID eintragen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Invalid characters in the tenant domain"),
    *aad("90038 90051 900432 900382 1000104 90043", "Verzeichnis in einer anderen Microsoft-Cloud",
         "Das Verzeichnis gehört zu einer anderen Microsoft-Cloud (z. B. Microsoft 365 US Government oder China), als "
         "cmxOrganize verwendet.",
         "Die Instanz für diese Cloud einrichten lassen (Anmeldeadresse und Mailserver der Cloud); bitte den "
         "cmxKonzepte-Support mit dem Code verständigen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Directory belongs to another Microsoft cloud"),
    *aad("700016 700011", "App-Registrierung nicht gefunden",
         "Im eingestellten Verzeichnis gibt es keine App mit der Anwendungs-ID aus der Azure-Schnittstelle – die ID "
         "ist falsch, oder die App ist in einem anderen Verzeichnis (Mandanten) registriert.",
         "Anwendungs-ID (Client) und Verzeichnis-ID (Mandant) aus derselben App-Registrierung übernehmen: "
         "Benutzername der Azure-Schnittstelle bzw. Einstellung „TenantID“.",
         CMX_ADMIN, Kind.CONFIGURATION, "App registration not found in the directory"),
    *aad("70001 7000112", "App deaktiviert",
         "Die Anwendung cmxOrganize ist in Ihrer Organisation deaktiviert.",
         f"Im {ENTERPRISE_APP} → Eigenschaften „Aktiviert für Benutzeranmeldung?“ auf „Ja“ stellen.",
         M365_ADMIN, Kind.CONFIGURATION, "Application disabled"),
    *aad("1000031", "App derzeit gesperrt",
         "Microsoft lässt die Anwendung cmxOrganize in Ihrer Organisation zurzeit nicht zu.",
         f"Der Microsoft-365-Admin prüft im {ENTERPRISE_APP} Eigenschaften und Richtlinien der Anwendung.",
         M365_ADMIN, Kind.CONFIGURATION, "Application cannot be accessed"),
    *aad("65002", "Anwendungs-ID einer Microsoft-App",
         "In der Azure-Schnittstelle steht die Anwendungs-ID einer App von Microsoft, nicht die der eigenen "
         "App-Registrierung.",
         "Die Anwendungs-ID (Client) der eigenen Registrierung „cmxOrganize“ in den Benutzernamen der "
         "Azure-Schnittstelle eintragen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Client ID of a Microsoft first-party app"),
    *aad("7000215 70002", "Geheimer Schlüssel ungültig",
         "Im Passwortfeld der Azure-Schnittstelle steht kein gültiger Wert eines geheimen Schlüssels – oft die "
         "„Geheime ID“ statt des „Werts“, oder ein Schlüssel, der inzwischen gelöscht wurde.",
         "Im Entra Admin Center unter Zertifikate & Geheimnisse einen neuen geheimen Schlüssel anlegen und seinen "
         "Wert (nicht die ID) in das Passwortfeld der Azure-Schnittstelle eintragen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Invalid client secret (value expected, not its ID)"),
    *aad("7000222", "Geheimer Schlüssel abgelaufen",
         "Der geheime Schlüssel der App-Registrierung ist abgelaufen (er gilt höchstens 24 Monate).",
         "Im Entra Admin Center einen neuen geheimen Schlüssel anlegen, seinen Wert in die Azure-Schnittstelle "
         "eintragen, „E-Mailkonto testen“ ausführen und danach den alten Schlüssel löschen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Client secret expired"),
    *aad("7000218", "Geheimer Schlüssel oder Zertifikat fehlt",
         "cmxOrganize hat sich bei Microsoft weder mit einem geheimen Schlüssel noch mit einem Zertifikat gemeldet: "
         "Die Azure-Schnittstelle hat keinen.",
         "Im grünen Feld der Azure-Schnittstelle ein Zertifikat erstellen und in Entra hochladen (empfohlen) oder den "
         "Wert eines geheimen Schlüssels in das Passwortfeld eintragen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Client secret missing"),
    *aad("700025", "App als öffentlicher Client registriert",
         "Die App-Registrierung ist als öffentlicher Client (Plattform „Mobilgerät und Desktop“) eingerichtet und "
         "nimmt deshalb keinen geheimen Schlüssel an.",
         f"Im {APP_REGISTRATION} → Authentifizierung die Umleitungs-URI unter Plattform „Web“ eintragen und "
         "„Öffentliche Clientflows zulassen“ auf „Nein“ stellen.",
         CMX_ADMIN, Kind.CONFIGURATION, "App registered as a public client"),
    # Certificate credentials (next-features §2.4). 700027 comes in two wordings, both "[Reason - The key was not
    # found., Thumbprint of key used by client: '…']": "Client assertion contains an invalid signature." (older) and
    # "The certificate with identifier used to sign the client assertion is not registered on application." (2026).
    *aad("700027", "Zertifikat bei Microsoft nicht hinterlegt",
         "Microsoft kennt das Zertifikat nicht, mit dem cmxOrganize sich angemeldet hat: Es ist noch nicht in der "
         "App-Registrierung hochgeladen, wurde dort gelöscht, ist abgelaufen oder wurde bei einer anderen "
         "App-Registrierung hochgeladen. Microsoft nennt den Fingerabdruck, nach dem es gesucht hat.",
         f"Im {APP_REGISTRATION} → Zertifikate & Geheimnisse → Zertifikate das Zertifikat von cmxOrganize "
         "hochladen (Datei aus dem grünen Feld der Azure-Schnittstelle) und die Fingerabdrücke vergleichen; danach "
         "„Zertifikat prüfen“. Direkt nach dem Hochladen kann es einige Minuten dauern, bis Microsoft es kennt.",
         CMX_ADMIN, Kind.CONFIGURATION, "Certificate not registered"),
    *aad("50013 50012 900384", "Signatur mit dem Zertifikat stimmt nicht",
         "Microsoft hat das Zertifikat gefunden, aber die damit geprüfte Signatur passt nicht: Der private Schlüssel "
         "in cmxOrganize gehört nicht zu dem hochgeladenen Zertifikat (z. B. ein gleichnamiges anderes Zertifikat), "
         "oder das Zertifikat ist nicht (mehr) gültig.",
         "Im grünen Feld der Azure-Schnittstelle ein neues Zertifikat erstellen, genau diese Datei in Entra "
         "hochladen und „Zertifikat prüfen“; bleibt es, den cmxKonzepte-Support verständigen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Certificate signature refused"),
    *aad("700024", "Uhr des Servers geht falsch",
         "Die Anmeldung der App mit dem Zertifikat gilt nur wenige Minuten ab der Uhrzeit des Servers; Microsoft hat "
         "sie als noch nicht oder nicht mehr gültig abgelehnt. Die Uhr des cmxOrganize-Servers weicht von der "
         "richtigen Zeit ab.",
         "Die Uhrzeit des cmxOrganize-Servers stellen lassen (Zeitsynchronisation per NTP einschalten); "
         "cmxOrganize versucht es danach von selbst erneut.",
         SUPPORT, Kind.TEMPORARY, "Server clock is off (client assertion outside its time range)"),
    *aad("50032", "Schlüssel des Zertifikats zu schwach",
         "Das Zertifikat hat einen RSA-Schlüssel unter 2048 Bit; Microsoft nimmt ihn nicht an.",
         "Im grünen Feld der Azure-Schnittstelle ein neues Zertifikat erstellen (cmxOrganize nimmt 2048 Bit) und "
         "hochladen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Weak RSA key"),
    *aad("50027 50048 700030 90010", "Anmeldung der App mit dem Zertifikat fehlerhaft",
         "Microsoft hat die mit dem Zertifikat signierte Anmeldung der App als fehlerhaft abgelehnt (Aussteller, "
         "Empfänger oder Aufbau stimmen nicht).",
         "Den cmxKonzepte-Support verständigen und Microsofts Meldung mitschicken; bis dahin kann die "
         "Azure-Schnittstelle mit einem geheimen Schlüssel arbeiten („Geheimen Schlüssel verwenden“).",
         SUPPORT, Kind.BUG, "Client assertion malformed"),
    *aad("50011 70004", "Umleitungs-URI nicht registriert",
         "Die Adresse, an die Microsoft nach der Anmeldung zurückleitet, ist in der App-Registrierung nicht (genau "
         "so) eingetragen – oft fehlt oder stört ein „www.“, „https://“ oder das „%20“.",
         f"Im {APP_REGISTRATION} → Authentifizierung bei Plattform „Web“ genau die Umleitungs-URI eintragen, die die "
         "Azure-Schnittstelle in cmxOrganize anzeigt.",
         CMX_ADMIN, Kind.CONFIGURATION, "Redirect URI not registered"),
    *aad("500113 900971", "Keine Umleitungs-URI registriert",
         "In der App-Registrierung ist noch gar keine Umleitungs-URI eingetragen.",
         "Im Entra Admin Center unter Authentifizierung → Plattform hinzufügen → „Web“ die Umleitungs-URI eintragen, "
         "die die Azure-Schnittstelle in cmxOrganize anzeigt.",
         CMX_ADMIN, Kind.CONFIGURATION, "No redirect URI registered"),
    *aad("50194 9001023 90124 90130 9002332", "Verzeichnis-ID fehlt",
         "Die App ist nur für Konten Ihrer Organisation registriert, die Anmeldung lief aber über einen "
         "Sammel-Endpunkt („common“, „organizations“ oder „consumers“).",
         "In der Einstellung „TenantID“ die Verzeichnis-ID (Mandant) Ihrer Organisation eintragen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Tenant ID missing (collective endpoint used)"),
    *aad("500011 50001 650052 650054", "Exchange Online im Verzeichnis nicht verfügbar",
         "Der Dienst, für den cmxOrganize die Anmeldung braucht (Exchange Online), ist in Ihrer Organisation nicht "
         "vorhanden oder nicht abonniert – z. B. ein Verzeichnis ohne Microsoft-365-Abonnement mit Exchange Online.",
         "Der Microsoft-365-Admin prüft, ob die Organisation Exchange Online nutzt, und ob TenantID und "
         "App-Registrierung zu dem Verzeichnis gehören, in dem die Postfächer liegen.",
         M365_ADMIN, Kind.CONFIGURATION, "Exchange Online not available in the directory"),
    # 500014 and 5000224 are not in Microsoft's list; real answers: "AADSTS500014: The service principal for resource
    # '…' is disabled. This indicate that a subscription within the tenant has lapsed, or that the administrator for
    # this tenant has disabled the application, preventing tokens from being issued for it."
    # (Cloud-Architekt/AzureAD-Attack-Defense#43, AzureAD/microsoft-authentication-library-for-dotnet#4905, #3150);
    # "AADSTS5000224: We are sorry, this resource is not available." for a decommissioned tenant (msal-dotnet#5251,
    # the maintainer: "some tenants are decommissioned due to a variety of reasons").
    *aad("500014", "Dienst in Ihrer Organisation deaktiviert",
         "Der Dienst, für den cmxOrganize die Anmeldung braucht (Exchange Online bzw. Microsoft Graph), ist in Ihrer "
         "Organisation deaktiviert: Meist ist ein Abonnement abgelaufen, oder ein Admin hat die Anwendung des "
         "Dienstes in Entra deaktiviert.",
         "Der Microsoft-365-Admin prüft im Microsoft 365 Admin Center unter Abrechnung, ob das Abonnement mit "
         "Exchange Online aktiv ist, und im Entra Admin Center unter Unternehmensanwendungen, ob „Office 365 Exchange "
         "Online“ für die Anmeldung aktiviert ist; danach „E-Mailkonto testen“.",
         M365_ADMIN, Kind.CONFIGURATION, "Resource service principal disabled (subscription lapsed?)"),
    *aad("5000224", "Verzeichnis nicht mehr verfügbar",
         "Microsoft stellt für dieses Verzeichnis (Mandant) keine Anmeldungen mehr aus – es wurde stillgelegt oder "
         "gesperrt, z. B. nach einem beendeten Abonnement.",
         "Der Microsoft-365-Admin prüft den Zustand der Organisation im Microsoft 365 Admin Center und wendet sich "
         "gegebenenfalls an den Microsoft-Support; stimmt die Verzeichnis-ID in der Einstellung „TenantID“?",
         M365_ADMIN, Kind.CONFIGURATION, "Tenant not available (decommissioned)"),
    *aad("65005 650056 650057", "Berechtigung „SMTP.Send“ fehlt in der App-Registrierung",
         "In der App-Registrierung ist die Berechtigung, die cmxOrganize anfragt (Office 365 Exchange Online → "
         "SMTP.Send), nicht eingetragen, oder ihr wurde in Ihrer Organisation noch nicht zugestimmt.",
         f"Im {APP_REGISTRATION} → API-Berechtigungen → Berechtigung hinzufügen → „Von meiner Organisation verwendete "
         "APIs“ → Office 365 Exchange Online → Delegierte Berechtigungen → SMTP.Send hinzufügen; danach die "
         "Administratorzustimmung erteilen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Permission SMTP.Send missing in the app registration", admin_consent=True),
    *aad("90008", "Berechtigung „User.Read“ fehlt in der App-Registrierung",
         "Die App-Registrierung muss mindestens die Berechtigung Microsoft Graph → User.Read („Anmelden und "
         "Benutzerprofil lesen“) enthalten.",
         f"Im {APP_REGISTRATION} → API-Berechtigungen die Berechtigung Microsoft Graph → Delegiert → User.Read "
         "hinzufügen (ist bei neuen Registrierungen vorhanden) und die Administratorzustimmung erteilen.",
         CMX_ADMIN, Kind.CONFIGURATION, "Permission User.Read missing in the app registration",
         admin_consent=True),
    *aad("50105", "Konto der App nicht zugewiesen",
         "In Ihrer Organisation dürfen nur zugewiesene Benutzer cmxOrganize verwenden („Zuweisung erforderlich“), "
         "und das angemeldete Konto ist nicht zugewiesen.",
         f"Der Microsoft-365-Admin weist im {ENTERPRISE_APP} → Benutzer und Gruppen das Konto (oder eine Gruppe) zu; "
         "danach erneut anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "User not assigned to the application"),
    *aad("50146 501461 50124", "Anspruchszuordnung der App fehlerhaft",
         "Für cmxOrganize ist in Ihrer Organisation eine Richtlinie zur Anspruchszuordnung (Claims Mapping) "
         "hinterlegt, die Microsoft so nicht anwenden kann (sie verlangt z. B. einen eigenen Signaturschlüssel der "
         "App).",
         f"Der Microsoft-365-Admin entfernt im {ENTERPRISE_APP} die Richtlinie zur Anspruchszuordnung (cmxOrganize "
         "braucht keine) oder korrigiert sie; danach erneut anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "Claims mapping policy cannot be applied"),
    *aad("90099", "App im Kundenverzeichnis nicht freigegeben",
         "Die Anmeldung lief über einen Partner-Administrator (delegierte Verwaltung), für den die App im "
         "Verzeichnis des Kunden nicht freigegeben ist.",
         "Mit einem Konto der Organisation selbst anmelden, nicht mit dem eines Dienstleisters.",
         USER, Kind.SIGN_IN, "App not authorized for delegated admins"),
    # -- consent -----------------------------------------------------------------------------------------------------
    *aad("65001", "Zustimmung fehlt",
         "Für cmxOrganize liegt keine (oder keine gültige) Zustimmung zum Senden von E-Mails vor – sie wurde nie "
         "erteilt oder inzwischen entzogen.",
         "Der Microsoft-365-Admin erteilt cmxOrganize einmalig die Administratorzustimmung für die ganze "
         "Organisation; danach im E-Mailkonto erneut bei Microsoft anmelden. (Dürfen Benutzer Ihrer Organisation "
         "selbst zustimmen, genügt die neue Anmeldung mit „Akzeptieren“.)",
         M365_ADMIN, Kind.SIGN_IN, "Consent missing", admin_consent=True),
    *aad("65004", "Zugriff nicht bestätigt",
         "Bei der Anmeldung wurde die Abfrage der Berechtigungen abgebrochen – oder Microsoft hat „Genehmigung "
         "des Administrators erforderlich“ gezeigt und es wurde ohne Zustimmung zurückgekehrt.",
         "Erneut anmelden und die Berechtigungen mit „Akzeptieren“ bestätigen. Zeigt Microsoft „Genehmigung des "
         "Administrators erforderlich“, muss der Microsoft-365-Admin cmxOrganize einmalig für die ganze Organisation "
         "zustimmen.",
         USER, Kind.SIGN_IN, "Consent declined", admin_consent=True),
    *aad("90094 900941 90093", "Zustimmung eines Administrators erforderlich",
         "Ihre Organisation lässt Benutzer Apps nicht selbst zustimmen; cmxOrganize braucht einmalig die Zustimmung "
         "eines Administrators für die ganze Organisation.",
         "Der Microsoft-365-Admin erteilt die Administratorzustimmung; danach im E-Mailkonto erneut bei Microsoft "
         "anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "Admin consent required", admin_consent=True),
    *aad("90095 900981", "Zustimmung beim Administrator angefragt",
         "Ihre Organisation lässt Benutzer Apps nicht selbst zustimmen; die Zustimmung für cmxOrganize wurde beim "
         "Administrator angefragt (Workflow für Administratorzustimmung) und ist noch nicht erteilt.",
         "Der Microsoft-365-Admin genehmigt die Anfrage im Entra Admin Center (Unternehmensanwendungen → "
         "Administratorzustimmungsanforderungen) oder erteilt die Administratorzustimmung direkt; danach im "
         "E-Mailkonto erneut bei Microsoft anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "Admin consent requested, not yet granted", admin_consent=True),
    # -- the person signing in ----------------------------------------------------------------------------------------
    *aad("50020 16000 16003 51004 90072", "Konto gehört nicht zur Organisation",
         "Die Anmeldung erfolgte mit einem Konto, das nicht zum Verzeichnis Ihrer Organisation gehört (z. B. ein "
         "privates Microsoft-Konto oder das einer anderen Firma).",
         WRONG_ACCOUNT_ACTION, USER, Kind.SIGN_IN, "Account is not in the organisation's directory"),
    *aad("500208 50085 50136 50139", "Privates Microsoft-Konto verwendet",
         "Die Anmeldung erfolgte mit einem privaten Microsoft-Konto (z. B. outlook.com); Postfächer Ihrer "
         "Organisation brauchen das Geschäftskonto.",
         WRONG_ACCOUNT_ACTION, USER, Kind.SIGN_IN, "Personal Microsoft account used"),
    *aad("50034 50197", "Konto nicht gefunden",
         "Microsoft kennt den eingegebenen Anmeldenamen in Ihrer Organisation nicht – oft ein Tippfehler, oder die "
         "E-Mailadresse statt des Anmeldenamens.",
         "Erneut anmelden und den Anmeldenamen des Kontos verwenden (in der Regel die Geschäfts-E-Mailadresse; im "
         "Zweifel weiß es der Microsoft-365-Admin).",
         USER, Kind.SIGN_IN, "Account not found"),
    *aad("50014", "Gastkonto noch nicht angenommen",
         "Das Konto ist als Gast eingeladen, hat die Einladung aber noch nicht angenommen.",
         "Mit dem Geschäftskonto anmelden, dem das Postfach gehört; Gastkonten haben in Ihrer Organisation kein "
         "Postfach.",
         USER, Kind.SIGN_IN, "Guest account pending"),
    *aad("16001 50143 16002 160021", "Kontoauswahl ungültig",
         "Microsoft konnte die im Browser gewählte Anmeldung nicht verwenden.",
         "Erneut anmelden und im Kontoauswahl-Fenster „Anderes Konto verwenden“ wählen.",
         USER, Kind.SIGN_IN, "Account selection invalid"),
    *aad("50126 50056 50064", "Anmeldename oder Kennwort falsch",
         "Bei der Anmeldung bei Microsoft wurde ein falsches Kennwort (oder ein falscher Anmeldename) eingegeben.",
         "Erneut anmelden und das Kennwort des Geschäftskontos eingeben.",
         USER, Kind.SIGN_IN, "Wrong user name or password"),
    *aad("50053", "Konto vorübergehend gesperrt",
         "Microsoft hat die Anmeldung gesperrt – nach zu vielen Fehlversuchen oder wegen verdächtiger Anmeldungen "
         "von dieser Adresse.",
         "Etwas warten und dann erneut anmelden; bleibt es, prüft der Microsoft-365-Admin in den Anmeldeprotokollen "
         "(Fehlercode 50053) den Grund und entsperrt das Konto.",
         USER, Kind.SIGN_IN, "Account locked"),
    *aad("50055 50144", "Kennwort abgelaufen",
         "Das Kennwort des Kontos ist abgelaufen.",
         "Das Kennwort ändern (z. B. unter https://mysignins.microsoft.com oder über den Microsoft-365-Admin) und "
         "danach im E-Mailkonto erneut bei Microsoft anmelden.",
         USER, Kind.SIGN_IN, "Password expired"),
    *aad("50125 50135", "Kennwortänderung verlangt",
         "Microsoft verlangt vor der Anmeldung eine Kennwortänderung bzw. die Einrichtung der Kennwortrücksetzung "
         "(z. B. wegen eines Risikos für das Konto).",
         "Erneut anmelden und die Schritte bei Microsoft vollständig abschließen.",
         USER, Kind.SIGN_IN, "Password change required"),
    # The password change that Microsoft's sign-in asks for after 50055/50144/50125 (PasswordChange… in the list).
    *aad("120000 120002 120003 120004 120005 120008 120011 120012 120013 120014 120015 120016 120018 120020 120021",
         "Kennwortänderung bei der Anmeldung gescheitert",
         "Microsoft hat bei der Anmeldung eine Kennwortänderung verlangt, und die Änderung ist gescheitert – z. B. "
         "war das bisherige Kennwort falsch, das neue erfüllt die Regeln nicht, oder das Kennwort muss im lokalen "
         "Active Directory geändert werden.",
         "Das Kennwort auf dem in Ihrer Organisation üblichen Weg ändern (oder vom Admin zurücksetzen lassen) und "
         "danach im E-Mailkonto erneut bei Microsoft anmelden.",
         USER, Kind.SIGN_IN, "Password change during sign-in failed"),
    *aad("50057", "Konto deaktiviert",
         "Das Microsoft-Konto des Postfachs ist deaktiviert.",
         "Der Microsoft-365-Admin aktiviert das Konto wieder; danach erneut anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "Account disabled"),
    *aad("50058", "Nicht angemeldet",
         "Im Browser war niemand bei Microsoft angemeldet.",
         "Erneut anmelden.",
         USER, Kind.SIGN_IN, "Nobody signed in"),
    *aad("50072 50079 53004 53010", "Einrichtung der mehrstufigen Authentifizierung verlangt",
         "Das Konto muss erst einen zweiten Faktor (z. B. Microsoft Authenticator) einrichten.",
         "Im E-Mailkonto erneut bei Microsoft anmelden und die Einrichtung abschließen.",
         USER, Kind.SIGN_IN, "Multi-factor registration required"),
    *aad("50074 50076 50078 50158", "Mehrstufige Authentifizierung verlangt",
         "Eine Richtlinie Ihrer Organisation verlangt jetzt eine Anmeldung mit zweitem Faktor (oder der letzte ist "
         "zu alt).",
         "Im E-Mailkonto erneut bei Microsoft anmelden und den zweiten Faktor bestätigen.",
         USER, Kind.SIGN_IN, "Multi-factor authentication required"),
    *aad("50088", "Zu viele Anrufe für den zweiten Faktor",
         "Microsoft hat das Limit für Anrufe/SMS zum zweiten Faktor erreicht.",
         "Einige Minuten warten und erneut anmelden, am besten mit der Authenticator-App.",
         USER, Kind.SIGN_IN, "Telephony MFA limit reached"),
    # 165000 ("The user session context is missing"/"request tokens do not match the user context") is not in the
    # list; real: goavega-software/suitecrm-azure-ad#4, microsoft/SharePoint-Embedded-VS-Code-Extension#6.
    *aad("50089 50140 50199 50168 51006 50180 81004 81005 81006 81007 81009 81010 81011 81012 165000",
         "Anmeldung unterbrochen",
         "Die Anmeldung bei Microsoft wurde unterbrochen oder dauerte zu lange (z. B. eine Rückfrage oder eine "
         "automatische Windows-Anmeldung, die nicht abgeschlossen wurde).",
         "Im E-Mailkonto erneut „Bei Microsoft anmelden“ wählen und die Anmeldung zügig abschließen.",
         USER, Kind.SIGN_IN, "Sign-in interrupted"),
    *aad("50173 50132 50133", "Anmeldung widerrufen",
         "Microsoft hat die Anmeldung widerrufen – bei AADSTS50173, weil ein Admin die Sitzungen des Kontos widerrufen "
         "oder sein Kennwort im Microsoft Entra Admin Center bzw. im Microsoft 365 Admin Center zurückgesetzt hat oder "
         "weil sich die Person selbst überall abgemeldet hat; bei AADSTS50132/50133 gilt die Anmeldung im Browser nach "
         "einer Kennwortänderung oder einem abgelaufenen Kennwort nicht mehr. Ein Kennwort, das die Person nur selbst "
         "ändert, beendet die Anmeldung von cmxOrganize nicht.",
         SIGN_IN_AGAIN, USER, Kind.SIGN_IN, "Sign-in revoked (sessions revoked or password reset by an admin)"),
    *aad("70008", "Anmeldung abgelaufen",
         "Die Anmeldung bei Microsoft ist abgelaufen, weil sie zu lange nicht verwendet wurde.",
         SIGN_IN_AGAIN, USER, Kind.SIGN_IN, "Sign-in expired"),
    *aad("700082 700084", "Anmeldung nach 90 Tagen abgelaufen",
         "Microsoft hat die Anmeldung verfallen lassen, weil über 90 Tage keine Mail über das Konto ging.",
         SIGN_IN_AGAIN, USER, Kind.SIGN_IN, "Sign-in expired after 90 idle days"),
    *aad("70043", "Anmeldung zu alt",
         "Eine Richtlinie Ihrer Organisation (Anmeldehäufigkeit) verlangt regelmäßig eine neue Anmeldung.",
         "Im E-Mailkonto erneut bei Microsoft anmelden. Soll das seltener nötig sein, nimmt der Microsoft-365-Admin "
         "cmxOrganize von der Richtlinie zur Anmeldehäufigkeit aus.",
         USER, Kind.SIGN_IN, "Sign-in frequency policy: sign in again"),
    *aad("70000 700020 9002341", "Berechtigung abgelaufen",
         "Die erteilte Berechtigung ist nicht mehr gültig.",
         SIGN_IN_AGAIN, USER, Kind.SIGN_IN, "Grant expired"),
    *aad("54005", "Anmeldung schon abgeschlossen",
         "Der Rückweg von Microsoft wurde zweimal aufgerufen (Neu laden oder Doppelklick).",
         "Nichts, falls das E-Mailkonto verbunden ist; sonst erneut anmelden.",
         USER, Kind.SIGN_IN, "Sign-in already completed (code reused)"),
    *aad("9002313 90013 90056 900561", "Anmeldung unvollständig",
         "Microsoft hat eine unvollständige oder verstümmelte Anmeldung erhalten (z. B. nach „Zurück“ im Browser).",
         SIGN_IN_AGAIN, USER, Kind.SIGN_IN, "Malformed or truncated sign-in"),
    *aad("700005", "Anmeldung für ein anderes Verzeichnis",
         "Die Anmeldung wurde für ein anderes Verzeichnis ausgestellt als das, bei dem cmxOrganize sie einlösen "
         "wollte – meist wurde „TenantID“ während der Anmeldung geändert.",
         SIGN_IN_AGAIN, USER, Kind.SIGN_IN, "Code issued for another tenant"),
    *aad("50015 54000", "Altersfreigabe fehlt",
         "Microsoft verlangt für dieses Konto eine Zustimmung wegen des Alters der Person.",
         "Mit einem Geschäftskonto eines Erwachsenen anmelden, dem das Postfach gehört.",
         USER, Kind.SIGN_IN, "Legal age consent required"),
    *aad("130004 130005 130006 130008 135010 17003", "Windows Hello / Passkey nicht nutzbar",
         "Die gewählte Anmeldemethode (Windows Hello, Passkey) ließ sich auf diesem Gerät nicht prüfen.",
         "Erneut anmelden und eine andere Methode wählen (Kennwort mit zweitem Faktor, Authenticator-App).",
         USER, Kind.SIGN_IN, "Windows Hello or passkey unusable"),
    *aad("80012", "Anmeldung außerhalb der erlaubten Zeiten",
         "Das Konto darf sich laut lokalem Active Directory zu dieser Uhrzeit nicht anmelden.",
         "Zu einer erlaubten Zeit erneut anmelden, oder der IT-Admin passt die Anmeldezeiten an.",
         USER, Kind.SIGN_IN, "Logon outside the allowed hours"),
    # -- policies of the organisation ---------------------------------------------------------------------------------
    *aad("53003 50131 530032", "Durch Richtlinie für bedingten Zugriff blockiert",
         "Eine Richtlinie für bedingten Zugriff (Conditional Access) Ihrer Organisation verbietet cmxOrganize den "
         "Zugriff, z. B. wegen des Standorts des Servers oder eines nicht verwalteten Geräts.",
         CONDITIONAL_ACCESS_ACTION, M365_ADMIN, Kind.CONFIGURATION, "Blocked by Conditional Access"),
    *aad("530003 53000 53001 53002 50005 50097 50129 50155 50187 135011 130007 50127", "Verwaltetes Gerät verlangt",
         "Eine Richtlinie verlangt für die Anmeldung ein von der Organisation verwaltetes oder konformes Gerät "
         "bzw. eine zugelassene App.",
         "Die Anmeldung an einem Gerät der Organisation durchführen, oder der Microsoft-365-Admin passt die "
         "Richtlinie für cmxOrganize an; danach erneut anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "Managed or compliant device required"),
    *aad("530035", "Durch Sicherheitsstandards blockiert",
         "Die Sicherheitsstandards (Security Defaults) Ihrer Organisation haben die Anmeldung als unsicher "
         "blockiert.",
         "Der Microsoft-365-Admin prüft in den Anmeldeprotokollen (Fehlercode 530035) den Grund; gegebenenfalls die "
         "Sicherheitsstandards durch Richtlinien für bedingten Zugriff ersetzen, die cmxOrganize erlauben.",
         M365_ADMIN, Kind.CONFIGURATION, "Blocked by security defaults"),
    *aad("53011 530034", "Konto wegen Risiko blockiert",
         "Microsoft hat das Konto wegen eines erkannten Risikos (z. B. verdächtiger Anmeldungen) blockiert.",
         "Der Microsoft-365-Admin prüft das Konto in Entra ID Protection (riskante Benutzer) und gibt es frei; "
         "danach erneut anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "Account blocked because of risk"),
    *aad("50192 220501", "Anmeldung mit Zertifikat gescheitert",
         "Die Anmeldung mit einem Benutzerzertifikat (Smartcard, zertifikatbasierte Authentifizierung) kam ohne "
         "Zertifikat bei Microsoft an, oder Microsoft konnte die Sperrliste des Zertifikats nicht laden.",
         "Erneut anmelden und das Zertifikat auswählen; bleibt es, prüft der IT-Admin, ob ein Proxy die Anmeldung "
         "mit Zertifikat unterbricht, und der Microsoft-365-Admin die Einstellungen der zertifikatbasierten "
         "Authentifizierung (Zertifizierungsstellen, Sperrlisten) im Entra Admin Center.",
         M365_ADMIN, Kind.CONFIGURATION, "Certificate-based sign-in failed"),
    *aad("50161 50170 50177 50178", "Zusätzliche Anmeldeprüfung falsch eingerichtet",
         "Ihre Organisation verlangt bei der Anmeldung eine zusätzliche Prüfung durch einen externen Anbieter "
         "(benutzerdefinierte Steuerelemente, externe Multi-Faktor-Authentifizierung), die für dieses Konto nicht "
         "passend eingerichtet ist.",
         "Der Microsoft-365-Admin prüft die Richtlinie für bedingten Zugriff und die Einrichtung des externen "
         "Anbieters (Anmeldeprotokolle, Fehlercode); danach erneut anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "External security challenge misconfigured"),
    *aad("500021 500022 50002", "Mandantenbeschränkung im Netzwerk",
         "Das Netzwerk, aus dem angemeldet wurde, lässt nur Anmeldungen bei bestimmten Microsoft-Verzeichnissen zu "
         "(Mandanteneinschränkungen), und Ihres gehört nicht dazu.",
         "Der IT-Admin nimmt das Verzeichnis Ihrer Organisation in die erlaubten Mandanten (Proxy) auf, oder die "
         "Anmeldung aus einem anderen Netz durchführen.",
         M365_ADMIN, Kind.CONFIGURATION, "Tenant restrictions in the network"),
    *aad("500212 500213", "Mandantenübergreifende Zugriffsrichtlinie",
         "Eine Richtlinie für mandantenübergreifenden Zugriff verbietet die Anmeldung dieses Kontos in diesem "
         "Verzeichnis.",
         "Mit einem Konto anmelden, das zum Verzeichnis der Organisation gehört; sonst passt der Microsoft-365-Admin "
         "die Richtlinie an.",
         M365_ADMIN, Kind.CONFIGURATION, "Cross-tenant access policy"),
    *aad("50107 20001 20012 20033 40008 40009 40015 50008 50017 90123",
         "Anmeldedienst Ihrer Organisation meldet Fehler",
         "Die Anmeldung läuft über einen eigenen Anmeldedienst Ihrer Organisation (Föderation, z. B. AD FS), und "
         "dieser hat einen Fehler gemeldet.",
         "Der IT-Admin prüft den eigenen Anmeldedienst (AD FS bzw. Identitätsanbieter) und dessen Verbindung zu "
         "Microsoft Entra ID; danach erneut anmelden.",
         M365_ADMIN, Kind.CONFIGURATION, "Federated identity provider reported an error"),
    *aad("80001 80002 80005 80007 80010 80013 80014", "Lokale Kennwortprüfung gestört",
         "Die Kennwortprüfung gegen das lokale Active Directory (Pass-Through-Authentifizierung) ist gestört.",
         "Nichts – cmxOrganize versucht es später erneut; bleibt es, prüft der IT-Admin die "
         "Authentifizierungs-Agenten und das lokale Active Directory.",
         M365_ADMIN, Kind.TEMPORARY, "On-premises password validation failed"),
    # -- cmxOrganize's side -------------------------------------------------------------------------------------------
    *aad("70011 28002 28003 700023 1002012 90009 901002", "Ungültige Berechtigungsanfrage",
         "cmxOrganize hat ungültige Berechtigungen angefragt.",
         "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
         SUPPORT, Kind.BUG, "Invalid scope requested (bug)"),
    *aad("28000 700022", "Ungültige Berechtigungsanfrage",
         "cmxOrganize hat Berechtigungen für zwei Dienste zugleich angefragt.",
         "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
         SUPPORT, Kind.BUG, "Two resources in one request (bug)"),
    *aad("50148 501481 501491 50147", "Sicherheitsprüfung (PKCE) fehlgeschlagen",
         "Die Anmeldung passt nicht zu der, die cmxOrganize begonnen hat.",
         "Erneut anmelden; tritt es wieder auf, den cmxKonzepte-Support verständigen.",
         SUPPORT, Kind.BUG, "PKCE check failed"),
    *aad("90014 900144 90100 90004 90015 70003 70005 70007 90027 140000 90102 50049 50050 90023 700054 90005 "
         "90007 90016 90117 90121 165900",
         "Unvollständige Anfrage",
         "cmxOrganize hat eine unvollständige oder ungültige Anfrage an Microsoft gesendet.",
         "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
         SUPPORT, Kind.BUG, "Incomplete or invalid request (bug)"),
    # -- Microsoft's side ---------------------------------------------------------------------------------------------
    *aad("50196 90055", "Microsoft bremst",
         "Microsoft hat zu viele Anfragen in kurzer Zeit abgewiesen.",
         "Nichts – cmxOrganize versucht es später erneut.",
         CMX_ADMIN, Kind.TEMPORARY, "Throttled by Microsoft"),
    *aad("50000 50033 50087 90006 90012 90024 90033 90090 90091 70012 40010 230109 50166 501621",
         "Störung bei Microsoft",
         "Microsoft meldet einen vorübergehenden Fehler.",
         "Nichts – cmxOrganize versucht es später erneut.",
         CMX_ADMIN, Kind.TEMPORARY, "Transient error at Microsoft"),
    *aad("90036 90092 50086", "Fehler bei Microsoft",
         "Microsoft meldet einen Fehler, der sich durch Wiederholen nicht behebt.",
         "Nichts – cmxOrganize versucht es später erneut; bleibt es, den cmxKonzepte-Support mit dem Code "
         "verständigen (er wendet sich an Microsoft).",
         SUPPORT, Kind.TEMPORARY, "Non-retryable error at Microsoft"),
)
# fmt: on

# -- Microsoft's words, where the code is missing or misleads ----------------------------------------------------------

# Microsoft's message for a code, as found when an answer is quoted without its "AADSTSnnnn:" prefix (libraries and
# people often pass on error_description's text alone; pages show it after "Message:"). Each is a case-insensitive
# regular expression over the text (with ’ read as ' and runs of white space as one space), matched only when the
# answer carries no AADSTS code at all; the first that matches wins, so a wording that contains another comes first.
# Sources: Microsoft's list (reference-error-codes, see above) unless a real answer is named; "(n't| not)" because
# the list writes "isn't" where the service writes "is not".
# fmt: off
MESSAGES: tuple[tuple[str, str], ...] = (
    # the app registration and the instance's settings
    (r"Tenant '[^']{1,200}' not found", "90002"),  # reference §1, Azure/azure-cli#22145
    (r"No tenant-identifying information found|Tenant-identifying information was(?:n't| not) found", "50059"),
    (r"belongs to the National Cloud", "90038"),
    (r"Application with identifier '?[^'\s]{1,200}'? was not found in the directory", "700016"),  # list: 700011
    (r"service principal for resource '?[^\n]{1,300}? is disabled", "500014"),  # AzureAD-Attack-Defense#43
    (r"We are sorry, this resource is not available", "5000224"),  # msal-dotnet#5251
    (r"Application '[^']{1,200}'(?: ?\([^)]{0,200}\))? is disabled", "7000112"),  # Worklytics/psoxy#74
    (r"can(?:'t| ?not) be accessed at this time", "1000031"),
    (r"must be configured via preauthorization", "65002"),
    # Azure-Samples/ms-identity-python-webapp#67 (without "for app"), dotnet/sign#849 (with it)
    (r"client secret keys (?:for app '[^']{1,200}' )?are expired", "7000222"),
    (r"Invalid client secret (?:is )?provided", "7000215"),  # 7000215 bodies of the test above; list: "…is provided"
    (r"must contain the following parameter: 'client_assertion' or 'client_secret'", "7000218"),
    (r"Client is public so neither 'client_assertion' nor 'client_secret' should be presented", "700025"),
    (r"Client assertion is not within its valid time range", "700024"),  # msal-dotnet#4951, msal-java#984
    (r"Client assertion contains an invalid signature|is not registered on application|"
     r"Client assertion failed signature validation", "700027"),  # azure-sdk-for-net#29007, msal-js#8339
    (r"Assertion failed signature validation", "50013"),  # msgraph-sdk-php#1585
    (r"weak RSA key", "50032"),
    (r"specified in the request does not match the redirect URIs configured", "50011"),  # reference §2
    (r"No reply address is registered for the application", "500113"),
    (r"No reply address provided", "900971"),
    (r"(?:is not|isn't) configured as a multi-?tenant application", "50194"),
    (r"resource principal named [^\n]{1,300}? was not found in the tenant", "500011"),  # gbwisx/msal_mobile#6
    (r"is requesting access to a resource [^\n]{1,200}? that (?:is not|isn't) available in your organization|"
     r"does(?:n't| not) match how the app was preconfigured", "65005"),  # consent-error page (entra-docs)
    (r"Misconfigured application", "650056"),
    (r"requested access to a resource which (?:is not|isn't) listed in the requested permissions", "650057"),
    (r"requires access to (?:Microsoft Entra ID|Azure AD) by specifying the sign-in and read user profile", "90008"),
    (r"specifically granted \('assigned'\) access", "50105"),  # nextauthjs/next-auth#5455
    (r"has not been authorized in the tenant", "90099"),
    # consent (the consent-error page, entra-docs application-sign-in-unexpected-user-consent-error.md; the same
    # words stand on Microsoft's page, where no code may be shown)
    (r"(?:has not|hasn't) consented to use the application", "65001"),  # snok/django-auth-adfs#218 is 90008 (!)
    (r"declined to consent to access the app", "65004"),  # MicrosoftDocs/azure-docs#114009
    (r"needs permission to access resources in your organization that only an admin can grant", "90094"),
    (r"requesting one or more permissions that you (?:are not|aren't) authorized to grant|"
     r"set a policy that prevents you from granting", "90093"),
    (r"This app might be risky\. If you trust this app, ask your admin|App is considered risky", "900941"),
    (r"This app might be risky\. Only continue if you trust this app|consent request was received for a risky app",
     "900981"),
    (r"intermittent problem recording the permissions", "90090"),
    # the person signing in
    (r"does(?:n't| not) exist in tenant", "50020"),  # MicrosoftDocs/azure-docs#114009
    (r"does(?:n't| not) exist in the [^.\n]{1,120} directory", "50034"),  # Microsoft365DSC/Microsoft365DSC#801
    (r"not a valid login domain for the account type", "500208"),
    (r"invalid username or password", "50126"),  # MicrosoftDocs/azure-docs#30802
    (r"account is locked", "50053"),
    (r"Active Directory password has expired", "50144"),
    (r"password is expired", "50055"),
    (r"interrupted because of a password reset or password registration", "50125"),
    (r"Password change is required due to account risk", "50135"),
    (r"user account is disabled", "50057"),
    (r"Session information (?:is not|isn't) sufficient for single-sign-on", "50058"),
    (r"must enroll in multi-?factor authentication|required to use multi-?factor authentication", "50079"),
    (r"must use multi-?factor authentication", "50076"),  # AzureAD/microsoft-authentication-library-for-js#5077
    (r"Presented multi-?factor authentication has expired", "50078"),
    (r"Strong authentication is required", "50074"),
    (r"External security challenge was not satisfied", "50158"),
    (r"flow token expired", "50089"),
    (r"grant has expired due to it being revoked", "50173"),
    (r"session (?:is not|isn't) valid due to password expiration or recent password change", "50133"),
    (r"expired or is invalid due to sign-in frequency checks", "70043"),
    (r"expired due to inactivity", "700082"),  # 70008 and 700082 say the same; both: sign in again
    (r"access grant is invalid or malformed", "70000"),  # QuePort/passport-azure-oauth#6
    (r"Authorization code was already redeemed", "54005"),
    (r"Authorization Code is intended to use against other tenant", "700005"),
    (r"Request is malformed or invalid", "9002313"),  # davidjrh/dnn.azureadprovider#112
    # policies of the organisation
    (r"blocked by security defaults", "530035"),
    (r"blocked by Conditional Access", "53003"),
    (r"requires a compliant device", "53000"),
    (r"Device authentication is required", "50097"),
    (r"User blocked due to risk on home tenant", "53011"),
    (r"Access to '[^']{1,200}' tenant is denied", "500021"),
    # cmxOrganize's side
    (r"contains more than one resource", "700022"),
    (r"The provided value for the input parameter 'scope' (?:is not|isn't) valid", "70011"),
    (r"Code_Verifier does(?:n't| not) match the code_challenge", "501481"),
    (r"request body must contain the following parameter", "900144"),
    (r"client (?:request )?loop", "50196"),
)
# fmt: on

# A code whose usual cause is not what Microsoft's words say: the words decide, the code is kept for support. E.g.
# "AADSTS70002: Error validating credentials. AADSTS50012: Client assertion is not within its valid time range."
# (AzureAD/azure-activedirectory-library-for-java#46, whose reporter found his clock wrong; also
# Azure-Samples/active-directory-dotnet-daemon-certificate-credential#46) is a server clock, not a wrong key; and
# "AADSTS70002: Error validating credentials. AADSTS50012: Invalid client secret is provided."
# (sjkp/letsencrypt-siteextension#117) a wrong secret, not a certificate. (pattern, codes it refines, entry)
REFINEMENTS: tuple[tuple[str, str, str], ...] = (
    (r"not within its valid time range", "50012 50013 50027 70002 900384", "700024"),
    (r"Invalid client secret", "50012 50013", "7000215"),
    (r"client secret keys (?:for app '[^']{1,200}' )?are expired", "50012 70002 7000215", "7000222"),
)
