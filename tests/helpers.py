"""Helpers the test modules share (test modules never import each other): what a person does on the screens, in
the words of the admin guide, and the clocks."""

from __future__ import annotations

import datetime as dt

from cmx_plugin_m365 import certificates
from cmx_plugin_m365.care import credentials
from devhost.pages import flashes, green_field_text


def dt_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def later(minutes: float = 1) -> dt.datetime:
    return dt_now() + dt.timedelta(minutes=minutes)


def run_method(office, account_id, name="E-Mailkonto testen", *, everything=False):
    """The steps "E-Mailkonto testen" reports (✓/✗ lines); ``everything``: also its note on the second route."""
    response = office.browser.post(f"/App%20E-Mailkonto/{account_id}/methode", {"method": name})
    messages = flashes(office.follow(response))
    return messages if everything else [m for m in messages if m[:1] in "✓✗"]


def expire_access_token(office, hours=2):
    """Move both clocks past the access token's lifetime; returns the plugin's 'now' to freeze at."""
    office.ms.call("clock/advance", seconds=hours * 3600)
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


# -- certificates --------------------------------------------------------------------------------------------------


def mode(office) -> str:
    """The Azure interface's "Anmeldeart" as its green field says it (first word)."""
    text = green_field_text(office.browser.get(office.interface_path()).text)
    return text.split("Anmeldeart", 1)[1].split()[0]


def in_use(office) -> certificates.Certificate | None:
    return credentials.in_use(office.instance.host)


def certificate_in_use(office, months="24") -> certificates.Certificate:
    """Create, download, upload and prove a certificate: section 2, certificate variant."""
    office.create_certificate(months)
    office.upload_certificate(office.download_certificate())
    page = office.prove_certificate()
    assert any(m.startswith("Zertifikat geprüft") for m in flashes(page)), flashes(page)
    return in_use(office)
