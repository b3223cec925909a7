"""The emulator checks certificate credentials as Entra does (next-features §2) and lets an application roll its own
certificates through Graph (§7). Unmodified msal signs the assertions where it can; hand-made assertions test what
msal never sends wrong."""

import base64
import hashlib
import time
import uuid

import jwt
import msal
import pytest
import requests

from devhost.entra.certificates import ASSERTION_TYPE

from .helpers import assert_microsoft_error, http, make_certificate


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.fixture
def uploaded(ms, org):
    key, pem, der = make_certificate()
    ms.call("certificate", client_id=org.client_id, certificate=pem)
    return key, pem, der


def token_url(ms, org):
    return f"{ms.addresses.login_base_url}/{org.tenant_id}/oauth2/v2.0/token"


def assertion(ms, org, key, der, *, alg="PS256", header=None, **claims):
    now = int(time.time())
    body = {
        "aud": token_url(ms, org),
        "iss": org.client_id,
        "sub": org.client_id,
        "jti": str(uuid.uuid4()),
        "nbf": now,
        "exp": now + 600,
        **claims,
    }
    headers = header if header is not None else {"x5t#S256": b64url(hashlib.sha256(der).digest())}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=alg, headers=headers)


def client_credentials(ms, org, signed: str) -> requests.Response:
    return http(ms).post(
        token_url(ms, org),
        data={
            "grant_type": "client_credentials",
            "client_id": org.client_id,
            "scope": "https://outlook.office365.com/.default",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": signed,
        },
        timeout=10,
    )


def test_msal_with_a_certificate_signs_ps256_with_x5t_s256_and_is_accepted(ms, org, uploaded):
    key, pem, _ = uploaded
    result = msal_app(ms, org, key, pem).acquire_token_for_client(["https://outlook.office365.com/.default"])
    assert "access_token" in result, result


def test_rs256_with_a_sha1_thumbprint_is_still_accepted(ms, org, uploaded):
    key, _, der = uploaded
    signed = assertion(ms, org, key, der, alg="RS256", header={"x5t": b64url(hashlib.sha1(der).digest())})  # noqa: S324
    assert client_credentials(ms, org, signed).status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "error", "code", "text"),
    [
        ("not uploaded", 401, "invalid_client", 700027, "[Reason - The key was not found., Thumbprint of key used"),
        ("no thumbprint", 400, "invalid_request", 50027, "No certificate thumbprint specified in token header."),
        ("wrong key", 401, "invalid_client", 50013, "Key was found, but use of the key to verify the signature failed"),
        ("audience", 400, "invalid_request", 50027, "Invalid audience"),
        ("v1 endpoint", 400, "invalid_request", 50027, "Invalid audience"),  # certificate-credentials: v2.0 only
        ("issuer", 400, "invalid_request", 50027, "The issuer must be the application's client ID."),
        ("subject", 401, "invalid_client", 50048, "Subject mismatches Issuer claim"),
        ("expired", 401, "invalid_client", 700024, "Client assertion is not within its valid time range."),
        ("future", 401, "invalid_client", 700024, "assertion valid from"),
    ],
)
def test_assertions_are_refused_as_entra_refuses_them(ms, org, uploaded, change, status, error, code, text):
    key, _, der = uploaded
    other_key, _, other_der = make_certificate()
    now = int(time.time())
    signed = {
        "not uploaded": lambda: assertion(ms, org, other_key, other_der),
        "no thumbprint": lambda: assertion(ms, org, key, der, header={}),
        "wrong key": lambda: assertion(ms, org, other_key, der),
        "audience": lambda: assertion(ms, org, key, der, aud="https://login.microsoftonline.com/common/oauth2/token"),
        "v1 endpoint": lambda: assertion(ms, org, key, der, aud=token_url(ms, org).replace("/v2.0/token", "/token")),
        "issuer": lambda: assertion(ms, org, key, der, iss="someone", sub="someone"),
        "subject": lambda: assertion(ms, org, key, der, sub="someone else"),
        # Outside Entra's tolerance of a few minutes (devhost.entra.certificates.CLOCK_SKEW).
        "expired": lambda: assertion(ms, org, key, der, nbf=now - 1800, exp=now - 900),
        "future": lambda: assertion(ms, org, key, der, nbf=now + 900, exp=now + 1500),
    }[change]()
    response = client_credentials(ms, org, signed)
    assert response.status_code == status
    assert_microsoft_error(response.json(), error, code, text)


