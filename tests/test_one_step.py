"""Setup in one step: the command cmxOrganize shows runs (real Bash, the az rest stand-in) against the emulator's Graph,
and the Einrichtungscode it prints, pasted back, makes the instance ready — or is refused with what to do."""

import pytest
import requests

from cmx_plugin_m365 import certificates
from cmx_plugin_m365.signin import one_step
from devhost import one_step_steps as steps
from devhost.az_standin import CloudShell
from devhost.graph.directory_api import APPLICATION_ADMIN, CLOUD_APPLICATION_ADMIN
from devhost.pages import flashes, green_field_text

from .helpers import run_method

pytestmark = pytest.mark.timeout(180)


def admin(office, *roles: str, is_admin: bool = False) -> str:
    """A person of the organisation's IT who opens Azure Cloud Shell; ``roles``: their Entra roles."""
    return steps.it_admin(office, list(roles), global_admin=is_admin)


def shell_for(office, tmp_path, oid: str) -> CloudShell:
    return steps.cloud_shell(office, tmp_path / f"shell-{oid[:8]}", oid)


def the_command(office) -> str:
    """The admin opens "Automatisch einrichten (Azure Cloud Shell)" and has the command made."""
    assert steps.offered(office)
    page = steps.command_page(office)
    assert flashes(page) == ["Befehl erstellt. Jetzt Schritt 1, dann Schritt 2."]
    return steps.copy_value(page)


paste = steps.paste
applications = steps.applications


SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
"""Nothing of the database is involved beyond the first test: once, on SQLite, is enough."""


def test_one_command_and_one_line_make_the_instance_ready(office, tmp_path, database):
    command = the_command(office)
    assert command.startswith("cat > cmxorganize-einrichtung.sh <<'CMX_SKRIPT'\n")
    pem = certificates.all_of(office.instance.host, "")[0].certificate
    assert "PRIVATE" not in command and office.org.secret_value not in command
    assert "ANZEIGENAME='cmxOrganize Bildungswerk'" in command
    assert "UMLEITUNGS_URI=https://kurse.example.de/App%20E-Mailkonto/continue_oauth" in command.replace("'", "")
    assert pem.splitlines()[1][:40] in command.replace("\n", "")  # the public certificate, base64

    download = office.browser.get("/App%20Schnittstellen/m365_one_step_script")
    assert download.headers["Content-Disposition"].endswith('filename="cmxorganize-einrichtung.sh"')
    assert download.text + "CMX_SKRIPT\nbash cmxorganize-einrichtung.sh\n" == command.split("\n", 1)[1]

    shell = shell_for(office, tmp_path, admin(office, CLOUD_APPLICATION_ADMIN))
    done, _seconds = shell.run(command)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "cmxOrganize wird in Microsoft Entra ID eingerichtet: cmxOrganize Bildungswerk"
    assert any(line.startswith("4/7 App-Registrierung „cmxOrganize Bildungswerk“ anlegen") for line in lines)
    code = lines[-1]
    assert code.startswith("CMX1-")
    (made,) = applications(office)
    assert made["redirect_uris"] == ["https://kurse.example.de/App%20E-Mailkonto/continue_oauth"]
    assert made["certificates"] == 1 and made["service_principal"]
    assert "https://outlook.office.com/SMTP.Send" in made["tenant_consents"]
    assert {"https://graph.microsoft.com/Mail.Send", "https://graph.microsoft.com/User.Read"} <= set(
        made["tenant_consents"]
    )
    decoded = one_step.decode(code)
    assert (decoded.tenant_id, decoded.client_id, decoded.object_id) == (
        office.org.tenant_id,
        made["client_id"],
        made["object_id"],
    )

    # A second run (the admin pastes it again) makes no second app.
    again, _ = shell.run(command)
    assert again.returncode == 0, again.stderr
    assert "4/7 App-Registrierung gibt es schon" in again.stdout
    assert len(applications(office)) == 1 and applications(office)[0]["certificates"] == 1
    assert again.stdout.strip().splitlines()[-1] == code

    # The code, pasted with the line breaks a terminal adds, makes the instance ready.
    page = paste(office, code[:30] + "\n" + code[30:] + "  ")
    (message,) = flashes(page)
    assert message.startswith(f"Eingerichtet: Anwendungs-ID {made['client_id']}, Verzeichnis-ID {office.org.tenant_id}")
    assert "Bereit" in message
    host = office.instance.host
    assert host.interfaces("Azure")[0].username == made["client_id"]
    assert host.setting("Einstellungen", "TenantID") == office.org.tenant_id
    assert certificates.setting(host, certificates.OBJECT_ID) == made["object_id"]
    assert "✓ Einrichtung in einem Schritt" in green_field_text(page)

    # The first account signs in without any consent prompt, and its test mail arrives.
    account_id = office.create_account("anna")
    office.enable_oauth(account_id)
    outcome = office.at_microsoft(office.start_sign_in(account_id), "anna")
    assert outcome.kind == "redirect" and "consent" not in outcome.pages, outcome.pages
    assert flashes(office.come_back(outcome.url)) == [
        f"E-Mailkonto eingerichtet, Testmail an {office.org.people['anna'].upn} gesendet."
    ]
    assert any(m["subject"] == "cmxOrganize: Testmail" for m in office.mails_to("anna"))
    assert run_method(office, account_id)[-1].startswith("✓")


