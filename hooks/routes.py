"""Extension point "routes": the green-field buttons' targets, Microsoft's way back (continue_oauth), admin pages."""

from cmx_hostapi import Route, hookimpl
from cmx_plugin_m365 import names, views


@hookimpl
def cmx_routes():
    return [
        Route(names.ENABLE_PATH, views.enable, methods=("POST",)),
        Route(names.DISABLE_PATH, views.disable, methods=("POST",)),
        Route(names.START_PATH, views.start, methods=("POST",)),
        Route(names.DISCONNECT_PATH, views.disconnect, methods=("POST",)),
        Route(names.CALLBACK_PATH, views.callback, methods=("GET",)),
        Route(names.OVERVIEW_PATH, views.overview, methods=("GET",), admin_only=True),
        Route(names.EXPIRY_PATH, views.secret_expiry, methods=("POST",), admin_only=True),
        Route(names.ADMIN_CONSENT_PATH, views.admin_consent, methods=("POST",), admin_only=True),
        Route(names.RECHECK_PATH, views.recheck, methods=("POST",), admin_only=True),
    ]
