"""Issue 20, item 3: an alias in From. Exchange Online's default (SendFromAliasEnabled $false) rewrites an alias to
the mailbox's primary address (Set-OrganizationConfig.md); the emulator does so on both routes. The plugin learns at
sign-in from Graph's GET /me (mail, proxyAddresses) that the account's address is an alias, and says at sign-in and in
the green field what the recipients see and the fix."""

import secrets

from devhost.emulators import Person
from devhost.pages import flashes, green_field_text

FIX = "Set-OrganizationConfig -SendFromAliasEnabled $true"


def person_with_alias(office) -> tuple[Person, str]:
    """Clara, whose mailbox clara@ also receives kurse-nord@ (an alias)."""
    domain = office.org.domain
    alias = f"kurse-nord@{domain}"
    password = f"clara-{secrets.token_hex(3)}"
    result = office.ms.call(
        "user",
        tenant_id=office.org.tenant_id,
        upn=f"clara@{domain}",
        password=password,
        display_name="Clara Czerny",
        aliases=[alias],
    )
    clara = Person("Clara Czerny", result["upn"], password, result["oid"])
    office.org.people["clara"] = clara
    return clara, alias


def signed_in_on_the_alias(office) -> tuple[int, Person, str, str]:
    """An account with the alias as its address, signed in by Clara; returns (id, Clara, alias, the message)."""
    office.configure()
    clara, alias = person_with_alias(office)
    account_id = office.create_account("clara", address=alias)
    office.enable_oauth(account_id)
    outcome = office.at_microsoft(office.start_sign_in(account_id), "clara")
    (message,) = flashes(office.come_back(outcome.url))
    return account_id, clara, alias, message


def delivered_from(office, subject: str) -> str:
    (mail,) = [m for m in office.ms.messages(to="kurs@example.de") if m["subject"] == subject]
    return mail["from"]


def test_the_sign_in_says_what_recipients_see_and_the_fix(office):
    account_id, clara, alias, message = signed_in_on_the_alias(office)
    assert message.startswith(
        f"E-Mailkonto eingerichtet, Testmail an {alias} gesendet. Achtung: {alias} ist ein Alias des Postfachs "
        f"{clara.upn}."
    )
    assert f"Die Empfänger sehen dann {clara.upn} als Absender, nicht {alias}." in message
    assert FIX in message and "Microsoft-365-Admin" in message
    # The test mail as received: Exchange rewrote the alias (the organisation's default).
    test_mail = office.ms.messages(to=alias)[-1]
    assert (test_mail["from_written"], test_mail["from"]) == (alias, clara.upn)
    row = office.row(account_id)
    assert (row["mailbox_kind"], row["primary_address"]) == ("alias", clara.upn)


def test_the_green_field_keeps_saying_it_and_every_mail_arrives_from_the_primary_address(office):
    account_id, clara, alias, _ = signed_in_on_the_alias(office)
    green = green_field_text(office.page(account_id))
    assert f"Sendet als {alias} – Alias des Postfachs {clara.upn}; Empfänger sehen {clara.upn}" in green
    assert f"Die Empfänger sehen dann {clara.upn} als Absender, nicht {alias}." in green and FIX in green
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Anmeldebestätigung", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
    assert delivered_from(office, "Anmeldebestätigung") == clara.upn


def test_over_graph_the_alias_is_rewritten_too(office):
    account_id, clara, _, _ = signed_in_on_the_alias(office)
    office.choose_route(account_id, "graph")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Über Graph", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
    (mail,) = [m for m in office.ms.messages(to="kurs@example.de") if m["subject"] == "Über Graph"]
    assert (mail["via"], mail["from"]) == ("graph", clara.upn)


def test_once_the_admin_allows_sending_from_aliases_recipients_see_the_alias(office):
    account_id, _, alias, _ = signed_in_on_the_alias(office)
    office.ms.call("tenant/update", tenant_id=office.org.tenant_id, send_from_alias_enabled=True)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Nach der Umstellung", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
    assert delivered_from(office, "Nach der Umstellung") == alias
    # The plugin cannot read the organisation's setting: its note says what holds once it is on.
    assert "Ist es schon eingeschaltet, ist nichts zu tun." in green_field_text(office.page(account_id))


def test_the_primary_address_and_a_shared_mailbox_get_no_alias_note(office):
    office.configure()
    account_id, page = office.connect("anna")
    anna = office.org.people["anna"].upn
    assert flashes(page) == [f"E-Mailkonto eingerichtet, Testmail an {anna} gesendet."]
    assert "Alias" not in green_field_text(office.page(account_id))
    assert office.row(account_id)["mailbox_kind"] == "primary"
    shared = f"info@{office.org.domain}"
    office.ms.call(
        "shared_mailbox", tenant_id=office.org.tenant_id, address=shared, send_as=[office.org.people["anna"].oid]
    )
    shared_id = office.create_account("anna", address=shared, username="")
    office.enable_oauth(shared_id)
    _, page = office.connect("anna", shared_id)
    assert flashes(page) == [f"E-Mailkonto eingerichtet, Testmail an {shared} gesendet."]
    assert office.ms.messages(to=shared)[-1]["from"] == shared  # Send As: no rewriting
    assert office.row(shared_id)["mailbox_kind"] == "other"


def test_a_new_sign_in_with_the_primary_address_clears_the_note(office):
    account_id, clara, _, _ = signed_in_on_the_alias(office)
    office.instance.host.update_mail_account(account_id, address=clara.upn)
    outcome = office.at_microsoft(office.start_sign_in(account_id), "clara")
    assert flashes(office.come_back(outcome.url)) == [f"E-Mailkonto eingerichtet, Testmail an {clara.upn} gesendet."]
    green = green_field_text(office.page(account_id))
    assert "Alias" not in green and f"Sendet als {clara.upn}" in green
