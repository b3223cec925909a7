"""The method "E-Mailkonto testen": every link of sending proven now, each on its own line.

Nothing is taken from a cache or an earlier check: the app's credentials are asked at Microsoft, the account's
sign-in is refreshed for real, and a test mail goes through the host's mailer (SMTP AUTH XOAUTH2, sending). So
right after a secret expired or a sign-in was revoked the test says so at the step that fails — not "✓" from a
token that was still cached. Each proof also updates what the screens show (the Azure interface's check, "zuletzt
erfolgreich gesendet").
"""

from __future__ import annotations

from cmx_hostapi import Host, MailError, Message, Request

from .. import identity, permissions, store, tokens
from ..config import Missing, Options, azure_app
from ..sending import graph, route, xoauth2
from ..signin import address_change, flow
from ..wording import SEE_GREEN_FIELD, headline
from . import checks


def run(account_id: int, host: Host, request: Request) -> list[Message]:
    """Configuration, the app's credentials, the account's sign-in, then a test mail."""
    account = host.mail_account(account_id)
    if account is None:
        return [Message("error", "Dieses E-Mailkonto gibt es nicht.")]
    if not permissions.may_change_account(host, request.user, account_id):
        # Who may send with the account (the admins, its contact) may test it — the same people the host lets change
        # it; the test itself changes nothing, so the refusal does not call it a change.
        return [Message("error", permissions.TEST_REFUSAL)]
    state = store.account_state(host, account_id)
    if state is None:  # not an OAuth account: the test mail is all there is to test
        return [_message(flow.send_test_mail(host, account_id))]
    results = _steps(host, account_id, state)
    ok = all(m.level in ("success", "info") for m in results)  # "info": the note on the second route
    store.add_event(
        host,
        "tested",
        f"„E-Mailkonto testen“ von {request.user.display_name}: {'erfolgreich' if ok else 'fehlgeschlagen'}.",
        account_id=account_id,
    )
    return results


def _steps(host: Host, account_id: int, state: store.AccountState) -> list[Message]:
    azure = azure_app(host)
    if isinstance(azure, Missing):
        return [Message("error", "✗ Einrichtung: " + " ".join(azure.items))]
    results = [Message("success", "✓ Einrichtung: Azure-Schnittstelle und TenantID vorhanden.")]
    try:
        identity.check_credentials(Options.of(host), azure)
    except identity.MicrosoftError as error:
        store.record_check(host, "credentials", ok=False, code=error.finding.code, text=error.finding.message())
        results.append(Message("error", f"✗ App-Registrierung bei Microsoft: {error.finding.message()}"))
        return results
    store.record_check(host, "credentials", ok=True, text=checks.ok_text(azure))
    checks.mark_validated(host, azure)
    results.append(Message("success", f"✓ App-Registrierung bei Microsoft: {checks.ok_text(azure)}"))
    try:
        tokens.access_token(host, account_id, force_refresh=True)  # a real refresh, not a cached token
    except MailError as error:
        text = _once(host, account_id, str(error), error.code)
        results.append(Message("error", f"✗ Anmeldung bei Microsoft: {text}"))
        return results
    name = (store.account_state(host, account_id) or state).signed_in_as
    if state.by_app:
        results.append(
            Message("success", "✓ App-Berechtigung: Zugangstoken der App erhalten (ohne Anmeldung einer Person).")
        )
    else:
        results.append(Message("success", f"✓ Anmeldung bei Microsoft gültig (als {name}, eben erneuert)."))
    outcome = flow.send_test_mail(host, account_id)
    now = store.account_state(host, account_id) or state  # the route in use may have changed on the way
    step = "Microsoft Graph" if now.route_in_use == route.GRAPH else "Mailserver"
    if outcome.ok:
        address_change.proven(host, account_id)  # a new address saved earlier sent its first mail
        results.append(Message(outcome.level, f"✓ {step}: {outcome.text}"))
    else:
        results.append(Message(outcome.level, f"✗ {step}: " + _once(host, account_id, outcome.text, outcome.code)))
    results.append(_other_route(host, account_id, now))
    return results


def _other_route(host: Host, account_id: int, state: store.AccountState) -> Message:
    """Whether the route not in use would work too — asked, not used: nothing is sent and nothing recorded."""
    if state.route_in_use == route.GRAPH:
        finding = xoauth2.probe(host, host.mail_account(account_id))
        if finding is None:
            keeps = " „automatisch“ bleibt bei Microsoft Graph." if state.route == route.AUTO else ""
            return Message("info", f"Zweiter Versandweg, SMTP: würde ebenfalls funktionieren.{keeps}")
        return Message("info", f"Zweiter Versandweg, SMTP: nicht möglich – {finding.entry.title} ({finding.code}).")
    refused = graph.can_send(host, account_id, report=False)
    if refused is None:
        return Message("info", "Zweiter Versandweg, Microsoft Graph: möglich (die Anmeldung erlaubt ihn).")
    return Message(
        "info", f"Zweiter Versandweg, Microsoft Graph: nicht ohne Weiteres möglich – {headline(str(refused))}."
    )


def _once(host: Host, account_id: int, text: str, code: str | None) -> str:
    """The failure's text — cut to its headline when the account's green field now shows the same problem in full
    (the page shows the message and the green field together; nobody needs the paragraph twice)."""
    state = store.account_state(host, account_id)
    if code and state is not None and state.problem_code == code and state.problem_text:
        return f"{headline(text)} – {SEE_GREEN_FIELD}"
    return text


def _message(outcome: flow.Outcome) -> Message:
    return Message(outcome.level, outcome.text)
