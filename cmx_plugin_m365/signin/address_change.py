"""Saving an OAuth mail account in the host's form: who may, and a new address proven like a first sign-in.

Before the host stores (host API 1.9, ``cmx_record_saving``): a user who may not change the account is refused with
the sentence the green field's buttons use. A changed E-Mailadresse or Benutzername of a *connected* account is
allowed, but the values it had before are noted (``m365_setting`` ``address_change:<id>``): Exchange decides
whether the signed-in Microsoft account may send as the new address, and only a mail tells.

After the host stored it (``cmx_record_saved``): the test mail goes out. Accepted — the change is proven and the note
removed. Refused as Send As (550 5.7.60 …) — the old values are put back, nobody is told of a problem of an account
that did not change, and the person reads both addresses. Any other failure says nothing about the right to send as
the address: the change stays, the green field says it is not proven yet, and the next test mail that goes out
("E-Mailkonto testen") proves it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cmx_hostapi import Host, Message, User

from .. import permissions, status, store, tokens
from ..store import certificates as settings
from . import flow

PREFIX = "address_change:"


def before_save(host: Host, user: User, account_id: int, values: Mapping[str, Any]) -> dict[str, str] | None:
    """Refuse what the user may not change; note the values a connected account had before an address change."""
    state = store.account_state(host, account_id)
    if state is None:  # not an OAuth account: the host's own rules alone
        return None
    if not permissions.may_change_account(host, user, account_id):
        return {"": permissions.REFUSAL}
    before = host.mail_account(account_id)
    if before is None or not state.has_tokens:
        return None
    if _same(before.address, values.get("address")) and _same(before.username, values.get("username")):
        return None
    # The first change since the last proof is what goes back on a refusal (add, not set: a second unproven save
    # must not make an unproven address the one to return to).
    settings.add_setting(host, _name(account_id), json.dumps({"address": before.address, "username": before.username}))
    return None


def pending(host: Host, account_id: int) -> dict | None:
    """The proven address and user name before an unproven change, or None."""
    raw = settings.setting(host, _name(account_id))
    return json.loads(raw) if raw else None


def after_save(host: Host, account_id: int) -> list[Message]:
    """The test mail decides a noted change (see the module's docstring)."""
    before = pending(host, account_id)
    account = host.mail_account(account_id)
    if before is None or account is None:
        return []
    if _same(before["address"], account.address) and _same(before["username"], account.username):
        proven(host, account_id)  # changed back before anything was sent
        return []
    row = store.snapshot(host, account_id)
    with status.held_back() as reports:
        outcome = flow.send_test_mail(host, account_id)
    if outcome.ok:
        reports.release()
        proven(host, account_id)
        return [Message("success", f"Neue E-Mailadresse bestätigt: {outcome.text}")]
    if flow.send_as_refused(outcome):
        reports.drop()
        return [Message("error", _put_back(host, account_id, before, row, account.address, outcome.code))]
    reports.release()
    return [
        Message(
            "warning",
            f"Gespeichert, aber noch nicht bestätigt: {outcome.text} Ob das Microsoft-Konto als {account.address} "
            "senden darf, zeigt erst eine Mail; „E-Mailkonto testen“ prüft es, sobald die Ursache behoben ist.",
        )
    ]


def proven(host: Host, account_id: int) -> None:
    """A mail from the account's current address went out: nothing to put back any more."""
    settings.set_setting(host, _name(account_id), None)


def _put_back(host: Host, account_id: int, before: dict, row: dict | None, new_address: str, code: str | None) -> str:
    host.update_mail_account(account_id, address=before["address"], username=before["username"])
    proven(host, account_id)
    if row:
        store.restore(host, account_id, row)  # the refusal was the new address's problem, which is gone again
    tokens.forget(account_id)
    state = store.account_state(host, account_id)
    who = (state.signed_in_as if state else None) or before["username"]
    text = (
        f"Nicht übernommen: Das Microsoft-Konto {who} darf nicht als {new_address} senden. Das E-Mailkonto sendet "
        f"weiter als {before['address']}. Soll es als {new_address} senden, erteilt der Microsoft-365-Admin {who} "
        f"das Recht „Senden als“ für {new_address} (Exchange Admin Center → Empfänger → Postfach → Delegierung); "
        f"danach die Adresse noch einmal eintragen. (Code {code})"
    )
    # The trail in one line, in the third person (the message above the page carries the advice once).
    trail = f"Neue E-Mailadresse {new_address} nicht übernommen: {who} darf nicht als sie senden."
    store.add_event(host, "address_refused", trail, account_id=account_id, code=code)
    return text


def _same(a: object, b: object) -> bool:
    return str(a or "").strip().lower() == str(b or "").strip().lower()


def _name(account_id: int) -> str:
    return f"{PREFIX}{account_id}"
