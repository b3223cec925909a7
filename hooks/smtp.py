"""Extension point "SMTP authentication": XOAUTH2 for every connection of an OAuth account, the server's acceptance
(a mail counts as sent at the 250 after DATA, host API 1.7), and what its refusals mean."""

from cmx_hostapi import hookimpl

from cmx_plugin_m365.sending import mailing


@hookimpl
def cmx_smtp_authenticate(account, smtp, host):
    return mailing.authenticate(account, smtp, host)


@hookimpl
def cmx_smtp_sent(account, smtp, host):
    mailing.smtp_sent(account, smtp, host)


@hookimpl
def cmx_smtp_refused(account, smtp, step, code, text, host):
    return mailing.explain(account, code, text, host, step=step)


@hookimpl
def cmx_mail_error(account, code, text, host):
    return mailing.explain(account, code, text, host)
