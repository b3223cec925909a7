"""The emulators' control surface: a JSON API for tests and benchmarks, and an HTML page for the demo.

Every operation is one function ``op(directory, args) -> dict`` in :data:`OPERATIONS`; the JSON API calls it as
``POST /_emulator/api/<op>`` with a JSON object, the page's forms as ``POST /_emulator/action``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable

from flask import Flask, jsonify, redirect, render_template, request

from .certificates import CertificateRefused
from .directory import CONSENT_POLICIES, GRAPH, Directory, DirectoryError, Fault
from .limits import SendingLimits


def _tenant(d: Directory, a: dict) -> dict:
    t = d.add_tenant(a["name"], a.get("domains"), a.get("id"))
    return {"id": t.id, "domains": t.domains}


def _app(d: Directory, a: dict) -> dict:
    app = d.add_app(
        a["tenant_id"],
        a["name"],
        a.get("redirect_uris"),
        multi_tenant=a.get("multi_tenant", False),
        client_id=a.get("client_id"),
    )
    if a.get("object_id"):
        app.object_id = a["object_id"]
    if a.get("service_principal_id"):
        app.service_principal_id = a["service_principal_id"]
    return {"client_id": app.client_id, "object_id": app.object_id, "service_principal_id": app.service_principal_id}


def _redirect_uris(d: Directory, a: dict) -> dict:
    from .directory import check_redirect_uri

    for uri in a["redirect_uris"]:
        check_redirect_uri(uri)
    d.app(a["client_id"]).redirect_uris = list(a["redirect_uris"])
    return {}


def _secret(d: Directory, a: dict) -> dict:
    s = d.add_secret(
        a["client_id"],
        days=a.get("days", 730),
        value=a.get("value"),
        description=a.get("description", ""),
        secret_id=a.get("id"),
    )
    return {"id": s.id, "value": s.value, "expires_at": s.expires_at.isoformat()}


def _expire_secret(d: Directory, a: dict) -> dict:
    d.expire_secret(a["client_id"], a["secret_id"])
    return {}


def _delete_secret(d: Directory, a: dict) -> dict:
    """Delete a secret by its ID, or (``value``) the secret with that value."""
    ids = (
        [a["secret_id"]] if "secret_id" in a else [s.id for s in d.app(a["client_id"]).secrets if s.value == a["value"]]
    )
    for secret_id in ids:
        d.delete_secret(a["client_id"], secret_id)
    return {}


def _certificate(d: Directory, a: dict) -> dict:
    """Upload a certificate (PEM, or base64/DER) to an app registration, as a person does in the portal."""
    try:
        key = d.add_certificate(a["client_id"], a["certificate"])
    except CertificateRefused as error:
        raise DirectoryError(str(error)) from None
    return _key(key)


def _key(key) -> dict:
    return {
        "key_id": key.key_id,
        "thumbprint": key.sha1,
        "start": key.start.isoformat(),
        "end": key.end.isoformat(),
        "added_by": key.added_by,
    }


def _delete_certificate(d: Directory, a: dict) -> dict:
    d.remove_certificate(a["client_id"], a["key_id"])
    return {}


def _certificates(d: Directory, a: dict) -> dict:
    return {"certificates": [_key(k) for k in d.app(a["client_id"]).certificates]}


def _user(d: Directory, a: dict) -> dict:
    u = d.add_user(
        a["tenant_id"],
        a["upn"],
        a.get("display_name", a["upn"]),
        a["password"],
        aliases=a.get("aliases"),
        mailbox=a.get("mailbox", True),
        mail=a.get("mail"),
        is_admin=bool(a.get("is_admin", False)),
        home_tenant=a.get("home_tenant"),
    )
    return {"oid": u.oid, "upn": u.upn, "mail": u.mail}


def _update_user(d: Directory, a: dict) -> dict:
    user = d.user(a["oid"])
    for name in ("disabled", "mfa_required", "blocked_by_conditional_access", "is_admin", "graph_step_up"):
        if name in a:
            setattr(user, name, a[name])
    if "password" in a:  # the user changes it themselves unless ``how`` says otherwise (user/password)
        d.change_password(user.oid, a["password"], a.get("how", "user"))
    return {}


def _password(d: Directory, a: dict) -> dict:
    """A new password, set ``how``: user, sspr, azure_portal, entra_admin_center, m365_admin_center
    (directory.PASSWORD_CHANGES: only the last two revoke a confidential client's refresh tokens)."""
    return {"revoked": d.change_password(a["oid"], a["password"], a["how"])}


def _revoke_user(d: Directory, a: dict) -> dict:
    d.revoke_user(a["oid"])
    return {}


def _user_roles(d: Directory, a: dict) -> dict:
    """Set a user's active directory roles (role template IDs, devhost.graph.directory_api.ROLES); [] for none."""
    d.user(a["oid"]).directory_roles = [str(r) for r in a.get("roles", [])]
    if not d.user(a["oid"]).directory_roles:
        d.user(a["oid"]).is_admin = False
    return {}


def _cli_login(d: Directory, a: dict, *, key, base_url: str) -> dict:
    """What ``az login`` leaves behind (Azure Cloud Shell: already signed in): a Graph access token of the Azure
    CLI's first-party app for this user. The emulator stands in for the sign-in itself; the stand-in ``az``
    (devhost.az_standin) sends this token exactly as ``az rest`` sends the one from its msal cache. The scopes are the
    Azure CLI's usual preauthorized ones; what the user may do is decided by their directory roles."""
    from .directory import App
    from .tokens import access_token

    user = d.user(a["oid"])
    cli = App(client_id="04b07795-8ddb-461a-bbee-02f9e1bf7b46", tenant_id=user.tenant_id, name="Microsoft Azure CLI")
    scopes = [
        f"{GRAPH}/{s}"
        for s in (
            "Application.ReadWrite.All",
            "AppRoleAssignment.ReadWrite.All",
            "DelegatedPermissionGrant.ReadWrite.All",
            "Directory.AccessAsUser.All",
            "User.Read",
        )
    ]
    token = access_token(
        key,
        base_url=base_url,
        resource=GRAPH,
        scopes=scopes,
        user=user,
        app=cli,
        tenant_id=user.tenant_id,
        now=d.clock.now(),
        lifetime=d.access_token_lifetime,
    )
    return {"access_token": token, "expires_in": d.access_token_lifetime, "tenant_id": user.tenant_id}


def _applications(d: Directory, a: dict) -> dict:
    """The app registrations of a tenant as the portal lists them (for tests: how many the script made)."""
    return {
        "applications": [
            {
                "client_id": x.client_id,
                "object_id": x.object_id,
                "name": x.name,
                "tags": x.tags,
                "redirect_uris": x.redirect_uris,
                "certificates": len(x.certificates),
                "service_principal": x.service_principal_id,
                "api_permissions": x.api_permissions,
                "tenant_consents": sorted(d.tenant_consents.get((x.tenant_id, x.client_id), set())),
                "app_roles": {r: sorted(v) for (t, c, r), v in d.app_role_grants.items() if c == x.client_id},
            }
            for x in d.apps.values()
            if x.tenant_id == a["tenant_id"]
        ]
    }


def _shared_mailbox(d: Directory, a: dict) -> dict:
    m = d.add_shared_mailbox(a["tenant_id"], a["address"], a.get("send_as", []))
    m.full_access.update(a.get("full_access", []))
    return {"address": m.address}


def _app_roles(d: Directory, a: dict) -> dict:
    """Application permissions added and consented by an admin (``resource_app_id``: Exchange Online's or Graph's
    appId, or the resource URL); ``roles`` empty revokes them."""
    from .directory import RESOURCE_APPS

    resource = a["resource_app_id"]
    resource = RESOURCE_APPS.get(resource.rstrip("/"), resource)
    return {"roles": sorted(d.grant_app_roles(a["tenant_id"], a["client_id"], resource, a.get("roles", [])))}


def _exchange_service_principal(d: Directory, a: dict) -> dict:
    """``New-ServicePrincipal -AppId <app_id> -ObjectId <object_id>`` in Exchange Online PowerShell (the object ID
    as the admin typed it: the enterprise application's is right, the registration's is the documented mistake);
    ``remove`` is Remove-ServicePrincipal."""
    key = (a["tenant_id"], a["app_id"])
    if a.get("remove"):
        d.exchange_service_principals.pop(key, None)
    else:
        d.exchange_service_principals[key] = a["object_id"]
    return {}


def _mailbox_permission(d: Directory, a: dict) -> dict:
    """``Add-MailboxPermission -Identity <address> -User <trustee> -AccessRights FullAccess`` and
    ``Add-RecipientPermission -Identity <address> -Trustee <trustee> -AccessRights SendAs`` (``rights``: FullAccess,
    SendAs; ``remove`` takes them away). ``trustee``: a user's or a service principal's object ID."""
    mailbox = d.mailboxes.get(a["address"].lower())
    if mailbox is None:
        raise DirectoryError(f"no mailbox {a['address']}")
    for right in a.get("rights", ["FullAccess"]):
        target = {"FullAccess": mailbox.full_access, "SendAs": mailbox.send_as}[right]
        (target.discard if a.get("remove") else target.add)(a["trustee"])
    return {}


def _graph_app_scope(d: Directory, a: dict) -> dict:
    """Narrow an app's Graph application permission to ``mailboxes`` (RBAC for Applications' management scope, or an
    application access policy); ``mailboxes`` null removes the narrowing (every mailbox again)."""
    key = (a["tenant_id"], a["client_id"])
    if a.get("mailboxes") is None:
        d.graph_app_scopes.pop(key, None)
    else:
        d.graph_app_scopes[key] = {m.lower() for m in a["mailboxes"]}
    return {}


def _sent_items(d: Directory, a: dict) -> dict:
    """The Sent Items of the mailbox with this address (any of its addresses): the copies Exchange kept."""
    mailbox = d.mailboxes.get(a["address"].lower())
    if mailbox is None:
        raise DirectoryError(f"no mailbox {a['address']}")
    return {"address": mailbox.address, "sent_items": list(mailbox.sent_items)}


def _update_mailbox(d: Directory, a: dict) -> dict:
    mailbox = d.mailboxes.get(a["address"].lower())
    if mailbox is None:
        raise DirectoryError(f"no mailbox {a['address']}")
    if "smtp_auth_enabled" in a:
        mailbox.smtp_auth_enabled = a["smtp_auth_enabled"]
    if "basic_auth_password" in a:
        mailbox.basic_auth_password = a["basic_auth_password"]
    for name in ("rest_enabled", "full", "message_copy_for_sent_as"):
        if name in a:
            setattr(mailbox, name, bool(a[name]))
    for oid in a.get("grant_send_as", []):
        mailbox.send_as.add(oid)
    for oid in a.get("revoke_send_as", []):
        mailbox.send_as.discard(oid)
    for oid in a.get("grant_full_access", []):
        mailbox.full_access.add(oid)
    for oid in a.get("revoke_full_access", []):
        mailbox.full_access.discard(oid)
    return {}


def _update_tenant(d: Directory, a: dict) -> dict:
    tenant = d.tenant(a["tenant_id"])
    if "smtp_auth_enabled" in a:
        tenant.smtp_auth_enabled = bool(a["smtp_auth_enabled"])
    if "consent_policy" in a:
        if a["consent_policy"] not in CONSENT_POLICIES:
            raise DirectoryError(f"consent_policy is one of {', '.join(CONSENT_POLICIES)}")
        tenant.consent_policy = a["consent_policy"]
    if "alternate_login_id" in a:
        tenant.alternate_login_id = bool(a["alternate_login_id"])
    if "send_from_alias_enabled" in a:
        tenant.send_from_alias_enabled = bool(a["send_from_alias_enabled"])
    if "key_lifetime_days" in a:
        tenant.key_lifetime_days = int(a["key_lifetime_days"]) if a["key_lifetime_days"] not in (None, "") else None
    if "key_roll_blocked" in a:
        tenant.key_roll_blocked = bool(a["key_roll_blocked"])
    return {}


def _update_user_upn(d: Directory, a: dict) -> dict:
    """Rename a user (a new UPN): Entra keeps the object (oid), tokens issued afterwards carry the new name."""
    user = d.user(a["oid"])
    user.upn = a["upn"].lower()
    return {"upn": user.upn}


def _consents(d: Directory, a: dict) -> dict:
    tenant_id, client_id = a["tenant_id"], a["client_id"]
    return {
        "tenant": sorted(d.tenant_consents.get((tenant_id, client_id), set())),
        "users": {oid: sorted(s) for (oid, cid), s in d.consents.items() if cid == client_id},
        "requests": [r for r in d.consent_requests if r["client_id"] == client_id],
    }


def _revoke_consents(d: Directory, a: dict) -> dict:
    """Remove the consents to the app (what deleting the oauth2PermissionGrants does); with ``scopes``, only those
    (what an older grant looks like: one given before the app asked for them)."""
    client_id, only = a["client_id"], set(a.get("scopes") or [])
    for grants in (d.consents, d.tenant_consents):
        for key in [k for k in grants if k[1] == client_id]:
            grants[key] = grants[key] - only if only else set()
            if not grants[key]:
                del grants[key]
    return {}


def _fault(d: Directory, a: dict) -> dict:
    if a.get("kind") in (None, "", "none"):
        d.fault = None
    elif a["kind"] in ("429", "500", "hang", "html", "huge", "deep"):
        d.fault = Fault(
            kind=a["kind"],
            retry_after=int(a.get("retry_after", 5)),
            seconds=float(a.get("seconds", 30)),
            remaining=a.get("remaining"),
        )
    else:
        raise DirectoryError("fault kind is one of 429, 500, hang, html, huge, deep, none")
    return {}


def _smtp_fault(d: Directory, a: dict) -> dict:
    reply = a.get("reply") or ""
    if reply and not (reply[:3].isdigit() and reply[0] in "45"):
        raise DirectoryError("reply must be an SMTP error reply such as '451 4.7.500 Server busy'")
    d.smtp_fault = Fault(kind=reply, remaining=a.get("remaining")) if reply else None
    return {}


def _auth_fault(d: Directory, a: dict) -> dict:
    reply = a.get("reply") or ""
    if reply and not (reply[:3].isdigit() and reply[0] in "45"):
        raise DirectoryError("reply must be an SMTP error reply such as '535 5.7.3 Authentication unsuccessful'")
    d.auth_fault = Fault(kind=reply, remaining=a.get("remaining")) if reply else None
    return {}


def _graph_fault(d: Directory, a: dict) -> dict:
    """Graph answers the next sendMail requests with ``status`` (429 or 503 with ``retry_after``, or 500)."""
    status = str(a.get("status") or "")
    if status in ("", "none"):
        d.graph_fault = None
    elif status in ("429", "500", "503", "huge", "deep"):
        d.graph_fault = Fault(kind=status, retry_after=int(a.get("retry_after", 5)), remaining=a.get("remaining"))
    else:
        raise DirectoryError("status is one of 429, 500, 503, huge, deep, none")
    return {}


def _graph_delay(d: Directory, a: dict) -> dict:
    d.graph_delay = float(a.get("seconds", 0))
    return {}


def _limits(d: Directory, a: dict) -> dict:
    """The message size limit, the sending limits per mailbox and the tenant's own limits (outbound spam policy per
    hour with its ``action``, TERRL), all on the emulator's clock (devhost.entra.limits.SendingLimits); ``release``
    names users an admin releases from the Restricted entities page."""
    if "max_message_size" in a:
        d.max_message_size = int(a["max_message_size"])
    return {"max_message_size": d.max_message_size, **d.limits.set(a)}


def _advance_clock(d: Directory, a: dict) -> dict:
    d.clock.advance(float(a["seconds"]))
    return {"now": d.clock.now().isoformat()}


def _clock(d: Directory, a: dict) -> dict:
    return {"now": d.clock.now().isoformat(), "offset_seconds": d.clock.offset.total_seconds()}


def _token_lifetime(d: Directory, a: dict) -> dict:
    d.access_token_lifetime = int(a["seconds"])
    return {}


def _counters(d: Directory, a: dict) -> dict:
    return dict(d.counters)


def _reset_counters(d: Directory, a: dict) -> dict:
    d.counters.clear()
    return {}


def _messages(d: Directory, a: dict) -> dict:
    to = a.get("to", "").lower()
    return {"messages": [m for m in d.messages if not to or to in [r.lower() for r in m["rcpt_tos"]]]}


def _clear_messages(d: Directory, a: dict) -> dict:
    d.messages.clear()
    for mailbox in d.mailboxes.values():
        mailbox.sent_items.clear()
    return {}


def _reset(d: Directory, a: dict) -> dict:
    """Back to a fresh state between tests: clock, faults, token lifetime, kept mails and Sent Items, counters."""
    d.fault = None
    d.smtp_fault = None
    d.auth_fault = None
    d.graph_fault = None
    d.graph_delay = 0.0
    d.max_message_size = 35 * 1024 * 1024
    d.limits = SendingLimits()
    d.clock.offset = dt.timedelta(0)
    d.access_token_lifetime = 3600
    _clear_messages(d, a)
    d.counters.clear()
    return {}


OPERATIONS: dict[str, Callable[[Directory, dict], dict]] = {
    "tenant": _tenant,
    "tenant/update": _update_tenant,
    "app": _app,
    "app/redirect_uris": _redirect_uris,
    "secret": _secret,
    "secret/expire": _expire_secret,
    "secret/delete": _delete_secret,
    "certificate": _certificate,
    "certificate/delete": _delete_certificate,
    "certificates": _certificates,
    "user": _user,
    "user/update": _update_user,
    "user/revoke": _revoke_user,
    "user/password": _password,
    "user/rename": _update_user_upn,
    "user/roles": _user_roles,
    "applications": _applications,
    "consents": _consents,
    "consents/revoke": _revoke_consents,
    "shared_mailbox": _shared_mailbox,
    "mailbox/update": _update_mailbox,
    "fault": _fault,
    "smtp_fault": _smtp_fault,
    "auth_fault": _auth_fault,
    "graph_fault": _graph_fault,
    "graph_delay": _graph_delay,
    "limits": _limits,
    "clock": _clock,
    "clock/advance": _advance_clock,
    "token_lifetime": _token_lifetime,
    "counters": _counters,
    "counters/reset": _reset_counters,
    "messages": _messages,
    "messages/clear": _clear_messages,
    "sent_items": _sent_items,
    "app_roles": _app_roles,
    "exchange/service_principal": _exchange_service_principal,
    "mailbox/permission": _mailbox_permission,
    "graph/app_scope": _graph_app_scope,
    "reset": _reset,
}


def register_control(app: Flask, directory: Directory, base_url: str, key=None) -> None:
    # ``cli/login`` signs a token, so it needs the emulator's key; the other operations only change the directory.
    operations = dict(OPERATIONS)
    if key is not None:
        operations["cli/login"] = functools.partial(_cli_login, key=key, base_url=base_url)

    @app.post("/_emulator/api/<path:op>")
    def api(op: str):
        handler = operations.get(op)
        if handler is None:
            return jsonify({"error": f"unknown operation {op}"}), 404
        try:
            with directory.lock:
                return jsonify(handler(directory, request.get_json(force=True, silent=True) or {}))
        except (DirectoryError, KeyError, ValueError) as error:
            return jsonify({"error": str(error)}), 400

    @app.get("/_emulator/")
    def page():
        with directory.lock:
            return render_template("emulator.html", d=directory, base_url=base_url, now=directory.clock.now())

    @app.post("/_emulator/action")
    def action():
        """The demo page's buttons: the same operations, from form fields."""
        form = request.form.to_dict()
        op = form.pop("op", "")
        upload = request.files.get("certificate_file")
        if upload is not None:
            data = upload.read()
            form["certificate"] = data.decode() if b"-----BEGIN" in data else base64.b64encode(data).decode()
        handler = OPERATIONS.get(op)
        if handler is not None:
            for name in (
                "smtp_auth_enabled",
                "disabled",
                "mfa_required",
                "blocked_by_conditional_access",
                "alternate_login_id",
                "key_roll_blocked",
                "is_admin",
                "graph_step_up",
                "rest_enabled",
                "full",
                "send_from_alias_enabled",
                "message_copy_for_sent_as",
            ):
                if name in form:
                    form[name] = {"true": True, "false": False, "null": None}[form[name]]
            for name in ("remaining",):
                if form.get(name):
                    form[name] = int(form[name])
                else:
                    form.pop(name, None)
            with directory.lock:
                try:
                    handler(directory, form)
                except (DirectoryError, KeyError, ValueError) as error:
                    return render_template(
                        "emulator.html", d=directory, base_url=base_url, now=directory.clock.now(), problem=str(error)
                    ), 400
        return redirect("/_emulator/")
