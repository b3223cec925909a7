"""A whole office on a real port: a fresh devhost instance served over HTTP, an organisation at the emulated
Microsoft whose redirect URI points at it, an admin signed in. Used by the walkthrough, the browser test and the
benchmarks."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from werkzeug.serving import make_server

from .config import InstanceConfig
from .emulators import Addresses, Control, create_org, free_port
from .entra.browser import SignInBrowser
from .instance import Instance, add_user
from .office import HttpBrowser, Office, plugin_config
from .web import create_app

ADMIN = ("admin", "stage-admin")
REPO_ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def live_office(
    workdir: Path,
    addresses: Addresses,
    *,
    database_url: str | None = None,
    database_schema: str | None = None,
    plugin: str | None = None,
    people: tuple[tuple, ...] | None = None,
) -> Iterator[Office]:
    """``plugin``: an installed plugin's name (devhost.loader.locate); None: the plugin of this source tree.
    ``people``: the organisation's people (see :func:`devhost.emulators.create_org`; default Anna and Ben)."""
    control = Control(addresses)
    port = free_port()
    base_url = f"http://localhost:{port}"
    more = {"people": people} if people else {}
    org = create_org(control, base_url + "/App%20E-Mailkonto/continue_oauth", **more)
    config = InstanceConfig(
        database_url=database_url or f"sqlite:///{Path(workdir) / 'devhost.db'}",
        database_schema=database_schema,
        public_base_url=base_url,
        secret_key=secrets.token_urlsafe(16),
        encryption_keys=[secrets.token_bytes(32)],
        plugins=[plugin or REPO_ROOT],
        plugin_config=plugin_config(control),
        smtp_ca_file=addresses.ca_file,
        smtp_timeout=10,
    )
    instance = Instance.start(config)
    add_user(instance.db, *ADMIN, display_name="Anna Admin", is_admin=True)
    server = make_server("127.0.0.1", port, create_app(instance), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True, name="devhost").start()
    try:
        session = requests.Session()
        session.trust_env = False
        browser = HttpBrowser(base_url, session).login(*ADMIN)
        yield Office(instance, browser, control, org, SignInBrowser(addresses.ca_file, session))
    finally:
        server.shutdown()
        instance.close()
