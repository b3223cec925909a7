"""Benchmark c: authenticated SMTP connections per second, the plugin beside email-oauth2-proxy (PyPI `emailproxy`).

Both against the same emulators in the same run, for the same mailbox and app registration, with valid tokens:
- the plugin: connect, STARTTLS (verified), AUTH XOAUTH2 with the cached token, QUIT — what every mail costs;
- emailproxy (headless, `--no-gui`): the client connects to the proxy on localhost and logs in with a password; the
  proxy connects upstream with STARTTLS and authenticates with XOAUTH2. Its tokens are seeded into its config file,
  encrypted the way it does itself, so no interactive sign-in is needed.
Blocks alternate so that both see the same machine. Goal: the plugin ≥ 5× emailproxy's rate.

    .venv/bin/pip install emailproxy      # not a dependency of the plugin; only this benchmark uses it
    .venv/bin/python bench/vs_emailproxy.py [--rounds 4]
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import microsoft, office

from cmx_plugin_m365 import tokens
from devhost.emulators import free_port

PROXY_PASSWORD = "proxy-login-passwort"  # the password the mail client gives emailproxy (it encrypts tokens with it)


def seed_emailproxy_config(path: Path, o, addresses, local_port: int, cache: dict) -> None:
    import emailproxy

    upn = o.org.people["anna"].upn
    base = f"{addresses.login_base_url}/{o.org.tenant_id}/oauth2/v2.0"
    config = configparser.ConfigParser(interpolation=None)
    config[f"SMTP-{local_port}"] = {
        "server_address": addresses.smtp_host,
        "server_port": str(addresses.smtp_port),
        "server_starttls": "True",
        "local_address": "127.0.0.1",
    }
    config[upn] = {
        "permission_url": f"{base}/authorize",
        "token_url": f"{base}/token",
        "oauth2_scope": "https://outlook.office.com/SMTP.Send offline_access",
        "redirect_uri": "http://localhost",
        "client_id": o.org.client_id,
        "client_secret": o.org.secret_value,
    }
    crypt = emailproxy.Cryptographer(config, upn, PROXY_PASSWORD)
    access = next(iter(cache["AccessToken"].values()))
    refresh = next(iter(cache["RefreshToken"].values()))
    config[upn].update(
        {
            "token_salt": crypt.salt,
            "token_iterations": str(crypt.iterations),
            "access_token": crypt.encrypt(access["secret"]),
            "access_token_expiry": access["expires_on"],
            "refresh_token": crypt.encrypt(refresh["secret"]),
        }
    )
    with path.open("w", encoding="utf-8") as file:
        config.write(file)


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"emailproxy did not listen on {port}")


def via_plugin(o, account_id: int) -> None:
    account = o.instance.host.mail_account(account_id)
    smtp = o.instance.mailer._connect(account)  # the host mailer's own connection: TCP, STARTTLS, EHLO
    try:
        o.instance.mailer._authenticate(account, smtp)
    finally:
        smtp.quit()


def via_emailproxy(port: int, upn: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        smtp.ehlo()
        smtp.login(upn, PROXY_PASSWORD)


def rate(function, n: int) -> float:
    began = time.perf_counter()
    for _ in range(n):
        function()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--plugin-block", type=int, default=100)
    parser.add_argument("--proxy-block", type=int, default=5)
    args = parser.parse_args()
    try:
        import emailproxy  # noqa: F401
    except ImportError:
        sys.exit("emailproxy is not installed: .venv/bin/pip install emailproxy")
    with microsoft() as (addresses, control), office(addresses) as o, tempfile.TemporaryDirectory() as workdir:
        o.configure()
        account_id, _ = o.connect("anna")
        cache = json.loads(tokens.unseal(o.instance.host, bytes(o.row(account_id)["token_cache"])).serialize())
        local_port = free_port()
        config_path = Path(workdir) / "emailproxy.config"
        seed_emailproxy_config(config_path, o, addresses, local_port, cache)
        env = {
            **os.environ,
            "SSL_CERT_FILE": addresses.ca_file,
        }  # emailproxy trusts the system store: the emulator's CA
        proxy = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emailproxy",
                "--no-gui",
                "--config-file",
                str(config_path),
                "--log-file",
                str(Path(workdir) / "emailproxy.log"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(local_port)
            upn = o.org.people["anna"].upn
            via_emailproxy(local_port, upn)  # warm-up, and proof that it works
            via_plugin(o, account_id)
            control.call("counters/reset")
            plugin_s = proxy_s = 0.0
            for _ in range(args.rounds):
                plugin_s += rate(lambda: via_plugin(o, account_id), args.plugin_block)
                proxy_s += rate(lambda: via_emailproxy(local_port, upn), args.proxy_block)
            counters = control.counters()
        finally:
            proxy.terminate()
            proxy.wait(10)
    plugin_n, proxy_n = args.rounds * args.plugin_block, args.rounds * args.proxy_block
    plugin_rate, proxy_rate = plugin_n / plugin_s, proxy_n / proxy_s
    print(f"plugin:      {plugin_rate:8.1f} authenticated connections/s  ({plugin_n} in {plugin_s:.2f} s)")
    print(f"emailproxy:  {proxy_rate:8.1f} authenticated connections/s  ({proxy_n} in {proxy_s:.2f} s)")
    print(f"ratio plugin / emailproxy: {plugin_rate / proxy_rate:.1f}×   (goal ≥ 5×)")
    print(
        f"XOAUTH2 logins the server saw: {counters.get('smtp:auth:xoauth2', 0)} (expected {plugin_n + proxy_n}); "
        f"token requests: {counters.get('token', 0)}"
    )


if __name__ == "__main__":
    main()
