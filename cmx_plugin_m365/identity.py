"""msal, configured once: the one place that builds ConfidentialClientApplication objects.

Only msal talks OAuth. Its HTTP client has timeouts (msal sets none) and the instance's CA bundle; discovery
answers are shared by all app objects of the process (``http_cache``), so building an app per account and request
costs no network round trip after the first.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import warnings

import msal
import requests

from .config import AzureApp, Options
from .diagnosis import Finding, entry, from_exception, from_oauth
from .http import Session
from .redaction import guard_library_loggers

_http_cache: dict = {}
_sessions: dict[tuple, Session] = {}
_lock = threading.Lock()


class MicrosoftError(Exception):
    """Microsoft (or the way to it) refused; ``finding`` says why in German and what kind of failure it is."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message())
        self.finding = finding


def session(options: Options) -> Session:
    key = (options.ca_file, options.http_timeout)
    with _lock:
        if key not in _sessions:
            _sessions[key] = Session(
                timeout=(min(5.0, options.http_timeout), options.http_timeout), ca_file=options.ca_file
            )
        return _sessions[key]


def authority(options: Options, azure: AzureApp) -> str:
    return f"{options.login_base_url.rstrip('/')}/{azure.tenant}"


def build(
    options: Options, azure: AzureApp, cache: msal.TokenCache | None = None
) -> msal.ConfidentialClientApplication:
    """An msal app for the instance's registration; raises MicrosoftError when discovery fails, or when this server
    cannot use the app's credential (:attr:`AzureApp.refused`)."""
    if azure.refused is not None:
        raise MicrosoftError(azure.refused)
    try:
        app = msal.ConfidentialClientApplication(
            azure.client_id,
            client_credential=azure.credential,
            authority=authority(options, azure),
            http_client=session(options),
            http_cache=_http_cache,
            instance_discovery=False,
            token_cache=cache,
        )
    except requests.RequestException as error:
        raise MicrosoftError(from_exception(error)) from None
    except ValueError as error:
        if _raised_reading_the_credential(error):
            # msal could not use the credential dict (e.g. msal < 1.35 and a certificate without thumbprint): our
            # side, not the tenant's. msal's text names no secret, but it is not shown either: the code says it.
            raise MicrosoftError(Finding(entry("oauth:msal_credential"), "MSAL-CREDENTIAL")) from None
        # msal: "Unable to get authority configuration for <url>. Authority would typically be in a format of ..."
        # when discovery answered 400 (AADSTS90002: tenant not found).
        raise MicrosoftError(from_oauth("invalid_tenant", f"AADSTS90002: {error}")) from None
    guard_library_loggers()  # msal creates some of its loggers with the first app
    return app


def _raised_reading_the_credential(error: ValueError) -> bool:
    """Whether msal raised ``error`` while reading ``client_credential`` (in ``ClientApplication._build_client``, which
    runs after discovery; the authority's errors come from ``Authority.__init__``). Decided by where, not by msal's
    wording, which differs between versions ("client_credential needs to follow this format …" up to 1.34, "You
    must provide either 'thumbprint' or 'public_certificate' …" from 1.35)."""
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_name == "_build_client":
            return True
        trace = trace.tb_next
    return False


def tenant_guid(app: msal.ConfidentialClientApplication) -> str:
    """The directory's GUID as discovery reported it (the TenantID setting may hold a domain)."""
    return app.authority.token_endpoint.split("/")[3]


def initiate(app: msal.ConfidentialClientApplication, scopes: list[str], *, redirect_uri: str, login_hint: str) -> dict:
    """Start an auth code flow with PKCE, nonce and state; ``prompt=select_account`` so that the person always sees
    which account they sign in with (the admin guide's "sign out first" step becomes unnecessary). ``scopes`` may
    name several resources (consent for SMTP and Graph at once); the code is redeemed for one of them."""
    with warnings.catch_warnings():
        # msal recommends response_mode=form_post. We use the default (query) on purpose: a cross-site POST would
        # arrive without the host's SameSite=Lax session cookie, and the pending sign-in is bound to that session.
        warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
        return app.initiate_auth_code_flow(
            scopes, redirect_uri=redirect_uri, prompt="select_account", login_hint=login_hint or None
        )


