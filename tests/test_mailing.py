"""Every mail after the sign-in: XOAUTH2, "E-Mailkonto testen", and what happens when something is wrong."""

import base64
import datetime as dt
import json

from cmx_plugin_m365 import tokens
from cmx_plugin_m365.care import maintenance
from devhost.pages import green_field_text

from .conftest import flashes, run_queue_at
from .helpers import expire_access_token, run_method


def test_e_mailkonto_testen_reports_each_step(office):
    office.configure()
    account_id, _ = office.connect("anna")
    anna = office.org.people["anna"].upn
    office.ms.call("counters/reset")
    assert run_method(office, account_id, everything=True) == [
        "✓ Einrichtung: Azure-Schnittstelle und TenantID vorhanden.",
        "✓ App-Registrierung bei Microsoft: Anwendungs-ID, Schlüssel und Verzeichnis passen.",
        f"✓ Anmeldung bei Microsoft gültig (als {anna}, eben erneuert).",
        f"✓ Mailserver: Testmail an {anna} gesendet.",
        "Zweiter Versandweg, Microsoft Graph: möglich (die Anmeldung erlaubt ihn).",
    ]
    assert len(office.mails_to("anna")) == 2  # the sign-in's and this one
    counters = office.ms.counters()  # each link proven now, nothing from a cache
    # The forced refresh for SMTP, and a token for Graph (the second route, asked, not used).
    assert counters["token:client_credentials"] == 1 and counters["token:refresh_token"] == 2
    assert counters.get("graph:sendMail", 0) == 0


def test_e_mailkonto_testen_sees_an_expired_secret_at_once_at_its_own_step(office):
    office.configure()
    account_id, _ = office.connect("anna")  # a token is cached for the next hour
    office.ms.call("secret/expire", client_id=office.org.client_id, secret_id=office.org.secret_id)
    messages = run_method(office, account_id)
    assert messages[1].startswith("✗ App-Registrierung bei Microsoft: Geheimer Schlüssel abgelaufen")
    assert len(messages) == 2  # nothing further is claimed
    assert "✗ Zugangsdaten" in green_field_text(office.browser.get("/App%20Schnittstellen/1").text)


def test_e_mailkonto_testen_sees_a_revoked_sign_in_at_its_own_step(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.ms.call("user/revoke", oid=office.org.people["anna"].oid)
    messages = run_method(office, account_id)
    assert messages[1].startswith("✓ App-Registrierung")
    assert messages[2].startswith("✗ Anmeldung bei Microsoft: Anmeldung widerrufen")
    assert len(messages) == 3


def held_by_smtp_auth_off(office) -> tuple[int, str]:
    """Anna is connected with the route fixed to SMTP, her mailbox's SMTP AUTH is off at Microsoft, and one mail is
    held. (account id, address)"""
    office.configure()
    account_id, _ = office.connect("anna")
    office.choose_route(account_id, "smtp")
    anna = office.org.people["anna"].upn
    office.ms.call("mailbox/update", address=anna, smtp_auth_enabled=False)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "Sie sind angemeldet.")
    assert office.instance.mailer.run_queue() == {"sent": 0, "retry": 0, "held": 1, "waited": 0}
    return account_id, anna


def test_smtp_auth_disabled_is_explained_mail_is_held_and_goes_out_once_fixed(office):
    account_id, anna = held_by_smtp_auth_off(office)
    (held,) = office.queue(account_id)
    assert held["last_error_code"] == "535 5.7.139"
    assert held["last_error"].startswith(
        "SMTP AUTH ist ausgeschaltet: Für dieses Postfach (oder die ganze "
        "Organisation) ist „Authentifiziertes SMTP“ bei Microsoft ausgeschaltet"
    )
    assert "Set-CASMailbox -Identity <Adresse> -SmtpClientAuthenticationDisabled $false" in held["last_error"]
    assert "Zuständig: der Microsoft-365-Admin Ihrer Organisation" in held["last_error"]
    assert "SMTP AUTH ist ausgeschaltet" in green_field_text(office.page(account_id))
    messages = run_method(office, account_id)
    assert messages[-1].startswith(
        "✗ Mailserver: Die Testmail konnte nicht gesendet werden. SMTP AUTH ist ausgeschaltet"
    )

    office.ms.call("mailbox/update", address=anna, smtp_auth_enabled=True)
    assert run_method(office, account_id)[-1] == (
        f"✓ Mailserver: Testmail an {anna} gesendet. 1 wartende Mail wird jetzt gesendet."
    )
    office.instance.mailer.run_queue()
    assert [m["subject"] for m in office.ms.messages(to="kurs@example.de")] == ["Bestätigung"]
    assert office.row(account_id)["problem_code"] is None
    assert "SMTP AUTH ist ausgeschaltet" not in green_field_text(office.page(account_id))
    told = sorted((n["audience"], n["subject"].split(": ", 1)[1]) for n in office.notifications())
    assert told == [  # contact and admins, once of the problem and once that it is solved
        ("account_contact", "Versand funktioniert wieder"),
        ("account_contact", "Versand gestoppt"),
        ("admins", "Versand funktioniert wieder"),
        ("admins", "Versand gestoppt"),
    ]


