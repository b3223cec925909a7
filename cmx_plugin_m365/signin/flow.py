"""Connecting a mail account: the sign-in at Microsoft, from the button to the stored, encrypted tokens.

``start`` prepares an auth code flow (PKCE, state, nonce) and keeps it in the database, encrypted and bound to
the host session, user and account, for ten minutes and one use. ``finish`` takes Microsoft's answer, checks it
against that record, redeems the code, and stores the tokens only when the right person signed in to the right
directory. Both return what the person should read; neither raises for anything a person can cause.

Who may connect an account — the rule, from Microsoft's documentation:

- An account's Microsoft identity is the user object: ``tid`` + ``oid`` of the ID token ("use oid+tid … never
  email, UPN or preferred_username": id-token-claims-reference). Names are not identities: the UPN may differ
  from the mailbox's address (synced directories, renamed domains; best practice only, not a requirement), and it
  changes when a user is renamed. So the first sign-in records the object, and every later sign-in for the same
  account must be that object again, whatever it is called now.
- The name Exchange checks in XOAUTH2 is the token's UPN (see :func:`identity.sign_in_name`). It is stored and
  written into the form's Benutzername; what the form held before is no reason to refuse.
- Whether the signed-in user may send as the account's address is Exchange's decision (own mailbox, an alias of
  it, or the Send As right on another mailbox: authenticated-client-smtp-submission). A first sign-in whose UPN is
  not the address is therefore accepted only when the test mail proves it: when Exchange refuses the sender
  (550 5.7.60, 554 5.2.252 / 5.2.0 SendAsDenied) nothing is kept and the person reads "Das Konto X darf nicht als
  Y senden". Other failures of the test mail (SMTP AUTH off, Microsoft unreachable) say nothing about the right to
  send as the address: the sign-in is kept and the failure explained, as for any account.
- Guests (``#EXT#`` UPNs, an ``idp`` other than the directory itself) own no mailbox in the directory and cannot
  send through Exchange Online there: refused at once, nothing stored.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import msal
from cmx_hostapi import Host, MailAccount, MailError, Request

from .. import identity, keys, status, store, tokens
from ..config import Missing, Options, azure_app
from ..crypto import DecryptionError
from ..diagnosis import Finding, Kind, from_oauth
from ..diagnosis.exchange_replies import SEND_AS_TITLE
from ..sending import graph
from ..sending.route import GRAPH, SWITCHED
from ..store import accounts
from ..wording import count
from .redirect_uri import browser_mismatch, probe_once, redirect_uri

STARTS_PER_USER = (5, dt.timedelta(minutes=1))
"""At most this many sign-ins one user may start in this time (a click flood must not reach Microsoft)."""

SEND_AS_REFUSALS = ("550 5.7.60", "554 5.2.252", "554 5.2.0")
"""Exchange's replies when the signed-in user may not send as the address (5.2.0 only with "SendAsDenied")."""


@dataclass(frozen=True)
class Outcome:
    """What happened, for the person: ``level`` success/info/warning/error and a German text."""

    ok: bool
    level: str
    text: str
    account_id: int | None = None
    code: str | None = None
    """Microsoft's code when something failed (``AADSTS65001``, ``550 5.7.60``)."""


def prerequisites(host: Host, account_id: int) -> list[str]:
    """What must be fixed before this account can sign in (German sentences naming where), or nothing."""
    problems = list(Options.of(host).problems)  # a wrong option (the cloud): sign-ins would go to the wrong place
    azure = azure_app(host)
    if isinstance(azure, Missing):
        problems.extend(azure.items)
    account = host.mail_account(account_id)
    if account is None:
        return ["Das E-Mailkonto gibt es nicht (mehr)."]
    if not account.address:
        problems.append("Im E-Mailkonto fehlt die E-Mailadresse.")
    return problems


def sign_in_button(state: store.AccountState | None) -> str:
    """The green field's sign-in button as the person sees it now: a connected account's is "Erneut anmelden"."""
    return "Erneut anmelden" if state is not None and state.state == store.CONNECTED else "Bei Microsoft anmelden"


def sign_in_name(host: Host, account: MailAccount) -> str | None:
    """The account's sign-in name at Microsoft where it is known — Microsoft named it at an earlier sign-in, or a
    person typed a Benutzername other than the address — else None. Only a known name goes to Microsoft as
    ``login_hint``: the address pre-filled where the sign-in name differs ends in "Dieses Benutzerkonto wurde nicht
    gefunden"."""
    known = store.account_state(host, account.id)
    if known and known.user_oid and known.signed_in_as:
        return known.signed_in_as
    username = account.username.strip()
    if username and username.lower() != account.address.strip().lower():
        return username
    return None


