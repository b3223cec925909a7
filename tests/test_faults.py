"""Faults: Microsoft or the mail server unreachable, slow, throttling, failing. Nothing hangs past its timeout,
the mail stays queued or the person reads the right message, and nothing stored is damaged."""

import datetime as dt
import smtplib
import socket
import ssl
import threading
import time
from contextlib import ExitStack, contextmanager

import pytest

from cmx_plugin_m365 import tokens
from devhost.emulators import free_port
from devhost.pages import flashes

from .conftest import run_queue_at


def expire(office):
    office.ms.call("clock/advance", seconds=7200)
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)


def stored_cache(office, account_id):
    row = office.row(account_id)
    return row["cache_version"], bytes(row["token_cache"])


def assert_cache_intact(office, account_id, before):
    assert stored_cache(office, account_id) == before
    tokens.unseal(office.instance.host, before[1])  # still decrypts to a whole msal cache


@pytest.fixture
def connected(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    return account_id


def options(office):
    return office.instance.host.plugin_config("m365")


@contextmanager
def timed(limit: float):
    began = time.monotonic()
    yield
    assert time.monotonic() - began < limit, f"took longer than {limit} s"


def assert_retry_later(office, account_id, later):
    (mail,) = office.queue(account_id)
    assert mail["status"] == "queued" and mail["next_attempt_at"] > later
    assert office.row(account_id)["state"] == "connected"
    assert office.notifications() == []
    return mail


def test_identity_platform_refusing_connections(office, connected):
    before = stored_cache(office, connected)
    later = expire(office)
    saved = options(office)["login_base_url"]
    options(office)["login_base_url"] = f"https://localhost:{free_port()}"
    try:
        with timed(10):
            assert run_queue_at(office, later) == {"sent": 0, "retry": 1, "held": 0, "waited": 0}
    finally:
        options(office)["login_base_url"] = saved
    mail = assert_retry_later(office, connected, later)
    assert mail["last_error"].startswith("Keine Verbindung: Der Server war nicht erreichbar.")
    assert_cache_intact(office, connected, before)


def test_identity_platform_slower_than_the_timeout(office, connected):
    before = stored_cache(office, connected)
    later = expire(office)
    options(office)["http_timeout"] = 1.5
    office.ms.call("fault", kind="hang", seconds=8, remaining=1)
    with timed(5):
        assert run_queue_at(office, later)["retry"] == 1
    mail = assert_retry_later(office, connected, later)
    assert mail["last_error"].startswith("Keine Antwort: Der Server hat nicht rechtzeitig geantwortet.")
    # Nobody waits for a mail in the queue: cmxOrganize tries again by itself.
    assert "Was tun: Nichts – cmxOrganize versucht es später erneut." in mail["last_error"]
    assert_cache_intact(office, connected, before)


def test_throttling_429_keeps_the_mail_for_later(office, connected):
    before = stored_cache(office, connected)
    later = expire(office)
    office.ms.call("fault", kind="429", retry_after=30, remaining=1)
    assert run_queue_at(office, later)["retry"] == 1
    assert_retry_later(office, connected, later)
    assert_cache_intact(office, connected, before)


def test_slow_code_redemption_says_so_and_stores_nothing(office):
    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    outcome = office.at_microsoft(office.start_sign_in(account_id), "anna")
    options(office)["http_timeout"] = 1.5
    office.ms.call("fault", kind="hang", seconds=8, remaining=1)
    with timed(5):
        (message,) = flashes(office.come_back(outcome.url))
    assert message.startswith(
        "Die Anmeldung bei Microsoft ist gescheitert. Keine Antwort: Der Server hat nicht rechtzeitig geantwortet."
    )
    # Nobody retries a sign-in for the person who started it: the advice is theirs to follow.
    assert "Was tun: In einigen Minuten noch einmal versuchen." in message
    assert "cmxOrganize versucht es" not in message
    assert office.row(account_id)["token_cache"] is None


def test_mail_server_down(office, connected):
    office.instance.host.update_mail_account(connected, smtp_port=free_port())
    with timed(5):
        assert office.instance.mailer.run_queue() == {"sent": 0, "retry": 1, "held": 0, "waited": 0}
    (mail,) = office.queue(connected)
    assert mail["last_error"].startswith("Keine Verbindung zum Mailserver localhost:")


def test_mail_server_that_accepts_but_never_answers(office, connected):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    office.instance.host.update_mail_account(connected, smtp_port=listener.getsockname()[1])
    office.instance.mailer.timeout = 1.5
    try:
        with timed(5):
            assert office.instance.mailer.run_queue()["retry"] == 1
    finally:
        listener.close()
    (mail,) = office.queue(connected)
    assert "hat nicht innerhalb von 1.5 s geantwortet" in mail["last_error"]


def test_mail_server_certificate_not_trusted(office, connected):
    office.instance.mailer.ca_file = None  # the system's CAs: the emulator's certificate is not among them
    assert office.instance.mailer.run_queue() == {"sent": 0, "retry": 0, "held": 1, "waited": 0}
    (mail,) = office.queue(connected)
    assert mail["last_error"].startswith("Das Zertifikat des Mailservers localhost ist nicht vertrauenswürdig")
    assert mail["last_error_code"] == "TLS"


def test_temporary_4xx_from_the_mail_server(office, connected):
    office.ms.call("smtp_fault", reply="451 4.7.500 Server busy. Please try again later.", remaining=1)
    assert office.instance.mailer.run_queue()["retry"] == 1
    (mail,) = office.queue(connected)
    assert mail["last_error_code"] == "451 4.7.500" and mail["status"] == "queued"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert run_queue_at(office, later)["sent"] == 1


def test_concurrency_limit_432_is_temporary(office, connected):
    anna = office.org.people["anna"].upn
    token = tokens.access_token(office.instance.host, connected)
    context = ssl.create_default_context(cafile=office.ms.addresses.ca_file)
    with ExitStack() as stack:
        for _ in range(3):  # three other programs hold the mailbox's three connections
            smtp = stack.enter_context(smtplib.SMTP(office.ms.addresses.smtp_host, office.ms.addresses.smtp_port))
            smtp.starttls(context=context)
            smtp.ehlo()
            from cmx_plugin_m365.sending.xoauth2 import initial_response

            smtp.docmd("AUTH", "XOAUTH2 " + initial_response(anna, token))
            smtp.docmd("MAIL", f"FROM:<{anna}>")
        assert office.instance.mailer.run_queue() == {"sent": 0, "retry": 1, "held": 0, "waited": 0}
        (mail,) = office.queue(connected)
        assert mail["last_error"].startswith("Zu viele gleichzeitige Verbindungen")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert run_queue_at(office, later)["sent"] == 1


def test_concurrent_refreshes_in_one_process_share_the_work(office):
    """Threads of one worker: the lease serializes them too. (Real time here: freezegun lets threads see the
    real clock.)"""
    office.configure()
    office.ms.call("token_lifetime", seconds=301)  # msal's rule: expired in one second
    connected, _ = office.connect("anna")
    office.ms.call("token_lifetime", seconds=3600)
    time.sleep(1.5)
    office.ms.call("counters/reset")
    results, errors = [], []

    def fetch():
        try:
            results.append(tokens.access_token(office.instance.host, connected))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(set(results)) == 1
    assert office.ms.counters()[f"token:refresh_token:{office.org.client_id}"] == 1


def test_an_outage_is_one_line_in_the_trail_not_one_per_retry(office, connected):
    later = expire(office)
    saved = options(office)["login_base_url"]
    options(office)["login_base_url"] = f"https://localhost:{free_port()}"
    try:
        for minutes in (0, 5, 30):
            run_queue_at(office, later + dt.timedelta(minutes=minutes, seconds=1))
    finally:
        options(office)["login_base_url"] = saved
    with office.instance.db.transaction() as tx:
        kinds = [
            r["kind"]
            for r in tx.execute(
                "SELECT kind FROM m365_event WHERE account_id = :a AND kind = 'temporary'", {"a": connected}
            ).fetchall()
        ]
    assert kinds == ["temporary"]


def test_a_test_during_an_outage_tells_the_person_to_test_again(office, connected):
    options(office)["http_timeout"] = 1.5
    office.ms.call("fault", kind="hang", seconds=8, remaining=1)
    with timed(10):
        response = office.browser.post(f"/App%20E-Mailkonto/{connected}/methode", {"method": "E-Mailkonto testen"})
    (failed,) = [m for m in flashes(office.follow(response)) if m.startswith("✗")]
    assert failed.startswith("✗ App-Registrierung bei Microsoft: Keine Antwort")
    assert "Was tun: In einigen Minuten noch einmal versuchen." in failed
