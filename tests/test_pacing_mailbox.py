"""Budgets as Microsoft counts them (issue 20): per signed-in Microsoft user, not per cmxOrganize account; the tenant's
own limits (the outbound spam policy's recipients per hour, the tenant external recipient rate limit, Graph's uploads
per 5 minutes) kept before Microsoft blocks anything; and no clock error that blocks a mailbox for hours."""

import datetime as dt

import pytest

from cmx_plugin_m365 import store
from cmx_plugin_m365.diagnosis import Finding, entry
from cmx_plugin_m365.sending import mailing, pacing

from .conftest import run_queue_at, run_queue_in_threads
from .helpers import connected, course, queued

HOUR = 3600


def enqueue(office, account_id, to, subject, body="x") -> None:
    office.instance.mailer.enqueue(account_id, to, subject, body)


def queue_page(office) -> str:
    return office.browser.get("/App%20Warteschlange/").text


def refusals(office) -> dict:
    return {k: v for k, v in office.ms.counters().items() if k.startswith("smtp:refused")}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- one budget per Microsoft mailbox ---------------------------------------------------------------------------------


def test_two_accounts_signed_in_as_one_person_share_one_budget(office, limits):
    """An account for Anna's own address and one for the course office's shared mailbox, both signed in as Anna:
    Exchange counts both against Anna (the authenticated user), so cmxOrganize does too."""
    office.ms.call("limits", recipients=10)  # the tenant's limit, on Microsoft's side ...
    limits.update(limit_recipients=10)  # ... and as the admin entered it
    anna = office.org.people["anna"]
    own = connected(office, "anna")  # its sign-in's test mail: 1 recipient
    shared = f"kurse@{office.org.domain}"
    office.ms.call("shared_mailbox", tenant_id=office.org.tenant_id, address=shared, send_as=[anna.oid])
    kurse = office.create_account("anna", address=shared, username="")
    office.enable_oauth(kurse)
    office.connect("anna", kurse)  # its test mail: 1 more — 2 of 10
    for n in range(3):
        enqueue(office, own, course(n), f"Anna {n}")
        enqueue(office, kurse, course(10 + n), f"Kursbüro {n}")
    counts = run_queue_in_threads(office, 4, limit=3)

    assert sum(c["sent"] for c in counts) == 2  # 2 + 2 × 3 = 8; one more mail of three would make 11
    assert len(queued(office, own)) + len(queued(office, kurse)) == 4
    assert refusals(office) == {}  # Exchange never had to refuse (before: two budgets of 10, 554 5.2.0 refusals)
    page = queue_page(office)
    assert page.count("Empfänger in 24 Stunden: 8 von 10") == 2  # the same budget on both accounts' rows
    assert f"Gemeinsames Budget mit: {shared} (dieselbe Anmeldung bei Microsoft)" in page
    assert f"Gemeinsames Budget mit: {anna.upn} (dieselbe Anmeldung bei Microsoft)" in page

    # A day later (on both clocks) the rest goes out, each mail once.
    day = 24 * HOUR + 60
    office.ms.call("clock/advance", seconds=day)
    later = now() + dt.timedelta(seconds=day)
    run_queue_at(office, later)
    delivered = [m["subject"] for m in office.ms.messages() if m["subject"].startswith(("Anna", "Kursbüro"))]
    assert len(delivered) == len(set(delivered)) == 5 and refusals(office) == {}


def test_an_account_not_signed_in_yet_keeps_a_budget_of_its_own(office):
    office.configure()
    account_id = office.create_account("anna")
    assert pacing.mailbox_key(account_id, None) == f"account:{account_id}"
    office.enable_oauth(account_id)
    office.connect("anna", account_id)
    state = store.account_state(office.instance.host, account_id)
    assert pacing.mailbox_key(account_id, state) == f"{office.org.tenant_id}:{office.org.people['anna'].oid}"


# -- clocks ---------------------------------------------------------------------------------------------------------