def start(host: Host, request: Request, account_id: int) -> tuple[str | None, Outcome | None]:
    """Prepare the sign-in. Returns (Microsoft's URL to send the browser to, None) or (None, why not)."""
    missing = prerequisites(host, account_id)
    if missing:
        return None, Outcome(False, "error", "Anmeldung nicht möglich: " + " ".join(missing), account_id)
    if store.account_state(host, account_id) is None:
        return None, Outcome(False, "error", "Für dieses E-Mailkonto ist OAuth nicht eingeschaltet.", account_id)
    mismatch = browser_mismatch(host.public_base_url, request.base_url)
    if mismatch:
        return None, Outcome(False, "error", mismatch, account_id)
    recent = store.signins_started_by(host, request.user.id, store.utcnow() - STARTS_PER_USER[1])
    if recent >= STARTS_PER_USER[0]:
        return None, Outcome(
            False,
            "warning",
            "Sie haben in kurzer Zeit sehr viele Anmeldungen begonnen; bitte warten Sie eine Minute und wählen Sie "
            "dann „Bei Microsoft anmelden“ noch einmal.",
            account_id,
            "RATE-LIMIT",
        )
    options, azure, account = Options.of(host), azure_app(host), host.mail_account(account_id)
    try:
        app = identity.build(options, azure)
    except identity.MicrosoftError as error:
        return None, _failed(host, account_id, error.finding, "Die Anmeldung konnte nicht beginnen")
    hint = sign_in_name(host, account)
    flow = identity.initiate(
        app, options.signin_scopes, redirect_uri=redirect_uri(host.public_base_url), login_hint=hint
    )
    finding = probe_once(host, options, flow["auth_uri"])
    if finding is not None:  # Microsoft would show an error page and never send the person back: say it here
        return None, _failed(host, account_id, finding, "Die Anmeldung bei Microsoft würde scheitern")
    store.add_signin(
        host,
        state=flow["state"],
        account_id=account_id,
        session_id=request.session_id,
        user_id=request.user.id,
        flow=keys.vault(host).encrypt(json.dumps(flow).encode()),
        lifetime=dt.timedelta(minutes=options.signin_minutes),
    )
    store.add_event(
        host,
        "signin_started",
        f"Anmeldung bei Microsoft gestartet von {request.user.display_name}.",
        account_id=account_id,
    )
    return flow["auth_uri"], None


def finish(host: Host, request: Request, answer: dict) -> Outcome:
    """Handle Microsoft's answer (the validated query of continue_oauth)."""
    pending = store.find_signin(host, answer["state"])
    if pending is None:
        return Outcome(
            False,
            "error",
            "Diese Anmeldung ist cmxOrganize nicht bekannt. Bitte starten Sie sie im "
            "E-Mailkonto mit „Bei Microsoft anmelden“ neu.",
        )
    account_id = pending.account_id
    if pending.session_hash != store.digest(request.session_id) or pending.user_id != request.user.id:
        return Outcome(
            False,
            "error",
            "Diese Anmeldung wurde in einer anderen Sitzung begonnen und wird hier nicht "
            "fortgesetzt. Bitte starten Sie sie im E-Mailkonto neu.",
            account_id,
        )
    if pending.used_at is not None:
        return Outcome(
            False,
            "info",
            "Diese Anmeldung ist bereits abgeschlossen (die Seite wurde neu geladen "
            "oder doppelt aufgerufen); es wurde nichts geändert.",
            account_id,
        )
    if pending.expires_at < store.utcnow():
        minutes = Options.of(host).signin_minutes
        return Outcome(
            False,
            "error",
            f"Diese Anmeldung ist abgelaufen (sie muss innerhalb von {minutes} Minuten "
            "abgeschlossen werden). Bitte starten Sie sie im E-Mailkonto neu.",
            account_id,
        )
    if not store.use_signin(host, answer["state"]):
        return Outcome(
            False, "info", "Diese Anmeldung ist bereits abgeschlossen; es wurde nichts geändert.", account_id
        )
    if answer.get("error"):
        finding = from_oauth(answer["error"], answer.get("error_description", ""))
        return _failed(host, account_id, finding, "Die Anmeldung bei Microsoft ist gescheitert")
    return _redeem(host, request, account_id, pending, answer)