@SQLITE_ONLY
def test_without_the_role_the_script_stops_before_anything_is_made(office, tmp_path, database):
    command = the_command(office)
    shell = shell_for(office, tmp_path, admin(office))  # an ordinary user
    done, _ = shell.run(command)
    assert done.returncode == 1
    assert "Es wurde nichts angelegt. Ihnen fehlt die Rolle „Cloudanwendungsadministrator“" in done.stderr
    assert applications(office) == []

    # App permissions need more than the Application Administrator role: stopped, nothing made.
    shell = shell_for(office, tmp_path, admin(office, APPLICATION_ADMIN))
    done, _ = shell.run(
        command.replace("bash cmxorganize-einrichtung.sh", "bash cmxorganize-einrichtung.sh --app-berechtigungen")
    )
    assert done.returncode == 1
    assert "„Administrator für privilegierte Rollen“" in done.stderr
    assert applications(office) == []


@SQLITE_ONLY
def test_the_option_grants_the_application_permissions_too(office, tmp_path, database):
    command = the_command(office).replace(
        "bash cmxorganize-einrichtung.sh\n", "bash cmxorganize-einrichtung.sh --app-berechtigungen\n"
    )
    shell = shell_for(office, tmp_path, admin(office, is_admin=True))  # Global Administrator
    done, _ = shell.run(command)
    assert done.returncode == 0, done.stderr
    (made,) = applications(office)
    assert made["app_roles"] == {
        "00000002-0000-0ff1-ce00-000000000000": ["SMTP.SendAsApp"],
        "00000003-0000-0000-c000-000000000000": ["Mail.Send"],
    }
    assert f"New-ServicePrincipal -AppId {made['client_id']} -ObjectId {made['service_principal']}" in done.stdout
    again, _ = shell.run(command)  # granted once, not twice
    assert again.returncode == 0, again.stderr


