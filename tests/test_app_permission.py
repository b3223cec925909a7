"""Issue 24: a functional mailbox sends with the app's own permission — no person signs in, no refresh token."""

import datetime as dt
import html
import re

from cmx_plugin_m365 import tokens
from devhost.emulators import exchange_admin_steps, grant_smtp_app_permission
from devhost.pages import green_field_text

from .conftest import flashes, run_queue_at
from .helpers import expire_access_token, run_method

APP_LABEL = "App-Berechtigung (ohne Anmeldung)"


def functional_mailbox(office, name="anmeldung"):
    """A shared mailbox at Microsoft and its mail account in cmxOrganize, switched to the app permission."""
    office.configure()
    address = f"{name}@{office.org.domain}"
    office.ms.call("shared_mailbox", tenant_id=office.org.tenant_id, address=address, send_as=[])
    account_id = office.create_account("anna", address=address, username="")
    office.enable_oauth(account_id)
    page = office.click_on(f"/App%20E-Mailkonto/{account_id}", "Anmeldeart speichern", signin_kind="app")
    assert flashes(page)[0].startswith(f"Anmeldeart „{APP_LABEL}“ gewählt.")
    return account_id, address


def copy_lines(page: str) -> str:
    """The copyable lines of the green field (what the "Kopieren" buttons copy), one per line."""
    return "\n".join(html.unescape(v) for v in re.findall(r'class="copy-value" value="([^"]*)"', page))


def prove(office, account_id) -> str:
    (message,) = flashes(office.click(account_id, "App-Berechtigung testen"))
    return message


def test_the_green_field_shows_the_exchange_admins_lines_with_this_mailbox_and_this_apps_ids(office):
    account_id, address = functional_mailbox(office)
    page = office.page(account_id)
    text = green_field_text(page) + "\n" + copy_lines(page)
    org = office.org
    assert "Persönliche Anmeldung: eine Person meldet sich einmal bei Microsoft an" in text
    assert f"New-ServicePrincipal -AppId {org.client_id} -ObjectId {org.service_principal_id}" in text
    assert org.object_id not in text  # the registration's object ID is the documented mistake
    assert (
        f"Add-MailboxPermission -Identity '{address}' -User {org.service_principal_id} -AccessRights FullAccess" in text
    )
    assert (
        f"Add-RecipientPermission -Identity '{address}' -Trustee {org.service_principal_id} -AccessRights SendAs"
        in text
    )
    assert "New-ManagementRoleAssignment -App" in text and "'Application Mail.Send'" in text
    assert "erlaubt ohne Eingrenzung das Senden als jedes Postfach" in text
    assert "Schritt in Microsoft Entra (noch offen)" in text and "SMTP.SendAsApp" in text


def test_each_refusal_on_the_way_is_explained_and_the_test_mail_decides(office):
    account_id, address = functional_mailbox(office)
    message = prove(office, account_id)
    assert "App-Berechtigung SMTP.SendAsApp fehlt oder ist nicht erteilt" in message
    assert "Administratorzustimmung erteilen" in message and "535 5.7.3" in message
    assert office.row(account_id)["state"] == "new"

    grant_smtp_app_permission(office.ms, office.org)
    message = prove(office, account_id)
    assert "Exchange kennt die App für dieses Postfach noch nicht" in message
    assert "New-ServicePrincipal" in message and "Add-MailboxPermission" in message
    assert "Microsoft Entra: SMTP.SendAsApp ist erteilt" in green_field_text(office.page(account_id))

    exchange_admin_steps(office.ms, office.org, address)
    message = prove(office, account_id)
    assert message.startswith(f"App-Berechtigung funktioniert: Testmail an {address} gesendet.")
    (mail,) = office.ms.messages(to=address)
    assert (mail["mail_from"], mail["auth_user"]) == (address, address)
    row = office.row(account_id)
    assert (row["state"], row["signin_kind"], row["token_cache"], row["user_oid"]) == ("connected", "app", None, None)
    assert f"Sendet mit der App-Berechtigung (ohne Anmeldung) als {address}." in green_field_text(
        office.page(account_id)
    )


def test_mail_goes_out_without_any_person_and_no_refresh_token_is_stored(office):
    account_id, address = functional_mailbox(office)
    grant_smtp_app_permission(office.ms, office.org)
    exchange_admin_steps(office.ms, office.org, address)
    prove(office, account_id)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "Sie sind angemeldet.")
    assert office.instance.mailer.run_queue()["sent"] == 1
    assert [m["auth_user"] for m in office.ms.messages(to="kurs@example.de")] == [address]
    with office.instance.db.transaction() as tx:
        caches = tx.execute("SELECT token_cache FROM m365_account").fetchall()
        (stored,) = tx.execute("SELECT app_scope, token FROM m365_app_token").fetchall()
    assert all(row["token_cache"] is None for row in caches)  # no refresh token anywhere
    assert stored["app_scope"] == f"{office.org.client_id} https://outlook.office365.com/.default"
    assert b"eyJ" not in bytes(stored["token"])  # encrypted at rest, not the JWT


