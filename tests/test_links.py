"""Links where a person expects them (issue 21, item 12): addresses in messages, the overview's rows, the existing
Azure interface."""

from __future__ import annotations

import re

from devhost.web import linkify


def test_addresses_in_a_text_become_links_and_nothing_else_becomes_markup():
    html = str(linkify('Siehe https://aka.ms/concurrent_sending. <b>fett</b> & "zitiert"'))
    assert html == (
        'Siehe <a href="https://aka.ms/concurrent_sending">https://aka.ms/concurrent_sending</a>. '
        "&lt;b&gt;fett&lt;/b&gt; &amp; &#34;zitiert&#34;"
    )


def test_a_second_azure_interface_is_refused_with_a_link_to_the_first(office):
    office.configure()
    existing = office.instance.host.interfaces("Azure")[0]
    response = office.browser.post(
        "/App%20Schnittstellen/neu", {"name": "Noch eine", "type": "Azure", "username": "x", "password": ""}
    )
    url = office.instance.host.record_url("Schnittstelle", existing.id)
    assert f'<a href="{url}">{url}</a>' in response.text


def test_the_overview_rows_open_their_accounts(office):
    office.configure()
    account_id, _ = office.connect("anna")
    page = office.browser.get("/App%20E-Mailkonto/oauth_overview").text
    anna = office.org.people["anna"].upn
    assert re.search(rf'<a href="/App%20E-Mailkonto/{account_id}">{re.escape(anna)}</a>', page)
