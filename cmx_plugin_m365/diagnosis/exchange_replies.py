"""Exchange Online's replies to authenticated client submission (smtp.office365.com:587), explained.

Sources: Microsoft's "Authenticated client SMTP submission" and "SMTP submission improvements" pages and
"Email non-delivery reports in Exchange Online" (MicrosoftDocs/OfficeDocs-Exchange, non-delivery-reports-in-
exchange-online.md: the table of NDR codes, 4.3.2 … 5.7.750); the authentication replies as real servers sent
them in public threads: 5.7.139 "SmtpClientAuthentication is disabled for the Tenant"
(simonrob/email-oauth2-proxy#193, nodemailer/nodemailer#1484), "… for the Mailbox", "the request did not meet the
criteria" and "account locked" (gophish/gophish#3220 and public test data of a mail-diagnosis tool), "the user
credentials were incorrect" (codassassin/email-bomber-v2.0#1), "basic authentication is disabled"
(rpremraj/mailR#107), 5.7.3 (tarickb/sasl-xoauth2#43, HChaoHui/msOauth2api#3), 501 5.5.124 (tarickb/sasl-xoauth2#110),
451 4.7.500 (jstedfast/MailKit#1502), 550 5.7.708 (motze92/office365-mail#11), 432 4.3.2
(timeoff-management/timeoff-management-application#308), Send As (MicrosoftDocs/OfficeDocs-Support#1187), message
size (pankleks/pm2-health#52, jstedfast/MailKit#904).

Each row matches a regular expression against the whole reply ("535 5.7.139 Authentication unsuccessful, …"),
first match wins, so the specific wordings of a shared code come before its general row.
"""

from __future__ import annotations

from .model import CMX_ADMIN, M365_ADMIN, SENDER, SUPPORT, USER, Entry, Kind


def smtp(
    key: str,
    pattern: str,
    title: str,
    cause: str,
    action: str,
    who: str,
    kind: Kind,
    en: str,
    *,
    waiting: str = "",
    graph_helps: bool = False,
) -> Entry:
    """One SMTP reply; ``waiting`` is what to do about a temporary one while a person waits (a test mail)."""
    return Entry(
        key, title, cause, action, who, kind, match=pattern, en=en, action_waiting=waiting, graph_helps=graph_helps
    )