def test_an_expired_app_token_is_replaced_by_itself_without_anyone(office):
    account_id, address = functional_mailbox(office)
    grant_smtp_app_permission(office.ms, office.org)
    exchange_admin_steps(office.ms, office.org, address)
    prove(office, account_id)
    tokens._app_memory.clear()
    office.ms.call("counters/reset")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Erste", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
    assert office.ms.call("counters").get("token:client_credentials", 0) == 0  # the stored token served
    later = expire_access_token(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Zweite", "x", now=later)
    assert run_queue_at(office, later + dt.timedelta(seconds=1))["sent"] == 1
    assert office.ms.call("counters").get("token:client_credentials", 0) == 1
    assert [m["subject"] for m in office.ms.messages(to="kurs@example.de")] == ["Erste", "Zweite"]
    assert office.notifications() == []


def test_smtp_auth_off_for_the_functional_mailbox_is_explained(office):
    account_id, address = functional_mailbox(office)
    grant_smtp_app_permission(office.ms, office.org)
    exchange_admin_steps(office.ms, office.org, address)
    office.ms.call("mailbox/update", address=address, smtp_auth_enabled=False)
    message = prove(office, account_id)
    assert "SMTP AUTH ist ausgeschaltet" in message and "535 5.7.139" in message


def test_bad_input_changes_nothing(office):
    account_id, _ = functional_mailbox(office)
    before = office.row(account_id)
    page = office.click_on(f"/App%20E-Mailkonto/{account_id}", "Anmeldeart speichern", signin_kind="robot")
    assert flashes(page) == [
        "Nicht gespeichert: Bitte „Persönliche Anmeldung“ oder „App-Berechtigung (ohne Anmeldung)“ wählen."
    ]
    page = office.click_on(
        f"/App%20E-Mailkonto/{account_id}", "Anmeldeart speichern", signin_kind="app", graph_outside="kein<script>"
    )
    (message,) = flashes(page)
    assert message.startswith("Nicht gespeichert: Bitte eine E-Mail-Adresse eintragen") and "<script>" not in message
    assert office.row(account_id) == before


def test_switching_back_to_a_persons_sign_in_forgets_the_app_mailbox(office):
    account_id, address = functional_mailbox(office)
    grant_smtp_app_permission(office.ms, office.org)
    exchange_admin_steps(office.ms, office.org, address)
    prove(office, account_id)
    page = office.click_on(f"/App%20E-Mailkonto/{account_id}", "Anmeldeart speichern", signin_kind="person")
    assert flashes(page) == ["Anmeldeart „Persönliche Anmeldung“ gewählt. Jetzt „Bei Microsoft anmelden“ wählen."]
    row = office.row(account_id)
    assert (row["state"], row["signin_kind"], row["signed_in_as"]) == ("new", "person", None)
    assert "Bei Microsoft anmelden" in office.page(account_id)
    assert run_method(office, account_id)[-1].startswith("✗")


GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def graph_ready(office, address, *, scoped=True):
    """Graph for the app: narrowed to ``address`` with RBAC for Applications in Exchange (``scoped``), or the
    application permission Mail.Send consented in Entra, which reaches every mailbox."""
    org = office.org
    if scoped:
        office.ms.call("graph/app_scope", tenant_id=org.tenant_id, client_id=org.client_id, mailboxes=[address])
    else:
        office.ms.call(
            "app_roles",
            tenant_id=org.tenant_id,
            client_id=org.client_id,
            resource_app_id=GRAPH_APP_ID,
            roles=["Mail.Send"],
        )


def test_graph_is_used_only_after_the_narrowing_is_confirmed_and_a_send_outside_is_refused(office):
    account_id, address = functional_mailbox(office)
    grant_smtp_app_permission(office.ms, office.org)
    exchange_admin_steps(office.ms, office.org, address)
    graph_ready(office, address)
    outside = office.org.people["ben"].upn
    page = office.click_on(
        f"/App%20E-Mailkonto/{account_id}",
        "Anmeldeart speichern",
        signin_kind="app",
        graph_scoped="ja",
        graph_outside=outside,
    )
    assert flashes(page) == ["Eingrenzung für Microsoft Graph bestätigt."]
    message = prove(office, account_id)
    assert f"Die Eingrenzung hält – eine Mail als {outside} wurde abgelehnt." in message
    assert office.ms.messages(to=outside) == []

    # SMTP AUTH switched off for the mailbox: "automatisch" goes over Graph, as the mailbox itself (/users/{mailbox}).
    office.ms.call("mailbox/update", address=address, smtp_auth_enabled=False)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Über Graph", "x")
    office.instance.mailer.run_queue()
    office.instance.mailer.run_queue(now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    (mail,) = office.ms.messages(to="kurs@example.de")
    assert (mail["via"], mail["mail_from"], mail["auth_user"]) == ("graph", address, f"app:{office.org.client_id}")


def test_an_unscoped_graph_permission_is_caught_by_the_probe_and_graph_stays_off(office):
    account_id, address = functional_mailbox(office)
    grant_smtp_app_permission(office.ms, office.org)
    exchange_admin_steps(office.ms, office.org, address)
    graph_ready(office, address, scoped=False)
    outside = office.org.people["ben"].upn
    office.click_on(
        f"/App%20E-Mailkonto/{account_id}",
        "Anmeldeart speichern",
        signin_kind="app",
        graph_scoped="ja",
        graph_outside=outside,
    )
    message = prove(office, account_id)
    assert "App darf über Graph als ein Postfach außerhalb der Eingrenzung senden" in message
    assert office.row(account_id)["graph_scope_confirmed"] in (False, 0)


def test_a_mailbox_outside_the_graph_scope_is_explained(office):
    account_id, address = functional_mailbox(office)
    grant_smtp_app_permission(office.ms, office.org)
    exchange_admin_steps(office.ms, office.org, address)
    graph_ready(office, address)
    office.ms.call(
        "graph/app_scope",
        tenant_id=office.org.tenant_id,
        client_id=office.org.client_id,
        mailboxes=["jemand-anders@example.de"],
    )
    office.click_on(f"/App%20E-Mailkonto/{account_id}", "Anmeldeart speichern", signin_kind="app", graph_scoped="ja")
    prove(office, account_id)
    office.click_on(f"/App%20E-Mailkonto/{account_id}", "Versandweg speichern", route="graph")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Über Graph", "x")
    office.instance.mailer.run_queue()
    (held,) = office.queue(account_id)
    assert held["last_error_code"] == "graph:ErrorAccessDenied"
    assert held["last_error"].startswith("Postfach liegt außerhalb der Eingrenzung der App")


def ready(office):
    account_id, address = functional_mailbox(office)
    grant_smtp_app_permission(office.ms, office.org)
    exchange_admin_steps(office.ms, office.org, address)
    prove(office, account_id)
    return account_id, address


def test_the_budget_is_the_mailboxs_and_the_doctor_checks_the_app_permission(office, tmp_path, capsys):
    from cmx_plugin_m365 import cli

    account_id, address = ready(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    office.instance.mailer.run_queue()
    with office.instance.db.transaction() as tx:
        keys = {row["mailbox"] for row in tx.execute("SELECT mailbox FROM m365_send").fetchall()}
    assert keys == {f"{office.org.tenant_id}:mailbox:{address}"}  # Exchange counts the mailbox, not a person

    config = tmp_path / "instanz.toml"
    office.instance.config.dump(config)
    status = cli.main(["doctor", "--config", str(config), "--smtp"])
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if "E-Mailkonto" in line]
    assert status == 0 and line.startswith("✓") and "App-Berechtigung und SMTP AUTH gültig" in line


def test_a_permission_taken_away_later_holds_the_mail_and_is_told_once(office):
    account_id, address = ready(office)
    office.ms.call(
        "mailbox/permission",
        address=address,
        trustee=office.org.service_principal_id,
        rights=["FullAccess"],
        remove=True,
    )
    for n in range(3):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", f"Mail {n}", "x")
    office.instance.mailer.run_queue()
    office.instance.mailer.run_queue(now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3))
    queue = office.queue(account_id)
    assert [q["status"] for q in queue] == ["held"] * 3  # held, not lost
    assert {q["last_error_code"] for q in queue} == {"535 5.7.3"}
    assert queue[0]["last_error"].startswith("Exchange kennt die App für dieses Postfach noch nicht")
    told = sorted((n["audience"], n["subject"].split(": ", 1)[1]) for n in office.notifications())
    assert told == [("account_contact", "Versand gestoppt"), ("admins", "Versand gestoppt")]

    exchange_admin_steps(office.ms, office.org, address)
    assert run_method(office, account_id)[-1].startswith(f"✓ Mailserver: Testmail an {address} gesendet.")
    office.instance.mailer.run_queue()
    assert sorted(m["subject"] for m in office.ms.messages(to="kurs@example.de")) == ["Mail 0", "Mail 1", "Mail 2"]


def test_one_app_token_serves_every_functional_mailbox_and_every_worker(office):
    from concurrent.futures import ThreadPoolExecutor

    first, first_address = ready(office)
    office.ms.call("shared_mailbox", tenant_id=office.org.tenant_id, address=f"info@{office.org.domain}", send_as=[])
    second = office.create_account("anna", address=f"info@{office.org.domain}", username="")
    office.enable_oauth(second)
    office.click_on(f"/App%20E-Mailkonto/{second}", "Anmeldeart speichern", signin_kind="app")
    exchange_admin_steps(office.ms, office.org, f"info@{office.org.domain}")
    with office.instance.db.transaction() as tx:
        tx.execute("DELETE FROM m365_app_token")
    tokens._app_memory.clear()
    office.ms.call("counters/reset")
    scope = "https://outlook.office365.com/.default"
    with ThreadPoolExecutor(6) as pool:
        got = set(pool.map(lambda _: tokens.app_access_token(office.instance.host, scope), range(6)))
    assert len(got) == 1
    assert office.ms.call("counters").get("token:client_credentials", 0) == 1  # one request for all workers
    for account_id in (first, second):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", f"Von {account_id}", "x")
    assert office.instance.mailer.run_queue()["sent"] == 2
    assert office.ms.call("counters").get("token:client_credentials", 0) == 1  # and for both mailboxes
    assert sorted(m["auth_user"] for m in office.ms.messages(to="kurs@example.de")) == sorted(
        [first_address, f"info@{office.org.domain}"]
    )


def test_a_send_as_refusal_for_an_app_account_names_the_service_principals_right(office):
    account_id, _ = ready(office)
    office.ms.call(
        "smtp_fault", reply="550 5.7.60 SMTP; Client does not have permissions to send as this sender", remaining=1
    )
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    office.instance.mailer.run_queue()
    (held,) = office.queue(account_id)
    assert held["last_error_code"] == "550 5.7.60"
    assert held["last_error"].startswith("App darf nicht als diese Adresse senden")
    assert "Add-RecipientPermission" in held["last_error"]


def test_a_key_rollout_moves_the_app_token_and_mail_still_goes(office):
    import dataclasses
    import secrets

    from cmx_plugin_m365 import keys
    from cmx_plugin_m365.care import maintenance
    from cmx_plugin_m365.store import encrypted
    from devhost.instance import Instance

    account_id, address = ready(office)
    old, new = office.instance.config.encryption_keys[0], secrets.token_bytes(32)
    server = Instance.start(dataclasses.replace(office.instance.config, encryption_keys=[new, old]))
    try:
        with office.instance.db.transaction() as tx:
            before = bytes(tx.execute("SELECT token FROM m365_app_token").fetchone()["token"])
        assert maintenance.reencrypt(server.host, dt.datetime.now(dt.UTC)) >= 1
        assert encrypted.under_old_keys(server.host, keys.vault(server.host)) == 0
        with office.instance.db.transaction() as tx:
            after = bytes(tx.execute("SELECT token FROM m365_app_token").fetchone()["token"])
        assert after != before
        server.host.secret_keys = (new,)
        tokens._app_memory.clear()
        office.ms.call("counters/reset")
        server.mailer.enqueue(account_id, "kurs@example.de", "Nach dem Schlüsselwechsel", "x")
        assert server.mailer.run_queue()["sent"] == 1
        assert office.ms.call("counters").get("token:client_credentials", 0) == 0  # the moved token, read
    finally:
        server.close()
    assert [m["auth_user"] for m in office.ms.messages(to="kurs@example.de")] == [address]


def test_the_page_shows_no_secret(office):
    from cmx_plugin_m365 import keys

    account_id, _ = ready(office)
    page = office.page(account_id)
    assert office.org.secret_value not in page
    with office.instance.db.transaction() as tx:
        blob = bytes(tx.execute("SELECT token FROM m365_app_token").fetchone()["token"])
    token = keys.vault(office.instance.host).decrypt(blob).decode()
    assert token not in page and token[:40] not in page


def test_the_route_shown_is_the_route_taken(office):
    account_id, _ = ready(office)
    office.click_on(f"/App%20E-Mailkonto/{account_id}", "Versandweg speichern", route="graph")
    assert "Versandweg SMTP (Microsoft Graph erst nach bestätigter Eingrenzung)" in green_field_text(
        office.page(account_id)
    )
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    office.instance.mailer.run_queue()
    assert [m["via"] for m in office.ms.messages(to="kurs@example.de")] == ["smtp"]
