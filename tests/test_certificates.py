"""A certificate instead of a client secret: made by cmxOrganize, uploaded by a person (or by cmxOrganize itself when
it renews), proven at Microsoft before it is used, and the private key never shown."""

import datetime as dt
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from freezegun import freeze_time

from cmx_plugin_m365 import certificates, tokens
from cmx_plugin_m365.care import client_secret, credentials
from cmx_plugin_m365.web import screens
from devhost.pages import flashes, green_field_text

from .helpers import certificate_in_use, in_use, make_certificate, mode, run_method


def other_certificate() -> str:
    """A certificate someone made elsewhere (not cmxOrganize's)."""
    return make_certificate()[1]


# -- section 2 with a certificate ---------------------------------------------------------------------------------


def test_a_certificate_takes_over_from_the_secret_only_once_microsoft_accepts_it(office):
    office.configure()
    account_id, _ = office.connect("anna")
    page = office.create_certificate()
    waiting = credentials.waiting(office.instance.host)
    assert f"Fingerabdruck {waiting.thumbprint}" in " ".join(flashes(page))
    assert "Zertifikat hochladen" in green_field_text(page)

    page = office.prove_certificate()  # not uploaded yet
    (message,) = flashes(page)
    assert message.startswith(f"Microsoft kennt dieses Zertifikat (noch) nicht: Fingerabdruck {waiting.thumbprint} ")
    # … and the thumbprint Entra looked for, as the client sent it (x5t#S256: SHA-256).
    assert f"(Microsoft nennt es mit seinem SHA-256-Fingerabdruck {waiting.sha256})" in message
    assert mode(office) == "Geheimer"  # the secret stays in use
    assert run_method(office, account_id)[-1].startswith("✓")

    pem = office.download_certificate()
    assert pem.startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE" not in pem
    uploaded = office.upload_certificate(pem)
    assert uploaded["thumbprint"] == waiting.thumbprint  # what the admin compares in Entra
    office.ms.call("counters/reset")
    page = office.prove_certificate()
    assert flashes(page)[0].startswith("Zertifikat geprüft: Microsoft nimmt es an")
    used = {k for k in office.ms.call("counters") if k.startswith("assertion:")}
    assert used == {"assertion:PS256:x5t#S256"}  # Entra's recommendation, not RS256 with a SHA-1 thumbprint
    assert "Den geheimen Schlüssel braucht cmxOrganize nicht mehr" in flashes(page)[0]
    assert mode(office) == "Zertifikat"
    assert in_use(office).thumbprint == waiting.thumbprint

    # The secret is gone at Microsoft: mail still goes, a refresh now proves itself with the certificate.
    office.ms.call("secret/delete", client_id=office.org.client_id, secret_id=office.org.secret_id)
    tokens.forget(account_id)
    tokens.access_token(office.instance.host, account_id, force_refresh=True)
    assert run_method(office, account_id)[-1].startswith("✓")
    assert "Zertifikat" in green_field_text(office.browser.get(office.interface_path()).text)


def test_a_new_instance_can_start_with_a_certificate_and_no_secret_at_all(office):
    response = office.save_interface(password="")
    assert response.status_code == 302
    assert any("Ohne geheimen Schlüssel gespeichert" in m for m in flashes(office.follow(response)))
    assert office.save_tenant(office.org.tenant_id).status_code == 302
    assert "Es gibt noch keinen Zugang für die App-Registrierung" in green_field_text(
        office.browser.get(office.interface_path()).text
    )
    office.ms.call("secret/delete", client_id=office.org.client_id, secret_id=office.org.secret_id)
    certificate_in_use(office)
    account_id, _ = office.connect("anna")
    assert run_method(office, account_id)[-1].startswith("✓")