ENABLE_SMTP_AUTH = (
    "Im Microsoft 365 Admin Center → Benutzer → Aktive Benutzer → (Postfach) → E-Mail → E-Mail-Apps verwalten "
    "„Authentifiziertes SMTP“ einschalten, oder per PowerShell: Set-CASMailbox -Identity <Adresse> "
    "-SmtpClientAuthenticationDisabled $false. Ist es für die ganze Organisation aus, zusätzlich "
    "Set-TransportConfig -SmtpClientAuthenticationDisabled $false. Die Änderung kann bis zu einer Stunde brauchen."
)
OR_GRAPH = (
    " Oder im E-Mailkonto den Versandweg „automatisch“ oder „Microsoft Graph“ wählen: Microsoft Graph braucht kein "
    "SMTP AUTH."
)
USE_OAUTH = "Im E-Mailkonto „OAuth (Microsoft 365) verwenden“ wählen und bei Microsoft anmelden."
SEND_AS = (
    "Entweder als Inhaber*in dieser Adresse anmelden, oder der Microsoft-365-Admin erteilt dem angemeldeten Konto "
    "das Recht „Senden als“ (Send As) für die Adresse (Exchange Admin Center → Empfänger → Postfach → "
    "Delegierung); die Änderung kann bis zu einer Stunde brauchen."
)
SEND_AS_TITLE = "Senden als fremde Adresse nicht erlaubt"
RESTRICTED_SENDER = (
    "Der Microsoft-365-Admin prüft das Konto auf unbefugte Nutzung (Kennwort ändern, Sitzungen widerrufen) und "
    "gibt es im Microsoft Defender-Portal unter „Eingeschränkte Entitäten“ wieder frei."
)

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    # -- authentication (AUTH XOAUTH2) ---------------------------------------------------------------------------------
    smtp("535 5.7.139", r"SmtpClientAuthentication is disabled", "SMTP AUTH ist ausgeschaltet",
         "Für dieses Postfach (oder die ganze Organisation) ist „Authentifiziertes SMTP“ bei Microsoft "
         "ausgeschaltet; Programme wie cmxOrganize dürfen darüber nicht senden.",
         ENABLE_SMTP_AUTH + OR_GRAPH, M365_ADMIN, Kind.CONFIGURATION, "SMTP AUTH disabled for the mailbox or tenant",
         graph_helps=True),
    smtp("535 5.7.139", r"security defaults", "Durch Sicherheitsstandards blockiert",
         "Die Sicherheitsstandards (Security Defaults) Ihrer Organisation blockieren SMTP AUTH.",
         "Der Microsoft-365-Admin schaltet die Sicherheitsstandards ab und ersetzt sie durch Richtlinien für "
         "bedingten Zugriff, die SMTP AUTH für dieses Postfach erlauben." + OR_GRAPH,
         M365_ADMIN, Kind.CONFIGURATION, "Blocked by security defaults", graph_helps=True),
    smtp("535 5.7.139", r"did not meet the criteria", "Durch Richtlinie für bedingten Zugriff blockiert",
         "Eine Richtlinie Ihrer Organisation (bedingter Zugriff, z. B. nach Standort des Servers) lässt die "
         "Anmeldung am Mailserver nicht zu.",
         "Der Microsoft-365-Admin prüft die Anmeldeprotokolle des Kontos und nimmt den Server bzw. cmxOrganize von der "
         "Richtlinie aus.",
         M365_ADMIN, Kind.CONFIGURATION, "Blocked by a Conditional Access policy"),
    smtp("535 5.7.139", r"basic authentication is disabled", "Anmeldung mit Passwort abgeschaltet",
         "Microsoft nimmt für dieses Postfach keine Anmeldung mit Passwort mehr an.",
         USE_OAUTH, CMX_ADMIN, Kind.CONFIGURATION, "Password login disabled"),
    smtp("535 5.7.139", r"credentials were incorrect", "Passwort abgelehnt",
         "Der Mailserver hat Benutzername und Passwort abgelehnt; Microsoft 365 nimmt Passwörter für SMTP ohnehin "
         "nur noch ausnahmsweise an.",
         USE_OAUTH, CMX_ADMIN, Kind.CONFIGURATION, "Password refused"),
    smtp("535 5.7.139", r"account locked|locked out", "Konto gesperrt",
         "Microsoft hat das Konto für die Anmeldung am Mailserver gesperrt.",
         "Der Microsoft-365-Admin prüft und entsperrt das Konto (Aktive Benutzer → Anmeldung blockiert); danach "
         "„E-Mailkonto testen“.",
         M365_ADMIN, Kind.CONFIGURATION, "Account locked"),
    smtp("535 5.7.139", r"5\.7\.139", "Anmeldung am Mailserver durch Richtlinie abgelehnt",
         "Eine Einstellung Ihrer Organisation bei Microsoft lässt die Anmeldung am Mailserver nicht zu.",
         "Der Microsoft-365-Admin prüft, ob „Authentifiziertes SMTP“ für das Postfach eingeschaltet ist und keine "
         "Richtlinie die Anmeldung blockiert.",
         M365_ADMIN, Kind.CONFIGURATION, "SMTP authentication refused by policy"),
    # Also when a client went on after the refusal: "530 5.7.57 Client not authenticated to send mail. Error: 535
    # 5.7.3 Authentication unsuccessful" names the real cause after "Error:".
    smtp("535 5.7.3", r"(^|Error: )535 5\.7\.3\b", "Anmeldung am Mailserver abgelehnt",
         "Microsoft hat die Anmeldung am Mailserver abgelehnt, obwohl die Anmeldung bei Microsoft gültig ist. "
         "Häufige Ursachen: Das angemeldete Konto hat kein Exchange-Online-Postfach (Lizenz fehlt, Postfach noch nicht "
         "bereit oder ein Gastkonto), der Berechtigung „SMTP.Send“ wurde nicht zugestimmt, oder es wurde mit einem "
         "anderen Konto angemeldet als dem des Postfachs.",
         "Im E-Mailkonto erneut bei Microsoft anmelden – mit dem Konto, dem das Postfach gehört; bleibt es, prüft der "
         "Microsoft-365-Admin Postfach, Lizenz und die Berechtigung SMTP.Send der App.",
         CMX_ADMIN, Kind.CONFIGURATION, "SMTP authentication refused"),
    smtp("504 5.7.4", r"5\.7\.4\b|Unrecognized authentication type", "Anmeldeverfahren nicht angeboten",
         "Der Mailserver bietet die Anmeldung mit OAuth (XOAUTH2) auf dieser Verbindung nicht an – bei Microsoft "
         "meist, weil „Authentifiziertes SMTP“ für die Organisation ausgeschaltet ist.",
         ENABLE_SMTP_AUTH, M365_ADMIN, Kind.CONFIGURATION, "Authentication mechanism not offered"),
    smtp("501 5.5.124", r"5\.5\.124|Invalid XOAUTH2", "Anmeldedaten unlesbar",
         "Der Mailserver konnte die Anmeldedaten (XOAUTH2) nicht lesen.",
         "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
         SUPPORT, Kind.BUG, "XOAUTH2 data invalid (bug)"),
    smtp("550 5.7.30", r"5\.7\.30\b|Basic authentication is not supported for Client Submission",
         "Anmeldung mit Passwort abgeschaltet",
         "Microsoft nimmt für dieses Postfach keine Anmeldung mit Passwort mehr an.",
         USE_OAUTH, CMX_ADMIN, Kind.CONFIGURATION, "Password login disabled"),
    smtp("530 5.7.57", r"5\.7\.57\b|not authenticated to send|Unable to relay", "Nicht angemeldet gesendet",
         "cmxOrganize hat ohne Anmeldung zu senden versucht.",
         "Bitte den cmxKonzepte-Support verständigen.",
         SUPPORT, Kind.BUG, "Sent without authentication (bug)"),
    smtp("530 5.7.1", r"5\.7\.1\b.*Client was not authenticated", "Nicht angemeldet gesendet",
         "cmxOrganize hat ohne Anmeldung zu senden versucht.",
         "Bitte den cmxKonzepte-Support verständigen.",
         SUPPORT, Kind.BUG, "Sent without authentication (bug)"),
    smtp("454 4.7.0", r"^454\b", "Anmeldung vorübergehend nicht möglich",
         "Der Mailserver konnte die Anmeldung gerade nicht prüfen.",
         "Nichts – cmxOrganize versucht es später erneut.",
         CMX_ADMIN, Kind.TEMPORARY, "Temporary authentication failure"),
    # -- the sender ----------------------------------------------------------------------------------------------------
    smtp("550 5.7.60", r"5\.7\.60\b|permissions to send as this sender", SEND_AS_TITLE,
         "Das angemeldete Konto darf nicht mit der Absenderadresse dieses E-Mailkontos senden.",
         SEND_AS, M365_ADMIN, Kind.CONFIGURATION, "Send As not permitted"),
    smtp("554 5.2.252", r"SendAsDenied|5\.2\.252\b|not allowed to send as", SEND_AS_TITLE,
         "Das angemeldete Konto darf nicht mit der Absenderadresse dieses E-Mailkontos senden.",
         SEND_AS, M365_ADMIN, Kind.CONFIGURATION, "Send As not permitted"),
    # 5.1.8 comes both from Microsoft's spam detection and from the organisation's own outbound spam policy: when a
    # user passes its RecipientLimitExternalPerHour/…InternalPerHour/…PerDay and ActionWhenThresholdReached is
    # BlockUser ("Prevent the user from sending email messages") or BlockUserForToday (the default, "until the
    # following day"; office-docs-powershell Set-HostedOutboundSpamFilterPolicy.md). The NDR then reads "Your message
    # couldn't be delivered because you weren't recognized as a valid sender. … Remote Server returned '550 5.1.8
    # Access denied, bad outbound sender'" (MicrosoftDocs/OfficeDocs-o365seccomp#643; the same text after an hourly
    # policy limit: blog.ciaops.com, 2021-03).
    smtp("550 5.1.8", r"5\.1\.8\b|bad outbound sender|recognized as a valid sender", "Konto für den Versand gesperrt",
         "Microsoft hat das Postfach für den Versand gesperrt (eingeschränkte Entität): entweder weil darüber Spam "
         "verschickt wurde – oft nach einem Missbrauch des Kontos –, oder weil es die Sendelimits der "
         "Ausgangs-Spamfilterrichtlinie Ihrer Organisation überschritten hat (z. B. Empfänger pro Stunde) und die "
         "Richtlinie den Benutzer dann sperrt.",
         RESTRICTED_SENDER + " Hat die Ausgangs-Spamfilterrichtlinie gesperrt, hebt Microsoft eine Sperre „bis zum "
         "nächsten Tag“ von selbst auf; damit es nicht wieder geschieht, die Limits der Richtlinie erhöhen oder in "
         "cmxOrganize die Sendelimits des E-Mailkontos darunter einstellen.",
         M365_ADMIN, Kind.CONFIGURATION, "Account restricted from sending (spam or outbound spam policy)"),
    # Sources disagree on 5.7.511 "Access denied, banned sender": the 2021 NDR table (OfficeDocs-Exchange) says "The
    # account you are attempting to send from has been banned", the current one (SupportArticles-docs
    # non-delivery-reports-in-exchange-online.md) "The IP that you're attempting to send from has been banned … email
    # delist@microsoft.com": the current page is followed. Without the code, "banned sender" means 5.7.502/503 (below).
    smtp("550 5.7.511", r"5\.7\.511\b", "Adresse des Servers gesperrt",
         "Microsoft nimmt von der IP-Adresse, über die cmxOrganize sendet, keine Mails mehr an (gesperrter Absender).",
         "Der IT-Admin lässt die Adresse entsperren (über https://sender.office.com oder per Mail an "
         "delist@microsoft.com mit der vollständigen Meldung und der IP-Adresse) und prüft, ob der Server missbraucht "
         "wurde.",
         CMX_ADMIN, Kind.CONFIGURATION, "Sending IP address banned"),
    smtp("550 5.7.501", r"5\.7\.50[123]\b|spam abuse detected|banned sender", "Konto für den Versand gesperrt",
         "Microsoft hat das Konto wegen erkannter Spam-Versendung gesperrt.",
         RESTRICTED_SENDER + " Bleibt die Sperre, hilft der Microsoft-Support.",
         M365_ADMIN, Kind.CONFIGURATION, "Account banned for spam"),
    smtp("550 5.7.705", r"5\.7\.70[0-9]\b|5\.7\.7[1-4][0-9]\b|tenant has exceeded threshold|traffic not accepted",
         "Versand der Organisation gesperrt",
         "Microsoft hat den Versand für Ihre ganze Organisation gesperrt, weil zu viel verdächtiger Verkehr erkannt "
         "wurde (oder, selten, nach einem abgelaufenen Abonnement; bei neuen Organisationen auch wegen geringer "
         "Reputation).",
         "Der Microsoft-365-Admin beseitigt die Ursache (kompromittierte Konten, offene Relays) und wendet sich an den "
         "Microsoft-Support, um die Sperre aufheben zu lassen.",
         M365_ADMIN, Kind.CONFIGURATION, "Tenant blocked from sending"),
    smtp("550 5.7.750", r"5\.7\.750\b|unregistered domain", "Absenderdomain nicht registriert",
         "Die Absenderadresse gehört zu einer Domain, die in Ihrer Microsoft-365-Organisation nicht eingetragen und "
         "bestätigt ist.",
         "Der Microsoft-365-Admin fügt die Domain im Microsoft 365 Admin Center (Einstellungen → Domänen) hinzu und "
         "bestätigt sie, oder im E-Mailkonto eine Adresse einer bestätigten Domain verwenden.",
         M365_ADMIN, Kind.CONFIGURATION, "Sending from an unregistered domain"),
    smtp("550 5.7.606", r"5\.7\.6[0-4][0-9]\b|banned sending IP", "Adresse des Servers gesperrt",
         "Microsoft nimmt von der IP-Adresse des cmxOrganize-Servers keine Mails an.",
         "Der IT-Admin lässt die Adresse über https://sender.office.com entsperren und prüft, ob der Server "
         "missbraucht wurde.",
         CMX_ADMIN, Kind.CONFIGURATION, "Server IP address banned"),
    smtp("550 5.1.0", r"5\.1\.0\b.*Sender denied|5\.1\.7\b", "Absenderadresse abgelehnt",
         "Der Mailserver hat die Absenderadresse des E-Mailkontos nicht angenommen.",
         "Im E-Mailkonto die E-Mailadresse prüfen (die Adresse des Postfachs bei Microsoft 365).",
         CMX_ADMIN, Kind.CONFIGURATION, "Sender address refused"),
    # -- limits --------------------------------------------------------------------------------------------------------
    # The Tenant External Recipient Rate Limit (TERRL, enforced since April/May 2025: 500 × licences^0.7 + 9,500
    # external recipients per rolling 24 hours for the whole tenant, 5,000 for trial tenants; Exchange Team blog
    # "Introducing Exchange Online Tenant Outbound Email Limits", 2025-02-24). The NDR table (SupportArticles-docs,
    # ms.date 01/07/2026) words it "Your message can't be sent because your tenant exceeded its daily limit for
    # sending email to external recipients (tenant external recipient rate limit)", 5.7.232 "… your trial tenant has
    # exceeded …"; a real NDR says "your tenant has exceeded" ("Remote server returned '550 5.7.233 - Your message
    # can't be sent because your tenant has exceeded its daily limit …'", learn.microsoft.com/answers/questions/
    # 5835651). Whether Exchange also refuses at submission (not only by NDR) is not documented.
    smtp("550 5.7.232", r"5\.7\.232\b|trial tenant has exceeded its daily limit",
         "Tageslimit der Testversion für externe Empfänger erreicht",
         "Ihre Microsoft-365-Organisation ist eine Testversion und hat in den letzten 24 Stunden Mails an mehr externe "
         "Empfänger geschickt, als Microsoft Testversionen erlaubt (5.000). Es zählen alle Postfächer und Programme "
         "der Organisation zusammen, nicht nur cmxOrganize.",
         "Nichts – die Mails warten und gehen hinaus, sobald die Zahl der letzten 24 Stunden unter das Limit fällt. "
         "Dauerhaft hilft nur, das Abonnement von der Testversion auf ein bezahltes umzustellen (Microsoft-365-Admin).",
         M365_ADMIN, Kind.TEMPORARY, "Trial tenant's daily limit for external recipients reached",
         waiting="Die Testmail später noch einmal senden; wartende Mails gehen hinaus, sobald das Limit der "
         "Organisation es zulässt."),
    smtp("550 5.7.233", r"5\.7\.233\b|exceeded its daily limit for sending email to external recipients|"
                        r"tenant external recipient rate limit",
         "Tageslimit Ihrer Organisation für externe Empfänger erreicht",
         "Ihre ganze Microsoft-365-Organisation hat in den letzten 24 Stunden Mails an mehr externe Empfänger "
         "geschickt, als Microsoft ihr erlaubt (die Grenze hängt von der Zahl der Lizenzen ab und beginnt bei "
         "10.000). Es zählen alle Postfächer und Programme der Organisation zusammen, nicht nur cmxOrganize.",
         "Nichts – die Mails warten und gehen hinaus, sobald die Zahl der letzten 24 Stunden unter das Limit fällt. "
         "Geschieht es öfter, prüft der Microsoft-365-Admin im Exchange Admin Center unter Berichte → "
         "Nachrichtenfluss, wer so viel nach außen sendet; mehr erlauben nur mehr Lizenzen.",
         M365_ADMIN, Kind.TEMPORARY, "Tenant's daily limit for external recipients reached",
         waiting="Die Testmail später noch einmal senden; wartende Mails gehen hinaus, sobald das Limit der "
         "Organisation es zulässt."),
    smtp("554 5.2.0", r"SubmissionQuotaExceeded|submission quota|5\.1\.90\b|daily limit for message recipients",
         "Sendelimit erreicht",
         "Das Postfach hat ein Sendelimit von Microsoft erreicht (10.000 Empfänger in 24 Stunden bzw. 30 Mails pro "
         "Minute).",
         "Nichts – die Mails bleiben in der Warteschlange und gehen hinaus, sobald das Limit es zulässt. Bei "
         "regelmäßig großen Mengen mehrere Postfächer verwenden.",
         CMX_ADMIN, Kind.TEMPORARY, "Sending limit reached",
         waiting="Die Testmail später noch einmal senden; wartende Mails gehen hinaus, sobald das Limit es zulässt. "
         "Bei regelmäßig großen Mengen mehrere Postfächer verwenden."),
    smtp("432 4.3.2", r"4\.3\.2\b.*(thread limit|concurrent connection)|sender thread limit|"
                      r"concurrent connections limit exceeded", "Zu viele gleichzeitige Verbindungen",
         "Microsoft erlaubt je Postfach höchstens drei gleichzeitige Verbindungen.",
         "Nichts – die Mail geht mit dem nächsten Versuch hinaus.",
         CMX_ADMIN, Kind.TEMPORARY, "Too many concurrent connections"),
    smtp("451 4.7.500", r"4\.7\.[5-6][0-9][0-9]\b|4\.7\.8[5-9][0-9]\b|Access denied, please try again later",
         "Versand vorübergehend eingeschränkt",
         "Microsoft hat den Versand wegen auffälliger Aktivität vorübergehend eingeschränkt, um ihn zu prüfen.",
         "Nichts – ist der Versand in Ordnung, hebt Microsoft die Einschränkung bald auf; die Mails werden erneut "
         "gesendet.",
         CMX_ADMIN, Kind.TEMPORARY, "Sending temporarily restricted",
         waiting="Später noch einmal versuchen; ist der Versand in Ordnung, hebt Microsoft die Einschränkung bald "
         "auf."),
    smtp("554 5.2.2", r"mailbox full|QuotaExceededException|ShutoffQuota", "Postfach voll",
         "Das Postfach ist voll; Microsoft legt jede gesendete Mail in „Gesendete Elemente“ ab und nimmt deshalb keine "
         "mehr an.",
         "Im Postfach Platz schaffen (z. B. „Gesendete Elemente“ leeren oder archivieren), oder der "
         "Microsoft-365-Admin vergrößert das Postfach.",
         USER, Kind.CONFIGURATION, "Mailbox full"),
    # -- the message ---------------------------------------------------------------------------------------------------
    smtp("552 5.3.4", r"MaxSubmissionExceeded|message size exceeds|5\.3\.4\b.*(message|size)",
         "Mail zu groß",
         "Die Mail ist größer, als Microsoft für dieses Postfach annimmt (meist 35 MB einschließlich der Anhänge, die "
         "beim Senden um etwa ein Drittel wachsen).",
         "Die Anhänge verkleinern oder einen Link zum Herunterladen statt des Anhangs senden.",
         SENDER, Kind.MESSAGE, "Message too large"),
    smtp("552 5.3.4", r"Header size exceeds", "Kopfzeilen zu groß",
         "Die Kopfzeilen der Mail sind größer, als Microsoft annimmt (z. B. sehr viele Empfänger in An/Cc).",
         "Die Mail auf mehrere Mails mit weniger Empfängern aufteilen.",
         SENDER, Kind.MESSAGE, "Header too large"),
    smtp("452 4.5.3", r"4\.5\.3\b|5\.5\.3\b|Too many recipients", "Zu viele Empfänger",
         "Die Mail hat mehr Empfänger, als Microsoft in einer Mail annimmt (höchstens 500).",
         "Die Mail auf mehrere Mails mit weniger Empfängern aufteilen (z. B. einen Serienversand statt einer Mail "
         "an alle).",
         SENDER, Kind.MESSAGE, "Too many recipients"),
    smtp("550 5.1.1", r"5\.1\.(1|3|10)\b|5\.5\.0\b.*mailbox unavailable|Recipient address rejected|"
                      r"5\.7\.50[45]\b|Recipient not found|Bad destination",
         "Empfänger abgelehnt",
         "Die Empfängeradresse gibt es nicht oder sie nimmt keine Mails an (Tippfehler, gelöschtes Postfach).",
         "Die Empfängeradresse prüfen und die Mail neu senden.",
         SENDER, Kind.MESSAGE, "Recipient refused"),
    smtp("550 5.7.124", r"5\.7\.(12|13|124|129|133|134|135|136)\b|Delivery not authorized|not authenticated for",
         "Empfänger nimmt von diesem Absender nichts an",
         "Der Empfänger (oft eine Gruppe oder Verteilerliste) nimmt nur Mails von bestimmten Absendern an.",
         "Die Inhaber*in der Gruppe bzw. der Admin der Empfängerseite erlaubt den Absender; sonst einen anderen "
         "Empfänger wählen.",
         SENDER, Kind.MESSAGE, "Recipient does not accept this sender"),
    smtp("550 5.7.509", r"5\.7\.(509|515|23)\b|DMARC|Sender Policy Framework",
         "Absenderdomain nicht ausreichend authentifiziert",
         "Der Empfänger lehnt die Mail ab, weil die Absenderdomain SPF, DKIM oder DMARC nicht besteht.",
         "Der Microsoft-365-Admin richtet für die Absenderdomain SPF, DKIM und DMARC im DNS ein (Microsoft Defender → "
         "E-Mail-Authentifizierung).",
         M365_ADMIN, Kind.MESSAGE, "Sender domain fails SPF/DKIM/DMARC"),
    smtp("550 5.2.121", r"5\.2\.12[12]\b|receive limit", "Empfänger erhält zu viele Mails",
         "Der Empfänger hat sein Limit für eingehende Mails pro Stunde erreicht.",
         "Die Mail später erneut senden.",
         SENDER, Kind.MESSAGE, "Recipient receive limit"),
    smtp("550 5.6.11", r"5\.6\.(0|11)\b|Invalid characters|Corrupt message content|5\.7\.512\b|RFC 5322",
         "Mail fehlerhaft aufgebaut",
         "Microsoft hat die Mail wegen ihres Aufbaus abgelehnt (ungültige Zeichen oder Absenderzeile).",
         "Bitte den cmxKonzepte-Support mit dem Code verständigen.",
         SUPPORT, Kind.BUG, "Malformed message (bug)"),
    smtp("554 5.4.14", r"5\.4\.(6|14)\b|Routing loop", "Weiterleitungsschleife",
         "Die Mail ist in einer Weiterleitungsschleife hängen geblieben (Regeln oder Weiterleitungen beim Empfänger).",
         "Weiterleitungsregeln beim Empfänger prüfen lassen.",
         SENDER, Kind.MESSAGE, "Routing loop"),
    # NDR table (SupportArticles-docs): 5.7.507 "Access denied, rejected by recipient", 5.7.513 "… blocked by
    # $recipientDomain using Customer Block list", 5.0.350 a generic refusal of the recipient's organisation,
    # 5.4.300 "Message expired", 5.4.8/5.7.5 MTA-STS and 5.7.321…5.7.325 DANE/TLS failures of the recipient's server.
    smtp("550 5.7.507", r"5\.7\.(507|513)\b|rejected by recipient|using Customer Block list",
         "Empfängerorganisation blockiert den Absender",
         "Die Organisation des Empfängers hat Mails von diesem Absender oder Server gesperrt.",
         "Den Empfänger auf anderem Weg bitten, die Sperre aufzuheben; andere Mails gehen weiter.",
         SENDER, Kind.MESSAGE, "Blocked by the recipient's organisation"),
    smtp("550 5.0.350", r"5\.0\.350\b", "Empfängerorganisation hat die Mail abgelehnt",
         "Die Organisation des Empfängers hat die Mail mit einem allgemeinen Fehler abgelehnt (z. B. wegen einer "
         "eigenen Regel oder verschachtelter Anhänge).",
         "Die Meldung an den Empfänger bzw. dessen Admin weitergeben; andere Mails gehen weiter.",
         SENDER, Kind.MESSAGE, "Refused by the recipient's organisation"),
    smtp("550 5.4.300", r"5\.4\.300\b|^5\d\d 5\.\d\.\d+ Message expired", "Zustellung aufgegeben",
         "Der Server des Empfängers war zu lange nicht erreichbar; Microsoft hat die Zustellung aufgegeben.",
         "Die Empfängeradresse prüfen und die Mail später erneut senden.",
         SENDER, Kind.MESSAGE, "Delivery expired"),
    smtp("550 5.7.321", r"5\.7\.32[1-5]\b|5\.4\.8\b|5\.7\.5\b.*MTA-STS|failed MTA-STS validation|failed DANE",
         "Server des Empfängers nicht sicher erreichbar",
         "Der Server des Empfängers verlangt eine gesicherte Verbindung (DANE bzw. MTA-STS), die nicht zustande kam "
         "– meist ein Fehler in der Einrichtung beim Empfänger.",
         "Den Empfänger bzw. dessen Admin verständigen; andere Mails gehen weiter.",
         SENDER, Kind.MESSAGE, "Recipient's server failed DANE/MTA-STS"),
    # -- the connection ------------------------------------------------------------------------------------------------
    smtp("421 4.7.66", r"4\.7\.66\b|TLS 1\.0 and 1\.1", "Veraltete Verschlüsselung",
         "Microsoft verlangt TLS 1.2 oder neuer.",
         "Bitte den cmxKonzepte-Support verständigen (Server-Konfiguration).",
         SUPPORT, Kind.BUG, "Outdated TLS"),
    smtp("421 4.3.2", r"^4\d\d (4\.3\.[0-2]|4\.4\.\d+|4\.7\.[03])\b|Temporary server error|try again later|"
                      r"Service not available|Insufficient system resources|queue quota",
         "Mailserver vorübergehend nicht bereit",
         "Der Mailserver von Microsoft hat die Mail vorübergehend nicht angenommen.",
         "Nichts – cmxOrganize versucht es später erneut.",
         CMX_ADMIN, Kind.TEMPORARY, "Mail server temporarily unavailable"),
)
# fmt: on