def _redeem(host: Host, request: Request, account_id: int, pending: store.PendingSignIn, answer: dict) -> Outcome:
    azure = azure_app(host)
    account = host.mail_account(account_id)
    if isinstance(azure, Missing) or account is None:
        return Outcome(
            False,
            "error",
            "Die Einrichtung wurde während der Anmeldung geändert: "
            + " ".join(azure.items if isinstance(azure, Missing) else ["E-Mailkonto fehlt."]),
            account_id,
        )
    try:
        flow = json.loads(keys.vault(host).decrypt(pending.flow))
    except DecryptionError:
        # Started on a server whose keys this one does not have (a key rollout in progress): the code is still
        # unused, but the PKCE verifier is unreadable here. Never a 500; say what happened.
        keys.unreadable(host, "signin", account_id)
        button = sign_in_button(store.account_state(host, account_id))
        return Outcome(
            False,
            "error",
            "Diese Anmeldung wurde auf einem anderen Server von cmxOrganize begonnen, dessen Schlüssel dieser Server "
            f"nicht kennt; es wurde nichts gespeichert. Bitte „{button}“ noch einmal wählen."
            " (Bleibt es, geben die Admins allen Servern dieselbe Schlüsselliste.)",
            account_id,
            "DECRYPT",
        )
    cache = msal.SerializableTokenCache()
    options = Options.of(host)
    try:
        app = identity.build(options, azure, cache)
        result = identity.redeem(app, options.smtp_send, flow, {k: v for k, v in answer.items() if v is not None})
    except identity.MicrosoftError as error:
        return _failed(host, account_id, error.finding, "Die Anmeldung bei Microsoft ist gescheitert")
    who = SignedIn.of(result)
    before = store.snapshot(host, account_id)
    problem = _refusal(azure.tenant, identity.tenant_guid(app), who, before)
    if problem:
        # The trail is read later by others: what happened, not the advice addressed to the person who signed in.
        trail = (
            f"Anmeldung als {who.name or 'unbekannt'} abgelehnt, nichts gespeichert (von {request.user.display_name})."
        )
        store.add_event(host, "signin_refused", trail, account_id=account_id, code="ACCOUNT-MISMATCH")
        return Outcome(False, "error", problem, account_id)
    # Which address of the signed-in user's mailbox the account's is (primary, alias, or another mailbox): Graph's
    # GET /me, with the token the sign-in just brought (so the refreshed cache is what is stored).
    mailbox = graph.addresses(options, app, who.oid)
    store.connect(
        host,
        account_id,
        token_cache=tokens.seal(host, cache),
        signed_in_as=who.name,
        tenant_id=who.tenant_id,
        user_oid=who.oid,
    )
    if mailbox is not None:
        accounts.set_mailbox(host, account_id, mailbox.kind(account.address), mailbox.primary)
    tokens.forget(account_id)
    # The trail in the order things happened: signed in, then the test mail (and, if refused, the refusal after it).
    store.add_event(
        host,
        "connected",
        f"Bei Microsoft angemeldet als {who.name} (von {request.user.display_name}).",
        account_id=account_id,
    )
    with status.held_back() as reports:
        outcome = send_test_mail(host, account_id, after_signin=True)
    if not outcome.ok and who.name != account.address.strip().lower() and send_as_refused(outcome):
        # The sign-in is not usable for this address: put back what was there before, store nothing of it, and
        # tell nobody of a problem of an account that did not change.
        reports.drop()
        if before:
            store.restore(host, account_id, before)
        else:
            store.disconnect(host, account_id)
        tokens.forget(account_id)
        button = sign_in_button(store.account_state(host, account_id))  # as it is back to what it was
        text = (
            f"Das Microsoft-Konto {who.name} darf nicht als {account.address} senden; es wurde nichts gespeichert. "
            f"Bitte erneut „{button}“ wählen und das Konto wählen, dem das Postfach {account.address} "
            f"gehört – oder der Microsoft-365-Admin erteilt {who.name} das Recht „Senden als“ für "
            f"{account.address} (Exchange Admin Center → Empfänger → Postfach → Delegierung). (Code {outcome.code})"
        )
        # The trail in one line (the person reads the advice in the message; the page must not say it twice).
        trail = f"Anmeldung als {who.name} nicht übernommen: darf nicht als {account.address} senden."
        store.add_event(host, "signin_refused", trail, account_id=account_id, code=outcome.code)
        return Outcome(False, "error", text, account_id)
    reports.release()
    if account.username.strip().lower() != who.name:
        host.update_mail_account(account_id, username=who.name)
    if outcome.ok:
        outcome = _with_alias_note(host, outcome, account.address, who.name, mailbox)
    return outcome


