"""Extension point "SMTP authentication": XOAUTH2 for every connection of an OAuth account, and what its
server's refusals mean."""

from cmx_hostapi import hookimpl
from cmx_plugin_m365.sending import mailing


@hookimpl
def cmx_smtp_authenticate(account, smtp, host):
    return mailing.authenticate(account, smtp, host)


@hookimpl
def cmx_mail_error(account, code, text, host):
    return mailing.explain(account, code, text, host)
