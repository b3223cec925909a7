"""Setup in one step, clicked by a person in a real browser: the command copied from the page, run in a Cloud Shell
(Bash with the az rest stand-in), the Einrichtungscode pasted back; then the first mail account signs in without a
consent prompt. Screenshots go to ``test-artifacts/e2e/einrichtung-in-einem-schritt``."""

from __future__ import annotations

import re

import pytest

from devhost import one_step_steps as steps
from devhost.graph.directory_api import CLOUD_APPLICATION_ADMIN

from .conftest import Shots, flash_texts, green_text, log_in

pytestmark = pytest.mark.e2e


def test_admin_sets_up_the_app_in_one_step_in_the_browser(office_live, page, ms, tmp_path):
    office = office_live
    base_url, org = office.browser.base_url, office.org
    anna = org.people["anna"]
    shot = Shots(page, "einrichtung-in-einem-schritt")
    page.set_default_timeout(15000)
    log_in(page, base_url)

    page.goto(base_url + "/App%20Schnittstellen/neu")
    assert "Automatisch einrichten (Azure Cloud Shell)" in green_text(page)
    shot("neue-schnittstelle-zweiter-weg")
    page.click(".green-field :is(a, button):has-text('Automatisch einrichten (Azure Cloud Shell)')")
    page.fill("input[name=organisation]", "Bildungswerk")
    page.click("button:has-text('Befehl für Azure Cloud Shell erstellen')")
    assert flash_texts(page) == ["Befehl erstellt. Jetzt Schritt 1, dann Schritt 2."]
    command = page.locator("textarea.copy-value").input_value()
    assert command.startswith("cat > cmxorganize-einrichtung.sh <<'CMX_SKRIPT'\n") and "PRIVATE" not in command
    shot("befehl-zum-kopieren")

    # The admin pastes the command into Azure Cloud Shell (here: Bash with the az rest stand-in).
    shell = steps.cloud_shell(office, tmp_path / "cloud-shell", steps.it_admin(office, [CLOUD_APPLICATION_ADMIN]))
    done, _seconds = shell.run(command)
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip().splitlines()[-1]
    assert len(steps.applications(office)) == 1

    page.fill("input[name=code]", code)
    shot("einrichtungscode-eingefuegt")
    page.click("button:has-text('2. Einrichtungscode übernehmen')")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20Schnittstellen/\d+"))
    (message,) = flash_texts(page)
    assert message.startswith("Eingerichtet: Anwendungs-ID") and "Bereit" in message
    assert "✓ Einrichtung in einem Schritt" in green_text(page)
    shot("bereit")

    # The first mail account: no consent prompt at Microsoft, the test mail arrives.
    page.goto(base_url + "/App%20E-Mailkonto/neu")
    page.fill("#f-contact", "Geschäftsstelle Nord")
    page.fill("#f-address", anna.upn)
    page.click("form.record button:has-text('Speichern')")
    page.click(".green-field button:has-text('OAuth (Microsoft 365) verwenden')")
    page.click(".green-field button:has-text('Bei Microsoft anmelden')")
    page.wait_for_url(re.compile(re.escape(ms.addresses.login_base_url)))
    page.fill("input[name=password]", anna.password)
    page.click("#idSIButton9")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20E-Mailkonto/\d+"))  # straight back: no consent page
    assert flash_texts(page) == [f"E-Mailkonto eingerichtet, Testmail an {anna.upn} gesendet."]
    shot("erstes-konto-ohne-zustimmungsfrage")
    assert [m["subject"] for m in ms.messages(to=anna.upn)] == ["cmxOrganize: Testmail"]
