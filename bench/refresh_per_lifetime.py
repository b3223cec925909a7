"""Benchmark b: token-endpoint requests per account per access-token lifetime, with 1, 4 and 16 workers.

Each round lets the account's access token expire (the emulator issues tokens that msal considers expired after
a second), then starts W worker processes at the same instant, each sending the shared queue. The emulator counts
refresh requests. Goal: exactly 1 per expiry, whatever W, and mail sent in every round (a round that sends nothing
needs no token and would prove nothing). PostgreSQL when CMX_BENCH_POSTGRES_URL is set (what a multi-server
installation runs), SQLite otherwise.

The sending limits are out of the way (issue 20): the emulated Exchange and the plugin both allow 100,000 messages a
minute and 10 million recipients a day, so that the rounds measure refreshes, not the pacing budget (with Exchange's
30 a minute, 16 workers spent the minute in the first round and later rounds sent nothing). The three concurrent
connections per mailbox stay: they are part of what the workers meet.

    .venv/bin/python bench/refresh_per_lifetime.py [--rounds 3] [--workers 1 4 16] [--reencrypt]

With ``--reencrypt`` the re-encryption job runs all the time beside the workers, alternating between two key orders
so that every pass rewrites the token cache (issue 10: it must not overwrite a cache while a refresh holds the
lease, or one expiry costs two refreshes and a refresh token is lost).
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import tempfile
import threading
import time
import types
from pathlib import Path

from _common import microsoft, office, postgres_database

from cmx_plugin_m365 import tokens
from cmx_plugin_m365.care import maintenance
from devhost import worker


class Reencryption(threading.Thread):
    """The re-encryption job, again and again, with the two keys swapping places each pass."""

    def __init__(self, host, keys: tuple[bytes, bytes]):
        super().__init__(daemon=True)
        self.host, self.keys, self.stop, self.moved = host, keys, threading.Event(), 0

    def run(self) -> None:
        orders = (self.keys, self.keys[::-1])
        n = 0
        while not self.stop.is_set():
            rotated = types.SimpleNamespace(
                db=self.host.db, secret_keys=orders[n % 2], plugin_config=self.host.plugin_config
            )
            self.moved += maintenance.reencrypt(rotated, dt.datetime.now(dt.UTC))
            n += 1
            time.sleep(0.01)


OUT_OF_THE_WAY = {"messages": 100_000, "recipients": 10_000_000}
"""Limits so high that no round waits for them (the emulator's names; the plugin's are ``limit_*``)."""


def run_round(o, control, account_id: int, workers: int, config_path: Path) -> tuple[int, int]:
    control.call("token_lifetime", seconds=301)
    tokens.access_token(o.instance.host, account_id, force_refresh=True)  # a token that expires in ~1 s
    control.call("token_lifetime", seconds=3600)
    time.sleep(1.5)
    for n in range(2 * workers):
        o.instance.mailer.enqueue(account_id, "kurs@example.de", f"Mail {n}", "x")
    control.call("counters/reset")
    results = worker.results(worker.start(config_path, workers, delay=1.0 + workers * 0.15))
    refreshes = control.counters().get(f"token:refresh_token:{o.org.client_id}", 0)
    return refreshes, sum(r["sent"] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--reencrypt", action="store_true", help="run the re-encryption job all the time, too")
    args = parser.parse_args()
    database = postgres_database()
    print(f"database: {'PostgreSQL' if database else 'SQLite'}; rounds per worker count: {args.rounds}")
    print(
        f"{'workers':>8}  {'expiries':>8}  {'refresh requests':>16}  {'per expiry':>10}  {'mails sent':>10}  "
        "sent per round"
    )
    with (
        microsoft() as (addresses, control),
        office(addresses, **database) as o,
        tempfile.TemporaryDirectory() as workdir,
    ):
        control.call("limits", **OUT_OF_THE_WAY)
        o.configure()
        account_id, _ = o.connect("anna")
        o.instance.config.plugin_config["m365"].update(
            limit_messages=OUT_OF_THE_WAY["messages"], limit_recipients=OUT_OF_THE_WAY["recipients"]
        )
        config_path = Path(workdir) / "worker.toml"
        job = None
        if args.reencrypt:
            keys = (o.instance.config.encryption_keys[0], secrets.token_bytes(32))
            o.instance.config.encryption_keys = list(keys)  # every worker can read both
            o.instance.host.secret_keys = keys
            job = Reencryption(o.instance.host, keys)
            job.start()
        o.instance.config.dump(config_path)
        for workers in args.workers:
            total_refreshes, sent = 0, []
            for _ in range(args.rounds):
                refreshes, mails = run_round(o, control, account_id, workers, config_path)
                total_refreshes += refreshes
                sent.append(mails)
            print(
                f"{workers:>8}  {args.rounds:>8}  {total_refreshes:>16}  {total_refreshes / args.rounds:>10.2f}  "
                f"{sum(sent):>10}  {' / '.join(map(str, sent))}"
            )
        if job:
            job.stop.set()
            job.join()
            print(f"re-encryption job beside them: {job.moved} token caches rewritten")
    print(
        "goal: 1.00 per expiry for every worker count, and mail sent in every round (of the 2 × W mails a round "
        "queues, some wait for one of the 3 connections a mailbox may use at once and go in a later round)"
    )


if __name__ == "__main__":
    main()
