"""Issue 24 in a real browser: an admin switches a functional mailbox's account to the app permission, copies the
Exchange admin's lines, meets the refusal before they are done, and sees the test mail go out after them.

Screenshots go to ``$CMX_TEST_ARTIFACTS/e2e/app-berechtigung`` (default ``test-artifacts/e2e``), not to git.
"""

from __future__ import annotations

import re

import pytest

from devhost.emulators import exchange_admin_steps, grant_smtp_app_permission

from .conftest import Shots, flash_texts, green_text, log_in

pytestmark = pytest.mark.e2e


def test_the_admin_switches_a_functional_mailbox_to_the_app_permission(office_live, page, ms):
    office = office_live
    base_url, org = office.browser.base_url, office.org
    office.configure()  # section 2 by HTTP; test_browser clicks it
    address = f"anmeldung@{org.domain}"
    ms.call("shared_mailbox", tenant_id=org.tenant_id, address=address, send_as=[])
    shot = Shots(page, "app-berechtigung")
    page.set_default_timeout(15000)
    log_in(page, base_url)

    page.goto(base_url + "/App%20E-Mailkonto/neu")
    page.fill("#f-contact", "Anmeldung (Funktionspostfach)")
    page.fill("#f-address", address)
    page.click("form.record button:has-text('Speichern')")
    page.click(".green-field button:has-text('OAuth (Microsoft 365) verwenden')")
    assert "Anmeldeart" in green_text(page)
    shot.green_field("persoenliche-anmeldung")

    page.select_option(".green-field select[name=signin_kind]", "app")
    page.click(".green-field button:has-text('Anmeldeart speichern')")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20E-Mailkonto/\d+"))
    (message,) = flash_texts(page)
    assert message.startswith("Anmeldeart „App-Berechtigung (ohne Anmeldung)“ gewählt.")
    lines = page.locator(".green-field input.copy-value").evaluate_all("els => els.map(e => e.value)")
    assert (
        f"New-ServicePrincipal -AppId {org.client_id} -ObjectId {org.service_principal_id} -DisplayName 'cmxOrganize'"
        in lines
    )
    assert any(line.startswith(f"Add-MailboxPermission -Identity '{address}'") for line in lines)
    assert "Schritt in Microsoft Entra (noch offen)" in green_text(page)
    shot("zeilen-fuer-den-exchange-admin")
    shot.green_field("app-berechtigung-schritte")

    # Before the admin's steps: the refusal, explained.
    grant_smtp_app_permission(ms, org)
    page.click(".green-field button:has-text('App-Berechtigung testen')")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20E-Mailkonto/\d+"))
    (message,) = flash_texts(page)
    assert "Exchange kennt die App für dieses Postfach noch nicht" in message and "535 5.7.3" in message
    shot("ablehnung-vor-den-schritten")

    # After them: the test mail goes out; nobody signed in.
    exchange_admin_steps(ms, org, address)
    page.click(".green-field button:has-text('App-Berechtigung testen')")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/App%20E-Mailkonto/\d+"))
    (message,) = flash_texts(page)
    assert message.startswith(f"App-Berechtigung funktioniert: Testmail an {address} gesendet.")
    assert f"Sendet mit der App-Berechtigung (ohne Anmeldung) als {address}." in green_text(page)
    shot("app-berechtigung-nachgewiesen")
    shot.green_field("app-berechtigung-verbunden")
    assert [m["auth_user"] for m in ms.messages(to=address)] == [address]
