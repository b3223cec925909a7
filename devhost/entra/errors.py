"""Microsoft identity platform errors as the emulator produces them: code → OAuth ``error``, HTTP status, text.

Texts follow Microsoft's (../shared/reference/microsoft-identity-and-exchange.md, section 4); placeholders in braces.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class AadError:
    code: int
    error: str
    status: int
    text: str
    suberror: str | None = None
    """MSAL's classification of what the user must do (basic_action, message_only, consent_required, bad_token …)."""
    claims: bool = False
    """The body carries a ``claims`` challenge for Conditional Access (``{"access_token":{"capolids":…}}``), which
    Azure CLI turns into its "az login --claims-challenge" hint (Azure/azure-cli issues on AADSTS50076)."""
    error_uri: bool = True
    """``error_uri`` is "only present when the error lookup system has additional information about the error"
    (reference-error-codes); captured bodies without it: AADSTS70002/70000 (QuePort/passport-azure-oauth#6)."""


CATALOGUE = {
    e.code: e
    for e in [
        AadError(
            90002,
            "invalid_tenant",
            400,
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the "
            "correct cloud. Check with your subscription administrator, this may happen if there are no active "
            "subscriptions for the tenant.",
        ),
        AadError(
            700016,
            "unauthorized_client",
            400,
            "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if "
            "the application has not been installed by the administrator of the tenant or consented to by any user "
            "in the tenant. You may have sent your authentication request to the wrong tenant.",
        ),
        AadError(
            7000215,
            "invalid_client",
            401,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
            "not the client secret ID, for a secret added to app '{client_id}'.",
        ),
        AadError(
            7000222,
            "invalid_client",
            401,
            "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new "
            "keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added "
            "security: https://aka.ms/certCreds.",
        ),
        # Certificate credentials (next-features §2.4; ENTRA-ERR, and the real wordings cited there).
        AadError(
            700027,
            "invalid_client",
            401,
            # The 2026 wording (AzureAD/microsoft-authentication-library-for-js#8339); the older one reads "Client
            # assertion contains an invalid signature. [Reason - The key was not found., …]" (azure-sdk-for-net#29007).
            "The certificate with identifier used to sign the client assertion is not registered on application. "
            "[Reason - {reason}, Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, "
            "Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'. Review the "
            "documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding "
            "service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&"
            "tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/"
            "{client_id}'].",
        ),
        AadError(
            50013,
            "invalid_client",
            401,
            # msgraph-sdk-php#1585, azure-sdk-for-java#25109
            "Assertion failed signature validation. [Reason - Key was found, but use of the key to verify the "
            "signature failed., Thumbprint of key used by client: '{thumbprint}', Found key 'Start={start}, "
            "End={end}']",
        ),
        AadError(
            700024,
            "invalid_client",
            401,
            # AzureAD/microsoft-authentication-library-for-dotnet#4951
            "Client assertion is not within its valid time range. Current time: {current}, assertion valid from "
            "{start}, expiry time of assertion {end}. Review the documentation at "
            "https://learn.microsoft.com/entra/identity-platform/certificate-credentials",
        ),
        AadError(50027, "invalid_request", 400, "Invalid JWT token. {reason}"),  # ENTRA-ERR: InvalidJwtToken
        AadError(50048, "invalid_client", 401, "Subject mismatches Issuer claim in the client assertion."),
        AadError(
            50032, "invalid_client", 401, "WeakRsaKey - Indicates the erroneous user attempt to use a weak RSA key."
        ),
        AadError(
            7000218,
            "invalid_client",
            401,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ),
        AadError(
            50011,
            "invalid_request",
            400,
            "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured "
            "for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to "
            "your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more "
            "about how to fix this.",
        ),
        AadError(500113, "invalid_request", 400, "No reply address is registered for the application."),
        AadError(
            50194,
            "invalid_request",
            400,
            "Application '{client_id}'({app_name}) is not configured as a multi-tenant application. Usage of the "
            "/common endpoint is not supported for such applications created after '10/15/2018'. Use a "
            "tenant-specific endpoint or configure the application to be multi-tenant.",
        ),
        AadError(
            50020,
            "access_denied",
            400,
            "User account '{user}' from identity provider '{idp}' does not exist in tenant '{tenant_name}' and "
            "cannot access the application '{client_id}'({app_name}) in that tenant. The account needs to be added "
            "as an external user in the tenant first. Sign out and sign in again with a different Azure Active "
            "Directory user account.",
        ),
        AadError(
            65001,
            "invalid_grant",
            400,
            "The user or administrator has not consented to use the application with ID '{client_id}' named "
            "'{app_name}'. Send an interactive authorization request for this user and resource.",
            suberror="consent_required",
        ),
        AadError(65004, "access_denied", 400, "User declined to consent to access the app."),
        # What the browser brings back after "Need admin approval" → "Return to the application without granting
        # consent" is not documented (a Microsoft employee: access_denied with a description, microsoftgraph/
        # microsoft-graph-docs#6949); the page itself names AADSTS90094 ("The grant requires admin permission.",
        # pnp/cli-microsoft365#534), so the emulator sends that code. 90095 is the admin-consent-workflow variant
        # (reference-error-codes: AdminConsentRequiredRequestAccess; sign-in log: MicrosoftDocs/azure-docs#80997).
        AadError(90094, "access_denied", 400, "The grant requires admin permission."),
        AadError(
            90095,
            "access_denied",
            400,
            "Admin consent is required for the permissions requested by this application. An admin consent request "
            "may be sent to the admin.",
        ),
        AadError(
            50058,
            "login_required",
            400,
            "A silent sign-in request was sent but no user is signed in.",
            error_uri=False,
        ),
        AadError(
            70008,
            "invalid_grant",
            400,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive "
            "authorization request for this user and resource.",
            suberror="bad_token",
        ),
        AadError(
            700082,
            "invalid_grant",
            400,
            "The refresh token has expired due to inactivity. The token was issued on {issued} and was inactive for "
            "{inactive}.",
            suberror="bad_token",
        ),
        AadError(
            50173,
            "invalid_grant",
            400,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might "
            "have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date "
            "(before which tokens are not valid) for this user is '{valid_from}'.",
            suberror="bad_token",
        ),
        AadError(
            50076,
            "invalid_grant",
            400,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you "
            "must use multi-factor authentication to access '{resource}'.",
            suberror="basic_action",
            claims=True,
        ),
        AadError(
            50079,
            "interaction_required",
            400,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you "
            "must enroll in multi-factor authentication to access '{resource}'.",
            suberror="basic_action",
        ),
        AadError(
            53003,
            "invalid_grant",
            400,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
            suberror="message_only",
        ),
        AadError(50057, "invalid_grant", 400, "The user account is disabled."),
        AadError(
            54005,
            "invalid_grant",
            400,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing "
            "refresh token.",
        ),
        AadError(9002313, "invalid_grant", 400, "Invalid request. Request is malformed or invalid."),
        AadError(
            50148,
            "invalid_grant",
            400,
            "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
        ),
        AadError(
            501481,
            "invalid_grant",
            400,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ),
        AadError(
            70011,
            "invalid_scope",
            400,
            "The provided request must include a 'scope' input parameter. The provided value for the input parameter "
            "'scope' is not valid. The scope {scope} is not valid.",
        ),
        AadError(
            28000,
            "invalid_scope",
            400,
            "Provided value for the input parameter scope is not valid because it contains more than one resource. "
            "Scope {scope} is not valid.",
        ),
        AadError(
            1002012,
            "invalid_scope",
            400,
            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with "
            "/.default suffixed to the resource identifier (application ID URI).",
        ),
        AadError(900144, "invalid_request", 400, "The request body must contain the following parameter: '{name}'."),
        AadError(70003, "unsupported_grant_type", 400, "The app requested an unsupported grant type '{grant_type}'."),
        AadError(50126, "invalid_grant", 400, "Error validating credentials due to invalid username or password."),
    ]
}


def timestamp(now: dt.datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M:%SZ")


def error_body(code: int, now: dt.datetime, *, correlation_id: str | None = None, **details: str) -> dict:
    """The JSON body Microsoft's token endpoint answers with, for AADSTS ``code``."""
    entry = CATALOGUE[code]
    trace_id = str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    stamp = timestamp(now)
    text = entry.text.format_map(_Blank(details))
    body = {
        "error": entry.error,
        "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\n"
        f"Timestamp: {stamp}",
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    if not entry.error_uri:
        del body["error_uri"]
    if entry.suberror:
        body["suberror"] = entry.suberror
    if entry.claims:
        body["claims"] = json.dumps(
            {"access_token": {"capolids": {"essential": True, "values": [str(uuid.UUID(int=code))]}}},
            separators=(",", ":"),
        )
    return body


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
