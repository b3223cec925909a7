"""Creating the demo instance and serving an instance: web server plus a background loop for queue and jobs."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from .config import InstanceConfig, encode_keys, new_keys
from .instance import Instance, add_user
from .web import create_app

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = REPO_ROOT / "instance"
DEMO_ADMIN = ("admin", "admin")
BACKGROUND_INTERVAL = 10.0


def ensure_demo_instance(directory: Path, *, port: int) -> Path:
    """Write ``directory/devhost.toml`` and create the database with an admin user, unless they exist."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "devhost.toml"
    if config_path.exists():
        return config_path
    secret_key, keys = new_keys()
    lines = [
        "# devhost instance configuration (generated; holds this instance's secrets, never commit it)",
        f"database_url = {json.dumps('sqlite:///' + str(directory.resolve() / 'devhost.db'))}",
        f"public_base_url = {json.dumps(f'http://localhost:{port}')}",
        f"secret_key = {json.dumps(secret_key)}",
        f"encryption_keys = {json.dumps(encode_keys(keys))}",
        f"plugins = {json.dumps([str(REPO_ROOT)])}",
    ]
    config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    instance = Instance.start(InstanceConfig.load(config_path))
    try:
        add_user(instance.db, DEMO_ADMIN[0], DEMO_ADMIN[1], display_name="Admin (Demo)", is_admin=True)
    finally:
        instance.close()
    return config_path


def background_loop(instance: Instance, stop: threading.Event, interval: float = BACKGROUND_INTERVAL) -> None:
    """What cmxOrganize's scheduler does: send due mails, run due periodic jobs."""
    while not stop.wait(interval):
        try:
            instance.mailer.run_queue()
            instance.run_due_jobs()
        except Exception:
            log.exception("background loop failed; trying again in %s s", interval)


def serve(config_path: Path, *, port: int) -> int:
    from waitress import serve as waitress_serve

    instance = Instance.start(InstanceConfig.load(config_path))
    app = create_app(instance)
    stop = threading.Event()
    threading.Thread(target=background_loop, args=(instance, stop), daemon=True, name="background").start()
    print(
        f"\ncmxOrganize (devhost) läuft: {instance.config.public_base_url}/  –  Anmeldung: "
        f"{DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}\nPlugins: "
        + ", ".join(f"{p.id} {p.version}" for p in instance.plugins)
        + "\n",
        flush=True,
    )
    try:
        waitress_serve(app, host="127.0.0.1", port=port, threads=8)
    finally:
        stop.set()
        instance.close()
    return 0