def redeem(app: msal.ConfidentialClientApplication, scope: str, flow: dict, auth_response: dict) -> dict:
    """Redeem the code Microsoft sent back. Returns msal's result; raises MicrosoftError for failures."""
    try:
        result = app.acquire_token_by_auth_code_flow(flow, auth_response, scopes=[scope])
    except requests.RequestException as error:
        raise MicrosoftError(from_exception(error)) from None
    except msal.exceptions.MsalServiceError as error:
        raise MicrosoftError(
            from_oauth(
                getattr(error, "error", "server_error") or "server_error", str(getattr(error, "error_description", ""))
            )
        ) from None
    except json.JSONDecodeError as error:
        # Not Microsoft's JSON at all (a proxy's or captive portal's page): the way is broken, not the sign-in.
        raise MicrosoftError(from_exception(error)) from None
    except (RuntimeError, ValueError):
        # msal: RuntimeError when the id_token's nonce does not match, ValueError when state or code do not.
        raise MicrosoftError(Finding(entry("oidc:nonce"), "OIDC-NONCE")) from None
    if "error" in result:
        raise MicrosoftError(
            from_oauth(result["error"], result.get("error_description", ""), error_codes=result.get("error_codes"))
        )
    return result


def check_credentials(options: Options, azure: AzureApp) -> None:
    """Prove client ID, credential (secret or certificate) and tenant together with a client-credentials request (no
    user involved).

    Raises MicrosoftError (90002, 700016, 7000215, 7000222, 700027, 700024, network …) when they do not work.
    """
    app_token(options, azure, options.credentials_scope)


def app_token(options: Options, azure: AzureApp, scope: str) -> str:
    """An app-only access token for ``scope`` (``<resource>/.default``): the app's own, not a person's."""
    return app_token_result(options, azure, scope)["access_token"]


def app_token_result(options: Options, azure: AzureApp, scope: str) -> dict:
    """msal's answer to a client-credentials request (``access_token``, ``expires_in``); raises MicrosoftError."""
    app = build(options, azure)
    try:
        result = app.acquire_token_for_client([scope])
    except (requests.RequestException, json.JSONDecodeError) as error:
        # JSONDecodeError: not Microsoft's JSON at all (a proxy's page instead of the answer).
        raise MicrosoftError(from_exception(error)) from None
    except msal.exceptions.MsalServiceError as error:
        # msal raises on a 5xx it could not read as an OAuth error (e.g. "HTTP Error: 500"): Microsoft's trouble.
        raise MicrosoftError(from_oauth("server_error", str(error))) from None
    if "error" in result:
        raise MicrosoftError(
            from_oauth(result["error"], result.get("error_description", ""), error_codes=result.get("error_codes"))
        )
    return result


def token_claims(token: str) -> dict:
    """The claims of a JWT, read without checking its signature, or {} when it is not a readable JWT.

    Only for names, never for trust: the token came straight from Microsoft over verified TLS, and what it grants
    is decided by the service it is presented to. Access tokens are opaque to clients by Microsoft's rules, so a
    token that cannot be read (encrypted, a new format) is no error; the caller falls back to the ID token.
    """
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


@functools.lru_cache(maxsize=256)
def name_in_token(token: str) -> str:
    """:func:`sign_in_name` of an access token alone, remembered per token (a token's UPN cannot change within it):
    XOAUTH2 needs it for every mail, the JWT is decoded once."""
    return sign_in_name({"access_token": token})


def sign_in_name(result: dict) -> str:
    """The name Exchange Online checks in XOAUTH2 ``user=``: the UPN of the signed-in user, lower case.

    Exchange compares ``user=`` with the UPN the access token carries (real answers: chatwoot/chatwoot#14522,
    glpi-project/glpi#18796; abhinavxd/libredesk#256 reads it from the token). The ID token's
    ``preferred_username`` is that UPN too, except in tenants with email as an alternate login ID, where it is the
    address the person typed (howto-authentication-use-email-signin), which Exchange refuses with 535 5.7.3. So the
    access token's ``upn`` comes first; ``preferred_username`` only when the token cannot be read.
    """
    access = token_claims(result.get("access_token", ""))
    ids = result.get("id_token_claims") or {}
    name = access.get("upn") or access.get("unique_name") or ids.get("upn") or ids.get("preferred_username") or ""
    return name.strip().lower()