def alias_note(address: str, primary: str) -> str:
    """What recipients see when the account's address is an alias of the signed-in mailbox, and what to do. Exchange
    Online's default: "$false: Aliases on messages sent or received are rewritten to their primary email address.
    This value is the default." (office-docs-powershell Set-OrganizationConfig.md, -SendFromAliasEnabled); "it might
    take up to 60 minutes for this change to take effect" (Exchange Team blog "Sending From Email Aliases – Public
    Preview", 2022)."""
    return (
        f"{address} ist ein Alias des Postfachs {primary}. Exchange Online ersetzt einen Alias als Absender durch die "
        f"Hauptadresse, solange das Senden von Aliasen in Ihrer Organisation ausgeschaltet ist (Microsofts "
        f"Voreinstellung): Die Empfänger sehen dann {primary} als Absender, nicht {address}. Abhilfe: Ein "
        f"Microsoft-365-Admin schaltet es in Exchange Online PowerShell ein – Set-OrganizationConfig "
        f"-SendFromAliasEnabled $true (wirkt nach bis zu 60 Minuten). Ist es schon eingeschaltet, ist nichts zu tun. "
        f"Welcher Absender ankommt, zeigt die Testmail im Postfach {primary}."
    )


def _with_alias_note(
    host: Host, outcome: Outcome, address: str, signed_in_as: str, mailbox: graph.Addresses | None
) -> Outcome:
    """The success after a sign-in, plus — when the address is an alias (or may be one: Graph could not tell) — what
    the recipients see and the fix."""
    address = address.strip().lower()
    if mailbox is not None and mailbox.kind(address) == accounts.ALIAS:
        note = alias_note(address, mailbox.primary)
        store.add_event(host, "alias", note, account_id=outcome.account_id)
        return Outcome(True, "warning", f"{outcome.text} Achtung: {note}", outcome.account_id)
    if mailbox is None and address != signed_in_as:
        return Outcome(
            True,
            outcome.level,
            f"{outcome.text} Ist {address} ein Alias des Postfachs von {signed_in_as}, sehen die Empfänger die "
            "Hauptadresse dieses Postfachs als Absender, solange das Senden von Aliasen in Ihrer Organisation "
            "ausgeschaltet ist (Microsofts Voreinstellung; ein Microsoft-365-Admin schaltet es ein: "
            "Set-OrganizationConfig -SendFromAliasEnabled $true). Welcher Absender ankommt, zeigt die Testmail.",
            outcome.account_id,
        )
    return outcome


def send_as_refused(outcome: Outcome) -> bool:
    return outcome.code in SEND_AS_REFUSALS and SEND_AS_TITLE in outcome.text


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, as Microsoft's answer says."""

    name: str
    """The UPN (what Exchange checks in XOAUTH2 ``user=``), lower case."""
    tenant_id: str
    oid: str
    guest: bool

    @classmethod
    def of(cls, result: dict) -> SignedIn:
        claims = result.get("id_token_claims") or {}
        name = identity.sign_in_name(result)
        issuer_tenant = claims.get("iss", "").rstrip("/").split("/")[-2:-1]
        # A guest's ID token names their home identity provider in ``idp`` (id-token-claims-reference); its UPN in
        # the inviting directory has the form alias_domain#EXT#@directory (as Outlook tokens carry it).
        foreign_idp = bool(claims.get("idp")) and not any(t and t in claims.get("idp", "") for t in issuer_tenant)
        return cls(name, claims.get("tid", ""), claims.get("oid", ""), "#ext#" in name or foreign_idp)


