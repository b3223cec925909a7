"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL), devhost instances, a signed-in browser.

Every test that takes ``db_url`` (directly or through ``instance``) runs twice: on a fresh SQLite file and in a
fresh schema of the PostgreSQL server named by ``CMX_TEST_POSTGRES_URL`` (``./run-tests`` starts one). A missing
PostgreSQL is an error, not a skip: the product must work on both.
"""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devhost.config import InstanceConfig
from devhost.instance import Instance, add_user
from devhost.pages import csrf_token, field_error, flashes
from devhost.web import create_app

REPO_ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("admin", "admin-pw")


def postgres_url() -> str:
    url = os.environ.get("CMX_TEST_POSTGRES_URL")
    if not url:
        pytest.fail(
            "CMX_TEST_POSTGRES_URL is not set: the suite runs on PostgreSQL too. Use ./run-tests, or set it to "
            "e.g. postgresql://cmx:cmx@localhost/cmx_test",
            pytrace=False,
        )
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """(url, schema) of an empty database of each dialect."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'host.db'}", None
        return
    import psycopg

    url = postgres_url()
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield url, schema
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def make_config(database, plugins=(REPO_ROOT,), **overrides) -> InstanceConfig:
    url, schema = database
    config = InstanceConfig(
        database_url=url,
        public_base_url=overrides.pop("public_base_url", "https://kurse.example.de"),
        secret_key=secrets.token_urlsafe(16),
        encryption_keys=[secrets.token_bytes(32)],
        plugins=list(plugins),
        database_schema=schema,
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@pytest.fixture
def instance(database, ms):
    """A devhost instance with the plugin, pointed at the emulated Microsoft, and an admin user."""
    from devhost.office import plugin_config

    inst = Instance.start(make_config(database, plugin_config=plugin_config(ms), smtp_ca_file=ms.addresses.ca_file))
    add_user(inst.db, *ADMIN, display_name="Anna Admin", is_admin=True)
    yield inst
    inst.close()


class Browser:
    """A signed-in Flask test client that sends the CSRF token with every form, as the real forms do."""

    def __init__(self, client, base_url="https://kurse.example.de"):
        self.client = client
        self.base_url = base_url
        self.csrf = None

    def login(self, login=ADMIN[0], password=ADMIN[1]):
        token = csrf_token(self.get("/anmelden").text)
        response = self.client.post(
            "/anmelden",
            data={"login": login, "password": password, "csrf_token": token},
            base_url=self.base_url,
            headers={"Referer": self.base_url + "/"},
        )
        assert response.status_code == 302, response.text
        self.csrf = csrf_token(self.get("/").text)
        return self

    def get(self, url, **kwargs):
        return self.client.get(url, base_url=self.base_url, **kwargs)

    @property
    def session_id(self) -> str:
        """The host session's id, as the host hands it to plugins (``Request.session_id``)."""
        with self.client.session_transaction(base_url=self.base_url) as session:
            return session["sid"]

    def post_elsewhere(self, url, data=None):
        """A form posted to another site (an absolute URL on another host): its cookies are not this site's."""
        parts = urlsplit(url)
        data = {**(data or {}), "csrf_token": self.csrf}
        return self.client.post(
            parts.path, data=data, base_url=f"{parts.scheme}://{parts.netloc}", headers={"Referer": self.base_url + "/"}
        )

    def post(self, url, data=None, *, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf
        # Browsers send the page they come from; Flask-WTF checks it for HTTPS (WTF_CSRF_SSL_STRICT).
        headers = {"Referer": self.base_url + "/", **kwargs.pop("headers", {})}
        return self.client.post(url, data=data, base_url=self.base_url, headers=headers, **kwargs)


@pytest.fixture
def app(instance):
    flask_app = create_app(instance)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def browser(app):
    return Browser(app.test_client()).login()


def run_queue_at(office, when):
    """Send the queue as if it were ``when`` on the plugin's clock (freezegun; Microsoft's clock is the test's to
    move); returns the mailer's counts."""
    from freezegun import freeze_time

    with freeze_time(when, tick=True):
        return office.instance.mailer.run_queue(now=when)


def run_queue_in_threads(office, threads: int, *, limit: int) -> list[dict]:
    """``threads`` workers of one process send the queue at the same instant, ``limit`` mails each; their counts."""
    import threading

    start, counts = threading.Barrier(threads), []

    def worker():
        start.wait()
        counts.append(office.instance.mailer.run_queue(limit=limit))

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return counts


# -- Microsoft, emulated -------------------------------------------------------------------------------------------

from .helpers import REDIRECT_URI  # noqa: E402 - the organisations below register it


@pytest.fixture(scope="session")
def microsoft(tmp_path_factory):
    """The identity and Exchange emulators, in their own process for the whole session (see devhost.emulators)."""
    from devhost.emulators import Control, start_process

    process, addresses = start_process(tmp_path_factory.mktemp("microsoft"))
    yield Control(addresses)
    process.terminate()
    process.wait(10)


@pytest.fixture
def ms(microsoft):
    """The emulators, put back to normal time, no faults and default token lifetime after the test."""
    yield microsoft
    microsoft.call("reset")


@pytest.fixture
def org(ms):
    """A fresh tenant with cmxOrganize's app registration (redirect URI of https://kurse.example.de) and two people."""
    from devhost.emulators import create_org

    return create_org(ms, REDIRECT_URI)


@pytest.fixture
def office(database, ms, org):
    """cmxOrganize wired to the emulators, an admin signed in, and that admin's browser at Microsoft."""
    from devhost.entra.browser import SignInBrowser
    from devhost.office import Office, plugin_config

    config = make_config(database, plugin_config=plugin_config(ms), smtp_ca_file=ms.addresses.ca_file, smtp_timeout=10)
    inst = Instance.start(config)
    add_user(inst.db, *ADMIN, display_name="Anna Admin", is_admin=True)
    app = create_app(inst)
    app.config["TESTING"] = True
    yield Office(inst, Browser(app.test_client()).login(), ms, org, SignInBrowser(ms.addresses.ca_file))
    inst.close()


@pytest.fixture
def limits(office):
    """The plugin's limits for this instance (``[plugin_config.m365]``), changed per test."""
    options = office.instance.host.plugin_config("m365")
    saved = dict(options)
    yield options
    options.clear()
    options.update(saved)


@pytest.fixture
def app_for():
    """Another signed-in browser for an office's instance (a second session of the same admin)."""

    def make(office):
        flask_app = create_app(office.instance)
        flask_app.config["TESTING"] = True
        return Browser(flask_app.test_client()).login()

    return make


__all__ = ["field_error", "flashes"]
