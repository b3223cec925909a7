"""Years without a hand on it, in short: a year's calendar of lifecycle events compressed into a few simulated months
(devhost.timelapse; ``bench/years.py`` runs three whole years). Nothing lost or sent twice, every problem told
once per audience and solved by itself where Microsoft allows it, the screens true after every step, no server
error, and no action asked of a person beyond the one new sign-in a revoked session needs."""

from __future__ import annotations

import uuid

import pytest

from devhost.emulators import create_org
from devhost.entra.browser import SignInBrowser
from devhost.instance import Instance, add_user
from devhost.office import Office, plugin_config
from devhost.timelapse import TimeLapse
from devhost.web import create_app

from .conftest import ADMIN, REDIRECT_URI, Browser, make_config, postgres_url

PEOPLE = (("anna", "Anna Albers"), ("ben", "Ben Becker"), ("u4711", "Clara Czerny", "clara.czerny", False))


def an_office(database, ms) -> Office:
    org = create_org(ms, REDIRECT_URI, people=PEOPLE)
    config = make_config(database, plugin_config=plugin_config(ms), smtp_ca_file=ms.addresses.ca_file, smtp_timeout=10)
    instance = Instance.start(config)
    add_user(instance.db, *ADMIN, display_name="Anna Admin", is_admin=True)
    app = create_app(instance)
    app.config["TESTING"] = True
    return Office(instance, Browser(app.test_client()).login(), ms, org, SignInBrowser(ms.addresses.ca_file))


@pytest.fixture
def second_database(database, tmp_path):
    url, schema = database
    if schema is None:
        yield f"sqlite:///{tmp_path / 'secret.db'}", None
        return
    import psycopg

    other = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_url(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {other}")
    try:
        yield url, other
    finally:
        with psycopg.connect(postgres_url(), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {other} CASCADE")


@pytest.mark.timeout(900)
def test_a_year_compressed_nothing_lost_told_once_true_screens(database, second_database, ms):
    offices = [an_office(database, ms), an_office(second_database, ms)]
    try:
        report = TimeLapse(*offices, days=60, mails_per_day=1, secret_days=50, admin=ADMIN).run()
    finally:
        for office in offices:
            office.instance.close()
    lines = "\n".join(report.lines())
    total = report.total
    assert (total.lost, total.duplicated) == (0, 0), lines
    assert total.delivered == total.queued, lines
    assert total.mismatches == 0, lines
    assert total.server_errors == 0, lines
    assert total.asked == total.minimum, lines
    assert set(report.told) == {1}, lines  # every problem told once per audience that heard of it
    assert report.stray_notices == [], lines
    told = {e.name: e for e in report.episodes}
    assert told["sessions revoked"].notices == {"account_contact": 1, "admins": 1}, lines
    assert told["mailbox full"].solved == {"account_contact": 1, "admins": 1}, lines
    assert not told["5xx and 429 storms"].notices, lines  # temporary: nobody needs to hear of it
    assert told["key rollout"].end is not None, lines  # the plugin said the old key may go, and it went
    assert [e.name for e in report.episodes if e.end is None] == [], lines
