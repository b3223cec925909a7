"""Names the host and the admin guide use, in one place so that screens, routes and docs agree."""

PLUGIN_ID = "m365"
"""The plugin's id in plugin.toml: the host's name for it (its configuration section, migrations, key use)."""

INTERFACE_TYPE = "Azure"
"""The interface type that holds the app registration: Benutzername = client ID, Passwort = secret value."""

SETTINGS_APP = "Einstellungen"
TENANT_SETTING = "TenantID"
"""The application setting that holds the directory (tenant) ID."""

MAIL_ACCOUNT_FORM = "E-Mailkonto"
INTERFACE_FORM = "Schnittstelle"

CALLBACK_PATH = "App E-Mailkonto/continue_oauth"
"""Where Microsoft sends the browser back to; registered in Entra as ``<base>/App%20E-Mailkonto/continue_oauth``."""

TEST_METHOD = "E-Mailkonto testen"

# The plugin's other routes (the green-field buttons and admin pages post or link here).
ENABLE_PATH = "App E-Mailkonto/oauth_enable"
DISABLE_PATH = "App E-Mailkonto/oauth_disable"
START_PATH = "App E-Mailkonto/oauth_start"
DISCONNECT_PATH = "App E-Mailkonto/oauth_disconnect"
OVERVIEW_PATH = "App E-Mailkonto/oauth_overview"
ROUTE_PATH = "App E-Mailkonto/oauth_route"
SIGNIN_KIND_PATH = "App E-Mailkonto/oauth_signin_kind"
"""POST: the account's Anmeldeart (a person's sign-in or the app permission; issue 24)."""
APP_TEST_PATH = "App E-Mailkonto/oauth_app_test"
"""POST: "App-Berechtigung testen" (the test mail that proves the app permission)."""
EXPIRY_PATH = "App Schnittstellen/m365_secret_expiry"
ADMIN_CONSENT_PATH = "App Schnittstellen/m365_admin_consent"
RECHECK_PATH = "App Schnittstellen/m365_recheck"
CERTIFICATE_PATH = "App Schnittstellen/m365_certificate"
"""POST: make a new certificate (validity, the registration's object ID)."""
CERTIFICATE_FILE_PATH = "App Schnittstellen/m365_certificate_file"
"""GET: the waiting (or the used) certificate's public part, as a .cer file to upload in Entra."""
CERTIFICATE_PROVE_PATH = "App Schnittstellen/m365_certificate_prove"
USE_SECRET_PATH = "App Schnittstellen/m365_use_secret"  # noqa: S105 - a path
REMOVE_SECRET_PATH = "App Schnittstellen/m365_remove_secret"  # noqa: S105 - a path
ROTATION_DONE_PATH = "App Schnittstellen/m365_rotation_done"
ONE_STEP_PATH = "App Schnittstellen/m365_one_step"
"""Setup in one step (Azure Cloud Shell): the page with the command (GET), making the command (POST)."""
ONE_STEP_SCRIPT_PATH = "App Schnittstellen/m365_one_step_script"
ONE_STEP_CODE_PATH = "App Schnittstellen/m365_one_step_code"
