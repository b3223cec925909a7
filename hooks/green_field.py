"""Extension point "green field": what the plugin shows on the forms "Schnittstelle" and "E-Mailkonto"."""

from cmx_hostapi import hookimpl

from cmx_plugin_m365.names import INTERFACE_FORM, MAIL_ACCOUNT_FORM
from cmx_plugin_m365.web import screens


@hookimpl
def cmx_green_field(form, record_id, host, request):
    if form == INTERFACE_FORM:
        return screens.interface_green_field(record_id, host, request.user)
    if form == MAIL_ACCOUNT_FORM:
        return screens.mail_account_green_field(record_id, host, request.user)
    return []
