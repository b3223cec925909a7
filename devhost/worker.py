"""``python -m devhost.worker --config C``: one app-server worker process sending the queue, as cmxOrganize's do.

Several of these on one PostgreSQL are what a multi-server installation looks like: each claims due mails
(``FOR UPDATE SKIP LOCKED``), asks the plugin whether the mail's account may send now (its limits), sends it through
the plugin, and stops when nothing is due (with ``--drain``: when nothing is queued at all). It prints one JSON line
with what it did. ``--start-at`` (a Unix time) lets a test or benchmark start many workers at the same moment.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

from .config import InstanceConfig
from .instance import Instance


def start(
    config_path: Path, count: int, *, delay: float = 2.0, drain: bool = False, max_seconds: float = 120.0
) -> list[subprocess.Popen]:
    """Start ``count`` workers that all begin sending ``delay`` seconds from now (time to import and connect);
    ``drain``: they keep going while queued mail waits for later (a sending limit), up to ``max_seconds``."""
    start_at = time.time() + delay
    command = [sys.executable, "-m", "devhost.worker", "--config", str(config_path), "--start-at", str(start_at)]
    command += ["--max-seconds", str(max_seconds)] + (["--drain"] if drain else [])
    root = Path(__file__).resolve().parent.parent
    return [
        subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own module
        for _ in range(count)
    ]


def results(processes: list[subprocess.Popen], timeout: float = 300) -> list[dict]:
    """What each worker reports when it has finished."""
    return [json.loads(process.communicate(timeout=timeout)[0]) for process in processes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost.worker")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument(
        "--drain", action="store_true", help="keep going while queued mail waits for later (e.g. a sending limit)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    instance = Instance.start(InstanceConfig.load(args.config))
    totals = {"sent": 0, "retry": 0, "held": 0, "waited": 0}
    try:
        delay = args.start_at - time.time()
        if delay > 0:
            time.sleep(delay)
        began = time.monotonic()
        while time.monotonic() - began < args.max_seconds:
            counts = instance.mailer.run_queue(limit=args.batch)
            for key, value in counts.items():
                totals[key] += value
            if not any(counts.values()):
                if not (args.drain and instance.mailer.queued()):
                    break
                time.sleep(0.02)  # mail waits for a limit: look again soon
        totals["seconds"] = round(time.monotonic() - began, 3)
    finally:
        instance.close()
    print(json.dumps(totals), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
