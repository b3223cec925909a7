"""What runs right after the admin saved part of the setup (the Azure interface or TenantID)."""

from __future__ import annotations

from cmx_hostapi import Host, Message

from ..config import Missing, azure_app
from ..names import INTERFACE_FORM, INTERFACE_TYPE, TENANT_SETTING
from ..signin.redirect_uri import record_redirect_probe
from . import client_secret, interface_deletion

SETTING_FORM = "Einstellung"


def after_save(form: str, record_id: int, host: Host) -> list[Message]:
    if form == INTERFACE_FORM and any(i.id == record_id for i in host.interfaces(INTERFACE_TYPE)):
        interface_deletion.restored(host)
        messages = client_secret.on_interface_saved(host)
    elif form == SETTING_FORM and host.setting("Einstellungen", TENANT_SETTING):
        messages = []
    else:
        return []
    if isinstance(azure_app(host), Missing):
        return messages
    finding = record_redirect_probe(host)
    if finding is not None:
        messages.append(
            Message("warning", "Die Anmeldung bei Microsoft wird so noch nicht funktionieren. " + finding.message())
        )
    return messages
