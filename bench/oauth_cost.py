"""Benchmark a: what OAuth costs per mail.

The same SMTP emulator, the same mailer, the same run: N mails through an account that authenticates with XOAUTH2
(token cached) and N through an account that authenticates with a password (AUTH LOGIN). Blocks of each alternate
so that both see the same machine. Prints throughput and the ratio (goal ≥ 0.95).

    .venv/bin/python bench/oauth_cost.py [--mails 2000] [--block 100]
"""

from __future__ import annotations

import argparse

from _common import alternate, microsoft, office


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--block", type=int, default=100)
    args = parser.parse_args()
    with microsoft() as (addresses, control), office(addresses) as o:
        o.configure()
        oauth_id, _ = o.connect("anna")
        ben = o.org.people["ben"]
        control.call("mailbox/update", address=ben.upn, basic_auth_password="Passwort-fuer-den-Vergleich")
        password_id = o.create_account(
            "ben",
            username=ben.upn,
            smtp_host=addresses.smtp_host,
            smtp_port=str(addresses.smtp_port),
            password="Passwort-fuer-den-Vergleich",
        )
        send = o.instance.mailer.send_now
        for account_id in (oauth_id, password_id):  # warm up both paths
            send(account_id, "warmup@example.de", "warm-up", "x")
        control.call("counters/reset")
        seconds = alternate(send, oauth_id, password_id, args.mails, args.block)
        counters = control.counters()
    oauth_rate, password_rate = args.mails / seconds[oauth_id], args.mails / seconds[password_id]
    print(f"mails per variant:            {args.mails}")
    print(f"XOAUTH2 (plugin):             {oauth_rate:8.1f} mails/s  ({seconds[oauth_id]:.2f} s)")
    print(f"password AUTH LOGIN (host):   {password_rate:8.1f} mails/s  ({seconds[password_id]:.2f} s)")
    print(f"ratio XOAUTH2 / password:     {oauth_rate / password_rate:8.3f}   (goal ≥ 0.95)")
    print(f"token endpoint requests:      {counters.get('token', 0)}   (cached token: expected 0)")
    print(f"mails accepted by the server: {counters.get('smtp:messages', 0)}")


if __name__ == "__main__":
    main()
