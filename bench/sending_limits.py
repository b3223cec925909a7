"""Benchmark f: a batch through one mailbox within Exchange Online's limits, many workers at once.

One connected mailbox, W worker processes (``devhost.worker --drain``) sending one shared queue of N mails with R
recipients each. The emulated Exchange enforces its limits per mailbox on its own clock, scaled down so that the run
takes about a minute instead of days: ``--messages`` per ``--minute`` seconds (Exchange: 30 per 60 s; more are
carried over to later minutes) and ``--recipients`` per ``--day`` seconds (Exchange: 10,000 per 24 h; more are
refused with 554 5.2.0). The plugin is configured with the same limits, as an admin would enter them.

It prints mails delivered, refusals by the server (goal 0), mails the server had to carry over (goal 0), mails
lost (0) and duplicated (0), and the delivered rate divided by the limit's rate (goal ≥ 0.9; the limit's rate is the
tighter of messages per "minute" and recipients per "day" ÷ recipients per mail). PostgreSQL when
CMX_BENCH_POSTGRES_URL is set, SQLite otherwise.

    .venv/bin/python bench/sending_limits.py [--mails 1000] [--recipients-per-mail 3] [--workers 16]
        [--messages 30] [--minute 1.5] [--recipients 600] [--day 9]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import microsoft, office, postgres_database

from devhost import worker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--recipients-per-mail", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--minute", type=float, default=1.5, help="seconds standing in for Exchange's minute")
    parser.add_argument("--recipients", type=int, default=600)
    parser.add_argument("--day", type=float, default=9.0, help="seconds standing in for Exchange's 24 hours")
    args = parser.parse_args()
    database = postgres_database()
    limits = {
        "limit_messages": args.messages,
        "limit_messages_seconds": args.minute,
        "limit_recipients": args.recipients,
        "limit_recipients_seconds": args.day,
    }
    with (
        microsoft() as (addresses, control),
        office(addresses, **database) as o,
        tempfile.TemporaryDirectory() as workdir,
    ):
        control.call(
            "limits",
            messages=args.messages,
            messages_seconds=args.minute,
            recipients=args.recipients,
            recipients_seconds=args.day,
        )
        o.configure()
        account_id, _ = o.connect("anna")
        control.call("messages/clear")
        o.instance.config.plugin_config["m365"].update(limits)  # the admin enters the tenant's limits
        config_path = Path(workdir) / "worker.toml"
        o.instance.config.dump(config_path)
        for n in range(args.mails):
            to = ", ".join(f"t{n}-{i}@example.de" for i in range(args.recipients_per_mail))
            o.instance.mailer.enqueue(account_id, to, f"Bescheinigung {n:05d}", "x")
        control.call("counters/reset")
        # Time for every worker to import and connect before the common start (16 processes on 2 cores need about
        # 3 s): the figure is about sending, not about starting processes.
        delay = max(2.0, 0.35 * args.workers)
        began = time.time() + delay
        results = worker.results(
            worker.start(config_path, args.workers, delay=delay, drain=True, max_seconds=1800), timeout=2000
        )
        counters = control.counters()
        delivered = [m for m in control.messages() if m["subject"].startswith("Bescheinigung")]
    subjects = Counter(m["subject"] for m in delivered)
    times = sorted(dt.datetime.fromisoformat(m["delivered_at"]).timestamp() for m in delivered)
    last = times[-1]
    # The emulator's clock is the machine's here (never moved), so its delivery times compare with ``began``.
    seconds = last - began
    per_mail = args.recipients_per_mail
    limit_rate = min(args.messages / args.minute, args.recipients / args.day / per_mail)
    rate = len(subjects) / seconds
    refused = sum(v for k, v in counters.items() if k.startswith(("smtp:refused", "graph:refused")))
    print(f"database: {'PostgreSQL' if database else 'SQLite'}; workers: {args.workers}")
    scaled = f"{args.messages} mails / {args.minute:g} s, {args.recipients} recipients / {args.day:g} s"
    print(f"limits (scaled):        {scaled}")
    print(f"mails queued:           {args.mails} to {args.mails * per_mail} recipients")
    print(f"mails delivered:        {len(subjects)}")
    which = ", ".join(f"{k} {v}" for k, v in counters.items() if "refused" in k) or "none"
    print(f"refused by the server:  {refused}  ({which})")
    print(f"carried over (server):  {counters.get('smtp:deferred', 0)}")
    print(f"lost:                   {args.mails - len(subjects)}")
    print(f"duplicated:             {sum(n - 1 for n in subjects.values() if n > 1)}")
    print(f"seconds:                {seconds:.1f} (the first mail {times[0] - began:.2f} s after the workers' start)")
    print(f"delivered rate:         {rate:.2f} mails/s; limit {limit_rate:.2f} mails/s; ratio {rate / limit_rate:.3f}")
    print(f"worker totals:          {dict(sum((Counter(r) for r in results), Counter()))}")


if __name__ == "__main__":
    main()