@pytest.mark.filterwarnings("ignore:The RSA key is 1024 bits long")  # on purpose: Entra must refuse it
def test_a_weak_key_is_refused(ms, org):
    key, pem, der = make_certificate(bits=1024)
    ms.call("certificate", client_id=org.client_id, certificate=pem)
    response = client_credentials(ms, org, assertion(ms, org, key, der))
    assert_microsoft_error(response.json(), "invalid_client", 50032, "WeakRsaKey")


def test_a_registered_certificate_that_expired_is_not_found_for_signing(ms, org):
    key, pem, der = make_certificate(days=2)
    ms.call("certificate", client_id=org.client_id, certificate=pem)
    ms.call("clock/advance", seconds=3 * 86400)
    later = int(time.time()) + 3 * 86400
    response = client_credentials(ms, org, assertion(ms, org, key, der, nbf=later, exp=later + 600))
    assert_microsoft_error(response.json(), "invalid_client", 700027, "The key used is expired.")


def test_an_assertion_is_used_once(ms, org, uploaded):
    key, _, der = uploaded
    signed = assertion(ms, org, key, der)
    assert client_credentials(ms, org, signed).status_code == 200
    again = client_credentials(ms, org, signed)
    assert_microsoft_error(again.json(), "invalid_request", 50027, "already used")


def test_no_secret_and_no_assertion(ms, org):
    response = http(ms).post(
        token_url(ms, org),
        data={"grant_type": "client_credentials", "client_id": org.client_id, "scope": "x/.default"},
        timeout=10,
    )
    assert_microsoft_error(response.json(), "invalid_client", 7000218, "'client_assertion' or 'client_secret'")


# -- Graph: the application rolls its own certificates ---------------------------------------------------------------


def msal_app(ms, org, key, pem):
    """Unmodified msal with a certificate (no thumbprint: PS256 and x5t#S256, next-features §2.3)."""
    return msal.ConfidentialClientApplication(
        org.client_id,
        client_credential={"private_key": key, "public_certificate": pem},
        authority=f"{ms.addresses.login_base_url}/{org.tenant_id}",
        http_client=http(ms),
        instance_discovery=False,
    )


def app_token(ms, org, key, pem):
    return msal_app(ms, org, key, pem).acquire_token_for_client(["https://graph.microsoft.com/.default"])[
        "access_token"
    ]


def proof(key, der, iss, *, aud="00000002-0000-0000-c000-000000000000", minutes=10):
    now = int(time.time())
    return jwt.encode(
        {"aud": aud, "iss": iss, "nbf": now, "exp": now + minutes * 60},
        key,
        algorithm="RS256",
        headers={"x5t": b64url(hashlib.sha1(der).digest())},  # noqa: S324
    )


