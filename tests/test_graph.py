"""Microsoft Graph as the second route (issue 12): the automatic switch when SMTP AUTH is off, nothing lost or sent
twice, every error Graph answers explained and classified, large mail, old sign-ins, shared mailboxes."""

import datetime as dt

from freezegun import freeze_time

from cmx_plugin_m365 import store
from devhost.pages import flashes, green_field_text

from .conftest import run_queue_at, run_queue_in_threads
from .helpers import expire_access_token, run_method

GRAPH_SCOPES = ["https://graph.microsoft.com/Mail.Send", "https://graph.microsoft.com/Mail.Send.Shared"]


def connected(office, person="anna") -> tuple[int, str]:
    office.configure()
    account_id, _ = office.connect(person)
    return account_id, office.org.people[person].upn


def smtp_auth_off(office, address):
    office.ms.call("mailbox/update", address=address, smtp_auth_enabled=False)


def subjects_via(office, to, via):
    return [m["subject"] for m in office.ms.messages(to=to) if m["via"] == via]


def later(seconds=5):
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


def graph_notices(office):
    return [n for n in office.notifications() if "Microsoft Graph" in n["subject"]]


# -- the automatic switch ------------------------------------------------------------------------------------------


def test_smtp_auth_off_switches_to_graph_and_every_mail_goes_once(office):
    account_id, anna = connected(office)
    smtp_auth_off(office, anna)
    for n in range(3):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", f"Bestätigung {n}", "x")
    first = office.instance.mailer.run_queue()
    # The first mail meets 535 5.7.139 and is retried at once; the others already go over Graph.
    assert first == {"sent": 2, "retry": 1, "held": 0, "waited": 0}
    assert run_queue_at(office, later()) == {"sent": 1, "retry": 0, "held": 0, "waited": 0}
    assert sorted(subjects_via(office, "kurs@example.de", "graph")) == [
        "Bestätigung 0",
        "Bestätigung 1",
        "Bestätigung 2",
    ]
    assert subjects_via(office, "kurs@example.de", "smtp") == []
    state = store.account_state(office.instance.host, account_id)
    assert (state.route, state.route_in_use, state.route_reason, state.problem_code) == (
        "auto",
        "graph",
        "535 5.7.139",
        None,
    )
    (notice,) = graph_notices(office)
    assert notice["audience"] == "admins"
    assert "jetzt über Microsoft Graph; dafür ist nichts zu tun" in notice["text"]
    green = green_field_text(office.page(account_id))
    assert "Versandweg automatisch – zurzeit Microsoft Graph (SMTP AUTH ist für das Postfach ausgeschaltet)" in green
    overview = green_field_text(office.browser.get("/App%20E-Mailkonto/oauth_overview").text)
    assert f"{anna} OAuth, verbunden, über Microsoft Graph;" in overview


def test_mail_held_before_the_switch_goes_out_exactly_once(office):
    account_id, anna = connected(office)
    office.choose_route(account_id, "smtp")
    smtp_auth_off(office, anna)
    for n in range(2):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", f"Rechnung {n}", "x")
    assert office.instance.mailer.run_queue() == {"sent": 0, "retry": 0, "held": 2, "waited": 0}
    assert office.row(account_id)["problem_code"] == "535 5.7.139"
    (message,) = flashes(office.choose_route(account_id, "auto"))
    assert message.startswith("Versandweg „automatisch“") and "2 wartende Mails werden jetzt gesendet" in message
    office.instance.mailer.run_queue()
    run_queue_at(office, later())
    assert sorted(subjects_via(office, "kurs@example.de", "graph")) == ["Rechnung 0", "Rechnung 1"]
    assert [m["status"] for m in office.queue(account_id)] == ["sent", "sent"]
    assert office.row(account_id)["problem_code"] is None  # Graph does not have the problem SMTP had


