"""Many workers on one database: one token refresh per expiry, no lost cache update, every mail exactly once."""

import datetime as dt
import time

from devhost import worker
from devhost.web import create_app

from .conftest import Browser, run_queue_at

WORKERS = 4
MAILS = 40


def test_four_workers_refresh_an_expiring_token_exactly_once(office, tmp_path):
    office.configure()
    office.ms.call("token_lifetime", seconds=301)  # valid for one more second by msal's five-minute rule
    account_id, _ = office.connect("anna")
    office.ms.call("token_lifetime", seconds=3600)
    time.sleep(1.5)
    for n in range(MAILS):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", f"Mail {n:02d}", "x")
    config_path = tmp_path / "worker.toml"
    office.instance.config.dump(config_path)
    version = office.row(account_id)["cache_version"]
    office.ms.call("counters/reset")

    results = worker.results(worker.start(config_path, WORKERS))

    counters = office.ms.counters()
    assert counters[f"token:refresh_token:{office.org.client_id}"] == 1, counters
    assert office.row(account_id)["cache_version"] == version + 1  # one new cache, stored once, not overwritten
    assert sum(r["held"] for r in results) == 0
    # Exchange allows three connections and 30 mails a minute per mailbox: the plugin's budget, shared through the
    # database, kept the four workers within both — no 432 from the server; what did not fit waits for its minute.
    assert counters.get("smtp:refused:432", 0) == 0, counters
    assert 3 <= sum(r["sent"] for r in results) <= 30 and sum(r["waited"] for r in results) >= MAILS - 30
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    while any(run_queue_at(office, later).values()):
        pass
    subjects = sorted(m["subject"] for m in office.ms.messages(to="kurs@example.de"))
    assert subjects == [f"Mail {n:02d}" for n in range(MAILS)]  # each exactly once
    assert all(q["status"] == "sent" for q in office.queue(account_id))


def test_a_sign_in_started_on_one_worker_completes_on_another(office):
    """Two app servers of one instance (own processes' state, same database, same session secret)."""
    from devhost.instance import Instance

    office.configure()
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    auth_uri = office.start_sign_in(account_id)  # on worker A
    outcome = office.at_microsoft(auth_uri, "anna")

    other = Instance.start(office.instance.config)  # worker B: another Instance, nothing shared in memory
    try:
        worker_b = Browser(create_app(other).test_client())
        session = office.browser.client.get_cookie("session", domain="kurse.example.de")  # the same browser
        worker_b.client.set_cookie("session", session.value, domain="kurse.example.de")
        page = office.follow(worker_b.get(outcome.url.split("kurse.example.de", 1)[1]), worker_b)
    finally:
        other.close()
    assert "E-Mailkonto eingerichtet, Testmail an" in page
    assert office.row(account_id)["state"] == "connected"