def add_key(ms, org, token, signed_proof, new_der, *, path=None):
    return http(ms).post(
        f"{ms.addresses.login_base_url}/v1.0/applications/{path or org.object_id}/addKey",
        json={
            "keyCredential": {
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
                "key": base64.b64encode(new_der).decode(),
            },
            "passwordCredential": None,
            "proof": signed_proof,
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_add_key_and_remove_key_with_a_proof_of_possession(ms, org, uploaded):
    key, pem, der = uploaded
    token = app_token(ms, org, key, pem)
    _, _, new_der = make_certificate()
    response = add_key(ms, org, token, proof(key, der, org.object_id), new_der)
    assert response.status_code == 200, response.text
    added = response.json()
    assert added["type"] == "AsymmetricX509Cert" and added["keyId"]
    listed = ms.call("certificates", client_id=org.client_id)["certificates"]
    assert len(listed) == 2 and {c["added_by"] for c in listed} == {"portal", "addKey"}
    removed = http(ms).post(
        f"{ms.addresses.login_base_url}/v1.0/applications(appId='{org.client_id}')/removeKey",
        json={"keyId": added["keyId"], "proof": proof(key, der, org.object_id)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert removed.status_code == 204, removed.text
    assert len(ms.call("certificates", client_id=org.client_id)["certificates"]) == 1


@pytest.mark.parametrize(
    ("what", "status", "code"),
    [
        ("client id as issuer", 401, "Authentication_MissingOrMalformed"),  # the object ID is meant
        ("2023 audience", 401, "Authentication_MissingOrMalformed"),  # only 00000002-… is documented today
        ("too long", 401, "Authentication_MissingOrMalformed"),
        ("no proof", 403, "Authorization_RequestDenied"),
        ("policy", 400, "CredentialInvalidLifetimeAsPerAppPolicy"),
        ("blocked", 403, "Authorization_RequestDenied"),
        ("unknown object", 404, "Request_ResourceNotFound"),
    ],
)
def test_add_key_refusals(ms, org, uploaded, what, status, code):
    key, pem, der = uploaded
    token = app_token(ms, org, key, pem)
    _, _, new_der = make_certificate(days=400)
    signed = {
        "client id as issuer": proof(key, der, org.client_id),
        "2023 audience": proof(key, der, org.object_id, aud="00000003-0000-0000-c000-000000000000"),
        "too long": proof(key, der, org.object_id, minutes=60),
        "no proof": "",
    }.get(what, proof(key, der, org.object_id))
    if what == "policy":
        ms.call("tenant/update", tenant_id=org.tenant_id, key_lifetime_days=365)
    if what == "blocked":
        ms.call("tenant/update", tenant_id=org.tenant_id, key_roll_blocked=True)
    path = str(uuid.uuid4()) if what == "unknown object" else None
    response = add_key(ms, org, token, signed, new_der, path=path)
    assert response.status_code == status, response.text
    if code:
        assert response.json()["error"]["code"] == code
    if what == "policy":
        assert response.json()["error"]["details"][0]["code"] == "InvalidKeyEndDate"
    if code == "Authentication_MissingOrMalformed":  # the body as captured (microsoft-graph-docs-contrib#1076)
        assert response.json()["error"]["message"] == "Access Token missing or malformed."
    if status != 200:
        assert len(ms.call("certificates", client_id=org.client_id)["certificates"]) == 1  # nothing was added


def test_an_assertion_may_name_the_tenant_by_domain(ms, org, uploaded):
    """certificate-credentials.md's example: "aud": ".../contoso.onmicrosoft.com/oauth2/v2.0/token"."""
    key, _, der = uploaded
    aud = token_url(ms, org).replace(org.tenant_id, org.domain)
    assert client_credentials(ms, org, assertion(ms, org, key, der, aud=aud)).status_code == 200


@pytest.mark.parametrize("how", ["PS256", "x5t#S256 instead of x5t", "no x5t"])
def test_a_proof_signed_otherwise_than_the_pages_sample_is_refused(ms, org, uploaded, how):
    """application-rollkey-prooftoken's sample signs RS256 with the certificate's x5t (X509SigningCredentials);
    nothing else is documented (issue 20's strictness pass)."""
    key, pem, der = uploaded
    now = int(time.time())
    body = {"aud": "00000002-0000-0000-c000-000000000000", "iss": org.object_id, "nbf": now, "exp": now + 600}
    header = {
        "PS256": {"x5t": b64url(hashlib.sha1(der).digest())},  # noqa: S324
        "x5t#S256 instead of x5t": {"x5t#S256": b64url(hashlib.sha256(der).digest())},
        "no x5t": {},
    }[how]
    signed = jwt.encode(body, key, algorithm="PS256" if how == "PS256" else "RS256", headers=header)
    response = add_key(ms, org, app_token(ms, org, key, pem), signed, make_certificate()[2])
    assert (response.status_code, response.json()["error"]["code"]) == (401, "Authentication_MissingOrMalformed")


def test_only_the_applications_own_token_rolls_keys(ms, org, uploaded):
    """ "This call works only in an app only context" (microsoft-graph-docs#14626)."""
    key, _, der = uploaded
    delegated = jwt.encode({"scp": "Mail.Send"}, "x" * 32, algorithm="HS256")
    response = add_key(ms, org, delegated, proof(key, der, org.object_id), make_certificate()[2])
    assert response.status_code == 401


def test_the_demo_page_uploads_a_certificate_file_and_shows_its_thumbprint(ms, org):
    _, pem, der = make_certificate()
    page = http(ms).post(
        f"{ms.addresses.login_base_url}/_emulator/action",
        data={"op": "certificate", "client_id": org.client_id},
        files={"certificate_file": ("cmxOrganize.cer", der)},  # a DER .cer as Windows saves it
        timeout=10,
    )
    thumbprint = hashlib.sha1(der).hexdigest().upper()  # noqa: S324
    assert thumbprint in page.text and org.object_id in page.text
    assert [c["thumbprint"] for c in ms.call("certificates", client_id=org.client_id)["certificates"]] == [thumbprint]
    again = http(ms).post(
        f"{ms.addresses.login_base_url}/_emulator/action",
        data={"op": "certificate", "client_id": org.client_id},
        files={"certificate_file": ("cmxOrganize.pem", pem.encode())},
        timeout=10,
    )
    assert again.status_code == 400 and "already uploaded" in again.text
