"""The method "E-Mailkonto testen": each step of sending, checked and reported on its own line."""

from __future__ import annotations

from cmx_hostapi import Host, MailError, Message, Request

from . import permissions, signin, store, tokens
from .config import Missing, azure_app


def run(account_id: int, host: Host, request: Request) -> list[Message]:
    """Configuration, token, then a test mail through the host's mailer (SMTP AUTH XOAUTH2 and sending)."""
    account = host.mail_account(account_id)
    if account is None:
        return [Message("error", "Dieses E-Mailkonto gibt es nicht.")]
    if not permissions.may_change_account(host, request.user, account_id):
        # The test refreshes the sign-in, releases held mail and sends: a change, for the same people.
        return [Message("error", permissions.REFUSAL)]
    state = store.account_state(host, account_id)
    if state is None:  # not an OAuth account: the test mail is all there is to test
        return [_message(signin.send_test_mail(host, account_id))]
    results = []
    azure = azure_app(host)
    if isinstance(azure, Missing):
        return [Message("error", "✗ Einrichtung: " + " ".join(azure.items))]
    results.append(Message("success", "✓ Einrichtung: Azure-Schnittstelle und TenantID vorhanden."))
    try:
        tokens.access_token(host, account_id)
    except MailError as error:
        results.append(Message("error", f"✗ Anmeldung bei Microsoft: {error}"))
        return results
    results.append(Message("success", f"✓ Anmeldung bei Microsoft gültig (als {state.signed_in_as})."))
    outcome = signin.send_test_mail(host, account_id)
    prefix = "✓ Mailserver: " if outcome.ok else "✗ Mailserver: "
    results.append(Message(outcome.level, prefix + outcome.text))
    store.add_event(
        host,
        "tested",
        f"„E-Mailkonto testen“ von {request.user.display_name}: {'erfolgreich' if outcome.ok else 'fehlgeschlagen'}.",
        account_id=account_id,
    )
    return results


def _message(outcome: signin.Outcome) -> Message:
    return Message(outcome.level, outcome.text)
