"""What the benchmarks share: Microsoft in its own process (so that it does not compete for this one's GIL), a
live office, timing helpers. Benchmarks print figures; they assert nothing."""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from devhost.emulators import Addresses, Control, start_process  # noqa: E402
from devhost.office import Office  # noqa: E402
from devhost.stage import live_office  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request would drown the figures


@contextlib.contextmanager
def microsoft() -> Iterator[tuple[Addresses, Control]]:
    with tempfile.TemporaryDirectory(prefix="cmx-bench-ms-") as workdir:
        process, addresses = start_process(Path(workdir))
        try:
            yield addresses, Control(addresses)
        finally:
            process.terminate()
            process.wait(10)


@contextlib.contextmanager
def office(addresses: Addresses, **database) -> Iterator[Office]:
    with (
        tempfile.TemporaryDirectory(prefix="cmx-bench-") as workdir,
        live_office(Path(workdir), addresses, **database) as result,
    ):
        yield result


def postgres_database() -> dict:
    """A fresh schema on the PostgreSQL of CMX_BENCH_POSTGRES_URL (what a multi-server installation runs), or {} for
    SQLite."""
    url = os.environ.get("CMX_BENCH_POSTGRES_URL")
    if not url:
        return {}
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return {"database_url": url, "database_schema": schema}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


class Stopwatch:
    def __enter__(self):
        self.began = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.began


def alternate(send, first: int, second: int, mails: int, block: int) -> dict[int, float]:
    """Send ``mails`` through each of two accounts in alternating blocks (so that both see the same machine);
    returns the seconds each account's mails took."""
    seconds = {first: 0.0, second: 0.0}
    done = 0
    while done < mails:
        n = min(block, mails - done)
        order = (first, second) if (done // block) % 2 == 0 else (second, first)
        for account_id in order:
            with Stopwatch() as watch:
                for i in range(n):
                    send(account_id, "teilnehmer@example.de", f"Bestätigung {done + i}", "Hallo")
            seconds[account_id] += watch.seconds
        done += n
    return seconds
