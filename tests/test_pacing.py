"""Bulk mail within Exchange Online's limits: one budget per mailbox shared by all workers, pauses after the server's
refusals, mail the server would refuse stopped before sending — and nothing lost, nothing failed."""

import datetime as dt

import pytest
from cmx_hostapi import TemporaryMailError

from .conftest import run_queue_at, run_queue_in_threads
from .helpers import connected, course, queued, run_method


def at(moment: dt.datetime, seconds: float) -> dt.datetime:
    return moment + dt.timedelta(seconds=seconds)


def test_the_message_rate_is_kept_and_the_rest_waits_for_its_minute(office, limits):
    account_id = connected(office)
    limits.update(limit_messages=6, limit_messages_seconds=60)  # the sign-in's test mail is the first of the minute
    office.ms.call("counters/reset")
    for n in range(8):
        office.instance.mailer.enqueue(account_id, f"kurs{n}@example.de", f"Rundschreiben {n}", "x")
    now = dt.datetime.now(dt.UTC)
    assert run_queue_at(office, now) == {"sent": 5, "retry": 0, "held": 0, "waited": 3}
    waiting = queued(office, account_id)
    assert len(waiting) == 3 and all(q["attempts"] == 0 and q["last_error"] is None for q in waiting)
    first_sent = min(q["sent_at"] for q in office.queue(account_id) if q["status"] == "sent")
    assert all(q["next_attempt_at"] >= at(first_sent, 59) for q in waiting)  # when the oldest leaves the minute
    assert run_queue_at(office, at(now, 30))["sent"] == 0  # nothing is due before
    assert run_queue_at(office, at(now, 63))["sent"] == 3  # a minute (and its one-second margin) later
    assert "smtp:deferred" not in office.ms.counters()  # the server never had to carry any over


def test_the_daily_recipient_quota_holds_across_workers(office, limits):
    limits.update(limit_recipients=10)
    account_id = connected(office)
    for n in range(6):
        office.instance.mailer.enqueue(account_id, course(n), f"Zertifikat {n}", "x")  # 3 recipients each
    counts = run_queue_in_threads(office, 4, limit=2)
    assert sum(c["sent"] for c in counts) == 3  # 9 of 10 recipients: a fourth mail would make 12
    assert len(queued(office, account_id)) == 3
    assert "smtp:refused:quota" not in office.ms.counters()
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=1)
    office.ms.call("clock/advance", seconds=24 * 3600 + 60)  # the tokens are refreshed at Microsoft's new time
    assert run_queue_at(office, tomorrow)["sent"] == 3
    delivered = [m for m in office.ms.messages() if m["subject"].startswith("Zertifikat")]
    assert len(delivered) == 6 and sum(len(m["rcpt_tos"]) for m in delivered) == 18  # each once


def test_a_server_with_a_lower_limit_pauses_only_that_mailbox_and_tells_the_admins_once(office, limits):
    office.ms.call("limits", recipients=5)  # the tenant's limit is lower than configured (10,000 in 24 hours)
    anna = connected(office, "anna")
    ben = connected(office, "ben")
    for n in range(3):
        office.instance.mailer.enqueue(anna, course(n), f"Anna {n}", "x")
    office.instance.mailer.enqueue(ben, "kurs@example.de", "Ben 0", "x")
    counts = office.instance.mailer.run_queue()
    assert counts["sent"] == 2 and counts["held"] == 0  # Anna's first and Ben's; Anna's second was refused
    refused = [q for q in queued(office, anna) if q["last_error"]]
    assert len(refused) == 1 and refused[0]["last_error"].startswith("Sendelimit erreicht")
    (note,) = [n for n in office.notifications() if "Versand pausiert" in n["subject"]]
    assert "Keine Mail geht verloren" in note["text"] and "die anderen E-Mailkonten senden weiter" in note["text"]
    # The pause holds for every mail of that mailbox; nothing is failed, nothing sent into the refusal again.
    office.instance.mailer.enqueue(ben, "kurs@example.de", "Ben 1", "x")
    counts = office.instance.mailer.run_queue(now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    assert counts["sent"] == 1 and office.ms.counters()["smtp:refused:quota"] == 1
    page = office.browser.get("/App%20Warteschlange/").text
    assert "pausiert bis" in page and "Empfänger in 24 Stunden: 4 von 10.000" in page  # the test mail and Anna 0

    # The window frees at Microsoft (24 hours after the first send): Anna's mail goes on; the admins were told once.
    day = 24 * 3600 + 60
    office.ms.call("clock/advance", seconds=day)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=day)
    for _ in range(3):  # a day frees room for one more mail of three recipients
        run_queue_at(office, later)
        later += dt.timedelta(seconds=day)
        office.ms.call("clock/advance", seconds=day)
    assert sorted(m["subject"] for m in office.ms.messages() if m["subject"].startswith("Anna")) == [
        "Anna 0",
        "Anna 1",
        "Anna 2",
    ]
    told = [n["created_at"].date() for n in office.notifications() if "Versand pausiert" in n["subject"]]
    assert len(told) == len(set(told))  # at most once a day