def test_the_private_key_never_shows_and_is_stored_encrypted(office, caplog):
    caplog.set_level(logging.DEBUG)
    office.configure()
    certificate = certificate_in_use(office)
    key = certificates.signing_key(office.instance.host, certificate).decode()
    body = "".join(key.splitlines()[1:-1])
    with office.instance.db.transaction() as tx:
        (row,) = tx.execute("SELECT * FROM m365_certificate").fetchall()
    stored = b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row.values())
    assert b"PRIVATE KEY" not in stored and body[:40].encode() not in stored
    pages = office.browser.get(office.interface_path()).text + office.download_certificate()
    assert "PRIVATE KEY" not in pages and body[:40] not in pages
    assert "PRIVATE KEY" not in caplog.text and body[:40] not in caplog.text
    assert "private_key" not in repr(certificate) and "PRIVATE" not in repr(office.instance.host and certificate)


def test_a_wrong_certificate_in_entra_is_named(office):
    office.configure()
    office.create_certificate()
    office.upload_certificate(other_certificate())  # the admin picked the wrong file
    waiting = credentials.waiting(office.instance.host)
    (message,) = flashes(office.prove_certificate())
    assert f"Fingerabdruck {waiting.thumbprint}" in message and "(Code AADSTS700027)" in message
    assert mode(office) == "Geheimer"


def test_a_private_key_that_does_not_belong_to_the_certificate_is_refused(office):
    """E.g. a database restored from another backup than the certificate in Entra: signature check fails (50013)."""
    office.configure()
    office.create_certificate()
    office.upload_certificate(office.download_certificate())
    host = office.instance.host
    waiting = credentials.waiting(host)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    from cmx_plugin_m365.crypto import Vault

    certificates.update(host, waiting.thumbprint, private_key=Vault(host.secret_keys).encrypt(stranger))
    (message,) = flashes(office.prove_certificate())
    assert "Signatur mit dem Zertifikat stimmt nicht" in message and "AADSTS50013" in message
    assert mode(office) == "Geheimer"


def test_a_server_clock_that_is_off_is_explained(office):
    office.configure()
    office.create_certificate()
    office.upload_certificate(office.download_certificate())
    office.ms.call("clock/advance", seconds=3600)  # Microsoft's time is an hour ahead of this server's
    (message,) = flashes(office.prove_certificate())
    assert "Uhr des Servers geht falsch" in message and "AADSTS700024" in message


def test_an_expired_certificate_stops_nothing_silently(office):
    office.configure()
    account_id, _ = office.connect("anna")
    certificate = certificate_in_use(office, months="12")
    office.ms.call("clock/advance", seconds=370 * 86400)
    lines = run_method(office, account_id)
    assert any(
        line.startswith("✗ App-Registrierung bei Microsoft: Zertifikat bei Microsoft nicht hinterlegt")
        for line in lines
    ), lines
    with freeze_time(certificate.expires_at + dt.timedelta(days=5)):
        host = office.instance.host
        items = screens.interface_green_field(host.interfaces("Azure")[0].id, host)
    text = " ".join(getattr(i, "text", "") for i in items)
    assert f"Das Zertifikat ist seit {credentials.when(certificate.expires_at)} abgelaufen" in text


# -- switching ------------------------------------------------------------------------------------------------------


def test_switching_back_to_the_secret_and_again_to_the_certificate(office):
    office.configure()
    account_id, _ = office.connect("anna")
    certificate = certificate_in_use(office)
    page = office.click_on(office.interface_path(), "Geheimen Schlüssel verwenden")
    assert flashes(page)[0].startswith("Umgestellt: cmxOrganize meldet sich wieder mit dem geheimen Schlüssel an")
    assert mode(office) == "Geheimer"
    assert run_method(office, account_id)[-1].startswith("✓")
    page = office.prove_certificate()  # the certificate was kept: switched on again
    assert flashes(page)[0].startswith("Zertifikat geprüft")
    assert in_use(office).thumbprint == certificate.thumbprint


def test_switching_back_to_a_secret_that_no_longer_works_is_refused(office):
    office.configure()
    certificate_in_use(office)
    office.ms.call("secret/expire", client_id=office.org.client_id, secret_id=office.org.secret_id)
    (message,) = flashes(office.click_on(office.interface_path(), "Geheimen Schlüssel verwenden"))
    assert message.startswith("Nicht umgestellt – cmxOrganize meldet sich weiter mit dem Zertifikat an.")
    assert "AADSTS7000222" in message
    assert mode(office) == "Zertifikat"


