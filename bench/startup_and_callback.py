"""Benchmark d: what the plugin adds to the host's start, and the server time of continue_oauth.

1. Host start on an instance whose migrations are applied: with the plugin vs without (same process, alternating),
   and the loader's share (manifest, migration check, hook import, check_pending).
2. continue_oauth: the handler's time on the server, minus the time spent waiting for Microsoft (code redemption)
   and for the mail server (the test mail), over many sign-ins: p50 and p95.

    .venv/bin/python bench/startup_and_callback.py [--starts 20] [--sign-ins 40]
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from pathlib import Path

from _common import REPO_ROOT, median, microsoft, office, percentile

from cmx_plugin_m365 import identity
from cmx_plugin_m365.web import views
from devhost import loader
from devhost.config import InstanceConfig
from devhost.db import Database
from devhost.instance import Instance
from devhost.mailer import Mailer


def host_start(starts: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        config = InstanceConfig(
            database_url=f"sqlite:///{Path(workdir) / 'h.db'}",
            public_base_url="https://x.de",
            secret_key="k",
            encryption_keys=[secrets.token_bytes(32)],
            plugins=[REPO_ROOT],
        )
        Instance.start(config).close()  # create the schema and apply the migrations once
        timings: dict[str, list[float]] = {"with": [], "without": [], "loader": []}
        for _ in range(starts):
            for label, plugins in (("with", [REPO_ROOT]), ("without", [])):
                config.plugins = plugins
                began = time.perf_counter()
                Instance.start(config).close()
                timings[label].append(time.perf_counter() - began)
            db = Database(config.database_url)
            began = time.perf_counter()
            loader.load_plugins(db, [REPO_ROOT])
            timings["loader"].append(time.perf_counter() - began)
            db.close()
    with_ms, without_ms = median(timings["with"]) * 1000, median(timings["without"]) * 1000
    print(f"Host start (median of {starts}, SQLite, migrations already applied)")
    print(f"  without the plugin:             {without_ms:7.2f} ms")
    print(
        f"  with the plugin:                {with_ms:7.2f} ms   (+{with_ms - without_ms:.2f} ms, "
        f"ratio {with_ms / without_ms:.2f})"
    )
    print(
        f"  loader alone (manifest, migration check, hooks, check_pending): {median(timings['loader']) * 1000:.2f} ms"
    )


class Clock:
    """Accumulates the time spent inside wrapped functions (per request)."""

    def __init__(self):
        self.spent = 0.0

    def wrap(self, function):
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - began

        return wrapper


def callback_time(sign_ins: int) -> None:
    waiting, totals = Clock(), []
    original_callback = views.callback

    def timed_callback(request, host):
        waiting.spent = 0.0
        began = time.perf_counter()
        try:
            return original_callback(request, host)
        finally:
            totals.append((time.perf_counter() - began, waiting.spent))

    views.callback = timed_callback
    identity.redeem = waiting.wrap(identity.redeem)  # Microsoft's token endpoint
    Mailer.send_now = waiting.wrap(Mailer.send_now)  # the test mail at Exchange
    with microsoft() as (addresses, _control), office(addresses) as o:
        o.configure()
        account_id = o.create_account("anna")
        o.enable_oauth(account_id)
        for _ in range(sign_ins):
            outcome = o.at_microsoft(o.start_sign_in(account_id), "anna")
            o.come_back(outcome.url)
    own = [(total - wait) * 1000 for total, wait in totals]
    whole = [total * 1000 for total, _ in totals]
    print(f"continue_oauth over {len(totals)} sign-ins (server side, SQLite)")
    print(
        f"  excluding Microsoft and the mail server: p50 {percentile(own, 50):6.2f} ms   "
        f"p95 {percentile(own, 95):6.2f} ms"
    )
    print(
        f"  including them (token redemption, test mail): p50 {percentile(whole, 50):6.2f} ms   "
        f"p95 {percentile(whole, 95):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--sign-ins", type=int, default=40)
    args = parser.parse_args()
    host_start(args.starts)
    callback_time(args.sign_ins)


if __name__ == "__main__":
    main()
