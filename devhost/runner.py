"""Creating the demo instance and serving an instance: web server plus a background loop for queue and jobs."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from pathlib import Path
from urllib.parse import urlsplit

from .config import InstanceConfig, new_keys
from .emulators import Control, Emulators, Org, Person, create_org
from .instance import Instance, add_user
from .web import create_app

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = REPO_ROOT / "instance"
DEMO_ADMIN = ("admin", "admin")
EMULATOR_PORTS = (8443, 8587)
"""Identity emulator (HTTPS) and Exchange emulator (SMTP, STARTTLS) of the demo."""
BACKGROUND_INTERVAL = 10.0


def ensure_demo_instance(directory: Path, *, port: int, emulator_ports: tuple[int, int] = EMULATOR_PORTS) -> Path:
    """Write ``directory/devhost.toml`` and create the database with an admin user, unless they exist. The plugin is
    pointed at the emulators on ``emulator_ports`` (identity platform, Exchange SMTP)."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "devhost.toml"
    if config_path.exists():
        return config_path
    secret_key, keys = new_keys()
    ca_file = str(directory.resolve() / "emulator-ca.pem")
    config = InstanceConfig(
        database_url="sqlite:///" + str(directory.resolve() / "devhost.db"),
        public_base_url=f"http://localhost:{port}",
        secret_key=secret_key,
        encryption_keys=keys,
        plugins=[REPO_ROOT],
        smtp_ca_file=ca_file,  # the mailer trusts the Exchange emulator's CA (a real instance: the system's CAs)
        # Where the plugin finds Microsoft: here the local emulators (production: login.microsoftonline.com).
        plugin_config={
            "m365": {
                "login_base_url": f"https://localhost:{emulator_ports[0]}",
                "graph_base_url": f"https://localhost:{emulator_ports[0]}",  # the emulator serves Graph there too
                "ca_file": ca_file,
                "smtp_host": "localhost",
                "smtp_port": emulator_ports[1],
            }
        },
    )
    config.dump(
        config_path,
        "devhost instance configuration (generated; holds this instance's secrets: never commit "
        "it)\nThe plugin and the mailer talk to the local Microsoft emulators (python -m devhost "
        "demo starts them).",
    )
    instance = Instance.start(InstanceConfig.load(config_path))
    try:
        add_user(instance.db, DEMO_ADMIN[0], DEMO_ADMIN[1], display_name="Admin (Demo)", is_admin=True)
    finally:
        instance.close()
    return config_path


def emulator_ports_of(config: InstanceConfig) -> tuple[int, int]:
    """The ports the instance's plugin configuration expects the emulators on (the demo's: 8443 and 8587)."""
    m365 = config.plugin_config.get("m365", {})
    login = urlsplit(m365.get("login_base_url", ""))
    return login.port or EMULATOR_PORTS[0], int(m365.get("smtp_port") or EMULATOR_PORTS[1])


def start_demo_microsoft(directory: Path, config: InstanceConfig) -> tuple[Emulators, Org]:
    """Start the emulators with the demo organisation: the same IDs, secret and passwords at every start, on the ports
    the instance's configuration names."""
    for noisy in ("mail.log", "werkzeug"):  # one line per SMTP command / HTTP request drowns the banner
        logging.getLogger(noisy).setLevel(logging.ERROR)
    entra_port, smtp_port = emulator_ports_of(config)
    public_base_url = config.public_base_url
    emulators = Emulators.start(directory, entra_port=entra_port, smtp_port=smtp_port)
    saved = directory / "demo-org.json"
    like = None
    if saved.exists():
        raw = json.loads(saved.read_text(encoding="utf-8"))
        like = Org(**{**raw, "people": {k: Person(**v) for k, v in raw["people"].items()}})
    org = create_org(
        Control(emulators.addresses),
        public_base_url + "/App%20E-Mailkonto/continue_oauth",
        like=like,
        people=DEMO_PEOPLE,
    )
    saved.write_text(json.dumps(dataclasses.asdict(org), indent=2), encoding="utf-8")
    return emulators, org


DEMO_PEOPLE = (
    ("anna", "Anna Albers"),
    ("ben", "Ben Becker"),
    ("u4711", "Clara Czerny", "clara.czerny", False),  # a sign-in name that is not the mail address
    ("it-admin", "IT-Admin", None, True),  # may grant admin consent; has no mailbox
)


def _person_line(p: Person) -> str:
    if p.admin:
        return f"    {p.name}: {p.upn} / Kennwort {p.password}  (Admin ohne Postfach, für die Administratorzustimmung)"
    if p.mail:
        return f"    {p.name}: Postfach {p.mail}, Anmeldename {p.upn} / Kennwort {p.password}"
    return f"    {p.name}: {p.upn} / Kennwort {p.password}"


def demo_banner(instance: Instance, emulators: Emulators, org: Org) -> str:
    base = instance.config.public_base_url
    people = "\n".join(_person_line(p) for p in org.people.values())
    return f"""
cmxOrganize (devhost) läuft: {base}/   Anmeldung: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}
Plugins: {", ".join(f"{p.id} {p.version}" for p in instance.plugins)}

Microsoft (Emulator): {emulators.addresses.login_base_url}/_emulator/   SMTP: localhost:{emulators.addresses.smtp_port}
  App-Registrierung „cmxOrganize“ im Mandanten „Bildungswerk“ – für die Anleitung, Abschnitt 2:
    Anwendungs-ID (Client):          {org.client_id}
    Wert des geheimen Schlüssels:    {org.secret_value}
    (Geheime ID, nicht eintragen:    {org.secret_id})
    Verzeichnis-ID (Mandant):        {org.tenant_id}
    Objekt-ID (für das Zertifikat):  {org.object_id}
    Umleitungs-URI (registriert):    {base}/App%20E-Mailkonto/continue_oauth
  Personen – für Abschnitt 3 (Postfach anlegen mit der Postfach-Adresse, anmelden mit dem Anmeldenamen):
{people}
  Der Emulator hält seine Anmeldungen und hochgeladenen Zertifikate nur im Speicher: nach einem Neustart der Demo
  zeigen verbundene E-Mailkonten „Anmeldung bei Microsoft erforderlich“, und ein Zertifikat muss erneut hochgeladen
  werden (Fälle, die das Produkt so auch bei Microsoft behandelt).
"""


def background_loop(instance: Instance, stop: threading.Event, interval: float = BACKGROUND_INTERVAL) -> None:
    """What cmxOrganize's scheduler does: send due mails, run due periodic jobs."""
    while not stop.wait(interval):
        try:
            instance.mailer.run_queue()
            instance.run_due_jobs()
        except Exception:
            log.exception("background loop failed; trying again in %s s", interval)


def serve(config_path: Path, *, port: int, with_microsoft: bool = False) -> int:
    from waitress import serve as waitress_serve

    instance = Instance.start(InstanceConfig.load(config_path))
    emulators = None
    if with_microsoft:
        emulators, org = start_demo_microsoft(Path(config_path).parent, instance.config)
        print(demo_banner(instance, emulators, org), flush=True)
    else:
        print(f"cmxOrganize (devhost) läuft: {instance.config.public_base_url}/", flush=True)
    app = create_app(instance)
    stop = threading.Event()
    threading.Thread(target=background_loop, args=(instance, stop), daemon=True, name="background").start()
    try:
        waitress_serve(app, host="127.0.0.1", port=port, threads=8)
    finally:
        stop.set()
        instance.close()
        if emulators:
            emulators.stop()
    return 0