@pytest.mark.parametrize(
    ("object_id", "error"),
    [
        ("keine-guid", "Die Objekt-ID hat die Form"),
        ("client", "Das ist die Anwendungs-ID (Client); gebraucht wird die Objekt-ID"),
    ],
)
def test_bad_object_ids_are_refused_and_nothing_is_made(office, object_id, error):
    office.configure()
    value = office.org.client_id if object_id == "client" else object_id
    (message,) = flashes(office.create_certificate(object_id=value))
    assert message.startswith("Nicht erstellt: ") and error in message
    assert certificates.all_of(office.instance.host) == []


# -- renewal -----------------------------------------------------------------------------------------------------


def short_lived_certificate_in_use(office, days=40) -> certificates.Certificate:
    """A certificate in use whose renewal is due now (it lives fewer days than renewal starts before its end)."""
    host = office.instance.host
    made = certificates.make(host, office.org.client_id, days, origin="admin")
    office.upload_certificate(made.certificate)
    certificates.set_setting(host, certificates.OBJECT_ID, office.org.object_id)
    assert flashes(office.prove_certificate())[0].startswith("Zertifikat geprüft")
    return in_use(office)


def at_microsoft(office) -> set[str]:
    return {c["thumbprint"] for c in office.ms.call("certificates", client_id=office.org.client_id)["certificates"]}


def notes(office, subject: str) -> list[dict]:
    return [n for n in office.notifications() if subject in n["subject"]]


def proof_events(office) -> list[str]:
    with office.instance.host.db.transaction() as tx:
        rows = tx.execute(
            "SELECT text FROM m365_event WHERE kind = 'certificate_proof_audience' ORDER BY id"
        ).fetchall()
    return [r["text"] for r in rows]


def test_a_proof_audience_graph_refuses_is_tried_once_with_the_other_and_the_one_that_worked_is_kept(
    office, capsys, tmp_path
):
    """Graph refuses the 2023 page's audience with 401 Authentication_MissingOrMalformed (microsoft-graph-docs-contrib
    #1076); the renewal tries the other documented value once, and the next renewal starts with the one that worked."""
    office.configure()
    account_id, _ = office.connect("anna")
    host = office.instance.host
    first = short_lived_certificate_in_use(office)
    certificates.set_setting(host, credentials.PROOF_AUDIENCE_SETTING, "00000003-0000-0000-c000-000000000000")
    office.ms.call("counters/reset")

    credentials.job(host, dt.datetime.now(dt.UTC))
    second = in_use(office)
    assert second.thumbprint != first.thumbprint and second.key_id  # renewed all the same
    assert office.ms.counters()["graph:addKey"] == 2  # refused once, then accepted
    assert credentials.proof_audience(host) == "00000002-0000-0000-c000-000000000000"
    assert proof_events(office) == [
        "Microsoft Graph hat den Besitznachweis des Zertifikats mit der Zielgruppe (aud) "
        "00000002-0000-0000-c000-000000000000 angenommen, nachdem es 00000003-0000-0000-c000-000000000000 abgelehnt "
        "hatte (401 Authentication_MissingOrMalformed); die nächste Erneuerung verwendet sie zuerst."
    ]
    assert notes(office, "bitte von Hand erneuern") == []
    assert run_method(office, account_id)[-1].startswith("✓")

    # The doctor shows which audience Graph accepts.
    from cmx_plugin_m365 import cli

    config = tmp_path / "instanz.toml"
    office.instance.config.dump(config)
    cli.main(["doctor", "--config", str(config)])
    out = " ".join(capsys.readouterr().out.split())  # the doctor wraps long details
    day, days = credentials.when(second.expires_at), second.days_left(dt.datetime.now(dt.UTC))
    assert (
        f"Zertifikat {second.thumbprint} läuft am {day} ab, in {days} Tagen; erneuert "
        "sich selbst; Besitznachweis mit aud 00000002-0000-0000-c000-000000000000 angenommen"
    ) in out

    # The next renewal starts with it: one addKey, no refusal, no new event.
    office.ms.call("clock/advance", seconds=3600)
    office.ms.call("counters/reset")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3600)
    with freeze_time(later, tick=True):
        credentials.job(host, later)
    assert in_use(office).thumbprint != second.thumbprint
    assert office.ms.counters()["graph:addKey"] == 1
    assert len(proof_events(office)) == 1


