"""Microsoft Graph's answers to sending mail (``POST /me/sendMail``), explained.

Sources (../shared/reference/next-features.md §1, short names there): GRAPH-SENDMAIL (202, base64 MIME,
ErrorMimeContentInvalidBase64String), GRAPH-OTHERUSER (ErrorSendAsDenied's exact words, Mail.Send.Shared), GRAPH-LARGE
and the 4 MB request limit (microsoft-graph-docs#85, #9834: 413; microsoft-graph-docs-contrib#682: 400 "The maximum
request length supported is 4MB." for drafts), GRAPH-THROTTLE (429 with Retry-After; ApplicationThrottled
"MailboxConcurrency": magodo/terraform-provider-outlook#21), MailboxNotEnabledForRESTAPI (iyear/E5SubBot#39, guests:
microsoft-graph-docs-contrib#405, licence: #717), ErrorQuotaExceeded (microsoft-graph-docs#5607; its words: #2927), 401
InvalidAuthenticationToken with WWW-Authenticate and claims challenges (Microsoft365DSC#4427,
msgraph-sdk-dotnet#1416), ErrorMessageSizeExceeded (InnoGE/laravel-msgraph-mail#41).

Breadth (issue 20): Graph's own codes for mail (concepts/errors.md, "Microsoft Graph error responses and resource
types": accessDenied, activityLimitReached, extensionError, generalException, invalidRequest, notSupported,
quotaLimitReached, serviceNotAvailable, unauthenticated) and the Exchange Web Services response codes Graph passes
through (office-developer-exchange-docs web-service-reference/responsecode.md, "ResponseCode"; their short texts as
the EWS Managed API names them, OfficeDev/ews-managed-api Enumerations/ServiceError.cs), with real answers:
ErrorInvalidRecipients "At least one recipient isn't valid., Recipient "bad" isn't resolved. All recipients must be
resolved before a message can be submitted." (microsoftgraph/ruby-connect-rest-sample#15), "… A message can't be
sent because it contains no recipients." (msgraph-sdk-dotnet#1891), ErrorInvalidUser "The requested user '…' is
invalid." (InnoGE/laravel-msgraph-mail#16), ResourceNotFound "Resource could not be discovered." for a mailbox that
does not exist (microsoft-graph-docs#5143, a Microsoft employee), ErrorQuotaExceeded "Mailbox has exceeded maximum
mailbox size." (microsoft-graph-docs#2927) but also "Cannot get ID from name." (msgraph-sdk-java#767), ErrorAccessDenied
"Access to OData is disabled." (microsoft/MHA#49, OfficeDev/office-js-docs-pr#2808; ExtensionError with the same
reason: msgraph-sdk-javascript#252). Where one code has several causes, an entry's ``match`` (a regular expression
over Graph's message) picks the one the message names; the entry without ``match`` stands for the rest.

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

QUOTA_CAUSE = (
    "Microsoft meldet ein erschöpftes Kontingent des Postfachs – meist ist das Postfach voll, Microsoft meldet so aber "
    "auch andere Grenzen eines Postfachs."
)
QUOTA_ACTION = (
    "Im Postfach Platz schaffen (z. B. „Gesendete Elemente“ leeren oder archivieren); hilft das nicht, prüft der "
    "Microsoft-365-Admin das Postfach mit Microsofts Meldung."
)
NO_MAILBOX_CAUSE = (
    "Microsoft Graph findet zu dem angemeldeten Konto keinen Benutzer oder kein Postfach – z. B. weil das Postfach "
    "gelöscht, noch nicht bereit oder seine Hauptadresse geändert wurde."
)
NO_MAILBOX_ACTION = (
    "Der Microsoft-365-Admin prüft im Microsoft 365 Admin Center, ob das Konto ein Postfach mit Exchange-Online-Lizenz "
    "hat; sonst im E-Mailkonto mit dem Konto anmelden, dem das Postfach gehört."
)
MISCONFIGURED_CAUSE = (
    "Microsoft kann das Konto oder sein Postfach nicht verwenden, weil es im Verzeichnis fehlerhaft eingerichtet ist."
)
RENEW_KENNWORT_ACTION = (
    "Das Kennwort ändern (z. B. unter https://mysignins.microsoft.com oder über den Microsoft-365-Admin) und danach im "
    "E-Mailkonto erneut bei Microsoft anmelden."
)
CONSUMER_CAUSE = (
    "Microsoft hat den Versand aus diesem Postfach gesperrt (Spamverdacht oder Tageslimit) – Codes, die Microsoft für "
    "private Outlook.com-Postfächer verwendet."
)
CONSUMER_ACTION = (
    "Im Postfach (Outlook im Web) den Anweisungen von Microsoft zur Bestätigung des Kontos folgen; für cmxOrganize ein "
    "Postfach Ihrer Organisation (Microsoft 365) verwenden."
)
RECIPIENTS_CAUSE = (
    "Microsoft Graph hat die Mail abgelehnt, weil mindestens eine Empfängeradresse ungültig ist oder die Mail keinen "
    "Empfänger hat."
)
RECIPIENTS_ACTION = (
    "Die Empfängeradressen (An, Cc, Bcc) der Mail prüfen und die Mail neu senden; andere Mails gehen weiter."
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
    # ErrorQuotaExceeded is not always a full mailbox: the code stands for the mailbox's quotas in general.
    graph("ErrorQuotaExceeded", "Kontingent des Postfachs erschöpft",
          QUOTA_CAUSE,
          QUOTA_ACTION,
          USER, Kind.CONFIGURATION, "Mailbox quota exhausted (Graph)"),
    graph("ErrorQuotaExceeded", "Postfach voll",
          "Das Postfach ist voll; Microsoft legt jede gesendete Mail in „Gesendete Elemente“ ab und nimmt deshalb "
          "keine mehr an.",
          "Im Postfach Platz schaffen (z. B. „Gesendete Elemente“ leeren oder archivieren), oder der "
          "Microsoft-365-Admin vergrößert das Postfach.",
          USER, Kind.CONFIGURATION, "Mailbox full (Graph)", match=r"maximum mailbox size"),
    # "Cannot get ID from name." (msgraph-sdk-java#767, 403 with ErrorQuotaExceeded): Exchange could not register a
    # named property, i.e. the mailbox's table of named properties is full (inferred from the words; no Microsoft
    # page states it for Graph). Each new kind of custom header (X-…) in sent mail takes such a property.
    graph("ErrorQuotaExceeded", "Eigenschaften-Kontingent des Postfachs erschöpft",
          "Das Postfach kann keine weiteren benannten Eigenschaften anlegen („Cannot get ID from name“) – ein "
          "Kontingent, das sich z. B. mit vielen verschiedenen eigenen Kopfzeilen in Mails füllt.",
          "Der Microsoft-365-Admin prüft das Postfach mit Microsofts Meldung (Kontingent der benannten Eigenschaften); "
          "bis dahin kann der Versandweg SMTP helfen.",
          M365_ADMIN, Kind.CONFIGURATION, "Mailbox's named-property quota exhausted", match=r"Cannot get ID from name"),
    graph("quotaLimitReached", "Kontingent des Postfachs erschöpft",
          QUOTA_CAUSE,
          QUOTA_ACTION,
          USER, Kind.CONFIGURATION, "Quota limit reached (Graph)"),
    graph("ErrorInvalidUser", "Postfach nicht gefunden",
          NO_MAILBOX_CAUSE,
          NO_MAILBOX_ACTION,
          M365_ADMIN, Kind.CONFIGURATION, "User or mailbox not found"),
    graph("ResourceNotFound", "Postfach nicht gefunden",
          NO_MAILBOX_CAUSE,
          NO_MAILBOX_ACTION,
          M365_ADMIN, Kind.CONFIGURATION, "User or mailbox not found"),
    graph("ErrorNonExistentMailbox", "Postfach nicht gefunden",
          NO_MAILBOX_CAUSE,
          NO_MAILBOX_ACTION,
          M365_ADMIN, Kind.CONFIGURATION, "User or mailbox not found"),
    graph("ErrorInvalidLicense", "Lizenz fehlt",
          "Das angemeldete Konto hat keine gültige Lizenz für Exchange Online.",
          "Der Microsoft-365-Admin weist dem Konto eine Lizenz mit Exchange Online zu; danach „E-Mailkonto testen“.",
          M365_ADMIN, Kind.CONFIGURATION, "No valid licence"),
    graph("ErrorAccountDisabled", "Konto deaktiviert",
          "Das Konto des Postfachs ist bei Microsoft deaktiviert.",
          "Der Microsoft-365-Admin aktiviert das Konto wieder; danach „E-Mailkonto testen“.",
          M365_ADMIN, Kind.CONFIGURATION, "Account disabled (Graph)"),
    graph("ErrorOrganizationAccessBlocked", "Organisation bei Microsoft gesperrt",
          "Microsoft hat Ihre Organisation zum Entfernen vorgemerkt und lässt keinen Zugriff auf Postfächer mehr zu "
          "(z. B. nach einem beendeten Abonnement).",
          "Der Microsoft-365-Admin prüft Abonnement und Zustand der Organisation im Microsoft 365 Admin Center und "
          "wendet sich gegebenenfalls an den Microsoft-Support.",
          M365_ADMIN, Kind.CONFIGURATION, "Organisation marked for removal"),
    graph("ErrorMailboxConfiguration", "Konto oder Postfach fehlerhaft eingerichtet",
          MISCONFIGURED_CAUSE,
          "Der Microsoft-365-Admin prüft das Konto und sein Postfach (Exchange Admin Center) mit Microsofts Meldung.",
          M365_ADMIN, Kind.CONFIGURATION, "Account or mailbox misconfigured"),
    graph("ErrorCallerIsInvalidADAccount", "Konto oder Postfach fehlerhaft eingerichtet",
          MISCONFIGURED_CAUSE,
          "Der Microsoft-365-Admin prüft das Konto und sein Postfach (Exchange Admin Center) mit Microsofts Meldung.",
          M365_ADMIN, Kind.CONFIGURATION, "Account or mailbox misconfigured"),
    graph("ErrorPasswordExpired", "Kennwort abgelaufen",
          "Das Kennwort des Kontos ist abgelaufen oder muss geändert werden.",
          RENEW_KENNWORT_ACTION,
          USER, Kind.SIGN_IN, "Password expired (Graph)"),
    graph("ErrorPasswordChangeRequired", "Kennwort abgelaufen",
          "Das Kennwort des Kontos ist abgelaufen oder muss geändert werden.",
          RENEW_KENNWORT_ACTION,
          USER, Kind.SIGN_IN, "Password change required (Graph)"),
    # The EWS Managed API names these "WASCL" codes of consumer (Outlook.com) mailboxes; cmxOrganize works with
    # Microsoft 365 mailboxes, so they mean a private account was used. Captured: ErrorExceededMessageLimit with
    # "Cannot send mail. Daily Message/Recipient limit exceeded. Follow the instructions in your Inbox to verify your
    # account." is what apps tell their users (public code; third-party).
    graph("ErrorMessageSubmissionBlocked", "Versand aus dem Postfach gesperrt",
          CONSUMER_CAUSE,
          CONSUMER_ACTION,
          USER, Kind.CONFIGURATION, "Sending blocked for the mailbox (consumer)"),
    graph("ErrorExceededMessageLimit", "Versand aus dem Postfach gesperrt",
          CONSUMER_CAUSE,
          CONSUMER_ACTION,
          USER, Kind.CONFIGURATION, "Sending blocked for the mailbox (consumer)"),
    graph("ErrorAccountSuspend", "Versand aus dem Postfach gesperrt",
          CONSUMER_CAUSE,
          CONSUMER_ACTION,
          USER, Kind.CONFIGURATION, "Sending blocked for the mailbox (consumer)"),
    # -- the app's access to the mailbox -------------------------------------------------------------------------------
    # concepts/auth-limit-mailbox-access.md ("Handling API errors", quoted in microsoft-graph-docs-contrib#8731): on
    # "Access to OData is disabled." "work with the Exchange Online administrator for the organization to ensure that
    # your app has permission to access the mailbox resource"; concepts/errors.md, extensionError: "The mailbox is
    # located on premises and the Exchange server does not support federated Microsoft Graph requests, or an
    # application policy prevents the application from accessing the mailbox."
    graph("ErrorAccessDenied", "Zugriff über Microsoft Graph für das Postfach gesperrt",
          "Eine Einstellung Ihrer Organisation lässt cmxOrganize über Microsoft Graph nicht an das Postfach (z. B. "
          "eine Anwendungszugriffsrichtlinie für Postfächer oder eine Sperre von EWS/REST für Apps).",
          "Der Microsoft-365-Admin erlaubt cmxOrganize den Zugriff auf das Postfach (Exchange Online PowerShell: "
          "Get-ApplicationAccessPolicy, Get-OrganizationConfig | fl EwsApplicationAccessPolicy) oder im E-Mailkonto "
          "den Versandweg SMTP wählen.",
          M365_ADMIN, Kind.CONFIGURATION, "Graph access to the mailbox blocked by policy",
          match=r"Access to OData is disabled"),
    graph("extensionError", "Zugriff über Microsoft Graph für das Postfach gesperrt",
          "Eine Einstellung Ihrer Organisation lässt cmxOrganize über Microsoft Graph nicht an das Postfach (z. B. "
          "eine Anwendungszugriffsrichtlinie für Postfächer), oder das Postfach liegt auf einem eigenen "
          "Exchange-Server (On-Premises).",
          "Der Microsoft-365-Admin erlaubt cmxOrganize den Zugriff auf das Postfach (Exchange Online PowerShell: "
          "Get-ApplicationAccessPolicy) oder im E-Mailkonto den Versandweg SMTP wählen.",
          M365_ADMIN, Kind.CONFIGURATION, "Graph access to the mailbox blocked (policy or on-premises)"),
    graph("ErrorImpersonateUserDenied", "App darf nicht für dieses Postfach handeln",
          "Die App cmxOrganize hat nicht das Recht, im Namen dieses Postfachs zu senden.",
          "Der Microsoft-365-Admin erteilt der App den Zugriff auf dieses Postfach (Postfachberechtigung bzw. "
          "Anwendungszugriffsrichtlinie); danach „E-Mailkonto testen“.",
          M365_ADMIN, Kind.CONFIGURATION, "App may not act for this mailbox"),
    # -- the message ---------------------------------------------------------------------------------------------------
    graph("ErrorInvalidRecipients", "Empfänger ungültig",
          RECIPIENTS_CAUSE,
          RECIPIENTS_ACTION,
          SENDER, Kind.MESSAGE, "Invalid or missing recipients"),
    graph("ErrorMissingRecipients", "Empfänger ungültig",
          RECIPIENTS_CAUSE,
          RECIPIENTS_ACTION,
          SENDER, Kind.MESSAGE, "Invalid or missing recipients"),
    graph("ErrorInvalidSmtpAddress", "Adresse ungültig",
          "Eine Adresse der Mail (Empfänger oder Absender) ist keine gültige E-Mailadresse.",
          "Die Adressen der Mail prüfen und die Mail neu senden; andere Mails gehen weiter.",
          SENDER, Kind.MESSAGE, "Invalid SMTP address"),
    graph("ErrorMessageBlocked", "Mail als Spam blockiert",
          "Microsoft hat diese eine Mail als Spam eingestuft und nicht gesendet.",
          "Inhalt und Links der Mail prüfen und sie geändert neu senden; andere Mails gehen weiter.",
          SENDER, Kind.MESSAGE, "Message blocked as spam"),
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
    # The mailbox's recipient limit over Graph (ResponseCode: "a user cannot immediately send more requests because
    # the submission quota has been reached"; ServiceError.cs: "The message couldn't be sent because the sender's
    # submission quota was exceeded. Please try again later."). Graph's own answer is not captured in a public thread.
    graph("ErrorSubmissionQuotaExceeded", "Sendelimit erreicht",
          "Das Postfach hat sein Sendelimit bei Microsoft erreicht (10.000 Empfänger in 24 Stunden).",
          "Nichts – die Mails bleiben in der Warteschlange und gehen hinaus, sobald das Limit es zulässt. Bei "
          "regelmäßig großen Mengen mehrere Postfächer verwenden.",
          CMX_ADMIN, Kind.TEMPORARY, "Sending limit reached (Graph)",
          action_waiting="Die Testmail später noch einmal senden; wartende Mails gehen hinaus, sobald das Limit es "
          "zulässt. Bei regelmäßig großen Mengen mehrere Postfächer verwenden."),
    graph("ErrorExceededConnectionCount", "Microsoft bremst",
          "Microsoft nimmt für dieses Postfach gerade keine weiteren gleichzeitigen Anfragen an.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, "Too many concurrent requests (Graph)"),
    graph("ErrorTooManyObjectsOpened", "Microsoft bremst",
          "Microsoft nimmt für dieses Postfach gerade keine weiteren gleichzeitigen Anfragen an.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, "Too many concurrent requests (Graph)"),
    graph("activityLimitReached", "Microsoft bremst",
          "Microsoft Graph hat zu viele Anfragen in kurzer Zeit abgewiesen.",
          "Nichts – cmxOrganize versucht es später erneut.",
          CMX_ADMIN, Kind.TEMPORARY, "Throttled by Microsoft Graph"),
    *(graph(code, "Postfach vorübergehend nicht erreichbar",
            "Microsoft meldet, dass das Postfach oder ein Dienst dahinter gerade nicht bereit ist (z. B. Wartung, "
            "Umzug des Postfachs, Überlastung).",
            "Nichts – cmxOrganize versucht es später erneut.",
            CMX_ADMIN, Kind.TEMPORARY, "Mailbox temporarily unavailable")
      for code in ("ErrorMailboxStoreUnavailable", "ErrorMailboxMoveInProgress", "ErrorMailboxFailover",
                   "ErrorServerBusy", "ErrorTimeoutExpired", "ErrorInternalServerTransientError",
                   "ErrorConnectionFailed", "ErrorADUnavailable", "ErrorADOperation", "ErrorInsufficientResources")),
    *(graph(code, "Fehler bei Microsoft",
            "Microsoft Graph meldet einen internen Fehler.",
            "Nichts – cmxOrganize versucht es später erneut; bleibt es, den cmxKonzepte-Support mit dem Code "
            "verständigen.",
            SUPPORT, Kind.TEMPORARY, "Internal error at Microsoft Graph")
      for code in ("ErrorInternalServerError", "generalException")),
    *(graph(code, "Ungültige Anfrage an Microsoft Graph",
            "cmxOrganize hat Microsoft Graph eine Anfrage gestellt, die Microsoft nicht annimmt.",
            "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
            SUPPORT, Kind.BUG, "Invalid request (bug)")
      for code in ("ErrorInvalidRequest", "invalidRequest", "notSupported")),
    graph("unauthenticated", "Anmeldung von Microsoft Graph abgelehnt",
          "Microsoft Graph hat die Anmeldung des E-Mailkontos auch nach ihrer Erneuerung nicht angenommen (z. B. "
          "nach einem Widerruf der Sitzungen oder einer neuen Richtlinie).",
          "Im E-Mailkonto erneut „Bei Microsoft anmelden“ wählen.",
          USER, Kind.SIGN_IN, "Graph refused the sign-in"),
    graph("accessDenied", "Microsoft Graph verweigert den Versand",
          "Die Anmeldung des E-Mailkontos hat die Berechtigung „Mail.Send“ von Microsoft Graph nicht (mehr) – z. B. "
          "weil die Zustimmung entfernt wurde.",
          "Im E-Mailkonto erneut „Bei Microsoft anmelden“ und den Zugriff bestätigen; dürfen Benutzer nicht selbst "
          "zustimmen, erteilt der Microsoft-365-Admin die Administratorzustimmung.",
          USER, Kind.SIGN_IN, "Access denied (Graph)", admin_consent=True),
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
    # concepts/errors.md: "The service is not available. Try the request again after a delay."
    graph("serviceNotAvailable", "Störung bei Microsoft",
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
