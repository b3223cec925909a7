"""The app's own permission for a functional mailbox (issue 24): no person signs in.

The account sends with the client-credentials grant — the app's certificate (or secret), scope
``https://outlook.office365.com/.default`` (the configured cloud's), XOAUTH2 ``user=`` the mailbox's address — after
the Exchange admin registered the app's service principal in Exchange and gave it the mailbox ("Authenticate an IMAP,
POP or SMTP connection using OAuth", office-developer-exchange-docs
``docs/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth.md``, section "Use client
credentials grant flow to authenticate SMTP, IMAP and POP connections": application permission ``SMTP.SendAsApp``,
admin consent, ``New-ServicePrincipal -AppId <APPLICATION_ID> -ObjectId <OBJECT_ID>`` — "use the OBJECT_ID from the
Overview page of the Enterprise Application node … If you use the OBJECT_ID from the App Registrations node, you'll
get an error" — and ``Add-MailboxPermission -Identity <mailbox> -User <SERVICE_PRINCIPAL_ID> -AccessRights
FullAccess``). Another sender address needs Send As (``Add-RecipientPermission -Identity <address> -Trustee
<SERVICE_PRINCIPAL_ID> -AccessRights SendAs``, office-docs-powershell Add-RecipientPermission.md).

The IDs shown are the real ones: the app's client ID, and the enterprise application's object ID read from the
app's own token (``oid`` of an app-only token is the service principal's object ID, entra-docs
access-token-claims-reference.md) — so the admin never has to find the right one of the two object IDs.

Graph (``/users/{mailbox}/sendMail`` with an app token): Mail.Send as an application permission reaches every
mailbox unless narrowed. Microsoft recommends RBAC for Applications in Exchange Online and calls application access
policies its predecessor ("Role Based Access Control for Applications in Exchange Online",
learn.microsoft.com/exchange/permissions-exo/application-rbac: ``New-ManagementScope``,
``New-ManagementRoleAssignment -App <ServicePrincipal> -Role "Application Mail.Send" -CustomResourceScope <scope>``,
``Test-ServicePrincipalAuthorization``; graph-docs-contrib ``concepts/auth-limit-mailbox-access.md`` points there).
RBAC grants add to what Entra consented: the narrowing holds only when Mail.Send is *not* also consented in Entra for
the app (the same page, "permissions … granted in Microsoft Entra ID … are additive"). The plugin cannot see the
narrowing; it is offered only once the admin confirms it, and a send for an address outside it (if the admin names
one) must be refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmx_hostapi import Host, MailError

from .. import identity, store, tokens
from ..config import Missing, Options, azure_app
from ..diagnosis import Finding, finding_of
from .flow import Outcome, send_test_mail


@dataclass(frozen=True)
class AppIdentity:
    client_id: str
    service_principal_id: str
    """The enterprise application's object ID: ``oid`` of the app's own token."""
    tenant_id: str
    roles: tuple[str, ...]
    """The application permissions the token carries for Exchange Online (``SMTP.SendAsApp`` once consented)."""


def app_identity(host: Host, *, fresh: bool = False) -> AppIdentity | Finding | None:
    """Who the app is in this tenant, read from its own token for Exchange Online; None when the app registration is
    not set up yet; a Finding when Microsoft refused the app's credential. ``fresh``: ask Microsoft now (a permission
    consented a minute ago is in a new token only)."""
    azure = azure_app(host)
    if isinstance(azure, Missing):
        return None
    options = Options.of(host)
    try:
        token = tokens.app_access_token(host, options.credentials_scope, force=fresh)
    except identity.MicrosoftError as error:
        return error.finding
    except MailError as error:
        return finding_of(error)
    claims = identity.token_claims(token)
    return AppIdentity(
        azure.client_id,
        str(claims.get("oid", "")),
        str(claims.get("tid", "")),
        tuple(claims.get("roles") or ()),
    )


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def exchange_lines(address: str, app: AppIdentity) -> list[tuple[str, str]]:
    """The Exchange admin's lines for this mailbox (Exchange Online PowerShell), with what each does."""
    mailbox = _quoted(address)
    return [
        ("1. Verbinden (Exchange-Admin)", "Connect-ExchangeOnline"),
        (
            "2. App in Exchange bekannt machen (einmal je Organisation)",
            f"New-ServicePrincipal -AppId {app.client_id} -ObjectId {app.service_principal_id} "
            "-DisplayName 'cmxOrganize'",
        ),
        (
            "3. Zugriff auf dieses Postfach",
            f"Add-MailboxPermission -Identity {mailbox} -User {app.service_principal_id} -AccessRights FullAccess",
        ),
        (
            "4. Senden als dieses Postfach",
            f"Add-RecipientPermission -Identity {mailbox} -Trustee {app.service_principal_id} -AccessRights SendAs "
            "-Confirm:$false",
        ),
    ]


def scope_name(address: str) -> str:
    return f"cmxOrganize {address}"


def graph_lines(address: str, app: AppIdentity) -> list[tuple[str, str]]:
    """RBAC for Applications: the app may send over Graph as this mailbox only (learn.microsoft.com/exchange/
    permissions-exo/application-rbac)."""
    scope = _quoted(scope_name(address))
    return [
        (
            "Bereich nur mit diesem Postfach",
            f"New-ManagementScope -Name {scope} -RecipientRestrictionFilter "
            f'"PrimarySmtpAddress -eq {_quoted(address)}"',
        ),
        (
            "Mail.Send für die App, nur in diesem Bereich",
            f"New-ManagementRoleAssignment -App {app.service_principal_id} -Role 'Application Mail.Send' "
            f"-CustomResourceScope {scope}",
        ),
        (
            "Prüfen (zeigt InScope True für dieses Postfach)",
            f"Test-ServicePrincipalAuthorization -Identity {app.service_principal_id} -Resource {_quoted(address)}",
        ),
    ]


def prove(host: Host, account_id: int) -> Outcome:
    """ "App-Berechtigung testen": the app's token, then a test mail to the mailbox itself — it decides, as after a
    sign-in. Success connects the account (no token cache, no refresh token); a refusal says what is missing."""
    account = host.mail_account(account_id)
    state = store.account_state(host, account_id)
    if account is None or state is None or not state.by_app:
        return Outcome(False, "error", "Dieses E-Mailkonto verwendet keine App-Berechtigung.", account_id)
    app = app_identity(host, fresh=True)  # a test asks Microsoft now, as "E-Mailkonto testen" does
    if app is None:
        return Outcome(
            False, "error", "Zuerst die Azure-Schnittstelle und die Einstellung TenantID einrichten.", account_id
        )
    if isinstance(app, Finding):
        return Outcome(
            False, "error", f"Microsoft gibt der App kein Zugangstoken. {app.message()}", account_id, app.code
        )
    store.set_app_mailbox(host, account_id, address=account.address, tenant_id=app.tenant_id, proven=False)
    outcome = send_test_mail(host, account_id)
    if not outcome.ok:
        return outcome
    store.set_app_mailbox(host, account_id, address=account.address, tenant_id=app.tenant_id, proven=True)
    store.add_event(
        host, "app_permission", f"App-Berechtigung für {account.address} nachgewiesen.", account_id=account_id
    )
    return Outcome(
        True,
        "success",
        f"App-Berechtigung funktioniert: {outcome.text} Für dieses E-Mailkonto meldet sich niemand an; cmxOrganize "
        "holt die Zugangstoken selbst mit dem Zertifikat bzw. dem geheimen Schlüssel der App.",
        account_id,
    )
