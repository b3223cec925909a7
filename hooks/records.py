"""Extension point "records": before a mail account is saved, refuse who may not change it and note an address change
(host API 1.9); right after saving, prove a new secret, probe the redirect URI, and prove a new address with the test
mail; after a mail account is deleted, forget its tokens."""

from cmx_hostapi import hookimpl

from cmx_plugin_m365.care import interface_deletion, setup_checks
from cmx_plugin_m365.diagnosis import person_waiting
from cmx_plugin_m365.names import INTERFACE_FORM, MAIL_ACCOUNT_FORM
from cmx_plugin_m365.signin import address_change, mail_settings


@hookimpl
def cmx_record_saving(form, record_id, values, host, request):
    if form == MAIL_ACCOUNT_FORM and record_id is not None:
        return address_change.before_save(host, request.user, record_id, values)
    return None


@hookimpl
def cmx_record_saved(form, record_id, created, host, request):
    with person_waiting():  # the person who saved reads the result
        if form == MAIL_ACCOUNT_FORM and not created:
            return address_change.after_save(host, record_id)
        return setup_checks.after_save(form, record_id, host)


@hookimpl
def cmx_delete_warning(form, record_id, host):
    if form == INTERFACE_FORM:
        return interface_deletion.warning(host, record_id)
    return None


@hookimpl
def cmx_record_deleted(form, record_id, host):
    if form == MAIL_ACCOUNT_FORM:
        return mail_settings.forget_deleted_account(host, record_id)
    if form == INTERFACE_FORM:
        return interface_deletion.deleted(host)
    return None
