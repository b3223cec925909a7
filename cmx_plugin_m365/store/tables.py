"""Every table the plugin's migrations create, and the module that owns it: the only one that writes SQL against it.

A test reads the migrations and fails when a table is missing here, and when SQL naming a table appears outside its
owner. Pacing's SQL lives beside its algorithm (:mod:`cmx_plugin_m365.sending.pacing`): its decisions are a few
statements in one transaction that only make sense together.
"""

OWNERS: dict[str, str] = {
    "m365_account": "cmx_plugin_m365.store.accounts",
    "m365_signin": "cmx_plugin_m365.store.signins",
    "m365_consent": "cmx_plugin_m365.store.signins",
    "m365_event": "cmx_plugin_m365.store.events",
    "m365_check": "cmx_plugin_m365.store.checks",
    "m365_certificate": "cmx_plugin_m365.store.certificates",
    "m365_setting": "cmx_plugin_m365.store.certificates",
    "m365_secret": "cmx_plugin_m365.store.secrets",
    "m365_pace": "cmx_plugin_m365.sending.pacing",  # per account until migration 011 moved it to m365_budget
    "m365_budget": "cmx_plugin_m365.sending.pacing",
    "m365_send": "cmx_plugin_m365.sending.pacing",
    "m365_app_token": "cmx_plugin_m365.store.app_tokens",
}
