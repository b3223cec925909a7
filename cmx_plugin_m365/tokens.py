"""Access tokens for sending: from memory, else from the encrypted store, refreshed by exactly one worker.

The hot path (every mail) is a dictionary lookup. When the token nears expiry (msal's rule: less than five
minutes left), the worker that wins the database lease on the account's current cache version asks Microsoft
for a new one and stores the new cache with a compare-and-swap; the others wait for that version and use it.
So several app servers refresh an account once per token lifetime, and no refresh token is lost to a race.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass

import msal
import requests
from cmx_hostapi import Host, PermanentMailError, SignInRequired, TemporaryMailError

from . import http, identity, keys, status, store
from .config import AzureApp, Missing, Options, azure_app
from .crypto import DecryptionError
from .diagnosis import Finding, Kind, entry, from_exception, from_oauth
from .names import INTERFACE_TYPE

EXPIRY_MARGIN = 300
"""Seconds before expiry at which a token counts as expired (msal uses the same five minutes)."""
WAIT_SECONDS = 25.0
POLL_SECONDS = 0.05
log = logging.getLogger(__name__)


def lease_seconds(options: Options) -> float:
    """How long a refresh may hold its lease: longer than the slowest refresh the timeouts allow — discovery and the
    token request, each up to the connect and the read timeout — plus room for the database."""
    connect, read = identity.session(options).timeout
    return 2 * (connect + read) + 10.0


@dataclass(frozen=True)
class _Held:
    token: str
    expires_on: float


_memory: dict[tuple[int, str, tuple[str, ...]], _Held] = {}
"""(account id, digest of the stored cache, scopes) → access token. Keyed by the stored blob itself, so a token can
only come from the cache it was read from, whichever instance or version that was; one per resource (SMTP, Graph)."""
_memory_lock = threading.Lock()


def seal(host: Host, cache: msal.SerializableTokenCache) -> bytes:
    return keys.vault(host).encrypt(cache.serialize().encode())


def unseal(host: Host, blob: bytes) -> msal.SerializableTokenCache:
    cache = msal.SerializableTokenCache()
    cache.deserialize(keys.vault(host).decrypt(blob).decode())
    return cache


def forget(account_id: int) -> None:
    """Drop what this process holds in memory for the account (after disconnect or a new sign-in)."""
    with _memory_lock:
        for key in [k for k in _memory if k[0] == account_id]:
            del _memory[key]


def access_token(
    host: Host,
    account_id: int,
    *,
    force_refresh: bool = False,
    state: store.AccountState | None = None,
    scopes: tuple[str, ...] | None = None,
    claims: str | None = None,
    report: bool = True,
) -> str:
    """A valid access token of the account's signed-in user, for SMTP.Send (default) or the given ``scopes`` of one
    resource (Graph's Mail.Send): the same refresh token serves both (next-features §1.5).

    ``state`` is the account's row if the caller has just read it (sending reads it once per mail). ``claims`` is
    a resource's claims challenge (Conditional Access): the refresh asks Microsoft for a token that satisfies it.
    ``report=False`` only asks (the second route in "E-Mailkonto testen"): a failure is not the account's problem.
    Raises SignInRequired (the account must sign in again), PermanentMailError (configuration) or TemporaryMailError
    (try later). Problems are recorded on the account and told to people once.
    """
    scopes = scopes or (Options.of(host).smtp_send,)
    force_refresh = force_refresh or bool(claims)
    state = state or store.account_state(host, account_id)
    if state is not None and state.by_app:
        return _for_app_account(host, account_id, scopes, force_refresh, report)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        state = state or store.account_state(host, account_id)
        if state is None or state.token_cache is None or state.state == store.NEW:
            raise SignInRequired(
                "Dieses E-Mailkonto ist noch nicht bei Microsoft angemeldet. Bitte im E-Mailkonto "
                "„Bei Microsoft anmelden“ wählen.",
                code="NOT-CONNECTED",
            )
        if state.state == store.SIGNIN_REQUIRED:
            raise SignInRequired(state.problem_text or "Anmeldung bei Microsoft erforderlich.", code=state.problem_code)
        if not force_refresh:
            held = _from_memory(account_id, state.token_cache, scopes) or _from_cache(host, account_id, state, scopes)
            if held is not None:
                return held.token
        owner = store.take_refresh_lease(host, account_id, state.cache_version, lease_seconds(Options.of(host)))
        if owner:
            return _refresh(host, account_id, state, force_refresh, owner, scopes, claims, report)
        if time.monotonic() > deadline:
            raise TemporaryMailError(
                "Die Erneuerung der Anmeldung bei Microsoft dauert zu lange; die Mail wird später erneut gesendet.",
                code="REFRESH-WAIT",
            )
        current = store.account_state(host, account_id)
        if current is not None and current.cache_version != state.cache_version and not current.leased:
            # The row was rewritten meanwhile without a refresh (re-encryption, a new sign-in): nobody brought the
            # fresh token we need, so ask again with the row as it is now (a forced refresh stays forced).
            state = current
            continue
        # Another worker is refreshing this account right now: wait for its new cache version.
        _wait_for_new_version(host, account_id, state.cache_version, deadline)
        state = None  # read the row again
        force_refresh = False  # the other worker's fresh token is what we wanted


def _key(account_id: int, blob: bytes, scopes: tuple[str, ...]) -> tuple[int, str, tuple[str, ...]]:
    return account_id, hashlib.blake2b(blob, digest_size=16).hexdigest(), scopes


def _from_memory(account_id: int, blob: bytes, scopes: tuple[str, ...]) -> _Held | None:
    with _memory_lock:
        held = _memory.get(_key(account_id, blob, scopes))
    if held and held.expires_on - EXPIRY_MARGIN > time.time():
        return held
    return None


def _remember(account_id: int, blob: bytes, scopes: tuple[str, ...], held: _Held) -> _Held:
    key = _key(account_id, blob, scopes)
    with _memory_lock:
        for old in [k for k in _memory if k[0] == account_id and k[1] != key[1]]:
            del _memory[old]  # tokens of an older cache of this account
        _memory[key] = held
    return held


def _from_cache(host: Host, account_id: int, state: store.AccountState, scopes: tuple[str, ...]) -> _Held | None:
    """A still valid access token from the stored cache (no network), or None when a refresh is due."""
    cache = _unseal_here(host, account_id, state.token_cache)
    now = time.time()
    for token in cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN):
        if not _grants(token.get("target", ""), scopes):
            continue
        expires_on = float(token["expires_on"])
        if expires_on - EXPIRY_MARGIN > now:
            return _remember(account_id, state.token_cache, scopes, _Held(token["secret"], expires_on))
    return None


def _grants(target: str, scopes: tuple[str, ...]) -> bool:
    """Whether a cached token is for ``scopes``. Microsoft names Graph's permissions without their resource in the
    answer ("Mail.Send", not "https://graph.microsoft.com/Mail.Send"; msal-python#450), and msal caches the answer's
    names: so a requested scope matches in either form."""
    granted = set(target.split())
    return all(s in granted or s.rsplit("/", 1)[-1] in granted for s in scopes)


def _wait_for_new_version(host: Host, account_id: int, version: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        current = store.account_state(host, account_id)
        if current is None or current.cache_version != version:
            return
        if current.refresh_lease_until is not None and current.refresh_lease_until < store.utcnow():
            return  # the refreshing worker died; compete for the lease again


def _refresh(
    host: Host,
    account_id: int,
    state: store.AccountState,
    force: bool,
    owner: str,
    scopes: tuple[str, ...],
    claims: str | None,
    report: bool = True,
) -> str:
    """Ask Microsoft for a new access token (holding the lease ``owner``) and store the new cache."""
    http.retry_after_seen()  # forget what an earlier request of this thread left
    try:
        azure = azure_app(host)
        if isinstance(azure, Missing):
            raise PermanentMailError(
                "Die Anmeldung bei Microsoft ist nicht eingerichtet: " + " ".join(azure.items), code="CONFIG-MISSING"
            )
        cache = _unseal_here(host, account_id, state.token_cache)
        result = _acquire_silently(host, azure, cache, state.user_oid, force, scopes, claims)
    except identity.MicrosoftError as error:
        store.release_refresh_lease(host, account_id, owner)
        finding = _for_graph(error.finding) if scopes != (Options.of(host).smtp_send,) else error.finding
        if report:
            status.report(host, account_id, finding)  # recorded and told once; temporary ones only in the trail
        # Microsoft's Retry-After (429/503), so that the host retries when Microsoft wants it, not sooner.
        raise finding.mail_error(retry_after=http.retry_after_seen()) from None
    except BaseException:
        store.release_refresh_lease(host, account_id, owner)
        raise
    blob = seal(host, cache)
    if not store.save_cache(host, account_id, state.cache_version, blob, lease_owner=owner):
        # Someone replaced the cache meanwhile (a new sign-in, a disconnect): their state wins; use this token once.
        store.release_refresh_lease(host, account_id, owner)
        return result["access_token"]
    store.add_event(host, "refresh", "Anmeldung bei Microsoft automatisch aufgefrischt.", account_id=account_id)
    if scopes == (Options.of(host).smtp_send,):
        _follow_rename(host, account_id, state.signed_in_as, result)  # the UPN Exchange checks is in this token
    expires_on = time.time() + int(result.get("expires_in", 0))
    return _remember(account_id, blob, scopes, _Held(result["access_token"], expires_on)).token


CONSENT_CODES = ("AADSTS65001", "oauth:consent_required", "oauth:interaction_required")
"""Answers to a Graph token request of an account that signed in before Graph was asked for (only SMTP.Send was
consented): a refresh cannot add a permission, a new sign-in must (ENTRA-RT; 65001 DelegationDoesNotExist)."""


def _for_graph(finding: Finding) -> Finding:
    """A missing consent for Graph is no broken sign-in: SMTP may still work; say what the new sign-in is for."""
    if finding.code in CONSENT_CODES or finding.entry.key in CONSENT_CODES:
        return Finding(
            entry("graph:consent"), finding.code, finding.trace_id, finding.correlation_id, finding.microsoft_text
        )
    return finding


def _follow_rename(host: Host, account_id: int, stored_name: str | None, result: dict) -> None:
    """The user's UPN changed at Microsoft (same user object): XOAUTH2 must use the new one from now on."""
    name = identity.sign_in_name(result)
    if name and stored_name and name != stored_name.lower():
        store.rename(host, account_id, name)
        store.add_event(
            host,
            "renamed",
            f"Der Anmeldename bei Microsoft hat sich geändert: {stored_name} heißt jetzt {name}.",
            account_id=account_id,
        )


def _acquire_silently(
    host: Host,
    azure: AzureApp,
    cache: msal.SerializableTokenCache,
    user_oid: str | None,
    force: bool,
    scopes: tuple[str, ...],
    claims: str | None = None,
) -> dict:
    """msal's silent acquisition (a refresh when due); every way it fails becomes a MicrosoftError.

    The cache holds one person; it is found by its object ID, not by name (msal's ``username`` is the ID token's
    preferred_username, which is not the UPN in alternate-login-ID tenants and changes with renames)."""
    try:
        options = Options.of(host)
        app = identity.build(options, azure, cache)
        accounts = app.get_accounts()
        mine = [a for a in accounts if user_oid and a.get("local_account_id") == user_oid] or accounts
        if not mine:
            raise identity.MicrosoftError(from_oauth("invalid_grant", "AADSTS9002313: no account in the token cache"))
        result = app.acquire_token_silent_with_error(
            list(scopes), mine[0], force_refresh=force, claims_challenge=claims
        )
    except (requests.RequestException, json.JSONDecodeError) as error:
        # JSONDecodeError: msal could not read the answer as JSON (a proxy's page instead of Microsoft's answer).
        raise identity.MicrosoftError(from_exception(error)) from None
    except msal.exceptions.MsalServiceError as error:
        raise identity.MicrosoftError(from_oauth("server_error", str(error))) from None
    if result is None:
        raise identity.MicrosoftError(from_oauth("invalid_grant", "AADSTS9002313: no refresh token in the cache"))
    if "error" in result:
        raise identity.MicrosoftError(
            from_oauth(result["error"], result.get("error_description", ""), error_codes=result.get("error_codes"))
        )
    return result


def _unseal_here(host: Host, account_id: int, blob: bytes) -> msal.SerializableTokenCache:
    """The stored cache, decrypted with this worker's keys.

    A cache this worker cannot decrypt while it lags behind a key rollout is this worker's problem, not the account's:
    nothing is written to the account's row (the others keep sending), the mail is retried later, and the operator is
    told once a day. A cache that no current key decrypts is lost: the account needs a new sign-in (its problem, told
    once; its mail is held until then). See :mod:`keys`.
    """
    try:
        return unseal(host, blob)
    except (DecryptionError, json.JSONDecodeError, UnicodeDecodeError):
        finding = keys.unreadable(host, "signin", account_id)
        if finding.kind is not Kind.TEMPORARY:
            status.report(host, account_id, finding)
        raise finding.mail_error() from None


# -- the app's own permission (issue 24): client credentials, no person, no refresh token ---------------------------

_app_memory: dict[tuple[str, str], _Held] = {}
"""(``<client id> <scope>``, digest of the stored encrypted token) → the token, as for a person's cache above."""


def app_scope_for(options: Options, scopes: tuple[str, ...]) -> str:
    """The client-credentials scope for what a person's token would have been asked for: Exchange Online's
    ``https://outlook.office365.com/.default`` for SMTP ("Authenticate an IMAP, POP or SMTP connection using
    OAuth", client credentials), Graph's ``https://graph.microsoft.com/.default`` for Mail.Send — each in the
    configured cloud."""
    if scopes == (options.smtp_send,):
        return options.credentials_scope
    return f"{options.cloud.graph.rstrip('/')}/.default"


def _for_app_account(host: Host, account_id: int, scopes: tuple[str, ...], force: bool, report: bool) -> str:
    options = Options.of(host)
    try:
        return app_access_token(host, app_scope_for(options, scopes), force=force)
    except identity.MicrosoftError as error:
        if report:
            status.report(host, account_id, error.finding)
        raise error.finding.mail_error(retry_after=http.retry_after_seen()) from None


def app_access_token(host: Host, scope: str, *, force: bool = False) -> str:
    """The app's own access token for ``scope``: from memory, else the store (encrypted, shared by every account
    with the app permission and every worker), else from Microsoft with the app's certificate or secret — asked for
    by the one worker that holds the lease, the others wait for it. Raises MicrosoftError (the app's credential or
    Microsoft refused), PermanentMailError (not set up) or TemporaryMailError (waited too long)."""
    interfaces = host.interfaces(INTERFACE_TYPE)
    if not interfaces:
        _app_registration(host)  # raises: what is missing, in German
    options = Options.of(host)
    # The key needs only the client ID: the credential (a certificate to decrypt) is read when a token is asked for.
    key = store.app_tokens.app_scope(interfaces[0].username, scope)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        row = store.app_tokens.read(host, key)
        if not force and row is not None and row.token is not None:
            held = _app_held(host, key, row)
            if held is not None:
                return held.token
        owner = store.app_tokens.take_lease(host, key, row.version if row else None, lease_seconds(options))
        if owner:
            break
        if time.monotonic() > deadline:
            raise TemporaryMailError(
                "Das Zugangstoken der App bei Microsoft wird gerade erneuert und das dauert zu lange; die Mail wird "
                "später erneut gesendet.",
                code="APP-TOKEN-WAIT",
            )
        time.sleep(POLL_SECONDS)
        force = False  # another worker is asking right now: its token is what we wanted
    http.retry_after_seen()
    try:
        result = identity.app_token_result(options, _app_registration(host), scope)
    except BaseException:
        store.app_tokens.release(host, key, owner)
        raise
    expires_on = time.time() + int(result.get("expires_in", 0))
    blob = keys.vault(host).encrypt(result["access_token"].encode())
    if store.app_tokens.save(host, key, owner, blob, store.utcnow() + _seconds(expires_on - time.time())):
        with _memory_lock:
            for old in [k for k in _app_memory if k[0] == key]:
                del _app_memory[old]
            _app_memory[(key, _digest(blob))] = _Held(result["access_token"], expires_on)
        store.add_event(host, "app_token", "Zugangstoken der App bei Microsoft geholt (App-Berechtigung).")
    return result["access_token"]


def _app_registration(host: Host) -> AzureApp:
    azure = azure_app(host)
    if isinstance(azure, Missing):
        raise PermanentMailError(
            "Die Anmeldung bei Microsoft ist nicht eingerichtet: " + " ".join(azure.items), code="CONFIG-MISSING"
        )
    return azure


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=max(0.0, value))


def _digest(blob: bytes) -> str:
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


def _app_held(host: Host, key: str, row: store.app_tokens.AppToken) -> _Held | None:
    """A still valid token from memory or the stored row (decrypted here); None when it must be asked for again.
    A token this worker cannot decrypt is simply asked for again: an access token loses nothing."""
    blob = row.token or b""
    with _memory_lock:
        held = _app_memory.get((key, _digest(blob)))
    if held is None:
        if row.expires_at is None:
            return None
        try:
            token = keys.vault(host).decrypt(blob).decode()
        except (DecryptionError, UnicodeDecodeError):
            return None
        held = _Held(token, row.expires_at.timestamp())
        with _memory_lock:
            for old in [k for k in _app_memory if k[0] == key]:
                del _app_memory[old]  # an older token of this scope
            _app_memory[(key, _digest(blob))] = held
    if held.expires_on - EXPIRY_MARGIN > time.time():
        return held
    return None
