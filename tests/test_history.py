"""The green field's history is strictly newest first (issue 21, item 7)."""

from __future__ import annotations

from devhost.pages import green_field_text


def test_after_a_sign_in_the_history_reads_newest_first(office):
    office.configure()
    account_id, _ = office.connect("anna")
    anna = office.org.people["anna"].upn
    green = green_field_text(office.page(account_id))
    newest_first = [
        f"Testmail an {anna} gesendet.",
        f"Bei Microsoft angemeldet als {anna} (von Anna Admin).",
        "Anmeldung bei Microsoft gestartet von Anna Admin.",
    ]
    where = [green.find(text) for text in newest_first]
    assert -1 not in where and where == sorted(where), green