@SQLITE_ONLY
def test_a_mangled_or_foreign_code_or_one_without_the_certificate_is_refused_and_nothing_changes(
    office, tmp_path, database
):
    host = office.instance.host
    # A name that would break out of the script's quoting is refused, and no certificate is made.
    page = office.click_on(steps.ONE_STEP, steps.MAKE, organisation="Bildungswerk'; rm -rf ~")
    assert flashes(page) == [
        "Nicht erstellt: Der Name darf bis zu 80 Buchstaben, Ziffern, Leerzeichen und . , & ( ) + - enthalten."
    ]
    assert one_step.certificate(host) is None
    the_command(office)
    org = office.org
    good = one_step.SetupCode(org.tenant_id, org.client_id, org.object_id, "global", one_step.marker(host))

    def refused(code: str) -> str:
        page = paste(office, code)
        assert host.interfaces("Azure") == [] and host.setting("Einstellungen", "TenantID") is None
        (message,) = flashes(page)
        return message

    mangled = one_step.encode(good)
    assert refused(mangled[:-9] + ("A" if mangled[-9] != "A" else "B") + mangled[-8:]).startswith(
        "Der Einrichtungscode ist unvollständig oder verändert."
    )
    assert refused(mangled[:40]).startswith("Der Einrichtungscode ist unvollständig oder verändert.")
    assert refused("").startswith("Bitte den Einrichtungscode einfügen")
    foreign = one_step.encode(one_step.SetupCode(org.tenant_id, org.client_id, org.object_id, "global", "0" * 16))
    assert refused(foreign).startswith("Dieser Einrichtungscode gehört zu einer anderen cmxOrganize-Instanz")
    # The organisation's own registration exists, but it does not hold this instance's certificate.
    message = refused(one_step.encode(good))
    assert message.startswith(f"Microsoft bestätigt nicht, dass die App-Registrierung {org.client_id} das Zertifikat")
    assert "(Code AADSTS700027)" in message


class OlderHost:
    """The same host without host API 1.8's save_interface / save_setting."""

    def __init__(self, host):
        self._host = host

    def __getattr__(self, name):
        if name in ("save_interface", "save_setting"):
            raise AttributeError(name)
        return getattr(self._host, name)


@SQLITE_ONLY
def test_on_a_host_before_api_1_8_the_values_are_named_for_the_person_to_enter(office, tmp_path, database):
    command = the_command(office)
    done, _ = shell_for(office, tmp_path, admin(office, CLOUD_APPLICATION_ADMIN)).run(command)
    code = one_step.decode(done.stdout.strip().splitlines()[-1])
    (message,) = one_step.finish(OlderHost(office.instance.host), code)
    assert message.level == "warning"
    assert message.text == (
        f"Zertifikat bestätigt. Bitte noch in der Azure-Schnittstelle als Benutzername {code.client_id} und in den "
        f"Einstellungen TenantID = {code.tenant_id} eintragen, dann „Zertifikat prüfen“."
    )
    assert office.instance.host.interfaces("Azure") == []


@SQLITE_ONLY
def test_graph_refuses_what_the_admins_role_does_not_allow_in_microsofts_words(office, tmp_path, database):
    """The emulator's directory answers as Graph does: an Application Administrator may consent, but not grant a
    Microsoft Graph app role (grant-admin-consent, Prerequisites); a second identical assignment is refused."""

    def graph(oid: str, method: str, path: str, body: dict | None = None):
        token = office.ms.call("cli/login", oid=oid)["access_token"]
        return requests.request(
            method,
            office.ms.addresses.graph_base_url.rstrip("/") + "/v1.0" + path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            verify=office.ms.addresses.ca_file,
            timeout=10,
        )

    boss = admin(office, is_admin=True)
    made = graph(boss, "POST", "/applications", {"displayName": "cmxOrganize Test", "tags": ["t"]}).json()
    sp = graph(boss, "POST", "/servicePrincipals", {"appId": made["appId"]}).json()
    resource = graph(boss, "GET", "/servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'")
    graph_sp = resource.json()["value"][0]
    role = next(r["id"] for r in graph_sp["appRoles"] if r["value"] == "Mail.Send")
    assignment = {"principalId": sp["id"], "resourceId": graph_sp["id"], "appRoleId": role}

    refused = graph(
        admin(office, APPLICATION_ADMIN), "POST", f"/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo", assignment
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"
    assert graph(boss, "POST", f"/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo", assignment).status_code == 201
    again = graph(boss, "POST", f"/servicePrincipals/{graph_sp['id']}/appRoleAssignedTo", assignment)
    assert again.status_code == 400
    assert again.json()["error"]["message"] == "Permission being assigned already exists on the object"
    assert graph(boss, "GET", "/applications/00000000-0000-0000-0000-000000000001").status_code == 404
