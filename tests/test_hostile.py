"""Hostile and broken answers (issue 22): whatever answers in Microsoft's place is bounded before it is parsed, stored,
shown or mailed; a mail names exactly its account as sender; an admin consent counts only for the right directory;
renewal notices come only from the worker that decided; an unreadable credential never answers 500."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from cmx_hostapi import PermanentMailError

from cmx_plugin_m365 import http, tokens
from cmx_plugin_m365.care import credentials
from cmx_plugin_m365.sending import mailing

from .helpers import certificate_in_use, expire_access_token, run_method

FEW_KILOBYTES = 8_000


def database_bytes(office) -> int:
    """Everything the plugin and the host's queue and notifications hold as text."""
    total = 0
    with office.instance.db.transaction() as tx:
        for table, columns in (
            ("m365_event", "text, code"),
            ("m365_account", "problem_text, problem_code"),
            ("m365_check", "text, code"),
            ("mail_queue", "last_error, last_error_code"),
            ("notifications", "subject, text"),
        ):
            for row in tx.execute(f"SELECT {columns} FROM {table}").fetchall():
                total += sum(len(str(v or "")) for v in row.values())
    return total


@pytest.mark.parametrize("kind", ["huge", "deep"])
def test_a_monstrous_answer_from_the_token_endpoint_is_an_unexpected_answer_of_a_few_kilobytes(office, kind):
    from freezegun import freeze_time

    office.configure()
    account_id, _ = office.connect("anna")
    office.choose_route(account_id, "smtp")
    before = database_bytes(office)
    later = expire_access_token(office)  # the next mail needs a refresh at the token endpoint
    office.ms.call("fault", kind=kind)
    tokens.forget(account_id)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    with freeze_time(later, tick=True):
        counts = office.instance.mailer.run_queue()
    assert counts["retry"] == 1  # kept: temporary, the way (a proxy?) answered instead of Microsoft
    (mail,) = office.queue(account_id)
    assert mail["last_error_code"] == "net:http"
    assert mail["last_error"].startswith("Unerwartete Antwort von Microsoft")
    assert database_bytes(office) - before < FEW_KILOBYTES
    assert office.row(account_id)["state"] == "connected"  # nothing written as the account's state


@pytest.mark.parametrize("kind", ["huge", "deep"])
def test_a_monstrous_answer_from_graph_is_an_unexpected_answer_of_a_few_kilobytes(office, kind):
    office.configure()
    account_id, _ = office.connect("anna")
    office.choose_route(account_id, "graph")
    before = database_bytes(office)
    office.ms.call("graph_fault", status=kind)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    assert office.instance.mailer.run_queue()["retry"] == 1
    (mail,) = office.queue(account_id)
    assert (mail["last_error_code"], mail["last_error"][:34]) == ("net:http", "Unerwartete Antwort von Microsoft:")
    assert database_bytes(office) - before < FEW_KILOBYTES
    assert not [n for n in office.notifications() if len(n["text"]) > 4_000]


def test_the_bounded_reader_refuses_more_than_a_megabyte_and_deep_json_without_reading_it_all():
    assert http._depth(b'{"a": [1, {"b": "[[[[[[[["}]}') == 3  # brackets in strings do not count
    assert http._depth(b"[" * 100_000) > http.MAX_DEPTH


@pytest.mark.parametrize(
    "sender",
    [
        "anna@{domain}, ben@{domain}",  # two addresses in one From
        "ben@{domain}",  # another mailbox
        "",  # none
    ],
)
def test_a_mail_whose_from_is_not_exactly_the_account_is_refused_before_sending(office, sender):
    office.configure()
    account_id, _ = office.connect("anna")
    account = office.instance.host.mail_account(account_id)
    headers = f"From: {sender.format(domain=office.org.domain)}\r\n" if sender else ""
    message = f"{headers}To: kurs@example.de\r\nSubject: Zwei Absender\r\n\r\nHallo\r\n".encode()
    office.ms.call("messages/clear")
    for route in ("smtp", "graph"):
        office.choose_route(account_id, route)
        with pytest.raises(PermanentMailError) as refused:
            mailing.deliver(account, message, 1, office.instance.host)
        assert str(refused.value).startswith("Absender der Mail passt nicht zum E-Mailkonto")
        assert refused.value.code == "MESSAGE-FROM"
    assert office.ms.messages() == []  # nothing reached Microsoft
    assert office.row(account_id)["problem_code"] is None  # only that mail: the account is fine


