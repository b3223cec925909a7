"""Extension point "pacing" (host API 1.6): when an OAuth account's next queued mail may go, so that a batch stays
within Exchange Online's limits per mailbox, and what the queue page shows of that budget."""

from cmx_hostapi import hookimpl

from cmx_plugin_m365.sending import mailing


@hookimpl
def cmx_pace(account, recipients, host):
    return mailing.pace(account, recipients, host)


@hookimpl
def cmx_budget(account, host):
    return mailing.budget(account, host)