def test_route_graph_sends_over_graph_even_where_smtp_works(office):
    account_id, _ = connected(office)
    office.choose_route(account_id, "graph")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Graph", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
    assert subjects_via(office, "kurs@example.de", "graph") == ["Graph"]
    assert graph_notices(office) == []  # chosen by a person, not switched: nobody needs telling


def test_e_mailkonto_testen_tests_the_route_in_use_and_says_whether_the_other_works(office):
    account_id, anna = connected(office)
    smtp_auth_off(office, anna)
    messages = run_method(office, account_id, everything=True)
    assert messages[3].startswith(f"✓ Microsoft Graph: Testmail an {anna} über Microsoft Graph übergeben.")
    assert "scheitert die Zustellung später, kommt eine Unzustellbarkeitsnachricht" in messages[3]
    assert messages[4] == "Zweiter Versandweg, SMTP: nicht möglich – SMTP AUTH ist ausgeschaltet (535 5.7.139)."
    office.ms.call("mailbox/update", address=anna, smtp_auth_enabled=True)
    messages = run_method(office, account_id, everything=True)
    assert (
        messages[4]
        == "Zweiter Versandweg, SMTP: würde ebenfalls funktionieren. „automatisch“ bleibt bei Microsoft Graph."
    )
    assert office.row(account_id)["problem_code"] is None  # asking the other route records nothing


def test_a_route_that_is_not_offered_changes_nothing(office):
    account_id, _ = connected(office)
    page = office.follow(
        office.browser.post("/App%20E-Mailkonto/oauth_route", {"account_id": str(account_id), "route": "fax"})
    )
    assert flashes(page) == ["Nicht gespeichert: Bitte „automatisch“, „SMTP“ oder „Microsoft Graph“ wählen."]
    assert store.account_state(office.instance.host, account_id).route == "auto"


# -- an older sign-in, consent --------------------------------------------------------------------------------------


def test_a_sign_in_from_before_graph_asks_for_one_new_sign_in_and_loses_nothing(office):
    account_id, anna = connected(office)
    # The grant as it was before the plugin asked for Graph: SMTP.Send only.
    office.ms.call("consents/revoke", client_id=office.org.client_id, scopes=GRAPH_SCOPES)
    expire_access_token(office)
    smtp_auth_off(office, anna)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Wartet", "x")
    assert run_queue_at(office, later(7200)) == {"sent": 0, "retry": 0, "held": 1, "waited": 0}
    row = office.row(account_id)
    assert (row["state"], row["problem_code"]) == ("signin_required", "AADSTS65001")
    assert row["problem_text"].startswith("Neue Anmeldung für Microsoft Graph nötig: Die Anmeldung des E-Mailkontos")
    told = [n["subject"] for n in office.notifications()]
    assert f"E-Mailkonto {anna}: Anmeldung bei Microsoft erforderlich" in told
    # One new sign-in (Microsoft asks for the Graph permission): the test mail and the waiting mail go over Graph.
    _, page = office.connect("anna", account_id)
    (message,) = flashes(page)
    assert message.startswith(f"E-Mailkonto eingerichtet, Testmail an {anna} über Microsoft Graph übergeben.")
    assert "1 wartende Mail wird jetzt gesendet" in message
    run_queue_at(office, later(7200))
    assert subjects_via(office, "kurs@example.de", "graph") == ["Wartet"]


# -- Graph's errors -------------------------------------------------------------------------------------------------


def on_graph(office, person="anna"):
    account_id, address = connected(office, person)
    office.choose_route(account_id, "graph")
    return account_id, address


def held_with(office, account_id) -> dict:
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    office.instance.mailer.run_queue()
    (mail,) = office.queue(account_id)
    return mail