def test_the_certificate_renews_itself_and_mail_keeps_going(office):
    office.configure()
    account_id, _ = office.connect("anna")
    host = office.instance.host
    first = short_lived_certificate_in_use(office)

    credentials.job(host, dt.datetime.now(dt.UTC))
    second = in_use(office)
    assert second.thumbprint != first.thumbprint and second.origin == "renewal" and second.key_id
    # The proof was signed for the audience Microsoft documents today, and that is kept for the next renewal.
    assert credentials.proof_audience(host) == "00000002-0000-0000-c000-000000000000"
    assert proof_events(office) == [
        "Microsoft Graph hat den Besitznachweis des Zertifikats mit der Zielgruppe (aud) "
        "00000002-0000-0000-c000-000000000000 angenommen; die nächste Erneuerung verwendet sie zuerst."
    ]
    # Both are in the registration: the first was uploaded by a person, whose keyId an app cannot read.
    assert at_microsoft(office) == {first.thumbprint, second.thumbprint}
    (note,) = notes(office, "hat sein Zertifikat für Microsoft 365 erneuert")
    assert f"Das alte ({first.thumbprint}, läuft am" in note["text"] and note["text"].endswith("Sie müssen nichts tun.")
    tokens.forget(account_id)
    tokens.access_token(host, account_id, force_refresh=True)  # a refresh, signed with the new certificate
    assert run_method(office, account_id)[-1].startswith("✓")

    # The admin deleted the first one as told; the next renewal removes what cmxOrganize added itself.
    (key,) = [
        c
        for c in office.ms.call("certificates", client_id=office.org.client_id)["certificates"]
        if c["thumbprint"] == first.thumbprint
    ]
    office.ms.call("certificate/delete", client_id=office.org.client_id, key_id=key["key_id"])
    office.ms.call("clock/advance", seconds=3600)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3600)
    with freeze_time(later, tick=True):
        credentials.job(host, later)
        third = in_use(office)
    assert third.thumbprint not in (first.thumbprint, second.thumbprint)
    assert at_microsoft(office) == {third.thumbprint}
    assert certificates.get(host, second.thumbprint).removed_at is not None
    assert (
        "Das alte" in notes(office, "erneuert")[-1]["text"]
        and "wurde aus der App-Registrierung entfernt" in (notes(office, "erneuert")[-1]["text"])
    )


@pytest.mark.parametrize(
    ("refusal", "reason"),
    [
        ("policy", "Laufzeit des Zertifikats zu lang für Ihre Richtlinie"),
        ("blocked", "Microsoft lässt cmxOrganize das Zertifikat nicht selbst erneuern"),
        ("object id", "Für die Selbsterneuerung fehlt die Objekt-ID der App-Registrierung"),
        ("unknown object id", "App-Registrierung unter dieser Objekt-ID nicht gefunden"),
    ],
)
def test_when_renewal_is_refused_the_manual_way_is_offered_and_nothing_stops(office, refusal, reason):
    office.configure()
    account_id, _ = office.connect("anna")
    host = office.instance.host
    first = short_lived_certificate_in_use(office)
    if refusal == "policy":
        office.ms.call("tenant/update", tenant_id=office.org.tenant_id, key_lifetime_days=30)
    elif refusal == "blocked":
        office.ms.call("tenant/update", tenant_id=office.org.tenant_id, key_roll_blocked=True)
    elif refusal == "object id":
        certificates.set_setting(host, certificates.OBJECT_ID, None)
    else:
        certificates.set_setting(host, certificates.OBJECT_ID, "0f3c2b1a-9d8e-4f7a-8b6c-5d4e3f2a1b0c")

    credentials.job(host, dt.datetime.now(dt.UTC))
    assert in_use(office).thumbprint == first.thumbprint  # the old one keeps working
    assert at_microsoft(office) == {first.thumbprint}
    (note,) = notes(office, "bitte von Hand erneuern")
    assert reason in note["text"] and "„Zertifikat herunterladen“" in note["text"], note["text"]
    assert run_method(office, account_id)[-1].startswith("✓")

    # The manual way: the new certificate waits; download, upload, prove — then the old one may go.
    waiting = credentials.waiting(host)
    assert waiting is not None and waiting.key_id is None
    office.upload_certificate(office.download_certificate())
    (message,) = flashes(office.prove_certificate())
    assert f"Das vorige Zertifikat (Fingerabdruck {first.thumbprint}) wird nicht mehr gebraucht" in message
    assert in_use(office).thumbprint == waiting.thumbprint