def test_send_as_without_the_right_is_explained(office):
    office.configure()
    anna = office.org.people["anna"].upn
    shared = f"kurse@{office.org.domain}"
    office.ms.call("shared_mailbox", tenant_id=office.org.tenant_id, address=shared, send_as=[])
    account_id = office.create_account("anna", address=shared, username=anna)
    office.enable_oauth(account_id)
    outcome = office.at_microsoft(office.start_sign_in(account_id), "anna")
    (message,) = flashes(office.come_back(outcome.url))
    assert message.startswith(f"Das Microsoft-Konto {anna} darf nicht als {shared} senden; es wurde nichts gespeichert")
    assert "„Senden als“" in message and "Code 550 5.7.60" in message
    assert office.row(account_id)["token_cache"] is None

    # With the right, the same person signs in again and the account sends as the shared address.
    office.ms.call("mailbox/update", address=shared, grant_send_as=[office.org.people["anna"].oid])
    outcome = office.at_microsoft(office.start_sign_in(account_id), "anna")
    assert flashes(office.come_back(outcome.url)) == [f"E-Mailkonto eingerichtet, Testmail an {shared} gesendet."]
    assert run_method(office, account_id)[-1] == f"✓ Mailserver: Testmail an {shared} gesendet."
    mail = office.ms.messages(to=shared)[-1]
    assert (mail["mail_from"], mail["auth_user"]) == (shared, anna)


