"""Extension point "routes": the green-field buttons' targets, Microsoft's way back (continue_oauth), admin pages."""

from cmx_hostapi import Route, hookimpl

from cmx_plugin_m365 import names
from cmx_plugin_m365.diagnosis import waited_for
from cmx_plugin_m365.web import app_permission, one_step, views


@hookimpl
def cmx_routes():
    # Behind every route a person waits for the answer: advice says "try again", not "cmxOrganize retries".
    return [
        Route(names.ENABLE_PATH, waited_for(views.enable), methods=("POST",)),
        Route(names.DISABLE_PATH, waited_for(views.disable), methods=("POST",)),
        Route(names.START_PATH, waited_for(views.start), methods=("POST",)),
        Route(names.DISCONNECT_PATH, waited_for(views.disconnect), methods=("POST",)),
        Route(names.ROUTE_PATH, waited_for(views.route), methods=("POST",)),
        Route(names.SIGNIN_KIND_PATH, waited_for(app_permission.save), methods=("POST",)),
        Route(names.APP_TEST_PATH, waited_for(app_permission.test), methods=("POST",)),
        Route(names.CALLBACK_PATH, waited_for(views.callback), methods=("GET",)),
        Route(names.OVERVIEW_PATH, views.overview, methods=("GET",), admin_only=True),
        Route(names.EXPIRY_PATH, waited_for(views.secret_expiry), methods=("POST",), admin_only=True),
        Route(names.ADMIN_CONSENT_PATH, waited_for(views.admin_consent), methods=("POST",), admin_only=True),
        Route(names.RECHECK_PATH, waited_for(views.recheck), methods=("POST",), admin_only=True),
        Route(names.CERTIFICATE_PATH, waited_for(views.certificate), methods=("POST",), admin_only=True),
        Route(names.CERTIFICATE_FILE_PATH, views.certificate_file, methods=("GET",), admin_only=True),
        Route(names.CERTIFICATE_PROVE_PATH, waited_for(views.certificate_prove), methods=("POST",), admin_only=True),
        Route(names.USE_SECRET_PATH, waited_for(views.use_secret), methods=("POST",), admin_only=True),
        Route(names.REMOVE_SECRET_PATH, views.remove_secret, methods=("POST",), admin_only=True),
        Route(names.ROTATION_DONE_PATH, views.rotation_done, methods=("POST",), admin_only=True),
        Route(names.ONE_STEP_PATH, one_step.show, methods=("GET", "POST"), admin_only=True),
        Route(names.ONE_STEP_SCRIPT_PATH, one_step.script_file, methods=("GET",), admin_only=True),
        Route(names.ONE_STEP_CODE_PATH, waited_for(one_step.take_code), methods=("POST",), admin_only=True),
    ]
