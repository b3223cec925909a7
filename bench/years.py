"""Benchmark h: years without a hand on it (devhost.timelapse) — an instance on a certificate that renews itself and
one on a client secret, through three simulated years of daily mail and every lifecycle event they meet, on SQLite
and (with CMX_BENCH_POSTGRES_URL) on PostgreSQL. Prints per year and in total: mails queued, delivered, lost,
duplicated; notices per problem and audience; the actions asked of people against the minimum Microsoft requires;
status mismatches; server errors. Goal: lost, duplicated, mismatches, server errors and extra actions 0, and one
notice per problem and audience.

    [CMX_BENCH_POSTGRES_URL=postgresql://…] .venv/bin/python bench/years.py [--years 3] [--mails 2]
"""

from __future__ import annotations

import argparse
import contextlib
import time

from _common import microsoft, office, postgres_database

from devhost.stage import ADMIN
from devhost.timelapse import TimeLapse

PEOPLE = (("anna", "Anna Albers"), ("ben", "Ben Becker"), ("u4711", "Clara Czerny", "clara.czerny", False))


def restart_postgres(instance) -> None:
    """The database server restarted: every connection of this instance is cut (it reconnects on its next use)."""
    import psycopg

    with psycopg.connect(instance.db.url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (instance.db.application_name,),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--mails", type=int, default=2, help="mails per account and day")
    args = parser.parse_args()
    databases = [("SQLite", {}, {})]
    first, second = postgres_database(), postgres_database()
    if first:
        databases.append(("PostgreSQL", first, second))
    for name, one, other in databases:
        with microsoft() as (addresses, _), contextlib.ExitStack() as stack:
            offices = [stack.enter_context(office(addresses, people=PEOPLE, **db)) for db in (one, other)]
            began = time.perf_counter()
            lapse = TimeLapse(
                *offices,
                days=round(args.years * 365),
                mails_per_day=args.mails,
                admin=ADMIN,
                restart_database=restart_postgres if one else None,
            )
            report = lapse.run()
            seconds = time.perf_counter() - began
        print(f"== {name}: {args.years:g} years in {seconds / 60:.1f} minutes")
        for line in report.lines():
            print(line)


if __name__ == "__main__":
    main()
