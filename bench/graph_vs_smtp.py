"""Benchmark g: the Graph route beside SMTP XOAUTH2, on the same emulators, in the same run.

Two connected accounts: one on the route "SMTP" (AUTH XOAUTH2, token cached), one on "Microsoft Graph"
(sendMail with the MIME message, token cached). Blocks of each alternate so that both see the same machine. Prints
mails per second for each, their ratio, and the requests each route makes per mail (SMTP connections; Graph
requests; token requests — expected 0 with a cached token).

    .venv/bin/python bench/graph_vs_smtp.py [--mails 1000] [--block 100]
"""

from __future__ import annotations

import argparse

from _common import alternate, microsoft, office


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--block", type=int, default=100)
    args = parser.parse_args()
    with microsoft() as (addresses, control), office(addresses) as o:
        o.configure()
        smtp_id, _ = o.connect("anna")
        graph_id, _ = o.connect("ben")
        o.choose_route(smtp_id, "smtp")
        o.choose_route(graph_id, "graph")
        send = o.instance.mailer.send_now
        for account_id in (smtp_id, graph_id):  # warm up both paths (and cache both tokens)
            send(account_id, "warmup@example.de", "warm-up", "x")
        control.call("counters/reset")
        seconds = alternate(send, smtp_id, graph_id, args.mails, args.block)
        counters = control.counters()
    smtp_rate, graph_rate = args.mails / seconds[smtp_id], args.mails / seconds[graph_id]
    print(f"mails per route:               {args.mails}")
    print(f"SMTP XOAUTH2:                  {smtp_rate:8.1f} mails/s  ({seconds[smtp_id]:.2f} s)")
    print(f"Microsoft Graph sendMail:      {graph_rate:8.1f} mails/s  ({seconds[graph_id]:.2f} s)")
    print(f"ratio Graph / SMTP:            {graph_rate / smtp_rate:8.3f}")
    print(f"SMTP connections per mail:     {counters.get('smtp:connections', 0) / args.mails:8.2f}")
    print(f"Graph requests per mail:       {counters.get('graph:sendMail', 0) / args.mails:8.2f}")
    print(f"token requests (both routes):  {counters.get('token', 0) + counters.get('token:refresh_token', 0)}")
    print(f"mails accepted: SMTP {counters.get('smtp:messages', 0)}, Graph {counters.get('graph:messages', 0)}")


if __name__ == "__main__":
    main()