def test_refresh_when_microsoft_fails_briefly_keeps_the_mail_for_a_retry(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    later = expire_access_token(office)
    office.ms.call("fault", kind="500", remaining=1)
    assert run_queue_at(office, later) == {"sent": 0, "retry": 1, "held": 0, "waited": 0}
    (mail,) = office.queue(account_id)
    assert mail["status"] == "queued" and mail["next_attempt_at"] > later
    assert office.row(account_id)["state"] == "connected"  # nothing for people to do
    assert office.notifications() == []
    assert run_queue_at(office, later + dt.timedelta(minutes=2))["sent"] == 1


def test_expired_client_secret_holds_mail_and_tells_the_admins(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    office.ms.call("secret/expire", client_id=office.org.client_id, secret_id=office.org.secret_id)
    later = expire_access_token(office)
    assert run_queue_at(office, later)["held"] == 1
    (mail,) = office.queue(account_id)
    assert mail["last_error"].startswith(
        "Geheimer Schlüssel abgelaufen: Der geheime Schlüssel der App-Registrierung ist abgelaufen"
    )
    assert mail["last_error_code"] == "AADSTS7000222"
    assert office.row(account_id)["state"] == "connected"  # the sign-in is fine; the app registration is not
    assert {n["audience"] for n in office.notifications()} == {"admins", "account_contact"}


def test_disconnect_stops_sending_until_the_next_sign_in(office):
    office.configure()
    account_id, _ = office.connect("anna")
    page = office.click(account_id, "Verbindung trennen")
    assert flashes(page)[0].startswith("Verbindung getrennt: cmxOrganize hat die Anmeldung gelöscht")
    assert office.row(account_id)["token_cache"] is None
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    assert office.instance.mailer.run_queue()["held"] == 1
    assert office.queue(account_id)[0]["last_error"].startswith(
        "Dieses E-Mailkonto ist noch nicht bei Microsoft angemeldet."
    )
    _, page = office.connect("anna", account_id)
    assert "1 wartende Mail wird jetzt gesendet." in flashes(page)[0]


def test_the_form_username_does_not_change_whom_cmxorganize_signs_in_as(office):
    office.configure()
    account_id, _ = office.connect("anna")
    anna, ben = office.org.people["anna"].upn, office.org.people["ben"].upn
    office.instance.host.update_mail_account(account_id, username=ben)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
    assert office.ms.messages(to="kurs@example.de")[-1]["auth_user"] == anna  # XOAUTH2 user= is the token's UPN
    green = green_field_text(office.page(account_id))
    assert f"Im Feld Benutzername steht {ben}; cmxOrganize meldet sich beim Mailserver aber mit dem" in green


def test_accounts_without_oauth_are_left_to_the_host(office):
    office.configure()
    anna = office.org.people["anna"].upn
    office.ms.call("mailbox/update", address=anna, basic_auth_password="altes-Passwort")
    account_id = office.create_account(
        "anna",
        username=anna,
        smtp_host=office.ms.addresses.smtp_host,
        smtp_port=str(office.ms.addresses.smtp_port),
        password="altes-Passwort",
    )
    assert "OAuth (Microsoft 365) verwenden" in green_field_text(office.page(account_id))
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Mit Passwort", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1
    assert office.ms.counters()["smtp:auth:login"] == 1


def test_switching_oauth_off_forgets_the_tokens(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.click(account_id, "OAuth nicht mehr verwenden")
    assert office.row(account_id) is None
    assert "OAuth (Microsoft 365) verwenden" in green_field_text(office.page(account_id))


# -- tokens at rest ------------------------------------------------------------------------------------------------


def test_token_cache_is_encrypted_at_rest(office):
    office.configure()
    account_id, _ = office.connect("anna")
    raw = bytes(office.row(account_id)["token_cache"])
    plain = tokens.unseal(office.instance.host, raw).serialize()
    secrets_in_cache = [
        entry["secret"]
        for kind in ("AccessToken", "RefreshToken", "IdToken")
        for entry in json.loads(plain)[kind].values()
    ]
    assert len(secrets_in_cache) == 3
    for secret in secrets_in_cache:
        assert secret.encode() not in raw
        assert base64.b64encode(secret.encode())[:40] not in raw
    for marker in (b"RefreshToken", b"access_token", office.org.people["anna"].upn.encode()):
        assert marker not in raw
    assert raw.startswith(b"gAAAAA")  # a Fernet token


def test_host_key_rotation(office):
    office.configure()
    account_id, _ = office.connect("anna")
    host = office.instance.host
    old_key = host.secret_keys[0]
    host.secret_keys = (b"n" * 32, old_key)  # the host puts a new key first and keeps the old one
    tokens.forget(account_id)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    assert office.instance.mailer.run_queue()["sent"] == 1  # read with the old key, still listed
    assert maintenance.reencrypt(host, dt.datetime.now(dt.UTC)) == 2  # the token cache and the sign-in's flow
    host.secret_keys = (b"n" * 32,)  # now the old key can go
    tokens.forget(account_id)
    assert run_method(office, account_id)[-1].startswith("✓ Mailserver")
    assert maintenance.reencrypt(host, dt.datetime.now(dt.UTC)) == 0


def test_a_lost_key_keeps_the_mail_tells_once_and_a_new_sign_in_helps(office):
    """The host dropped the key the sign-in was stored under (this server has the newest key: no rollout is under way):
    the sign-in is lost for good. One notice per audience, the mail held, and the new sign-in sends it."""
    office.configure()
    account_id, _ = office.connect("anna")
    office.instance.host.secret_keys = (b"x" * 32,)  # the key the sign-in was stored with is gone
    tokens.forget(account_id)
    for subject in ("Bestätigung", "Erinnerung"):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", subject, "x")
    assert office.instance.mailer.run_queue()["held"] == 2  # kept until someone signs in again
    row = office.row(account_id)
    assert (row["state"], row["problem_code"]) == ("signin_required", "DECRYPT-LOST")
    notices = office.notifications()
    assert sorted(n["audience"] for n in notices) == ["account_contact", "admins"]  # once each, not once per mail
    assert all("Gespeicherte Anmeldung nicht mehr lesbar" in n["text"] for n in notices)
    assert "Bei Microsoft anmelden" in notices[0]["text"]
    # A new sign-in stores the cache under the key in use; the held mails go out.
    office.connect("anna", account_id)
    assert run_queue_at(office, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2))["sent"] == 2


def test_smtp_replies_are_checked_not_ignored(office):
    """A 535 from the server is an error the person reads, with the server's code; never a silent success."""
    office.configure()
    account_id, _ = office.connect("anna")
    office.choose_route(account_id, "smtp")  # on "automatisch" the mail would go over Graph instead
    office.ms.call("tenant/update", tenant_id=office.org.tenant_id, smtp_auth_enabled=False)
    messages = run_method(office, account_id)
    assert messages[-1].startswith(
        "✗ Mailserver: Die Testmail konnte nicht gesendet werden. SMTP AUTH ist ausgeschaltet"
    )
    assert "Code 535 5.7.139" in messages[-1]
    assert office.mails_to("anna")[-1]["subject"] == "cmxOrganize: Testmail"  # only the sign-in's test mail arrived
    assert len(office.mails_to("anna")) == 1


def test_deleting_the_mail_account_deletes_its_tokens(office):
    office.configure()
    account_id, _ = office.connect("anna")
    office.browser.post(f"/App%20E-Mailkonto/{account_id}/loeschen", {})
    assert office.row(account_id) is None
    with office.instance.db.transaction() as tx:
        assert tx.execute("SELECT count(*) AS n FROM m365_signin").fetchone()["n"] == 0


def test_held_mail_goes_out_by_itself_once_microsoft_is_fixed(office):
    """The admin switches SMTP AUTH on at Microsoft and does nothing in cmxOrganize: the way back tries one held mail
    now and then (backoff), and once it is accepted all of them go; told once of the problem, once that it is solved."""
    from freezegun import freeze_time

    from cmx_plugin_m365.care import way_back

    account_id, anna = held_by_smtp_auth_off(office)
    for subject in ("Erinnerung", "Rechnung"):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", subject, "x")
    assert office.instance.mailer.run_queue()["held"] == 2
    host, start = office.instance.host, dt.datetime.now(dt.UTC)

    def at(minutes):
        return freeze_time(start + dt.timedelta(minutes=minutes), tick=True)

    with at(1):
        assert way_back.job(host, dt.datetime.now(dt.UTC)) == 0  # not yet: the first try is after 5 minutes
    with at(6):
        assert way_back.job(host, dt.datetime.now(dt.UTC)) == 1
        assert way_back.job(host, dt.datetime.now(dt.UTC)) == 0  # one try, however many workers run the job
        assert office.instance.mailer.run_queue() == {"sent": 0, "retry": 0, "held": 1, "waited": 0}  # one probe
    assert len(office.notifications()) == 2  # still off: held again, nobody told twice
    office.ms.call("mailbox/update", address=anna, smtp_auth_enabled=True)
    with at(12):
        assert way_back.job(host, dt.datetime.now(dt.UTC)) == 0  # the next try is 15 minutes after the first
    with at(22):
        assert way_back.job(host, dt.datetime.now(dt.UTC)) == 1
        assert office.instance.mailer.run_queue()["sent"] == 1  # the probe: accepted, so the rest is released
        assert office.instance.mailer.run_queue()["sent"] == 2
    assert office.row(account_id)["problem_code"] is None
    told = sorted((n["audience"], n["subject"].split(": ", 1)[1]) for n in office.notifications())
    assert told == [
        ("account_contact", "Versand funktioniert wieder"),
        ("account_contact", "Versand gestoppt"),
        ("admins", "Versand funktioniert wieder"),
        ("admins", "Versand gestoppt"),
    ]
    assert [m["subject"] for m in office.ms.messages(to="kurs@example.de")] == ["Bestätigung", "Erinnerung", "Rechnung"]


def test_jetzt_senden_and_the_queue_page_say_what_is_held_why_and_when_it_is_tried_again(office):
    """ "Jetzt senden" never answers "0 gesendet, 0 später erneut, 0 angehalten" while mail is held: it counts the
    held mails with their reason; the queue page names, per mailbox, why and when cmxOrganize tries again by itself."""
    from .conftest import flashes

    account_id, _ = held_by_smtp_auth_off(office)
    office.instance.mailer.enqueue(account_id, "kurs@example.de", "Erinnerung", "x")
    office.instance.mailer.run_queue()
    response = office.browser.post("/App%20Warteschlange/", {})
    (message,) = flashes(office.follow(response))
    assert message.startswith("Warteschlange bearbeitet: 0 gesendet, 0 später erneut, 0 angehalten.")
    assert "Offen: 2 sind angehalten (535 5.7.139)" in message
    page = office.browser.get("/App%20Warteschlange/").text
    assert "Postfächer mit offenen Mails" in page
    assert "Angehalten wegen: SMTP AUTH ist ausgeschaltet (Code 535 5.7.139)" in page
    assert "Nächster Versuch von selbst:" in page
