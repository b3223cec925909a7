"""``login_hint`` only where the sign-in name is known (issue 21, item 11)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from devhost.pages import green_field_text

NOTE = "Microsoft fragt nach dem Anmeldenamen des Kontos. Er kann von der E-Mailadresse abweichen"


def hint(office, account_id: int) -> str | None:
    query = parse_qs(urlsplit(office.start_sign_in(account_id)).query)
    return query.get("login_hint", [None])[0]


def test_the_address_is_not_sent_as_the_sign_in_name_and_the_green_field_says_why(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)  # Benutzername = E-Mailadresse: a guess, not the known sign-in name
    assert NOTE in green_field_text(office.page(account_id))
    assert hint(office, account_id) is None
    office.connect("anna", account_id)
    assert hint(office, account_id) == office.org.people["anna"].upn  # Microsoft named it at the sign-in


def test_a_typed_sign_in_name_other_than_the_address_is_sent(office):
    office.configure()
    account_id = office.create_account("anna", address=f"kurse@{office.org.domain}")
    office.enable_oauth(account_id)
    office.instance.host.update_mail_account(account_id, username=office.org.people["anna"].upn)
    assert NOTE not in green_field_text(office.page(account_id))
    assert hint(office, account_id) == office.org.people["anna"].upn