def test_throttling_429_keeps_the_mail_until_retry_after(office):
    account_id, _ = on_graph(office)
    office.ms.call("graph_fault", status=429, retry_after=30, remaining=1)
    mail = held_with(office, account_id)
    assert mail["status"] == "queued" and mail["last_error"].startswith("Microsoft bremst")
    due = mail["next_attempt_at"]
    due = dt.datetime.fromisoformat(due) if isinstance(due, str) else due
    due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
    assert 25 < (due - dt.datetime.now(dt.UTC)).total_seconds() <= 31  # Microsoft's Retry-After, not the default
    assert run_queue_at(office, later(31))["sent"] == 1
    assert office.row(account_id)["state"] == "connected"


def test_more_than_four_at_once_wait_for_a_slot_and_none_is_refused(office):
    """The plugin keeps to Graph's four concurrent requests per mailbox (the budget in the database): the others
    wait for a slot instead of running into 429."""
    account_id, _ = on_graph(office)
    office.ms.call("graph_delay", seconds=0.4)
    for n in range(8):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", f"Massenmail {n}", "x")
    counts = run_queue_in_threads(office, 8, limit=1)
    office.ms.call("graph_delay", seconds=0)
    assert sum(c["sent"] for c in counts) == 4 and sum(c["waited"] for c in counts) == 4
    while any(run_queue_at(office, later(60)).values()):
        pass
    arrived = subjects_via(office, "kurs@example.de", "graph")
    assert sorted(arrived) == sorted(f"Massenmail {n}" for n in range(8))  # each once
    assert office.ms.counters()["graph:sendMail"] == 8 and "graph:refused:429" not in office.ms.counters()


def test_a_server_allowing_fewer_at_once_is_honoured_and_none_is_lost(office):
    account_id, _ = on_graph(office)
    office.ms.call("limits", graph_concurrent=2)  # lower than the plugin's configured four
    office.ms.call("graph_delay", seconds=0.4)
    for n in range(8):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", f"Massenmail {n}", "x")
    run_queue_in_threads(office, 8, limit=1)
    office.ms.call("graph_delay", seconds=0)
    for _ in range(3):
        run_queue_at(office, later(60))
    arrived = subjects_via(office, "kurs@example.de", "graph")
    assert sorted(arrived) == sorted(f"Massenmail {n}" for n in range(8))  # each once
    assert office.ms.counters()["graph:sendMail"] > 8  # some were throttled and sent again


def test_send_as_denied_on_graph(office):
    office.configure()
    anna = office.org.people["anna"]
    shared = f"info@{office.org.domain}"
    office.ms.call("shared_mailbox", tenant_id=office.org.tenant_id, address=shared, send_as=[anna.oid])
    account_id = office.create_account("anna", address=shared, username="")
    office.enable_oauth(account_id)
    office.connect("anna", account_id)
    office.choose_route(account_id, "graph")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Vom Sekretariat", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
    (mail,) = [m for m in office.ms.messages(to="kurs@example.de") if m["via"] == "graph"]
    assert (mail["mail_from"], mail["auth_user"]) == (shared, anna.upn)  # Mail.Send.Shared with Send As
    office.ms.call("mailbox/update", address=shared, revoke_send_as=[anna.oid])
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Noch eine", "x")
    office.instance.mailer.run_queue()
    held = office.queue(account_id)[-1]
    assert held["status"] == "held" and held["last_error_code"] == "graph:ErrorSendAsDenied"
    assert held["last_error"].startswith("Senden als diese Adresse nicht erlaubt")
    assert "Zuständig: der Microsoft-365-Admin" in held["last_error"]


def test_a_mailbox_graph_cannot_reach(office):
    account_id, anna = on_graph(office)
    office.ms.call("mailbox/update", address=anna, rest_enabled=False)
    mail = held_with(office, account_id)
    assert mail["status"] == "held" and mail["last_error_code"] == "graph:MailboxNotEnabledForRESTAPI"
    assert "keine Exchange-Online-Lizenz, ein Gastkonto" in mail["last_error"]
    assert "Kein Exchange-Online-Postfach" in green_field_text(office.page(account_id))


def test_a_full_mailbox(office):
    account_id, anna = on_graph(office)
    office.ms.call("mailbox/update", address=anna, full=True)
    mail = held_with(office, account_id)
    assert mail["last_error_code"] == "graph:ErrorQuotaExceeded" and mail["last_error"].startswith("Postfach voll")


