"""Extension point "routes": the green-field buttons' targets and Microsoft's way back (continue_oauth)."""

from cmx_hostapi import Route, hookimpl
from cmx_plugin_m365 import views
from cmx_plugin_m365.names import CALLBACK_PATH


@hookimpl
def cmx_routes():
    return [
        Route(views.ENABLE_PATH, views.enable, methods=("POST",)),
        Route(views.DISABLE_PATH, views.disable, methods=("POST",)),
        Route(views.START_PATH, views.start, methods=("POST",)),
        Route(views.DISCONNECT_PATH, views.disconnect, methods=("POST",)),
        Route(CALLBACK_PATH, views.callback, methods=("GET",)),
    ]
