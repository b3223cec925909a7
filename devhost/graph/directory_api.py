"""Microsoft Graph's directory, emulated as far as the one-step setup script (cmx_plugin_m365.signin.one_step) uses it.

  GET  /v1.0/organization                                   the tenant (its id)
  GET  /v1.0/me/memberOf                                    the signed-in admin's directory roles
  GET  /v1.0/applications?$filter=tags/any(t:t eq '…')      find the registration the script made before
  GET  /v1.0/applications/{id}?$select=keyCredentials       its certificates, with their key
  POST /v1.0/applications, PATCH /v1.0/applications/{id}    create / update the registration
  GET  /v1.0/servicePrincipals?$filter=appId eq '…'         a service principal by appId (resources and the app)
  POST /v1.0/servicePrincipals                              the app's service principal
  GET  /v1.0/oauth2PermissionGrants?$filter=clientId eq '…' delegated grants of a client
  POST /v1.0/oauth2PermissionGrants, PATCH …/{id}           tenant-wide consent (consentType AllPrincipals)
  GET  /v1.0/servicePrincipals/{id}/appRoleAssignments      app roles granted to the app
  POST /v1.0/servicePrincipals/{resource id}/appRoleAssignedTo   grant an app role (application permission)

Sources, all learn.microsoft.com/graph/api/… (graph-docs-contrib ``api-reference/v1.0``): ``organization-list``,
``user-list-memberof`` (directoryRole objects with ``roleTemplateId``), ``application-list`` and
``resources/application`` (tags: "Not nullable. Supports $filter (eq, not, ge, le, startsWith)"; the lambda form
``tags/any(c:c eq '…')`` as answered on learn.microsoft.com/answers/questions/539487),
``application-post-applications`` (201 with the object), ``application-update`` (204; keyCredentials replace the
whole collection), ``resources/keycredential`` (``key`` "returned only on $select for a single object"),
``application-addkey`` ("Applications that don't have any existing valid certificates … won't be able to use this
service action. You can use the Update application operation"), ``serviceprincipal-list``,
``serviceprincipal-post-serviceprincipals`` (201), ``oauth2permissiongrant-post`` (201; clientId/resourceId are
service principal object ids, scope space-separated), ``oauth2permissiongrant-list``, ``oauth2permissiongrant-update``
(204), ``serviceprincipal-post-approleassignedto`` (201; principalId, resourceId, appRoleId),
``serviceprincipal-list-approleassignments``. Who may do what: learn.microsoft.com/entra/identity/enterprise-apps/
grant-admin-consent, "Prerequisites" (current English page): "Privileged Role Administrator to grant consent for apps
requesting any permission, for any API"; "Cloud Application Administrator or Application Administrator to grant
consent for apps requesting any permission for any API, except Microsoft Graph app roles (application permissions)".
Older copies of the page (and its translations) list "Global Administrator or Privileged Role Administrator"; the
current page is followed, and Global Administrator, which holds every permission, may do everything here too.
The refusal is Graph's usual 403 Authorization_RequestDenied "Insufficient privileges to complete the operation."
(captured in msgraph-sdk-powershell#779, devhost.graph.keys.DENIED). Where an answer was not found, "inferred".
"""

from __future__ import annotations

import base64
import re
import uuid

import jwt
from flask import Flask, Response, jsonify, request

from devhost.entra.certificates import CertificateRefused, parse
from devhost.entra.directory import GRAPH, OUTLOOK, App, Directory, DirectoryError, User
from devhost.entra.tokens import SigningKey

EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
"""The Azure CLI's own (first-party) client ID: whose token ``az rest`` sends (devhost.az_standin)."""

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"
APPLICATION_ADMIN = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
CLOUD_APPLICATION_ADMIN = "158c047a-c907-4556-b7ef-446551a6b5f7"
ROLES = {
    GLOBAL_ADMIN: "Global Administrator",
    PRIVILEGED_ROLE_ADMIN: "Privileged Role Administrator",
    APPLICATION_ADMIN: "Application Administrator",
    CLOUD_APPLICATION_ADMIN: "Cloud Application Administrator",
}
"""Role template IDs as Entra's "Microsoft Entra built-in roles" (entra/identity/role-based-access-control/
permissions-reference) lists them; memberOf returns directoryRole objects carrying ``roleTemplateId``."""
MAY_CONSENT = {GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN, APPLICATION_ADMIN, CLOUD_APPLICATION_ADMIN}
MAY_GRANT_GRAPH_APP_ROLES = {GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


# The resources' permissions, by value. The real IDs where they are well known (permissions-reference lists
# Graph's); the others derived: the script looks every ID up by value, as the issue demands, so none is hard-coded.
RESOURCES: dict[str, dict] = {
    EXCHANGE_APP_ID: {
        "displayName": "Office 365 Exchange Online",
        "resources": (OUTLOOK, "https://outlook.office365.com"),
        "scopes": {"SMTP.Send": "258f6531-6087-4cc4-bb90-092c5fb3ed3f"},
        "roles": {"SMTP.SendAsApp": _uuid(EXCHANGE_APP_ID, "SMTP.SendAsApp")},
    },
    GRAPH_APP_ID: {
        "displayName": "Microsoft Graph",
        "resources": (GRAPH,),
        "scopes": {
            "Mail.Send": "e383f46e-2787-4529-855e-0e479a3ffac0",
            "Mail.Send.Shared": "a367ab51-6b49-43bf-a716-a1fb06d2a174",
            "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
            "openid": "37f7f235-527c-4136-accd-4a02d197296e",
            "profile": "14dad69e-099b-42c9-810b-d002981feec1",
            "offline_access": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
        },
        "roles": {"Mail.Send": "b633e1c5-b582-4048-a93e-9f11b44c7e96"},
    },
}
OIDC = ("openid", "profile", "offline_access")


def resource_sp_id(tenant_id: str, app_id: str) -> str:
    """The object ID of a Microsoft resource's service principal in a tenant (every tenant has one per resource)."""
    return _uuid("sp", tenant_id, app_id)


def register_directory(app: Flask, directory: Directory, key: SigningKey, error) -> None:
    """``error(status, code, message)`` builds Graph's error body (devhost.graph.server)."""

    def denied():
        return error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    def not_found(ref: str):
        return error(
            404,
            "Request_ResourceNotFound",
            f"Resource '{ref}' does not exist or one of its queried reference-property objects are not present.",
        )

    def bad(message: str):
        return error(400, "Request_BadRequest", message)

    def admin() -> tuple[User | None, Response | None]:
        """The signed-in user of a delegated token (the Azure CLI's), or a 401."""
        auth = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            claims = key.verify(auth, audience=GRAPH, now=directory.clock.now())
        except jwt.InvalidTokenError:
            return None, error(401, "InvalidAuthenticationToken", "Access token validation failure.")
        user = directory.users.get(claims.get("oid", ""))
        if user is None or "scp" not in claims:
            return None, error(401, "InvalidAuthenticationToken", "Access token validation failure.")
        return user, None

    def roles_of(user: User) -> set[str]:
        return set(user.directory_roles) or ({GLOBAL_ADMIN} if user.is_admin else set())

    def application_json(a: App, *, with_keys: bool = False) -> dict:
        return {
            "id": a.object_id,
            "appId": a.client_id,
            "displayName": a.name,
            "signInAudience": "AzureADMultipleOrgs" if a.multi_tenant else "AzureADMyOrg",
            "tags": list(a.tags),
            "web": {"redirectUris": list(a.redirect_uris)},
            "requiredResourceAccess": list(a.required_resource_access),
            "keyCredentials": [
                {
                    "keyId": k.key_id,
                    "type": "AsymmetricX509Cert",
                    "usage": "Verify",
                    "displayName": k.display_name,
                    "customKeyIdentifier": k.sha1,
                    "startDateTime": k.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "endDateTime": k.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    # "key … returned only on $select for a single object" (resources/keycredential)
                    "key": base64.b64encode(k.der).decode() if with_keys else None,
                }
                for k in a.certificates
            ],
        }

    def resource_sp_json(tenant_id: str, app_id: str) -> dict:
        spec = RESOURCES[app_id]
        return {
            "id": resource_sp_id(tenant_id, app_id),
            "appId": app_id,
            "displayName": spec["displayName"],
            "oauth2PermissionScopes": [
                {"id": i, "value": v, "type": "User", "isEnabled": True} for v, i in spec["scopes"].items()
            ],
            "appRoles": [
                {"id": i, "value": v, "allowedMemberTypes": ["Application"], "isEnabled": True}
                for v, i in spec["roles"].items()
            ],
        }

    def app_sp_json(a: App) -> dict:
        return {"id": a.service_principal_id, "appId": a.client_id, "displayName": a.name, "appRoles": []}

    def in_tenant(user: User) -> list[App]:
        return [a for a in directory.apps.values() if a.tenant_id == user.tenant_id]

    def sp_owner(tenant_id: str, sp_id: str) -> tuple[str, App | str] | None:
        """("resource", app id) or ("app", App) for a service principal object id in the tenant."""
        for app_id in RESOURCES:
            if resource_sp_id(tenant_id, app_id) == sp_id:
                return "resource", app_id
        for a in directory.apps.values():
            if a.tenant_id == tenant_id and a.service_principal_id == sp_id:
                return "app", a
        return None

    def collection(values: list[dict]):
        return jsonify({"@odata.context": request.base_url, "value": values})

    def apply(a: App, body: dict) -> Response | None:
        """The writable properties the script sends (application-update); None when all were taken."""
        if "displayName" in body:
            a.name = str(body["displayName"])
        if "signInAudience" in body:
            if body["signInAudience"] not in ("AzureADMyOrg", "AzureADMultipleOrgs"):
                return bad("Invalid value specified for property 'signInAudience' of resource 'Application'.")
            a.multi_tenant = body["signInAudience"] == "AzureADMultipleOrgs"
        if "tags" in body:
            a.tags = [str(t) for t in body["tags"]]
        if "web" in body:
            uris = list((body["web"] or {}).get("redirectUris") or [])
            for uri in uris:
                try:
                    from devhost.entra.directory import check_redirect_uri

                    check_redirect_uri(uri)
                except DirectoryError:
                    # inferred wording; Entra refuses http redirect URIs for platform Web except localhost
                    return bad("Invalid value specified for property 'redirectUris' of resource 'Application'.")
            a.redirect_uris = uris
        if "requiredResourceAccess" in body:
            access = list(body["requiredResourceAccess"] or [])
            a.required_resource_access = access
            a.api_permissions = _delegated(access)
        if "keyCredentials" in body:
            # keyCredentials replace the whole collection (application-update; the howto "add a certificate" shows
            # the existing ones sent again together with the new one).
            kept, seen = [], set()
            for credential in body["keyCredentials"] or []:
                if credential.get("type") != "AsymmetricX509Cert" or credential.get("usage") != "Verify":
                    return bad("Invalid value specified for property 'type' of resource 'KeyCredential'.")  # inferred
                try:
                    parsed = parse(base64.b64decode(str(credential.get("key") or ""), validate=True))
                except (ValueError, CertificateRefused):
                    return bad("Invalid value specified for property 'key' of resource 'KeyCredential'.")  # inferred
                if parsed.sha256 in seen:
                    continue
                seen.add(parsed.sha256)
                old = next((k for k in a.certificates if k.sha256 == parsed.sha256), None)
                if old is not None:
                    kept.append(old)
                else:
                    parsed.added_by = "graph"
                    parsed.display_name = str(credential.get("displayName") or "")
                    kept.append(parsed)
            a.certificates = kept
        return None

    @app.get("/v1.0/organization")
    def organization():
        user, refused = admin()
        if refused:
            return refused
        tenant = directory.tenant(user.tenant_id)
        return collection([{"id": tenant.id, "displayName": tenant.name}])

    @app.get("/v1.0/me/memberOf")
    @app.get("/v1.0/me/transitiveMemberOf")
    def member_of():
        user, refused = admin()
        if refused:
            return refused
        return collection(
            [
                {
                    "@odata.type": "#microsoft.graph.directoryRole",
                    "id": _uuid("role", user.tenant_id, template),
                    "displayName": ROLES.get(template, template),
                    "roleTemplateId": template,
                }
                for template in sorted(roles_of(user))
            ]
        )

    @app.get("/v1.0/applications")
    @app.post("/v1.0/applications")
    def applications():
        user, refused = admin()
        if refused:
            return refused
        directory.count(f"graph:applications:{request.method}")
        with directory.lock:
            if request.method == "GET":
                found = in_tenant(user)
                wanted = request.args.get("$filter", "")
                if wanted:
                    match = re.fullmatch(r"tags/any\(t:t eq '([^']*)'\)", wanted) or re.fullmatch(
                        r"(appId|displayName) eq '([^']*)'", wanted
                    )
                    if match is None:
                        return bad("Unsupported or invalid query filter clause specified.")  # inferred
                    if wanted.startswith("tags"):
                        found = [a for a in found if match.group(1) in a.tags]
                    elif match.group(1) == "appId":
                        found = [a for a in found if a.client_id == match.group(2)]
                    else:
                        found = [a for a in found if a.name == match.group(2)]
                return collection([application_json(a) for a in found])
            if not roles_of(user) & MAY_CONSENT:
                # Inferred: a tenant whose users may not register applications (the script checks roles first).
                return denied()
            body = request.get_json(silent=True) or {}
            if not body.get("displayName"):
                return bad("Property 'displayName' is required.")  # inferred
            made = App(client_id=str(uuid.uuid4()), tenant_id=user.tenant_id, name=str(body["displayName"]))
            made.api_permissions = []
            problem = apply(made, body)
            if problem is not None:
                return problem
            directory.apps[made.client_id] = made
            return jsonify(application_json(made)), 201

    @app.get("/v1.0/applications/<object_id>")
    @app.patch("/v1.0/applications/<object_id>")
    def application(object_id: str):
        user, refused = admin()
        if refused:
            return refused
        with directory.lock:
            target = directory.app_by_object_id(object_id)
            if target is None or target.tenant_id != user.tenant_id:
                return not_found(object_id)
            if request.method == "GET":
                single = "keyCredentials" in request.args.get("$select", "")
                return jsonify(application_json(target, with_keys=single))
            if not roles_of(user) & MAY_CONSENT:
                return denied()
            problem = apply(target, request.get_json(silent=True) or {})
            if problem is not None:
                return problem
            directory.count("graph:applications:PATCH")
            return Response(status=204)

    @app.get("/v1.0/servicePrincipals")
    @app.post("/v1.0/servicePrincipals")
    def service_principals():
        user, refused = admin()
        if refused:
            return refused
        with directory.lock:
            if request.method == "GET":
                match = re.fullmatch(r"appId eq '([^']*)'", request.args.get("$filter", ""))
                if match is None:
                    return bad("Unsupported or invalid query filter clause specified.")  # inferred
                app_id = match.group(1)
                if app_id in RESOURCES:
                    return collection([resource_sp_json(user.tenant_id, app_id)])
                found = directory.apps.get(app_id)
                if found and found.tenant_id == user.tenant_id and found.service_principal_id:
                    return collection([app_sp_json(found)])
                return collection([])
            if not roles_of(user) & MAY_CONSENT:
                return denied()
            body = request.get_json(silent=True) or {}
            found = directory.apps.get(str(body.get("appId", "")))
            if found is None or found.tenant_id != user.tenant_id:
                return bad("The appId of the service principal does not reference a valid application object.")
            if found.service_principal_id:
                # A second service principal for the same app: inferred wording of the conflict.
                return error(409, "Request_MultipleObjectsWithSameKeyValue", "The service principal already exists.")
            found.service_principal_id = str(uuid.uuid4())
            directory.count("graph:servicePrincipals:POST")
            return jsonify(app_sp_json(found)), 201

    @app.get("/v1.0/oauth2PermissionGrants")
    @app.post("/v1.0/oauth2PermissionGrants")
    def permission_grants():
        user, refused = admin()
        if refused:
            return refused
        with directory.lock:
            if request.method == "GET":
                wanted = request.args.get("$filter", "")
                match = re.fullmatch(r"clientId eq '([^']*)'", wanted)
                if match is None:
                    return bad("Unsupported or invalid query filter clause specified.")  # inferred
                return collection([g for g in directory.permission_grants.values() if g["clientId"] == match.group(1)])
            if not roles_of(user) & MAY_CONSENT:
                return denied()
            body = request.get_json(silent=True) or {}
            if body.get("consentType") != "AllPrincipals":
                return bad("Only consentType AllPrincipals is emulated.")  # the script grants tenant-wide only
            client = sp_owner(user.tenant_id, str(body.get("clientId", "")))
            resource = sp_owner(user.tenant_id, str(body.get("resourceId", "")))
            if client is None or client[0] != "app" or resource is None or resource[0] != "resource":
                return bad("Invalid value specified for property 'clientId' or 'resourceId'.")  # inferred
            if any(
                g["clientId"] == body["clientId"] and g["resourceId"] == body["resourceId"]
                for g in directory.permission_grants.values()
            ):
                # Inferred from reports of a second POST: one AllPrincipals grant per client and resource.
                return error(409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
            grant = {
                "id": base64.urlsafe_b64encode(uuid.uuid4().bytes * 2).decode().rstrip("="),
                "clientId": body["clientId"],
                "consentType": "AllPrincipals",
                "principalId": None,
                "resourceId": body["resourceId"],
                "scope": str(body.get("scope", "")),
            }
            directory.permission_grants[grant["id"]] = grant
            _consent(directory, client[1], resource[1], grant["scope"])
            directory.count("graph:oauth2PermissionGrants:POST")
            return jsonify(grant), 201

    @app.patch("/v1.0/oauth2PermissionGrants/<grant_id>")
    def permission_grant(grant_id: str):
        user, refused = admin()
        if refused:
            return refused
        with directory.lock:
            grant = directory.permission_grants.get(grant_id)
            if grant is None:
                return not_found(grant_id)
            if not roles_of(user) & MAY_CONSENT:
                return denied()
            grant["scope"] = str((request.get_json(silent=True) or {}).get("scope", grant["scope"]))
            client = sp_owner(user.tenant_id, grant["clientId"])
            resource = sp_owner(user.tenant_id, grant["resourceId"])
            _consent(directory, client[1], resource[1], grant["scope"])
            return Response(status=204)

    @app.get("/v1.0/servicePrincipals/<sp_id>/appRoleAssignments")
    def app_role_assignments(sp_id: str):
        _user, refused = admin()
        if refused:
            return refused
        with directory.lock:
            return collection([a for a in directory.app_role_assignments.values() if a["principalId"] == sp_id])

    @app.post("/v1.0/servicePrincipals/<sp_id>/appRoleAssignedTo")
    def app_role_assigned_to(sp_id: str):
        user, refused = admin()
        if refused:
            return refused
        with directory.lock:
            resource = sp_owner(user.tenant_id, sp_id)
            if resource is None or resource[0] != "resource":
                return not_found(sp_id)
            allowed = MAY_GRANT_GRAPH_APP_ROLES if resource[1] == GRAPH_APP_ID else MAY_CONSENT
            if not roles_of(user) & allowed:
                return denied()
            body = request.get_json(silent=True) or {}
            client = sp_owner(user.tenant_id, str(body.get("principalId", "")))
            role = next((v for v, i in RESOURCES[resource[1]]["roles"].items() if i == body.get("appRoleId")), None)
            if client is None or client[0] != "app" or role is None or body.get("resourceId") != sp_id:
                return bad("Invalid value specified for property 'appRoleId'.")  # inferred
            if any(
                a["principalId"] == body["principalId"] and a["appRoleId"] == body["appRoleId"]
                for a in directory.app_role_assignments.values()
            ):
                # "Permission being assigned already exists on the object" (a second identical assignment; widely
                # reported, e.g. in Azure/azure-cli issues; status inferred 400).
                return bad("Permission being assigned already exists on the object")
            assignment = {
                "id": base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="),
                "principalId": body["principalId"],
                "principalType": "ServicePrincipal",
                "resourceId": sp_id,
                "appRoleId": body["appRoleId"],
                "resourceDisplayName": RESOURCES[resource[1]]["displayName"],
            }
            directory.app_role_assignments[assignment["id"]] = assignment
            directory.grant_app_roles(user.tenant_id, client[1].client_id, resource[1], {role})
            directory.count("graph:appRoleAssignedTo:POST")
            return jsonify(assignment), 201


def _delegated(access: list[dict]) -> list[str]:
    """The delegated permissions of ``requiredResourceAccess`` as the emulator's ``api_permissions`` (what /.default
    admin consent grants); OIDC scopes are not resource permissions."""
    out = []
    for entry in access:
        spec = RESOURCES.get(entry.get("resourceAppId", ""))
        if spec is None:
            continue
        by_id = {i: v for v, i in spec["scopes"].items()}
        for item in entry.get("resourceAccess") or []:
            value = by_id.get(item.get("id"))
            if item.get("type") == "Scope" and value and value not in OIDC:
                out.append(f"{spec['resources'][0]}/{value}")
    return out


def _consent(directory: Directory, client: App, resource_app_id: str, scope: str) -> None:
    """An AllPrincipals grant is the tenant-wide consent the sign-in checks (Directory.tenant_consents)."""
    spec = RESOURCES[resource_app_id]
    granted = {f"{res}/{s}" for s in scope.split() if s not in OIDC for res in spec["resources"]}
    kept = {s for s in directory.tenant_consents.get((client.tenant_id, client.client_id), set())}
    kept = {s for s in kept if not s.startswith(spec["resources"])} | granted
    directory.tenant_consents[(client.tenant_id, client.client_id)] = kept
