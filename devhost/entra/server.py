"""An HTTPS emulator of the Microsoft identity platform v2.0, faithful enough for unmodified msal.

Endpoints (``{tenant}`` = GUID, verified domain, or common/organizations/consumers):
  GET  /{tenant}/v2.0/.well-known/openid-configuration      discovery
  GET  /{tenant}/discovery/v2.0/keys                          JWKS
  GET  /{tenant}/oauth2/v2.0/authorize                        sign-in page, account picker, consent
  POST /{tenant}/oauth2/v2.0/token                            authorization_code, refresh_token, client_credentials
  GET  /{tenant}/oauth2/v2.0/logout                           ends the browser's remembered sign-in
  /_emulator/                                                 control page (demo) and JSON control API (tests)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
import uuid
from base64 import urlsafe_b64encode
from urllib.parse import urlencode

import jwt as pyjwt
from flask import Flask, jsonify, redirect, render_template, request, session
from itsdangerous import BadSignature, URLSafeSerializer

from . import certificates, tokens
from .control import register_control
from .directory import (
    CODE_LIFETIME,
    GRAPH,
    KNOWN_RESOURCES,
    OIDC_SCOPES,
    REFRESH_INACTIVITY,
    App,
    AuthCode,
    Directory,
    RefreshGrant,
    Tenant,
    User,
)
from .errors import CATALOGUE, error_body, timestamp

COLLECTIVE = ("common", "organizations", "consumers")
REMEMBERED_ACCOUNTS = 5


HOSTILE = ("huge", "deep")
"""Not Microsoft at all: what a broken or hostile intermediary (a TLS-inspecting proxy, say) may send in its place —
10 MB of JSON whose "error" is the whole answer, or JSON nested 100,000 levels deep. Issue 22: the plugin must bound
both before it parses, stores, shows or mails anything."""


def hostile_answer(kind: str):
    if kind == "huge":
        body = '{"error": "' + "x" * (10 * 1024 * 1024) + '", "error_description": "' + "y" * 1000 + '"}'
    else:
        body = "[" * 100_000 + "]" * 100_000
    return body, 400, {"Content-Type": "application/json"}


def create_app(directory: Directory, key: tokens.SigningKey, base_url: str) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_NAME="ESTSAUTHPERSISTENT",
        SESSION_COOKIE_SAMESITE="None",
        SESSION_COOKIE_SECURE=True,
    )
    serializer = URLSafeSerializer(app.config["SECRET_KEY"], salt="authorize-context")
    now = directory.clock.now

    def correlation_id() -> str:
        return request.headers.get("client-request-id") or str(uuid.uuid4())

    def json_error(code: int, **details):
        body = error_body(code, now(), correlation_id=correlation_id(), **details)
        return jsonify(body), CATALOGUE[code].status

    def error_page(code: int, **details):
        """Errors Microsoft shows on its own page and never sends to the redirect URI."""
        body = error_body(code, now(), correlation_id=correlation_id(), **details)
        message = body["error_description"].split("\r\n", 1)[0]
        return render_template(
            "entra_error.html",
            message=message,
            config=_page_config(code, body),
            request_id=body["trace_id"],
            correlation_id=body["correlation_id"],
            timestamp=body["timestamp"],
        ), 200

    def _page_config(code: int, body: dict) -> dict:
        """The page's ``$Config`` object as Microsoft's sign-in pages carry it: the error code and message are in
        ``iErrorCode``/``sErrorCode`` and ``strServiceExceptionMessage`` (the fields public tools read from real
        pages: e.g. ``errorConfig.get("iErrorCode")`` and ``strServiceExceptionMessage`` in sign-in helpers on
        GitHub, ``pgid`` ConvergedError)."""
        return {
            "pgid": "ConvergedError",
            "iErrorCode": code,
            "sErrorCode": str(code),
            "strMainMessage": "Sorry, but we’re having trouble signing you in.",
            "strServiceExceptionMessage": body["error_description"].split("\r\n", 1)[0],
            "correlationId": body["correlation_id"],
            "sessionId": body["trace_id"],
        }

    # -- discovery --------------------------------------------------------------------------------------------------

    @app.get("/<tenant>/v2.0/.well-known/openid-configuration")
    def discovery(tenant: str):
        directory.count("discovery")
        if tenant.lower() in COLLECTIVE:
            tid = "{tenantid}"
        else:
            found = directory.resolve_tenant(tenant)
            if found is None:
                return json_error(90002, tenant=tenant)
            tid = found.id
        root = f"{base_url}/{tid if tid != '{tenantid}' else tenant}"
        return jsonify(
            {
                "issuer": tokens.issuer(base_url, tid),
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
                "jwks_uri": f"{root}/discovery/v2.0/keys",
                "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "nonce",
                    "preferred_username",
                    "name",
                    "tid",
                    "oid",
                    "ver",
                ],
                "request_uri_parameter_supported": False,
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
            }
        )

    @app.get("/<tenant>/discovery/v2.0/keys")
    def jwks(tenant: str):
        directory.count("jwks")
        return jsonify(key.jwks())

    # -- authorize and admin consent ----------------------------------------------------------------------------------

    @app.route("/<tenant>/oauth2/v2.0/authorize", methods=["GET", "POST"])
    def authorize(tenant: str):
        return _browser_step(tenant, admin_consent=False)

    # The admin consent endpoint (ENTRA-ADMINCONSENT: /{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state;
    # the older /{tenant}/adminconsent?client_id of ENTRA-GRANT asks for the app's configured permissions).
    @app.route("/<tenant>/v2.0/adminconsent", methods=["GET", "POST"])
    @app.route("/<tenant>/adminconsent", methods=["GET", "POST"])
    def admin_consent(tenant: str):
        return _browser_step(tenant, admin_consent=True)

    def _browser_step(tenant: str, *, admin_consent: bool):
        if request.method == "GET":
            directory.count("adminconsent" if admin_consent else "authorize")
            params = {k: v for k, v in request.args.items() if not k.startswith("_")}
            if admin_consent:
                params["_adminconsent"] = "1"
            step, user_oid = None, None
        else:
            try:
                context = serializer.loads(request.form.get("ctx", ""))
            except BadSignature:
                return error_page(9002313)
            params, user_oid, step = context["params"], context.get("user"), request.form.get("step")
        with directory.lock:
            return _authorize(tenant, params, step, user_oid)

    def _authorize(tenant_name: str, params: dict, step: str | None, user_oid: str | None):
        admin_consent = params.get("_adminconsent") == "1"
        tenant: Tenant | None = None
        if tenant_name.lower() not in COLLECTIVE:
            tenant = directory.resolve_tenant(tenant_name)
            if tenant is None:
                return error_page(90002, tenant=tenant_name)
        client_id = params.get("client_id", "")
        app_reg = directory.apps.get(client_id)
        if app_reg is None or (tenant and not app_reg.multi_tenant and app_reg.tenant_id != tenant.id):
            return error_page(700016, client_id=client_id, tenant=tenant.id if tenant else tenant_name)
        redirect_uri = params.get("redirect_uri", "")
        if not app_reg.redirect_uris:
            return error_page(500113)
        if redirect_uri not in app_reg.redirect_uris:
            return error_page(50011, redirect_uri=redirect_uri, client_id=client_id)

        def fail(code: int, **details):
            body = error_body(code, now(), correlation_id=correlation_id(), **details)
            values = {"error": body["error"], "error_description": body["error_description"]}
            if "error_uri" in body:
                values["error_uri"] = body["error_uri"]
            return _send_back(params, values)

        if tenant is None and not app_reg.multi_tenant:
            return fail(50194, client_id=client_id, app_name=app_reg.name)
        if admin_consent:
            # /.default (and the v1 endpoint without scope) asks for what the registration lists under "API
            # permissions".
            requested = params.get("scope", "").split() or [".default"]
            scopes = [s for s in requested if not s.endswith("/.default") and s != ".default"]
            if len(scopes) < len(requested):
                scopes += app_reg.api_permissions
        else:
            if params.get("response_type") != "code":
                return _send_back(
                    params,
                    {
                        "error": "unsupported_response_type",
                        "error_description": "AADSTS70005: response_type 'token' is not enabled for the application.",
                    },
                )
            scopes = params.get("scope", "").split()
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        bad = [s for s in resource_scopes if not s.startswith(KNOWN_RESOURCES)]
        if not scopes or bad:
            return fail(70011, scope=" ".join(bad) or "(none)")
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            return _send_back(
                params,
                {"error": "invalid_request", "error_description": "AADSTS50149: code_challenge_method must be S256."},
            )

        remembered = [directory.users[o] for o in session.get("accounts", []) if o in directory.users]
        prompt = params.get("prompt", "")
        hint = params.get("login_hint", "").lower()
        user: User | None = directory.users.get(user_oid) if user_oid else None

        if step == "pick":
            chosen = request.form.get("account", "")
            if chosen == "other":
                return _login_page(params, hint)
            user = next((u for u in remembered if u.oid == chosen), None)
            if user is None:
                return _picker_page(params, remembered)
        elif step == "login":
            login = request.form.get("login", "")
            candidate = directory.find_user(login, tenant.id if tenant else None)
            if candidate is None:
                # The sign-in page's own words for AADSTS50034 (UserAccountNotFound).
                return _login_page(
                    params,
                    login,
                    error="Dieses Benutzerkonto wurde nicht gefunden. Geben Sie ein anderes Konto ein. (AADSTS50034)",
                )
            if not secrets.compare_digest(candidate.password, request.form.get("password", "")):
                return _login_page(params, login, error="Ihr Konto oder Kennwort ist falsch. (AADSTS50126)")
            if candidate.disabled:
                return _login_page(
                    params, login, error="Ihr Konto ist gesperrt. Wenden Sie sich an Ihren Administrator. (AADSTS50057)"
                )
            user = candidate
            session["accounts"] = ([user.oid] + [o for o in session.get("accounts", []) if o != user.oid])[
                :REMEMBERED_ACCOUNTS
            ]
            session["logins"] = {**session.get("logins", {}), user.oid: login.strip().lower()}
        elif step in ("consent", "approval", "request", "requested"):
            if user is None:
                return error_page(9002313)
        elif user is None:
            if prompt == "login" or not remembered:
                if prompt == "none":
                    return fail(50058)
                return _login_page(params, hint)
            if prompt == "select_account" or admin_consent:
                return _picker_page(params, remembered)
            # No prompt: the browser's remembered sign-in is used without asking (the admin guide's pitfall),
            # unless a login_hint names another account.
            matching = [u for u in remembered if hint in (u.upn, u.mail, *u.aliases)]
            if hint and not matching:
                return _login_page(params, hint)
            user = matching[0] if matching else remembered[0]

        effective_tenant = tenant.id if tenant else user.tenant_id
        if user.tenant_id != effective_tenant or (not app_reg.multi_tenant and app_reg.tenant_id != user.tenant_id):
            home = directory.tenants.get(effective_tenant)
            return fail(
                50020,
                user=user.upn,
                idp=f"https://sts.windows.net/{user.tenant_id}/",
                tenant_name=home.name if home else effective_tenant,
                client_id=client_id,
                app_name=app_reg.name,
            )
        policy = directory.tenants[effective_tenant].consent_policy
        consented = directory.consented(user, client_id)

        if step == "approval":  # the buttons of "Need admin approval"
            if request.form.get("answer") == "admin":
                return _login_page(params, "")
            return fail(90094)
        if step == "request":  # the admin consent workflow's request form
            directory.consent_requests.append(
                {
                    "client_id": client_id,
                    "tenant_id": effective_tenant,
                    "user": user.upn,
                    "justification": request.form.get("justification", "")[:500],
                    "at": now().isoformat(),
                }
            )
            return render_template("entra_requested.html", ctx=_context(params, user), app=app_reg)
        if step == "requested":
            return fail(90095)
        if step == "consent":
            if request.form.get("answer") != "accept":
                return fail(65004)
            if admin_consent or (request.form.get("for_organisation") and user.is_admin):
                directory.tenant_consents.setdefault((effective_tenant, client_id), set()).update(resource_scopes)
            else:
                directory.consents.setdefault((user.oid, client_id), set()).update(resource_scopes)
            consented = directory.consented(user, client_id)

        if admin_consent:
            if step != "consent":
                if not user.is_admin:
                    return _approval_page(params, user, app_reg)
                return _consent_page(params, user, app_reg, resource_scopes, for_organisation=True)
            return _send_back(
                params, {"admin_consent": "True", "tenant": effective_tenant, "scope": " ".join(resource_scopes)}
            )
        if step != "consent" and (prompt == "consent" or not set(resource_scopes) <= consented):
            if user.is_admin or policy == "users":
                return _consent_page(params, user, app_reg, resource_scopes, for_organisation=False)
            if policy == "workflow":
                return _approval_page(params, user, app_reg, workflow=True)
            return _approval_page(params, user, app_reg)

        code = secrets.token_urlsafe(48)
        directory.codes[code] = AuthCode(
            code=code,
            client_id=client_id,
            user_oid=user.oid,
            tenant_id=effective_tenant,
            scopes=scopes,
            redirect_uri=redirect_uri,
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
            nonce=params.get("nonce"),
            issued_at=now(),
            login_name=session.get("logins", {}).get(user.oid, user.upn),
        )
        return _send_back(params, {"code": code, "session_state": str(uuid.uuid4())})

    def _send_back(params: dict, values: dict):
        values = {**values}
        if params.get("_adminconsent") == "1" and "error" in values:
            # As observed: the error, then admin_consent=True, then state (MicrosoftDocs/azure-docs#114009).
            values["admin_consent"] = "True"
        if "state" in params:
            values["state"] = params["state"]
        target = params["redirect_uri"]
        if params.get("response_mode") == "form_post":
            return render_template("entra_form_post.html", action=target, values=values)
        separator = "&" if "?" in target else "?"
        return redirect(target + separator + urlencode(values), code=302)

    def _context(params: dict, user: User | None = None) -> str:
        return serializer.dumps({"params": params, "user": user.oid if user else None})

    def _login_page(params: dict, login: str, error: str | None = None):
        return render_template("entra_login.html", ctx=_context(params), login=login, error=error)

    def _picker_page(params: dict, remembered: list[User]):
        logins = session.get("logins", {})
        accounts = [(u, logins.get(u.oid, u.upn)) for u in remembered]
        return render_template("entra_picker.html", ctx=_context(params), accounts=accounts)

    def _consent_page(params: dict, user: User, app_reg: App, scopes: list[str], *, for_organisation: bool):
        return render_template(
            "entra_consent.html",
            ctx=_context(params, user),
            user=user,
            app=app_reg,
            scopes=scopes,
            publisher=directory.tenants[app_reg.tenant_id].name,
            for_organisation=for_organisation,
        )

    def _approval_page(params: dict, user: User, app_reg: App, *, workflow: bool = False):
        """ "Need admin approval" (user consent not allowed) or, with the admin consent workflow, "Approval
        required" with a request form (ENTRA-CONSENTERR; the texts as in microsoftgraph/microsoft-graph-docs#3917)."""
        code = 90095 if workflow else 90094
        body = error_body(code, now(), correlation_id=correlation_id())
        return render_template(
            "entra_approval.html",
            ctx=_context(params, user),
            user=user,
            app=app_reg,
            workflow=workflow,
            message=body["error_description"].split("\r\n", 1)[0],
            config=_page_config(code, body),
            request_id=body["trace_id"],
            correlation_id=body["correlation_id"],
            timestamp=body["timestamp"],
        )

    @app.get("/<tenant>/oauth2/v2.0/logout")
    def logout(tenant: str):
        directory.count("logout")
        session.pop("accounts", None)
        return render_template("entra_logout.html", next=request.args.get("post_logout_redirect_uri"))

    # -- token ------------------------------------------------------------------------------------------------------

    @app.post("/<tenant>/oauth2/v2.0/token")
    def token(tenant: str):
        grant_type = request.form.get("grant_type", "")
        client_id = request.form.get("client_id", "")
        directory.count("token")
        directory.count(f"token:{grant_type}")
        directory.count(f"token:{grant_type}:{client_id}")
        fault = directory.take_fault()
        if fault is not None:
            if fault.kind == "429":
                response = jsonify(
                    {
                        "error": "temporarily_unavailable",
                        "error_description": "AADSTS50196: The server terminated an operation because it encountered a "
                        "client request loop.",
                    }
                )
                return response, 429, {"Retry-After": str(fault.retry_after)}
            if fault.kind == "500":
                return jsonify(
                    {
                        "error": "server_error",
                        "error_description": "AADSTS90033: A transient error has occurred. Please try again.",
                    }
                ), 500
            if fault.kind == "html":
                # What an intercepting proxy sends instead of the token endpoint's JSON: HTTP 200 and a page.
                page = "<html><head><title>Web Gateway</title></head><body><h1>Bitte anmelden</h1></body></html>"
                return page, 200, {"Content-Type": "text/html"}
            if fault.kind == "hang":
                time.sleep(fault.seconds)
            if fault.kind in HOSTILE:
                return hostile_answer(fault.kind)
        with directory.lock:
            return _token(tenant, grant_type, client_id)

    def _token(tenant_name: str, grant_type: str, client_id: str):
        tenant: Tenant | None = None
        if tenant_name.lower() not in COLLECTIVE:
            tenant = directory.resolve_tenant(tenant_name)
            if tenant is None:
                body = error_body(90002, now(), correlation_id=correlation_id(), tenant=tenant_name)
                body["error"] = "invalid_request"
                return jsonify(body), 400
        if not client_id:
            return json_error(900144, name="client_id")
        app_reg = directory.apps.get(client_id)
        if app_reg is None or (tenant and not app_reg.multi_tenant and app_reg.tenant_id != tenant.id):
            return json_error(700016, client_id=client_id, tenant=tenant.id if tenant else tenant_name)
        if request.form.get("client_assertion") or request.form.get("client_assertion_type"):
            refusal = _assertion_problem(app_reg, tenant_name, tenant)
            if refusal:
                return refusal
        else:
            problem = _client_problem(app_reg, request.form.get("client_secret"))
            if problem:
                return json_error(problem, client_id=client_id)
        if not grant_type:
            return json_error(900144, name="grant_type")
        if grant_type == "authorization_code":
            return _redeem_code(app_reg)
        if grant_type == "refresh_token":
            return _refresh(app_reg)
        if grant_type == "client_credentials":
            return _client_credentials(app_reg, tenant)
        return json_error(70003, grant_type=grant_type)

    def _client_problem(app_reg: App, secret: str | None) -> int | None:
        if not secret:
            return 7000218
        matching = [s for s in app_reg.secrets if secrets.compare_digest(s.value.encode(), secret.encode())]
        if not matching:
            return 7000215  # also when the secret's ID was sent instead of its value
        if all(s.expires_at <= now() for s in matching):
            return 7000222
        return None

    def _assertion_problem(app_reg: App, tenant_name: str, tenant: Tenant | None):
        """A client assertion instead of a secret (ENTRA-CERT: client_assertion_type + client_assertion replace
        client_secret, in every grant); checked by devhost.entra.certificates.check_assertion."""
        if request.form.get("client_assertion_type") != certificates.ASSERTION_TYPE:
            # ENTRA-ERR 900144 "The request body must contain the following parameter" (the assertion's type is
            # required beside it: ENTRA-CERT).
            return json_error(900144, name="client_assertion_type")
        if not request.form.get("client_assertion"):
            return json_error(7000218)
        root = base_url.rstrip("/")
        names = {tenant_name, *((tenant.id, *tenant.domains) if tenant else ())}
        # ENTRA-CERT (certificate-credentials.md, ms.date 01/04/2025): aud is the v2.0 token endpoint,
        # "https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token" in its table and
        # ".../contoso.onmicrosoft.com/oauth2/v2.0/token" in its example: the tenant by GUID or by domain, both on the
        # page. The v1 endpoint ("oauth2/token") is not named there and is refused (issue 20's strictness pass).
        audiences = tuple(f"{root}/{name}/oauth2/v2.0/token" for name in names)
        try:  # which signature clients use (PS256 with x5t#S256 is Entra's recommendation; tests read this)
            header = pyjwt.get_unverified_header(request.form["client_assertion"])
            directory.count(f"assertion:{header.get('alg')}:{'x5t#S256' if 'x5t#S256' in header else 'x5t'}")
        except pyjwt.InvalidTokenError:
            pass
        refusal = certificates.check_assertion(
            request.form["client_assertion"],
            client_id=app_reg.client_id,
            keys=app_reg.certificates,
            audiences=audiences,
            now=now(),
            used=directory.used_assertions,
        )
        if refusal is None:
            return None
        details = {k: _stamp(v) if isinstance(v, dt.datetime) else v for k, v in refusal.details.items()}
        return json_error(refusal.code, **details)

    def _resource_of(scopes: list[str]) -> tuple[str | None, list[str]]:
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        resources = {s.rsplit("/", 1)[0] for s in resource_scopes}
        if len(resources) > 1:
            return None, resource_scopes
        return (resources.pop() if resources else None), resource_scopes

    def _issue(
        app_reg: App,
        user: User,
        tenant_id: str,
        scopes: list[str],
        *,
        nonce: str | None = None,
        with_id_token: bool,
        login_name: str = "",
        extra: dict | None = None,
    ):
        resource, resource_scopes = _resource_of(scopes)
        lifetime = directory.access_token_lifetime
        # Microsoft Graph's permissions come back without the resource ("Files.ReadWrite openid profile" in msal's
        # cache: AzureAD/microsoft-authentication-library-for-python#450; the same for other first-party APIs,
        # microsoft-authentication-library-for-js#488), Exchange's with it ("https://outlook.office.com/SMTP.Send").
        granted = [s.rsplit("/", 1)[-1] if resource == GRAPH else s for s in resource_scopes]
        body = {
            "token_type": "Bearer",
            "scope": " ".join(granted + [s for s in OIDC_SCOPES if s in scopes and s != "email"]),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": tokens.access_token(
                key,
                base_url=base_url,
                resource=resource or "00000003-0000-0000-c000-000000000000",
                scopes=resource_scopes,
                user=user,
                app=app_reg,
                tenant_id=tenant_id,
                now=now(),
                lifetime=lifetime,
                extra=extra,
            ),
        }
        if "offline_access" in scopes:
            refresh = secrets.token_urlsafe(64)
            directory.refresh_grants[refresh] = RefreshGrant(
                token=refresh,
                client_id=app_reg.client_id,
                user_oid=user.oid,
                tenant_id=tenant_id,
                scopes=sorted(directory.consented(user, app_reg.client_id) | set(OIDC_SCOPES)),
                issued_at=now(),
                last_used_at=now(),
                login_name=login_name,
            )
            body["refresh_token"] = refresh
        if with_id_token and "openid" in scopes:
            body["id_token"] = tokens.id_token(
                key,
                base_url=base_url,
                user=user,
                app=app_reg,
                tenant_id=tenant_id,
                nonce=nonce,
                now=now(),
                login_name=login_name,
            )
        if request.form.get("client_info") == "1":
            body["client_info"] = tokens.client_info(user)
        return jsonify(body)

    def _redeem_code(app_reg: App):
        for name in ("code", "redirect_uri"):
            if not request.form.get(name):
                return json_error(900144, name=name)
        grant = directory.codes.get(request.form["code"])
        if grant is None or grant.client_id != app_reg.client_id:
            return json_error(9002313)
        if grant.redeemed_at is not None:
            return json_error(54005)
        if now() - grant.issued_at > CODE_LIFETIME:
            return json_error(70008)
        if request.form["redirect_uri"] != grant.redirect_uri:
            return json_error(50011, redirect_uri=request.form["redirect_uri"], client_id=app_reg.client_id)
        if grant.code_challenge:
            verifier = request.form.get("code_verifier", "")
            computed = urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if not verifier or computed != grant.code_challenge:
                return json_error(50148)
        scopes = request.form.get("scope", "").split() or grant.scopes
        resource, resource_scopes = _resource_of(scopes)
        if resource is None and resource_scopes:
            return json_error(28000, scope=" ".join(resource_scopes))
        grant.redeemed_at = now()
        user = directory.users[grant.user_oid]
        return _issue(
            app_reg,
            user,
            grant.tenant_id,
            scopes,
            nonce=grant.nonce,
            with_id_token=True,
            login_name=grant.login_name,
            extra=_claims_requested(request.form.get("claims", "")),
        )

    def _refresh(app_reg: App):
        refresh = request.form.get("refresh_token")
        if not refresh:
            return json_error(900144, name="refresh_token")
        grant = directory.refresh_grants.get(refresh)
        if grant is None or grant.client_id != app_reg.client_id:
            return json_error(9002313)
        user = directory.users[grant.user_oid]
        if user.tokens_valid_from and grant.issued_at < user.tokens_valid_from:
            return json_error(50173, issued=grant.issued_at.isoformat(), valid_from=user.tokens_valid_from.isoformat())
        if now() - grant.last_used_at > REFRESH_INACTIVITY:
            inactive = now() - grant.last_used_at
            return json_error(700082, issued=timestamp(grant.issued_at), inactive=f"{inactive.days}.00:00:00")
        if user.disabled:
            return json_error(50057)
        scopes = request.form.get("scope", "").split()
        resource, resource_scopes = _resource_of(scopes)
        if resource is None and resource_scopes:
            return json_error(28000, scope=" ".join(resource_scopes))
        if user.blocked_by_conditional_access:
            return json_error(53003)
        if user.mfa_required:
            return json_error(50076, resource=resource or "")
        # Consent is checked at every use of a refresh token: revoking the grant (deleting the
        # oauth2PermissionGrant) makes the next refresh fail with 65001 (reference-error-codes: DelegationDoesNotExist).
        if not set(resource_scopes) <= directory.consented(user, app_reg.client_id):
            return json_error(65001, client_id=app_reg.client_id, app_name=app_reg.name)
        grant.last_used_at = now()
        return _issue(
            app_reg,
            user,
            grant.tenant_id,
            scopes or grant.scopes,
            with_id_token=True,
            login_name=grant.login_name,
            extra=_claims_requested(request.form.get("claims", "")),
        )

    def _claims_requested(claims: str) -> dict | None:
        """What a token request's ``claims`` parameter adds to the access token (learn.microsoft.com/entra/
        identity-platform/claims-challenge, MicrosoftDocs/entra-docs ``docs/identity-platform/claims-challenge.md``):

        - ``xms_cc``: the client capabilities it declares, ``{"access_token":{"xms_cc":{"values":["cp1"]}}}`` (msal's
          ``client_capabilities``). "The only currently known value is cp1"; "The values aren't case-sensitive";
          unknown values are left out. The page adds it only for a resource that asked for the optional claim; the
          emulated Graph is such a resource (it must know who can take a claims challenge: devhost.graph).
        - ``acrs``: an authentication context asked for after a claims challenge is satisfied in the new token. A user
          who must do MFA interactively never gets here: the refresh answers 50076 above."""
        try:
            wanted = json.loads(claims)["access_token"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(wanted, dict):
            return None
        extra: dict = {}
        try:
            values = wanted["xms_cc"]["values"]
            if isinstance(values, list) and "cp1" in [str(v).lower() for v in values]:
                extra["xms_cc"] = ["cp1"]
        except (KeyError, TypeError):
            pass
        try:
            extra["acrs"] = [wanted["acrs"]["value"]]
        except (KeyError, TypeError):
            pass
        return extra or None

    def _client_credentials(app_reg: App, tenant: Tenant | None):
        scope = request.form.get("scope", "")
        if not scope:
            return json_error(900144, name="scope")
        if not scope.endswith("/.default") or len(scope.split()) != 1:
            return json_error(1002012, scope=scope)
        resource = scope.removesuffix("/.default")
        tenant_id = tenant.id if tenant else app_reg.tenant_id
        lifetime = directory.access_token_lifetime
        return jsonify(
            {
                "token_type": "Bearer",
                "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": tokens.access_token(
                    key,
                    base_url=base_url,
                    resource=resource,
                    scopes=[],
                    user=None,
                    app=app_reg,
                    tenant_id=tenant_id,
                    now=now(),
                    lifetime=lifetime,
                    extra=_claims_requested(request.form.get("claims", "")),
                    roles=directory.app_roles(tenant_id, app_reg.client_id, resource),
                ),
            }
        )

    register_control(app, directory, base_url, key)
    return app


def _stamp(when: dt.datetime) -> str:
    """Times inside AADSTS texts: ``2024-10-02T22:05:03.6755165Z`` (AzureAD/…-dotnet#4951)."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