def test_an_admin_consent_answer_without_the_directory_is_not_counted_as_granted(office, app_for):
    from urllib.parse import parse_qs, urlsplit

    from devhost.pages import flashes

    office.configure()
    location = office.click_on(office.interface_path(), "Administratorzustimmung erteilen")
    state = parse_qs(urlsplit(location).query)["state"][0]
    # Microsoft's answer as it should not be: no tenant (for the admin's own directory or none at all).
    page = office.follow(office.browser.get(f"/App%20E-Mailkonto/continue_oauth?admin_consent=True&state={state}"))
    (message,) = flashes(page)
    assert message.startswith("Ob die Administratorzustimmung für Ihre Organisation gilt, ist unklar")
    with office.instance.db.transaction() as tx:
        check = tx.execute("SELECT ok, code FROM m365_check WHERE name = 'admin_consent'").fetchone()
    assert (bool(check["ok"]), check["code"]) == (False, "CONSENT-UNKNOWN")


def test_several_workers_renewing_at_once_add_one_key_and_tell_nobody_to_renew_by_hand(office):
    office.configure()
    office.connect("anna")
    first = certificate_in_use(office, months="12")
    host = office.instance.host
    office.ms.call("counters/reset")
    due = first.expires_at - dt.timedelta(days=25)  # renewal and the first warning both due
    start = threading.Barrier(4)

    def worker():
        start.wait()
        credentials.job(host, due)

    running = [threading.Thread(target=worker) for _ in range(4)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    assert credentials.in_use(host).thumbprint != first.thumbprint  # renewed, once
    assert office.ms.counters().get("graph:addKey", 0) == 1
    subjects = [n["subject"] for n in office.notifications()]
    assert not [s for s in subjects if "von Hand" in s or "läuft" in s], subjects
    assert subjects.count("cmxOrganize hat sein Zertifikat für Microsoft 365 erneuert") == 1


def test_every_page_and_button_answers_with_a_certificate_key_nobody_can_read(office):
    from cryptography.fernet import Fernet

    office.configure()
    account_id, _ = office.connect("anna")
    certificate_in_use(office)
    with office.instance.db.transaction() as tx:  # under a key this instance does not have
        tx.execute("UPDATE m365_certificate SET private_key = :k", {"k": Fernet(Fernet.generate_key()).encrypt(b"x")})
    tokens.forget(account_id)
    pages = [
        f"/App%20E-Mailkonto/{account_id}",
        "/App%20E-Mailkonto/",
        office.interface_path(),
        "/App%20E-Mailkonto/oauth_overview",
        "/App%20Warteschlange/",
    ]
    assert {p: office.browser.get(p).status_code for p in pages} == {p: 200 for p in pages}
    buttons = [
        (f"/App%20E-Mailkonto/{account_id}", "Erneut anmelden"),
        (office.interface_path(), "Jetzt prüfen"),
        (office.interface_path(), "Administratorzustimmung erteilen"),
    ]
    for path, label in buttons:
        office.click_on(path, label)  # follows the answer; a 500 would raise in the test client
    assert run_method(office, account_id)[1].startswith("✗ App-Registrierung bei Microsoft: Zertifikat nicht mehr")


def test_several_workers_warning_of_the_secrets_expiry_at_once_send_one_warning(office):
    from cmx_plugin_m365.care import client_secret

    office.configure()
    office.connect("anna")
    host = office.instance.host
    expiry = client_secret.current(host).expires_at
    start = threading.Barrier(4)

    def worker():
        start.wait()
        client_secret.warn(host, expiry - dt.timedelta(days=29))

    running = [threading.Thread(target=worker) for _ in range(4)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    subjects = [n["subject"] for n in office.notifications()]
    assert subjects == ["Geheimer Schlüssel der Azure-Schnittstelle läuft in 29 Tagen ab"]


def test_a_finding_keeps_a_short_code_and_a_few_hundred_characters_whatever_it_was_given():
    from cmx_plugin_m365.diagnosis import from_graph, from_oauth, from_smtp

    huge = "x" * 5_000_000
    for finding in (
        from_oauth(huge, huge),
        from_oauth("invalid_grant", "AADSTS50173: " + huge, error_codes=[huge]),
        from_graph(400, '{"error": {"code": "' + huge + '", "message": "' + huge + '"}}'),
        from_smtp(550, "5.7.1 " + huge),
    ):
        assert len(finding.code) <= 64 and len(finding.microsoft_text) <= 400
        assert len(finding.message()) < 4_000
    assert from_oauth("<script>alert(1)</script>", "").code == "unerwartet"  # not a code: not kept as one
