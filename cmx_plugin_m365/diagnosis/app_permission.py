"""Refusals on the way to sending with the app's own permission (issue 24: a functional mailbox, no person signs in).

Exchange Online answers every missing piece of an app-only SMTP AUTH with the same ``535 5.7.3 Authentication
unsuccessful`` — the permission not granted or not consented, the service principal not registered in Exchange (or
registered with the app registration's object ID instead of the enterprise application's), no mailbox permission
(jstedfast/MailKit#1126: an app with SMTP.SendAsApp, "S: 535 5.7.3 Authentication unsuccessful"; jstedfast/MailKit#1733:
a client-credentials token "missing the scp field", 535 5.7.3 with a timestamped tail). The plugin tells them apart
where it can: it reads the ``roles`` claim of its own token (entra-docs ``access-token-claims-reference.md``: roles are
"the set of permissions … the requesting application … has been given permission to call"; absent when none is
granted), so "no roles" is the missing consent and "roles but 5.7.3" is Exchange's part. The steps are Microsoft's
("Authenticate an IMAP, POP or SMTP connection using OAuth", office-developer-exchange-docs
``docs/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth.md``: SMTP.SendAsApp, admin
consent, ``New-ServicePrincipal -AppId <APPLICATION_ID> -ObjectId <OBJECT_ID>`` with the object ID "from the Overview
page of the Enterprise Application node", ``Add-MailboxPermission … -AccessRights FullAccess``).

Graph: Mail.Send as an application permission reaches every mailbox unless narrowed; RBAC for Applications in
Exchange Online replaces application access policies, and its grants add to Entra's (graph-docs-contrib
``concepts/auth-limit-mailbox-access.md``; learn.microsoft.com/exchange/permissions-exo/application-rbac). An access
outside the narrowing is ``403 ErrorAccessDenied`` "Access to OData is disabled." (microsoftgraph/
microsoft-graph-docs-contrib#8731: exactly that after New-ApplicationAccessPolicy for a shared mailbox not in the scope
group; microsoft/MHA#49). Send As for another address than the mailbox: ``550 5.7.60`` as for a person, fixed with
``Add-RecipientPermission -Trustee <service principal> -AccessRights SendAs`` (office-docs-powershell
Add-RecipientPermission.md).
"""

from __future__ import annotations

