"""Extension point "record saved": a new client secret is proven, and the redirect URI probed, right after saving."""

from cmx_hostapi import hookimpl
from cmx_plugin_m365 import setup_checks


@hookimpl
def cmx_record_saved(form, record_id, created, host, request):
    return setup_checks.after_save(form, record_id, host)