def test_a_clock_that_was_hours_ahead_blocks_nothing_once_it_is_corrected(office, limits):
    account_id = connected(office)
    limits.update(limit_messages=3, limit_messages_seconds=60)
    ahead = now() + dt.timedelta(hours=5)  # the server's clock was five hours fast ...
    for n in range(3):
        enqueue(office, account_id, f"kurs{n}@example.de", f"Vorher {n}")
    assert run_queue_at(office, ahead)["sent"] == 3

    for n in range(3):
        enqueue(office, account_id, f"kurs{n}@example.de", f"Nachher {n}")
    corrected = now()  # ... and is right again: those three sends lie five hours in the future
    assert run_queue_at(office, corrected) == {"sent": 0, "retry": 0, "held": 0, "waited": 3}
    waiting = queued(office, account_id)
    assert all(q["next_attempt_at"] <= corrected + dt.timedelta(seconds=62) for q in waiting)  # a minute, not 5 hours
    assert run_queue_at(office, corrected + dt.timedelta(seconds=63))["sent"] == 3


def test_a_pause_from_a_clock_that_was_ahead_lasts_no_longer_than_the_pause(office):
    account_id = connected(office)
    office.ms.call("smtp_fault", reply="432 4.3.2 Concurrent connections limit exceeded.", remaining=1)
    enqueue(office, account_id, "kurs@example.de", "Bestätigung")
    assert run_queue_at(office, now() + dt.timedelta(hours=5))["retry"] == 1  # a pause of seconds, five hours ahead

    enqueue(office, account_id, "kurs2@example.de", "Noch eine")
    corrected = now()
    assert run_queue_at(office, corrected)["waited"] == 1
    assert "pausiert bis" in queue_page(office)  # the pause is kept ...
    (mail,) = [q for q in queued(office, account_id) if q["subject"] == "Noch eine"]
    assert mail["next_attempt_at"] <= corrected + dt.timedelta(seconds=11)  # ... for its own ten seconds, not hours
    assert run_queue_at(office, corrected + dt.timedelta(seconds=12))["sent"] == 1


# -- the tenant's outbound spam policy ----------------------------------------------------------------------------


def test_the_policys_hourly_external_limit_is_kept_and_the_mailbox_never_blocked(office, limits):
    """Microsoft's recommended Strict policy, scaled down: 5 external recipients per hour, then BlockUser."""
    office.ms.call("limits", external_per_hour=5, action="BlockUser")
    account_id = connected(office)
    limits.update(recipient_limit_external_per_hour=5)
    for n in range(3):
        enqueue(office, account_id, course(n, size=2), f"Einladung {n}")
    first = now()
    assert run_queue_at(office, first) == {"sent": 2, "retry": 0, "held": 0, "waited": 1}
    # The host names only how many recipients a mail has: the sign-in's test mail (to the own, internal address)
    # counts as external here too — never less than Microsoft counts.
    assert "Externe Empfänger je Stunde: 5 von 5" in queue_page(office)
    (waiting,) = queued(office, account_id)
    assert first + dt.timedelta(minutes=59) < waiting["next_attempt_at"] < first + dt.timedelta(minutes=62)
    assert run_queue_at(office, first + dt.timedelta(minutes=30))["sent"] == 0

    office.ms.call("clock/advance", seconds=HOUR + 120)
    assert run_queue_at(office, first + dt.timedelta(seconds=HOUR + 120))["sent"] == 1
    assert refusals(office) == {}  # never 550 5.1.8: the user was never blocked
    assert office.row(account_id)["problem_code"] is None


def test_without_the_option_the_policy_blocks_the_user_and_that_is_for_the_admin_not_a_pause(office):
    """What the option prevents: the policy blocks the user (their Outlook too) until an admin releases them.
    cmxOrganize cannot wait that out — the mail is held with what to do, nothing is paused."""
    office.ms.call("limits", external_per_hour=5, action="BlockUser")
    account_id = connected(office)
    for n in range(3):
        enqueue(office, account_id, course(n, size=2), f"Einladung {n}")
    counts = office.instance.mailer.run_queue()
    assert counts["sent"] == 2 and counts["held"] >= 1
    assert refusals(office) == {"smtp:refused:blocks": 1}
    held = next(q for q in office.queue(account_id) if q["status"] == "held")
    assert held["last_error_code"] == "550 5.1.8"
    assert held["last_error"].startswith("Konto für den Versand gesperrt")
    budget = queue_page(office)
    assert "pausiert bis" not in budget  # not a pause: it would not end by itself
    office.ms.call("limits", release=[office.org.people["anna"].upn])  # the admin releases Anna
    assert office.ms.call("limits")["blocked"] == []


