"""“Zuletzt erfolgreich gesendet” is the last accepted mail, never more than a minute old (issue 21, item 5)."""

from __future__ import annotations

import datetime as dt

from freezegun import freeze_time

from cmx_plugin_m365 import store
from cmx_plugin_m365.sending import mailing
from cmx_plugin_m365.wording import when
from devhost.pages import green_field_text


class Connection:
    """Stands for the host's SMTP connection: the plugin keys what it knows of a connection by it."""


def test_a_busy_connection_keeps_the_last_sent_time_fresh(office):
    office.configure()
    account_id, _ = office.connect("anna")
    host, account = office.instance.host, office.instance.host.mail_account(account_id)
    smtp = Connection()
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    mailing._connections[smtp] = store.account_state(host, account_id)  # as after XOAUTH2 on this connection
    for seconds in range(0, 181, 20):  # a mail every 20 seconds for three minutes, all on one connection
        with freeze_time(start + dt.timedelta(seconds=seconds)):
            mailing.smtp_sent(account, smtp, host)
    last_mail = start + dt.timedelta(seconds=180)
    stored = store.account_state(host, account_id).last_sent_at
    assert last_mail - dt.timedelta(minutes=1) <= stored <= last_mail
    assert f"Zuletzt erfolgreich gesendet {when(stored)}" in green_field_text(office.page(account_id))
