"""Extension point "application settings": declares "TenantID" in the app "Einstellungen"."""

from cmx_hostapi import SettingType, hookimpl

from cmx_plugin_m365.care.checks import check_tenant
from cmx_plugin_m365.diagnosis import waited_for
from cmx_plugin_m365.names import SETTINGS_APP, TENANT_SETTING
from cmx_plugin_m365.web.schemas import TenantIdSchema, looks_like_secret


@hookimpl
def cmx_settings():
    return [
        SettingType(
            app=SETTINGS_APP,
            name=TENANT_SETTING,
            label="Verzeichnis-ID (Mandant)",
            schema=TenantIdSchema,
            help="Die Verzeichnis-ID (GUID) Ihrer Organisation bei Microsoft, oder eine ihrer Domains.",
            check=waited_for(check_tenant),
            secret_shaped=looks_like_secret,
        )
    ]