def test_a_step_up_challenge_is_met_without_anyone(office):
    account_id, _ = on_graph(office)
    office.ms.call("user/update", oid=office.org.people["anna"].oid, graph_step_up=True)
    office.ms.call("counters/reset")
    mail = held_with(office, account_id)
    assert mail["status"] == "sent"  # the refresh asked for the claims Graph named, and got them
    assert subjects_via(office, "kurs@example.de", "graph") == ["Bestätigung"]
    assert office.ms.counters()["graph:sendMail"] == 2  # refused once with the challenge, then accepted


def test_a_challenge_a_person_must_answer_holds_the_mail(office):
    account_id, _ = on_graph(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Vorher", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1  # a Graph token is in the cache now
    office.ms.call("user/update", oid=office.org.people["anna"].oid, graph_step_up=True, mfa_required=True)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Nachher", "x")
    office.instance.mailer.run_queue()
    assert office.queue(account_id)[-1]["status"] == "held"
    row = office.row(account_id)
    assert row["state"] == "signin_required" and row["problem_code"] == "AADSTS50076"


def test_sessions_revoked_meanwhile(office):
    account_id, _ = on_graph(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Vorher", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1  # a Graph token is in the cache now
    office.ms.call("user/revoke", oid=office.org.people["anna"].oid)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Nachher", "x")
    # The plugin declares no client capability cp1, so Graph sends it no CAE claims challenge: the cached token is
    # an ordinary one and is taken until it expires (entra-docs claims-challenge.md; issue 20, item 8).
    assert office.instance.mailer.run_queue()["sent"] == 1
    now = expire_access_token(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Später", "x", now=now)
    with freeze_time(now, tick=True):
        office.instance.mailer.run_queue(now=now)
    assert office.queue(account_id)[-1]["status"] == "held"
    row = office.row(account_id)
    # The refresh tells why: revoked.
    assert (row["state"], row["problem_code"]) == ("signin_required", "AADSTS50173")


def test_graph_unavailable_is_temporary(office):
    account_id, _ = on_graph(office)
    office.ms.call("graph_fault", status=503, retry_after=10, remaining=1)
    mail = held_with(office, account_id)
    assert mail["status"] == "queued" and mail["last_error"].startswith("Störung bei Microsoft")
    assert run_queue_at(office, later(11))["sent"] == 1


# -- size --------------------------------------------------------------------------------------------------------------


def test_mail_too_large_for_graph_is_refused_before_sending_and_says_what_to_do(office):
    account_id, _ = on_graph(office)
    office.ms.call("counters/reset")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Skript", "x" * (3 * 1024 * 1024 + 10))
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Klein", "x")
    assert office.instance.mailer.run_queue() == {"sent": 1, "retry": 0, "held": 1, "waited": 0}
    big, small = office.queue(account_id)
    assert big["last_error"].startswith("Mail zu groß für Microsoft Graph: Über Microsoft Graph kann eine Mail")
    assert (
        "als Link senden" in big["last_error"]
        and "Zuständig: die Person, die die Mail verschickt hat" in big["last_error"]
    )
    assert small["status"] == "sent"
    assert office.ms.counters().get("graph:sendMail", 0) == 1  # the large one never left
    assert office.row(account_id)["state"] == "connected"  # one mail's problem, not the account's


def test_exchange_size_limit_over_smtp_is_explained(office):
    account_id, _ = connected(office)
    office.ms.call("limits", max_message_size=100_000)
    mail = held_with_body(office, account_id, "x" * 150_000)
    assert mail["last_error_code"] == "552 5.3.4" and mail["last_error"].startswith("Mail zu groß: Die Mail ist größer")


def held_with_body(office, account_id, body):
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Groß", body)
    office.instance.mailer.run_queue()
    return office.queue(account_id)[-1]