def test_a_mail_to_more_than_500_is_stopped_before_sending_with_what_to_do(office):
    account_id = connected(office)
    office.ms.call("counters/reset")
    office.instance.mailer.enqueue(account_id, course(0, size=501), "Newsletter an alle", "x")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    assert office.instance.mailer.run_queue() == {"sent": 1, "retry": 0, "held": 1, "waited": 0}
    (held,) = [q for q in office.queue(account_id) if q["status"] == "held"]
    assert held["last_error"].startswith("Zu viele Empfänger für eine Mail: Die Mail hat mehr Empfänger")
    assert "auf mehrere Mails mit je höchstens 500 Empfängern aufteilen" in held["last_error"]
    assert office.ms.counters()["smtp:messages"] == 1  # only the other mail reached the server
    assert office.row(account_id)["problem_code"] is None  # the account itself is fine (the trail names the mail)


def test_a_mail_larger_than_exchange_takes_is_stopped_before_sending(office, limits):
    limits.update(max_message_mb=0.01)  # 10 KB for the test; 35 MB by default
    account_id = connected(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Großer Anhang", "x" * 20_000)
    assert office.instance.mailer.run_queue()["held"] == 1
    (held,) = office.queue(account_id)
    assert held["last_error"].startswith("Mail zu groß für Microsoft 365")
    assert "einen Link zum Herunterladen statt des Anhangs" in held["last_error"]
    assert not [m for m in office.ms.messages() if m["subject"] == "Großer Anhang"]


def test_the_queue_page_shows_each_mailbox_its_waiting_mail_and_budget(office, limits):
    account_id = connected(office)
    limits.update(limit_messages=3)  # the sign-in's test mail and two of the four
    for n in range(4):
        office.instance.mailer.enqueue(account_id, course(n, size=2), f"Erinnerung {n}", "x")
    office.instance.mailer.run_queue()
    page = office.browser.get("/App%20Warteschlange/").text
    address = office.instance.host.mail_account(account_id).address
    assert "Postfächer mit offenen Mails" in page and address in page
    assert "Empfänger in 24 Stunden: 5 von 10.000" in page and "Mails je Minute: 3 von 3" in page
    assert f"<td>{address}</td><td>2</td>" in page


@pytest.mark.parametrize(
    "reply",
    [
        "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message",
        "554 5.2.2 Submission quota exceeded",  # the NDR wording (EXO-NDR)
    ],
)
def test_every_wording_of_the_quota_pauses_the_mailbox_and_keeps_the_mail(office, reply):
    account_id = connected(office)
    office.ms.call("smtp_fault", reply=reply)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Einladung", "x")
    assert office.instance.mailer.run_queue()["retry"] == 1
    (mail,) = queued(office, account_id)
    assert mail["last_error"].startswith("Sendelimit erreicht")
    with office.instance.db.transaction() as tx:
        (pause,) = tx.execute("SELECT paused_until FROM m365_budget WHERE mailbox LIKE :a", {"a": "%:%"}).fetchall()
    assert pause["paused_until"] > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=50)  # until the window frees
    assert mail["next_attempt_at"] >= pause["paused_until"] - dt.timedelta(seconds=2)


def test_a_mail_sent_at_once_counts_too_and_a_full_limit_is_said_in_german(office, limits):
    """Host.send_mail (a test mail, a rotation proof) goes through the same budget as the queue: Exchange counts it."""
    account_id = connected(office)
    limits.update(limit_messages=3, limit_messages_seconds=60)  # the sign-in's test mail was the first
    host = office.instance.host
    host.send_mail(account_id, "kurs@example.de", "Sofort 1", "x")
    host.send_mail(account_id, "kurs@example.de", "Sofort 2", "x")
    with pytest.raises(TemporaryMailError) as refused:
        host.send_mail(account_id, "kurs@example.de", "Sofort 3", "x")
    assert str(refused.value).startswith(
        "Das Postfach hat sein Sendelimit erreicht (3 Mails je Minute erreicht); die Mail wurde nicht gesendet. Ab "
    )
    assert refused.value.retry_after > 50
    lines = run_method(office, account_id)
    assert lines[-1].startswith("✗") and "Sendelimit erreicht" in lines[-1]
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Aus der Warteschlange", "x")
    assert office.instance.mailer.run_queue()["waited"] == 1  # the queue sees the same budget
    assert not [m for m in office.ms.messages() if m["subject"] == "Sofort 3"]
