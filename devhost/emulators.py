"""Microsoft, emulated: the identity platform over HTTPS and Exchange Online's SMTP over STARTTLS, one directory.

In-process: ``Emulators.start(state_dir)``. As a process (what the tests and the benchmarks use, so that the
plugin's clock can be frozen while Microsoft's keeps running): ``python -m devhost.emulators --dir D``, which
prints one JSON line with the addresses once both servers accept connections. :class:`Control` is the Python
API over the JSON control endpoints, for either.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import requests
import trustme
from werkzeug.serving import make_server

from .entra.directory import Directory
from .entra.server import create_app
from .entra.tokens import SigningKey
from .exchange.server import ExchangeController, ExchangeHandler, tls_context
from .graph.server import register_graph

LOCALHOST = "localhost"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Addresses:
    login_base_url: str
    """Where the identity platform is (``https://login.microsoftonline.com`` in production)."""
    smtp_host: str
    smtp_port: int
    ca_file: str
    """The CA that signed both servers' certificates: what clients must trust."""
    graph_base_url: str = ""
    """Where Microsoft Graph is (``https://graph.microsoft.com`` in production; here the identity server's host)."""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Emulators:
    def __init__(self, addresses: Addresses, directory: Directory, http_server, smtp: ExchangeController):
        self.addresses = addresses
        self.directory = directory
        self._http = http_server
        self._smtp = smtp

    @classmethod
    def start(cls, state_dir: Path, *, entra_port: int = 0, smtp_port: int = 0) -> Emulators:
        state_dir = Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA(organization_name="cmx devhost emulator CA")
        cert = ca.issue_cert(LOCALHOST, "127.0.0.1")
        ca_file = state_dir / "emulator-ca.pem"
        cert_file, key_file = state_dir / "emulator-cert.pem", state_dir / "emulator-key.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
        cert.private_key_pem.write_to_path(str(key_file))
        os.chmod(key_file, 0o600)

        entra_port = entra_port or free_port()
        smtp_port = smtp_port or free_port()
        base_url = f"https://{LOCALHOST}:{entra_port}"
        directory, key = Directory(), SigningKey()
        app = create_app(directory, key, base_url)
        register_graph(app, directory, key, base_url)  # Graph lives on the same server (its own paths, /v1.0/…)
        http_context = tls_context(str(cert_file), str(key_file))
        http_server = make_server("127.0.0.1", entra_port, app, threaded=True, ssl_context=http_context)
        threading.Thread(target=http_server.serve_forever, daemon=True, name="entra").start()
        smtp = ExchangeController(
            ExchangeHandler(directory, key),
            hostname="127.0.0.1",
            port=smtp_port,
            tls_context=tls_context(str(cert_file), str(key_file)),
        )
        smtp.start()
        directory.counters.clear()  # the controller's own start-up probe is not a client
        return cls(
            Addresses(base_url, LOCALHOST, smtp_port, str(ca_file), graph_base_url=base_url),
            directory,
            http_server,
            smtp,
        )

    def stop(self) -> None:
        self._smtp.stop()
        self._http.shutdown()


class Control:
    """The emulators' control API, from tests, benchmarks and the demo set-up."""

    def __init__(self, addresses: Addresses):
        self.addresses = addresses
        self.session = requests.Session()
        self.session.verify = addresses.ca_file
        self.session.trust_env = False

    def call(self, op: str, **args):
        response = self.session.post(f"{self.addresses.login_base_url}/_emulator/api/{op}", json=args, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"emulator {op}: {response.status_code} {response.text}")
        return response.json()

    # The operations, by name (see devhost.entra.control.OPERATIONS for their arguments).
    def tenant(self, name, domains=None, **kw):
        return self.call("tenant", name=name, domains=domains, **kw)

    def app(self, tenant_id, name, redirect_uris=(), multi_tenant=False):
        return self.call(
            "app", tenant_id=tenant_id, name=name, redirect_uris=list(redirect_uris), multi_tenant=multi_tenant
        )["client_id"]

    def secret(self, client_id, days=730):
        return self.call("secret", client_id=client_id, days=days)

    def user(self, tenant_id, upn, password, display_name=None, aliases=None, **more):
        """A user; ``more``: ``mail`` (primary address, when it differs from the UPN), ``is_admin``, ``mailbox``
        (False: none), ``home_tenant`` (a guest). Returns the user's oid."""
        return self.call(
            "user",
            tenant_id=tenant_id,
            upn=upn,
            password=password,
            display_name=display_name or upn,
            aliases=aliases,
            **more,
        )["oid"]

    def counters(self) -> dict:
        return self.call("counters")

    def messages(self, to: str = "") -> list[dict]:
        return self.call("messages", to=to)["messages"]


@dataclass
class Person:
    name: str
    upn: str
    password: str
    oid: str
    mail: str = ""
    """The mailbox's address when it is not the UPN (empty: the UPN)."""
    admin: bool = False
    """A Microsoft 365 admin without a mailbox (for the admin consent)."""


@dataclass
class Org:
    """An organisation at Microsoft as the admin guide assumes it: a tenant, cmxOrganize's app registration with
    a client secret, and people with mailboxes."""

    tenant_id: str
    domain: str
    client_id: str
    secret_value: str
    secret_id: str
    people: dict[str, Person]
    object_id: str = ""
    """The app registration's object ID ("Objekt-ID"), which Graph's addKey proof names (certificate renewal)."""
    service_principal_id: str = ""
    """The enterprise application's object ID (app-only tokens' ``oid``; what New-ServicePrincipal -ObjectId names)."""


def create_org(
    control: Control,
    redirect_uri: str,
    *,
    name: str = "Bildungswerk",
    people: tuple[tuple, ...] = (("anna", "Anna Albers"), ("ben", "Ben Becker")),
    like: Org | None = None,
) -> Org:
    """Create an organisation; ``like`` recreates one with the same IDs, secret and passwords (the demo does this
    at each start, because the emulator keeps its directory in memory). ``people``: (key, display name) with UPN
    key@domain, or (key, display name, mailbox name, admin) for a mailbox whose address is not the UPN, or an admin
    without a mailbox."""
    domain = like.domain if like else f"{name.lower()}-{secrets.token_hex(3)}.onmicrosoft.com"
    tenant = control.call("tenant", name=name, domains=[domain], id=like.tenant_id if like else None)
    registration = control.call(
        "app",
        tenant_id=tenant["id"],
        name="cmxOrganize",
        redirect_uris=[redirect_uri],
        client_id=like.client_id if like else None,
        object_id=like.object_id if like and like.object_id else None,
        service_principal_id=like.service_principal_id if like and like.service_principal_id else None,
    )
    client_id = registration["client_id"]
    secret = control.call(
        "secret", client_id=client_id, value=like.secret_value if like else None, id=like.secret_id if like else None
    )
    persons = {}
    for key, display, *more in people:
        mailbox, admin = [*more, None, False][:2]
        upn = f"{key}@{domain}"
        mail = f"{mailbox}@{domain}" if mailbox else ""
        password = like.people[key].password if like and key in like.people else f"{key}-{secrets.token_hex(3)}"
        extra = {"mail": mail} if mail else {}
        if admin:
            extra.update(is_admin=True, mailbox=False)
        oid = control.user(tenant["id"], upn, password, display, **extra)
        persons[key] = Person(display, upn, password, oid, mail, bool(admin))
    return Org(
        tenant["id"],
        domain,
        client_id,
        secret["value"],
        secret["id"],
        persons,
        registration["object_id"],
        registration.get("service_principal_id", ""),
    )


def start_process(state_dir: Path, *, timeout: float = 30) -> tuple[subprocess.Popen, Addresses]:
    """Start the emulators in their own process; returns it and the addresses once both servers are ready."""
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "devhost.emulators", "--dir", str(state_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    ready = threading.Event()
    line: list[str] = []

    def read_first_line():
        line.append(process.stdout.readline())
        ready.set()

    threading.Thread(target=read_first_line, daemon=True).start()
    if not ready.wait(timeout) or not line[0]:
        process.kill()
        raise RuntimeError("the Microsoft emulators did not start")
    return process, Addresses(**json.loads(line[0]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost.emulators", description=__doc__)
    parser.add_argument("--dir", type=Path, required=True, help="where the CA and certificates are written")
    parser.add_argument("--entra-port", type=int, default=0)
    parser.add_argument("--smtp-port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd: "Session.login_data is deprecated"
    emulators = Emulators.start(args.dir, entra_port=args.entra_port, smtp_port=args.smtp_port)
    print(json.dumps(emulators.addresses.as_dict()), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    emulators.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())


def grant_smtp_app_permission(control: Control, org: Org) -> None:
    """The Entra admin adds the application permission SMTP.SendAsApp (Office 365 Exchange Online) and grants admin
    consent (how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth.md, "Add the POP, IMAP, or SMTP
    permissions to your Microsoft Entra application")."""
    control.call(
        "app_roles",
        tenant_id=org.tenant_id,
        client_id=org.client_id,
        resource_app_id="00000002-0000-0ff1-ce00-000000000000",
        roles=["SMTP.SendAsApp"],
    )


def exchange_admin_steps(control: Control, org: Org, address: str, *, object_id: str | None = None) -> None:
    """The Exchange admin's one-time lines for a mailbox: ``New-ServicePrincipal -AppId … -ObjectId …`` (``object_id``:
    what they typed; the enterprise application's by default) and ``Add-MailboxPermission … -AccessRights
    FullAccess`` for the service principal."""
    control.call(
        "exchange/service_principal",
        tenant_id=org.tenant_id,
        app_id=org.client_id,
        object_id=object_id or org.service_principal_id,
    )
    control.call("mailbox/permission", address=address, trustee=org.service_principal_id, rights=["FullAccess"])