# Exchange's words where no SMTP code came with them: a non-delivery report's text as people copy it ("Your message
# couldn't be delivered because …"), a reply a library shortened, a line of a log. Each names the reply whose entry
# explains it (that entry's own pattern picks among entries sharing a code). Case-insensitive; the first that matches
# wins. The wordings are the NDR table's and those of the threads named at the entries above;
# "recognized as a valid sender" also in a code-less NDR of MicrosoftDocs/microsoft-365-docs#12957.
NDR_TEXTS: tuple[tuple[str, str], ...] = (
    (r"SmtpClientAuthentication is disabled", "535 5.7.139"),
    (r"locked by your organization's security defaults policy", "535 5.7.139"),
    (r"did not meet the criteria to be authenticated", "535 5.7.139"),
    (r"Client does not have permissions to send as this sender", "550 5.7.60"),
    (r"SendAsDenied|not allowed to send as", "554 5.2.252"),
    (r"recognized as a valid sender|bad outbound sender", "550 5.1.8"),
    (r"spam abuse detected|banned sender", "550 5.7.501"),
    (r"tenant has exceeded threshold|traffic not accepted from this IP", "550 5.7.705"),
    (r"blocked from sending from unregistered domains?", "550 5.7.750"),
    (r"trial tenant has exceeded its daily limit", "550 5.7.232"),
    (r"exceeded its daily limit for sending email to external recipients", "550 5.7.233"),
    (r"daily limit for message recipients|submission quota was exceeded|SubmissionQuotaExceeded", "554 5.2.0"),
    (r"sender thread limit exceeded|Concurrent connections limit exceeded", "432 4.3.2"),
    (r"mailbox full|MapiExceptionShutoffQuotaExceeded|MapiExceptionQuotaExceeded", "554 5.2.2"),
    (r"MaxSubmissionExceeded|Message size exceeds", "552 5.3.4"),
)