def test_a_host_that_names_the_addresses_lets_internal_recipients_count_as_internal(office, limits):
    account_id = connected(office)
    limits.update(recipient_limit_external_per_hour=500, recipient_limit_internal_per_hour=1000)
    host = office.instance.host
    account = host.mail_account(account_id)
    colleague = f"kollegin@{office.org.domain}"
    pace = mailing.pace(account, ["teilnehmer@example.de", colleague, "TEAM@" + office.org.domain.upper()], host)
    assert pace.wait_until is None
    pace.done(True)
    rows = dict(mailing.budget(account, host).rows)
    assert rows["Externe Empfänger je Stunde"] == "2 von 500"  # the test mail (a number only) and one address
    assert rows["Interne Empfänger je Stunde"] == "3 von 1.000"  # the test mail, the colleague and the team
    limits.update(internal_domains="example.de")  # the tenant's accepted domains, as the admin entered them
    pace = mailing.pace(account, ["teilnehmer@example.de"], host)
    pace.done(True)
    assert dict(mailing.budget(account, host).rows)["Interne Empfänger je Stunde"] == "4 von 1.000"


# -- the tenant external recipient rate limit (TERRL) -------------------------------------------------------------


def test_the_tenants_external_recipients_are_one_budget_for_every_account(office, limits):
    office.ms.call("limits", terrl=8)
    anna = connected(office, "anna")
    ben = connected(office, "ben")
    limits.update(terrl_limit=8)  # e.g. what the admin leaves to cmxOrganize of 500 × licences^0.7 + 9,500
    for n in range(2):
        enqueue(office, anna, course(n, size=2), f"Anna {n}")
        enqueue(office, ben, course(10 + n, size=2), f"Ben {n}")
    counts = office.instance.mailer.run_queue()
    assert counts["sent"] == 3 and counts["waited"] == 1  # 2 test mails + 3 × 2 = 8 of 8, counted for both
    page = queue_page(office)
    assert "Externe Empfänger der Organisation in 24 Stunden (alle E-Mailkonten): 8 von 8" in page
    assert refusals(office) == {}  # Microsoft saw 6 external recipients of its 8: no 550 5.7.233


def test_terrl_from_the_licences():
    options = pacing.Options(terrl_licenses=100)
    assert pacing.tenant_limit(options) == 22_059  # the announcement's table: 100 licences
    assert pacing.tenant_limit(pacing.Options(terrl_licenses=1)) == 10_000
    assert pacing.tenant_limit(pacing.Options(terrl_licenses=100, terrl_trial=True)) == 5_000
    assert pacing.tenant_limit(pacing.Options()) == 0  # off unless the admin says


def test_a_tenant_limit_refusal_pauses_external_mail_of_every_account_and_tells_the_admins(office):
    anna = connected(office, "anna")
    ben = connected(office, "ben")
    office.ms.call(
        "smtp_fault",
        reply="550 5.7.233 Your message can't be sent because your tenant has exceeded its daily limit for sending "
        "email to external recipients (tenant external recipient rate limit)",
        remaining=1,
    )
    enqueue(office, anna, "kurs@example.de", "Anna")
    enqueue(office, ben, "kurs@example.de", "Ben")
    first = now()
    assert run_queue_at(office, first) == {"sent": 0, "retry": 1, "held": 0, "waited": 1}
    page = queue_page(office)
    assert page.count("Mails an externe Empfänger ruhen bei allen E-Mailkonten bis dahin") == 2
    (note,) = [n for n in office.notifications() if "Versand an externe Empfänger pausiert" in n["subject"]]
    assert "Es zählen alle Postfächer und Programme der Organisation zusammen" in note["text"]
    assert office.row(anna)["problem_code"] is None  # temporary: nobody has to do anything
    assert run_queue_at(office, first + dt.timedelta(minutes=30))["sent"] == 0
    assert run_queue_at(office, first + dt.timedelta(minutes=61))["sent"] == 2


# -- Microsoft Graph ---------------------------------------------------------------------------------------------


