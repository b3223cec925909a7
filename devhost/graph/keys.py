"""Microsoft Graph's application addKey / removeKey, emulated: an application rolling its own certificates.

  POST /v1.0/applications/{object id}/addKey, /v1.0/applications(appId='{client id}')/addKey
  POST /v1.0/applications/{object id}/removeKey, /v1.0/applications(appId='{client id}')/removeKey

Sources (next-features §7 and the pages it names): learn.microsoft.com/graph/api/application-addkey and
application-removekey (body, 200 with the keyCredential / 204, "An application does not need any specific permission
to roll its own keys", no valid certificate → the action is unavailable), learn.microsoft.com/graph/
application-rollkey-prooftoken (the proof; see devhost.entra.certificates.check_proof). Where an answer was not found,
the comment says "inferred".
"""

from __future__ import annotations

import base64
import datetime as dt

import jwt
from flask import Flask, Response, jsonify, request

from devhost.entra.certificates import CertificateRefused, check_proof, parse
from devhost.entra.directory import GRAPH, App, Directory
from devhost.entra.tokens import SigningKey

MALFORMED = (401, "Authentication_MissingOrMalformed", "Access Token missing or malformed.")
"""The answer when the call is not the application's own (a delegated token, a bad proof): captured in
microsoftgraph/microsoft-graph-docs-contrib#1076 and #2862 ("this call works only in an app only context", a
Microsoft engineer in microsoftgraph/microsoft-graph-docs#14626)."""
DENIED = (403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
"""msgraph-sdk-powershell#779 (addKey without a proof); also a tenant that does not let applications roll keys."""


def register_keys(app: Flask, directory: Directory, key: SigningKey, error) -> None:
    """``error(status, code, message)`` builds Graph's error body (devhost.graph.server)."""

    def refuse(answer: tuple[int, str, str]):
        return error(*answer)

    def application(ref: str) -> App | None:
        """``ref``: an object ID, or ``appId=<client ID>`` for the alternate key form."""
        if ref.startswith("appId="):
            return directory.apps.get(ref.removeprefix("appId="))
        return directory.app_by_object_id(ref)

    def checked(ref: str, body: dict):
        """(the application, None) when the caller is that application with a valid proof; (None, refusal)."""
        auth = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            claims = key.verify(auth, audience=GRAPH, now=directory.clock.now())
        except jwt.InvalidTokenError:
            return None, refuse(MALFORMED)
        target = application(ref)
        if target is None:
            # Graph's usual "not found" for an object ID that does not exist (inferred for this action).
            return None, error(
                404,
                "Request_ResourceNotFound",
                f"Resource '{ref}' does not exist or one of its queried reference-property objects are not present.",
            )
        if "scp" in claims or claims.get("appid") != target.client_id:
            # Only the application itself, with an app-only token, rolls its keys without a permission.
            return None, refuse(MALFORMED if "scp" in claims else DENIED)
        if directory.tenant(target.tenant_id).key_roll_blocked:
            return None, refuse(DENIED)
        proof = body.get("proof")
        if not isinstance(proof, str) or not proof:
            return None, refuse(DENIED)
        problem = check_proof(proof, object_id=target.object_id, keys=target.certificates, now=directory.clock.now())
        if problem:
            return None, refuse(problem)
        return target, None

    @app.post("/v1.0/applications/<object_id>/addKey")
    @app.post("/v1.0/applications(appId='<app_id>')/addKey")
    def add_key(object_id: str = "", app_id: str = ""):
        ref = object_id or f"appId={app_id}"
        directory.count("graph:addKey")
        body = request.get_json(silent=True) or {}
        with directory.lock:
            target, refused = checked(ref, body)
            if refused:
                return refused
            credential = body.get("keyCredential") or {}
            if credential.get("type") != "AsymmetricX509Cert" or credential.get("usage") != "Verify":
                # Inferred: the exact answer to another type was not found; the page names only these values.
                return error(
                    400,
                    "Request_BadRequest",
                    "Invalid value specified for property 'type' of resource 'KeyCredential'.",
                )
            try:
                new = parse(base64.b64decode(str(credential.get("key", "")), validate=True))
            except (ValueError, CertificateRefused):
                return error(
                    400, "Request_BadRequest", "Invalid value specified for property 'key' of resource 'KeyCredential'."
                )  # inferred, as above
            now = directory.clock.now()
            limit = directory.tenant(target.tenant_id).key_lifetime_days
            if limit is not None and new.end - new.start > dt.timedelta(days=limit):
                # Captured (OfficeDev/microsoft-365-agents-toolkit#10998, microsoft/PubSec-Info-Assistant#681).
                policy = "a5c0d0f1-6b1e-4a2b-9c3d-0e1f2a3b4c5d"
                message = f"Credential lifetime exceeds the max value allowed as per assigned policy '{policy}'."
                response = error(400, "CredentialInvalidLifetimeAsPerAppPolicy", message)
                payload = response.get_json()
                payload["error"]["details"] = [{"code": "InvalidKeyEndDate", "message": message, "target": "EndDate"}]
                response.set_data(jsonify(payload).get_data())
                return response
            if new.end <= now:
                # "Its public key has not yet expired" (microsoft-graph-docs PR #6587); answer inferred.
                return error(400, "Request_BadRequest", "Key credential end date is invalid.")
            if any(k.sha256 == new.sha256 for k in target.certificates):
                return error(400, "Request_BadRequest", "Key credential with the same key already exists.")  # inferred
            new.added_by = "addKey"
            if credential.get("displayName"):
                new.display_name = str(credential["displayName"])
            target.certificates.append(new)
            return jsonify(new.as_graph()), 200

    @app.post("/v1.0/applications/<object_id>/removeKey")
    @app.post("/v1.0/applications(appId='<app_id>')/removeKey")
    def remove_key(object_id: str = "", app_id: str = ""):
        ref = object_id or f"appId={app_id}"
        directory.count("graph:removeKey")
        body = request.get_json(silent=True) or {}
        with directory.lock:
            target, refused = checked(ref, body)
            if refused:
                return refused
            key_id = str(body.get("keyId", ""))
            if not any(k.key_id == key_id for k in target.certificates):
                return error(404, "Request_ResourceNotFound", f"No key credential with keyId '{key_id}'.")  # inferred
            target.certificates = [k for k in target.certificates if k.key_id != key_id]
            return Response(status=204)
