"""Benchmark e: `cmx-m365 doctor` and the periodic jobs over many accounts: time and peak memory at 500, 1,000
and 5,000 OAuth accounts, to show that the cost grows linearly.

Accounts are real rows: each gets its own encrypted copy of a real msal token cache (from one real sign-in), so
the doctor decrypts and inspects every one; no access token is due, so nothing waits for Microsoft per account.
Time and memory are measured in separate runs (tracemalloc slows Python down).

    .venv/bin/python bench/scale.py [--sizes 500 1000 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import tracemalloc

from _common import microsoft, office

from cmx_plugin_m365 import doctor, tokens
from cmx_plugin_m365.care import client_secret, maintenance
from devhost.cli import DevhostHandle


def add_accounts(o, count: int, template_cache) -> None:
    host = o.instance.host
    now = dt.datetime.now(dt.UTC)
    with o.instance.db.transaction() as tx:
        start = tx.execute("SELECT coalesce(max(id), 0) AS n FROM mail_accounts").fetchone()["n"] + 1
        for n in range(start, start + count):
            tx.execute(
                "INSERT INTO mail_accounts (id, contact, address, username, smtp_host, smtp_port, encryption) "
                "VALUES (:id, 'Bench', :a, :a, 'localhost', 587, 'STARTTLS')",
                {"id": n, "a": f"konto{n}@{o.org.domain}"},
            )
            tx.execute(
                "INSERT INTO m365_account (account_id, state, signed_in_as, tenant_id, connected_at, "
                "last_refresh_at, token_cache, cache_version) VALUES (:id, 'connected', :who, :tid, :now, "
                ":now, :cache, 1)",
                {
                    "id": n,
                    "who": o.org.people["anna"].upn,
                    "tid": o.org.tenant_id,
                    "now": now,
                    "cache": tokens.seal(host, template_cache),
                },
            )


def jobs(host, now):
    maintenance.keep_alive(host, now)
    maintenance.reencrypt(host, now)
    client_secret.warn(host, now)
    maintenance.purge(host, now)


def measure(function) -> tuple[float, float]:
    began = time.perf_counter()
    function()
    seconds = time.perf_counter() - began
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 5000])
    args = parser.parse_args()
    with microsoft() as (addresses, _control), office(addresses) as o:
        o.configure()
        anna_id, _ = o.connect("anna")
        template = tokens.unseal(o.instance.host, bytes(o.row(anna_id)["token_cache"]))
        handle = DevhostHandle(o.instance.config, o.instance.db, o.instance.host)
        print(
            f"{'accounts':>8}  {'doctor s':>9}  {'ms/account':>10}  {'peak MB':>8}  {'jobs s':>7}  "
            f"{'ms/account':>10}  {'peak MB':>8}"
        )
        present = 1
        for size in args.sizes:
            add_accounts(o, size - present, template)
            present = size
            tokens._memory.clear()
            d_seconds, d_peak = measure(lambda: list(doctor.run(handle)))
            now = dt.datetime.now(dt.UTC)
            j_seconds, j_peak = measure(lambda: jobs(o.instance.host, now))  # noqa: B023 - measured right here
            print(
                f"{size:>8}  {d_seconds:>9.2f}  {d_seconds / size * 1000:>10.3f}  {d_peak:>8.1f}  {j_seconds:>7.2f}  "
                f"{j_seconds / size * 1000:>10.3f}  {j_peak:>8.1f}"
            )
    print("linear growth shows as a constant ms/account; peak memory is what one run holds at once")


if __name__ == "__main__":
    main()