def test_warnings_30_14_7_1_days_before_the_real_expiry_then_daily(office):
    """When the tenant refuses self-renewal (the manual way is decided), the admins are warned before the real
    expiry; while self-renewal may still work, nobody is told to renew by hand."""
    office.configure()
    host = office.instance.host
    certificate = certificate_in_use(office)
    office.ms.call("tenant/update", tenant_id=office.org.tenant_id, key_roll_blocked=True)
    sent = []
    for days in (45, 30, 29, 14, 7, 1, -1, -1, -2):
        moment = certificate.expires_at - dt.timedelta(days=days)
        with freeze_time(moment):
            credentials.renew(host, moment)  # refused by the tenant: the manual way
            sent.append(credentials.warn(host, moment))
            assert client_secret.warn(host, moment) is None  # the secret's expiry stops nothing now
    assert sent == [
        None,
        "Zertifikat der Azure-Schnittstelle läuft in 30 Tagen ab",
        None,
        "Zertifikat der Azure-Schnittstelle läuft in 14 Tagen ab",
        "Zertifikat der Azure-Schnittstelle läuft in 7 Tagen ab",
        "Zertifikat der Azure-Schnittstelle läuft morgen ab",
        "Zertifikat der Azure-Schnittstelle ist abgelaufen",
        None,
        "Zertifikat der Azure-Schnittstelle ist abgelaufen",
    ]
    (first, *_) = notes(office, "läuft in 30 Tagen ab")
    assert f"läuft am {credentials.when(certificate.expires_at)} ab" in first["text"]
    assert "im grünen Feld liegt ein neues Zertifikat bereit" in first["text"]
    assert credentials.waiting(host) is not None  # the new one to upload is ready


def test_certificate_buttons_out_of_order_say_what_comes_first(office):
    response = office.browser.post("/App%20Schnittstellen/m365_certificate", {"months": "24"})
    assert response.status_code == 404 and "Es gibt keine Azure-Schnittstelle." in response.text
    response = office.save_interface(password="")
    office.follow(response)  # no TenantID yet
    (message,) = flashes(office.create_certificate(object_id=""))
    assert message == (
        "Nicht erstellt: Zuerst die Azure-Schnittstelle (Anwendungs-ID) und die Einstellung TenantID speichern."
    )
    response = office.save_tenant(office.org.tenant_id)
    assert response.status_code == 302
    office.follow(response)
    (message,) = flashes(office.follow(office.browser.post("/App%20Schnittstellen/m365_certificate_prove")))
    assert message == "Es gibt kein Zertifikat zu prüfen. Zuerst „Zertifikat erstellen“."
    (message,) = flashes(office.follow(office.browser.get("/App%20Schnittstellen/m365_certificate_file")))
    assert message == "Es gibt noch kein Zertifikat. Zuerst „Zertifikat erstellen“."
    (message,) = flashes(office.follow(office.browser.post("/App%20Schnittstellen/m365_use_secret")))
    assert message == "cmxOrganize meldet sich bereits mit dem geheimen Schlüssel an."


def test_back_to_the_secret_needs_one_in_the_password_field(office):
    response = office.save_interface(password="")
    office.follow(response)
    office.follow(office.save_tenant(office.org.tenant_id))
    certificate_in_use(office)
    (message,) = flashes(office.follow(office.browser.post("/App%20Schnittstellen/m365_use_secret")))
    assert message.startswith(
        "Nicht umgestellt: Im Passwortfeld der Azure-Schnittstelle steht kein geheimer Schlüssel."
    )
    assert mode(office) == "Zertifikat"
