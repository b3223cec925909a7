"""The admin's steps of the setup in one step, as a person does them (shared by the walkthrough, bench, tests).

Open "Automatisch einrichten (Azure Cloud Shell)", have the command made, paste it into a Cloud Shell (Bash with the
``az rest`` stand-in, signed in as someone of the organisation's IT), paste the last line back.
"""

from __future__ import annotations

import html
import re
import secrets
from pathlib import Path

from .az_standin import CloudShell
from .office import INTERFACES, Office
from .pages import green_field_text

ONE_STEP = "/App%20Schnittstellen/m365_one_step"
MAKE = "Befehl für Azure Cloud Shell erstellen"
TAKE = "2. Einrichtungscode übernehmen"
ENTRY = "Automatisch einrichten (Azure Cloud Shell)"


def offered(office: Office) -> bool:
    """The new Azure interface's green field offers the second way."""
    return ENTRY in green_field_text(office.browser.get(INTERFACES + "neu").text)


def command_page(office: Office, organisation: str = "Bildungswerk") -> str:
    return office.click_on(ONE_STEP, MAKE, organisation=organisation)


def copy_value(page: str) -> str:
    """The multi-line value of the page's copy field (the command), as the copy button copies it."""
    found = re.search(r'<textarea id="[^"]+" class="copy-value"[^>]*>(.*?)</textarea>', page, re.S)
    if found is None:
        raise AssertionError(f"no command on the page: {green_field_text(page)}")
    return html.unescape(found.group(1))


def it_admin(office: Office, roles: list[str], *, global_admin: bool = False) -> str:
    """Someone of the organisation's IT with these Entra roles (role template IDs); their object ID."""
    org = office.org
    oid = office.ms.user(
        org.tenant_id, f"it-{secrets.token_hex(2)}@{org.domain}", "pw-" + secrets.token_hex(6), "IT", mailbox=False
    )
    office.ms.call("user/roles", oid=oid, roles=roles)
    if global_admin:
        office.ms.call("user/update", oid=oid, is_admin=True)
    return oid


def cloud_shell(office: Office, home: Path, oid: str) -> CloudShell:
    shell = CloudShell.open(home, office.ms.addresses.ca_file)
    shell.login(office.ms, oid)
    return shell


def paste(office: Office, code: str) -> str:
    return office.click_on(ONE_STEP, TAKE, code=code)


def applications(office: Office) -> list[dict]:
    """The registrations the script made in the organisation's tenant (tagged), as the portal would list them."""
    made = office.ms.call("applications", tenant_id=office.org.tenant_id)["applications"]
    return [a for a in made if a["tags"]]
