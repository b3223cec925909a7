"""Extension point "deliver" (host API 1.4): accounts whose route is Microsoft Graph send the finished mail there;
all others go over the host's SMTP connection (see hooks/smtp.py)."""

from cmx_hostapi import hookimpl

from cmx_plugin_m365.sending import mailing


@hookimpl
def cmx_deliver(account, message, sender, recipients, host):
    return mailing.deliver(account, message, len(recipients), host)
