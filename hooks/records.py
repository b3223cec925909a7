"""Extension point "records": right after saving the setup, prove a new secret and probe the redirect URI; after a
mail account is deleted, forget its tokens."""

from cmx_hostapi import hookimpl

from cmx_plugin_m365.care import setup_checks
from cmx_plugin_m365.diagnosis import person_waiting
from cmx_plugin_m365.names import MAIL_ACCOUNT_FORM
from cmx_plugin_m365.signin import mail_settings


@hookimpl
def cmx_record_saved(form, record_id, created, host, request):
    with person_waiting():  # the person who saved reads the result
        return setup_checks.after_save(form, record_id, host)


@hookimpl
def cmx_record_deleted(form, record_id, host):
    if form == MAIL_ACCOUNT_FORM:
        return mail_settings.forget_deleted_account(host, record_id)
    return None