def test_graphs_upload_window_is_kept_per_mailbox(office, limits):
    account_id = connected(office)
    office.choose_route(account_id, "graph")
    limits.update(limit_graph_upload_mb=4.2)  # a request may upload 4 MB: 0.2 MB left for what was sent
    for n in range(3):
        enqueue(office, account_id, "kurs@example.de", f"Skript {n}", body="x" * 100_000)  # 137 KB in base64
    first = now()
    assert run_queue_at(office, first) == {"sent": 2, "retry": 0, "held": 0, "waited": 1}
    assert "Upload über Microsoft Graph je 5 Minuten: 0,3 MB von 4,2 MB" in queue_page(office)
    (waiting,) = queued(office, account_id)
    assert first + dt.timedelta(minutes=5) < waiting["next_attempt_at"] < first + dt.timedelta(minutes=6)
    assert run_queue_at(office, first + dt.timedelta(seconds=320))["sent"] == 1
    assert len([m for m in office.ms.messages(to="kurs@example.de") if m["via"] == "graph"]) == 3


@pytest.mark.parametrize(
    "key",
    [
        "graph:ErrorSubmissionQuotaExceeded",
        "graph:ErrorExceededConnectionCount",
        "graph:ErrorTooManyObjectsOpened",
        "graph:activityLimitReached",
        "graph:ErrorServerBusy",
        "550 5.7.232",
    ],
)
def test_microsofts_limit_answers_pause_and_blocked_accounts_do_not(office, key):
    account_id = connected(office)
    host = office.instance.host
    account = host.mail_account(account_id)
    assert pacing.refused(host, account, Finding(entry(key), key), None) >= 1  # seconds until it goes on
    enqueue(office, account_id, "kurs@example.de", "Bestätigung")
    assert office.instance.mailer.run_queue()["waited"] == 1
    assert "pausiert bis" in queue_page(office)
    for blocked in ("550 5.1.8", "550 5.7.501"):  # the user is blocked: that needs the admin, waiting does not help
        assert pacing.refused(host, account, Finding(entry(blocked), blocked), None) is None


# -- the migration ---------------------------------------------------------------------------------------------------


def test_migration_011_moves_old_pauses_and_sends_to_their_mailbox(database):
    from devhost.db import Database

    from .conftest import REPO_ROOT

    url, schema = database
    db = Database(url, schema=schema)
    folder = REPO_ROOT / "migrations" / db.dialect
    later = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    try:
        with db.transaction() as tx:
            for path in sorted(folder.glob("0[01]*.sql")):
                if path.name < "011":
                    db.execute_script(tx, path.read_text())
            for account_id, tenant, oid in ((1, "T1", "O1"), (2, "t1", "o1"), (3, None, None)):
                tx.execute(
                    "INSERT INTO m365_account (account_id, tenant_id, user_oid) VALUES (:a, :t, :o)",
                    {"a": account_id, "t": tenant, "o": oid},
                )
                tx.execute(
                    "INSERT INTO m365_send (id, account_id, at, recipients, finished, until) "
                    "VALUES (:id, :a, :at, 3, :yes, :at)",
                    {"id": f"s{account_id}", "a": account_id, "at": later, "yes": True},
                )
            tx.execute(
                "INSERT INTO m365_pace (account_id, touched, paused_until, reason) VALUES (1, :t, :u, '554 5.2.0')",
                {"t": later, "u": later + dt.timedelta(hours=3)},
            )
            tx.execute("INSERT INTO m365_pace (account_id, touched) VALUES (2, :t)", {"t": later})
        with db.transaction() as tx:
            db.execute_script(tx, (folder / "011_budget_per_mailbox.sql").read_text())
        with db.transaction() as tx:
            sends = {r["id"]: r["mailbox"] for r in tx.execute("SELECT id, mailbox FROM m365_send").fetchall()}
            budgets = tx.execute("SELECT mailbox, paused_until, reason FROM m365_budget ORDER BY mailbox").fetchall()
        assert sends == {"s1": "t1:o1", "s2": "t1:o1", "s3": "account:3"}  # one person's two accounts: one budget
        ((mailbox, paused_until, reason),) = [tuple(r.values()) for r in budgets]
        assert (mailbox, reason) == ("t1:o1", "554 5.2.0")
        assert pacing._time(paused_until) == later + dt.timedelta(hours=3)  # the longer pause of the two is kept
    finally:
        db.close()