from .model import M365_ADMIN, Entry, Kind

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    Entry("app:no-role", "App-Berechtigung SMTP.SendAsApp fehlt oder ist nicht erteilt",
          "Microsoft hat cmxOrganize ein Zugangstoken der App ausgestellt, aber ohne Anwendungsberechtigung für den "
          "Versand (im Token fehlt „roles“ mit SMTP.SendAsApp). Exchange lehnt die Anmeldung am Mailserver deshalb ab "
          "(535 5.7.3).",
          "In Microsoft Entra → App-Registrierungen → cmxOrganize → API-Berechtigungen → Berechtigung hinzufügen → "
          "„Office 365 Exchange Online“ → Anwendungsberechtigungen → SMTP.SendAsApp wählen und danach „Administrator"
          "zustimmung erteilen“. Dann im E-Mailkonto „App-Berechtigung testen“.",
          M365_ADMIN, Kind.CONFIGURATION, en="Application permission SMTP.SendAsApp missing or not consented",
          admin_consent=True),
    Entry("app:exchange", "Exchange kennt die App für dieses Postfach noch nicht",
          "Das Zugangstoken der App enthält die Berechtigung SMTP.SendAsApp, doch Exchange Online lehnt die Anmeldung "
          "für dieses Postfach ab (535 5.7.3). Dann fehlt einer der einmaligen Schritte in Exchange: der "
          "Dienstprinzipal der App ist nicht registriert (New-ServicePrincipal; oft mit der Objekt-ID der "
          "App-Registrierung statt der Unternehmensanwendung), oder er hat keinen Vollzugriff auf das Postfach "
          "(Add-MailboxPermission).",
          "Der Exchange-Admin führt die Zeilen aus, die cmxOrganize im E-Mailkonto unter „App-Berechtigung“ anzeigt "
          "(Exchange Online PowerShell, Connect-ExchangeOnline), genau mit den dort stehenden IDs; danach "
          "„App-Berechtigung testen“. Änderungen in Exchange brauchen manchmal einige Minuten.",
          M365_ADMIN, Kind.CONFIGURATION, en="The app is not registered in Exchange or has no mailbox permission"),
    Entry("app:send-as", "App darf nicht als diese Adresse senden",
          "Die Mail soll mit einer anderen Adresse als der des Postfachs gesendet werden; dafür braucht der "
          "Dienstprinzipal der App das Recht „Senden als“ für diese Adresse (550 5.7.60).",
          "Der Exchange-Admin gibt es mit Add-RecipientPermission -Identity <Adresse> -Trustee <Dienstprinzipal> "
          "-AccessRights SendAs (die Zeile steht im E-Mailkonto unter „App-Berechtigung“), oder das E-Mailkonto "
          "verwendet die Adresse des Postfachs selbst.",
          M365_ADMIN, Kind.CONFIGURATION, en="The app may not send as this address"),
    Entry("app:graph-no-role", "App darf über Microsoft Graph nicht senden",
          "Microsoft Graph lehnt den Versand mit dem Zugangstoken der App ab (403 ErrorAccessDenied): die App hat "
          "für dieses Postfach keine Rolle „Application Mail.Send“ in Exchange (RBAC für Anwendungen).",
          "Der Exchange-Admin führt die Zeilen zur Eingrenzung aus, die im E-Mailkonto unter „App-Berechtigung“ "
          "stehen (New-ManagementScope, New-ManagementRoleAssignment -Role 'Application Mail.Send'). Mail.Send "
          "nicht zusätzlich in Entra als Anwendungsberechtigung erteilen: die gälte für jedes Postfach.",
          M365_ADMIN, Kind.CONFIGURATION, en="The app may not send over Graph"),
    Entry("app:graph-scope", "Postfach liegt außerhalb der Eingrenzung der App",
          "Microsoft Graph verweigert der App den Zugriff auf dieses Postfach (403 ErrorAccessDenied, „Access to "
          "OData is disabled.“): die Eingrenzung in Exchange (RBAC für Anwendungen oder eine "
          "Anwendungszugriffsrichtlinie) schließt es aus.",
          "Der Exchange-Admin nimmt das Postfach in den Bereich der App auf (New-ManagementScope bzw. die Gruppe der "
          "Richtlinie; die Zeilen stehen im E-Mailkonto). Änderungen wirken oft erst nach bis zu einer Stunde.",
          M365_ADMIN, Kind.CONFIGURATION, en="Mailbox outside the app's scope"),
    Entry("app:graph-unscoped", "App darf über Graph als ein Postfach außerhalb der Eingrenzung senden",
          "Microsoft Graph hat eine Testmail der App als ein Postfach angenommen, das nach Ihrer Angabe außerhalb "
          "der Eingrenzung liegt. Die Anwendungsberechtigung Mail.Send reicht damit an jedes Postfach der "
          "Organisation. Berechtigungen aus Entra und aus Exchange zählen zusammen: ist Mail.Send in Entra für die "
          "App erteilt, hebt das die Eingrenzung auf.",
          "Der Microsoft-365-Admin entfernt Mail.Send (Anwendung) in Entra bei der App und lässt die Eingrenzung in "
          "Exchange allein gelten (New-ManagementRoleAssignment, die Zeilen stehen im E-Mailkonto); bis dahin sendet "
          "cmxOrganize für dieses E-Mailkonto nicht über Microsoft Graph.",
          M365_ADMIN, Kind.CONFIGURATION, en="The app can send as a mailbox outside its scope over Graph"),
)
# fmt: on