def _refusal(tenant_setting: str, tenant_guid: str, who: SignedIn, before: dict | None) -> str | None:
    """Why this sign-in must not be stored for the account, in German, or None."""
    if who.tenant_id.lower() != tenant_guid.lower():
        return (
            f"Die Anmeldung erfolgte im Microsoft-Verzeichnis {who.tenant_id}, eingestellt ist aber "
            f"{tenant_setting}. Es wurde nichts gespeichert. Bitte mit einem Konto Ihrer Organisation anmelden."
        )
    if who.guest:
        return (
            f"Das Konto {who.name} ist in Ihrer Organisation nur als Gast eingetragen und hat dort kein Postfach; "
            "darüber kann cmxOrganize nicht senden. Es wurde nichts gespeichert. Bitte mit dem Geschäftskonto "
            "Ihrer Organisation anmelden, dem das Postfach gehört."
        )
    if not who.oid or not who.name:
        return (
            "Microsofts Antwort nennt das angemeldete Konto nicht; es wurde nichts gespeichert. Bitte erneut anmelden."
        )
    known_oid = (before or {}).get("user_oid")
    if known_oid and known_oid != who.oid:
        known_name = (before or {}).get("signed_in_as") or "einem anderen Konto"
        button = "Erneut anmelden" if (before or {}).get("state") == store.CONNECTED else "Bei Microsoft anmelden"
        return (
            f"Sie haben sich als {who.name} angemeldet; dieses E-Mailkonto ist aber mit dem Microsoft-Konto "
            f"{known_name} verbunden. Es wurde nichts gespeichert. Bitte „{button}“ wählen und "
            f"im Kontoauswahl-Fenster {known_name} wählen (oder „Anderes Konto verwenden“). Soll das E-Mailkonto "
            "künftig über ein anderes Microsoft-Konto senden, zuerst „Verbindung trennen“ wählen."
        )
    return None


def send_test_mail(host: Host, account_id: int, *, after_signin: bool = False) -> Outcome:
    """Send a test mail to the account's own address through the host's mailer (the path every mail takes). When the
    route "automatisch" finds SMTP AUTH off on the way, the test mail goes again at once — over Microsoft Graph."""
    account = host.mail_account(account_id)
    done = "Bei Microsoft angemeldet. " if after_signin else ""
    if not after_signin:
        # Rights may have changed since (Full Access granted or taken): Graph's way for another mailbox is tried anew.
        accounts.set_graph_sender(host, account_id, None)
    try:
        try:
            _test_mail(host, account)
        except MailError as error:
            if error.code != SWITCHED:
                raise
            _test_mail(host, account)  # the route is Microsoft Graph now
    except MailError as error:
        if store.last_event_code(host, account_id) != error.code:  # the problem's report wrote it already
            store.add_event(host, "test_failed", str(error), account_id=account_id, code=error.code)
        return Outcome(
            False, "error", f"{done}Die Testmail konnte nicht gesendet werden. {error}", account_id, error.code
        )
    store.record_sent(host, account_id)  # "zuletzt erfolgreich gesendet" is true at once after a test
    state = store.account_state(host, account_id)
    via_graph = state is not None and state.route_in_use == GRAPH
    sent = (
        f"Testmail an {account.address} über Microsoft Graph übergeben"
        if via_graph
        else (f"Testmail an {account.address} gesendet")
    )
    store.add_event(host, "test_sent", f"{sent}.", account_id=account_id)
    waiting = host.release_held_mail(account_id)
    queued = f" {count(waiting, 'wartende Mail wird', 'wartende Mails werden')} jetzt gesendet." if waiting else ""
    # Graph's 202 is no delivery (GRAPH-SENDMAIL): a later failure comes back as a report into the mailbox.
    accepted = (
        f" Microsoft hat sie angenommen; scheitert die Zustellung später, kommt eine Unzustellbarkeitsnachricht in "
        f"das Postfach {account.address}."
        if via_graph
        else ""
    )
    text = f"E-Mailkonto eingerichtet, {sent}." if after_signin else f"{sent}."
    return Outcome(True, "success", f"{text}{accepted}{queued}", account_id)


def _test_mail(host: Host, account: MailAccount) -> None:
    host.send_mail(
        account.id,
        account.address,
        "cmxOrganize: Testmail",
        f"Diese Testmail bestätigt, dass cmxOrganize über das E-Mailkonto {account.address} mit "
        "Microsoft 365 (OAuth 2.0) senden kann.\n\nSie brauchen nichts weiter zu tun.",
    )


def _failed(host: Host, account_id: int, finding: Finding, what: str) -> Outcome:
    text = finding.message(status.admin_consent_hint(host, finding))
    store.add_event(host, "signin_failed", text, account_id=account_id, code=finding.code)
    if not finding.known:
        store.add_event(host, "unknown_answer", finding.microsoft_text[:500], account_id=account_id, code=finding.code)
    level = "warning" if finding.kind is Kind.TEMPORARY else "error"
    return Outcome(False, level, f"{what}. {text}", account_id, finding.code)
