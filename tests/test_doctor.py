"""``cmx-m365 doctor``: every check of an instance, a readable table, and an exit status that means something."""

import datetime as dt

import pytest
from freezegun import freeze_time

from cmx_plugin_m365 import cli
from cmx_plugin_m365.care import client_secret
from cmx_plugin_m365.wording import BERLIN

from .conftest import REPO_ROOT


@pytest.fixture
def config_file(office, tmp_path):
    path = tmp_path / "instanz.toml"
    office.instance.config.dump(path)
    return str(path)


def doctor(capsys, config_file, *args):
    status = cli.main(["doctor", "--config", config_file, *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def lines_with(out: str, mark: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(mark)]


def test_all_good(office, config_file, capsys):
    office.configure()
    office.connect("anna")
    office.connect("ben")
    status, out, _ = doctor(capsys, config_file, "--smtp")
    assert status == 0, out
    assert out.splitlines()[0].split() == ["Prüfung", "Gegenstand", "Ergebnis"]
    migrations = str(len(list((REPO_ROOT / "migrations" / "sqlite").glob("*.sql"))))
    assert lines_with(out, "✓  Plugin")[0].split()[2:5] == ["m365", "aktiviert,", migrations]
    assert any("Verzeichnis" in line and "gefunden" in line for line in lines_with(out, "✓"))
    assert any("Umleitungs-URI" in line and "von Microsoft akzeptiert" in line for line in lines_with(out, "✓"))
    accounts = [line for line in lines_with(out, "✓") if "E-Mailkonto" in line]
    assert len(accounts) == 2 and all("Anmeldung und SMTP AUTH gültig" in line for line in accounts)
    assert out.splitlines()[-1] == "Alles in Ordnung."


def test_problems_need_action(office, config_file, capsys):
    office.configure()
    office.connect("anna")
    ben_id = office.create_account("ben")
    office.enable_oauth(ben_id)
    office.ms.call("mailbox/update", address=office.org.people["anna"].upn, smtp_auth_enabled=False)
    client_secret.set_expiry(office.instance.host, dt.datetime.now(BERLIN).date() + dt.timedelta(days=10))
    status, out, _ = doctor(capsys, config_file, "--smtp")
    assert status == 1
    assert any("Geheimer Schlüssel" in line and "in 10 Tagen" in line for line in lines_with(out, "!"))
    assert any(
        office.org.people["ben"].upn in line and "noch nicht angemeldet" in line for line in lines_with(out, "!")
    )
    failed = "\n".join(lines_with(out, "✗"))
    assert office.org.people["anna"].upn in failed and "SMTP AUTH ist ausgeschaltet" in out
    assert out.splitlines()[-1] == "3 Punkte brauchen Aufmerksamkeit (! oder ✗)."


def test_english_on_request(office, config_file, capsys):
    office.configure()
    office.connect("anna")
    office.ms.call("user/revoke", oid=office.org.people["anna"].oid)
    office.ms.call("clock/advance", seconds=7200)
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2), tick=True):
        status, out, _ = doctor(capsys, config_file, "--lang", "en")
    assert status == 1
    assert out.splitlines()[0].split() == ["Check", "Subject", "Result"]
    assert any("Mail account" in line and "token: AADSTS50173" in line for line in lines_with(out, "✗"))
    assert out.splitlines()[-1] == "1 item needs attention (! or ✗)."


def test_configuration_missing(office, config_file, capsys):
    status, out, _ = doctor(capsys, config_file)
    assert status == 1
    assert "Es gibt noch keine Schnittstelle vom Typ „Azure“" in out


def test_plugin_not_enabled_or_not_migrated(office, config_file, capsys, tmp_path):
    office.instance.config.plugins = []
    office.instance.config.dump(tmp_path / "ohne.toml")
    status, out, _ = doctor(capsys, str(tmp_path / "ohne.toml"))
    assert status == 1 and "Nicht aktiviert" in out
    with office.instance.db.transaction() as tx:
        tx.execute("DELETE FROM plugin_migrations WHERE name LIKE '002%'")
    status, out, _ = doctor(capsys, config_file)
    assert status == 1 and "Migrationen fehlen: 002_secrets_and_checks.sql" in out


def test_progress_for_many_accounts(office, config_file, capsys):
    office.configure()
    for person in ("anna", "ben"):
        office.connect(person)
    _, _, err = doctor(capsys, config_file, "--progress")
    assert err.strip().split("\r")[-1] == "E-Mailkonten: 2/2"
    _, _, err = doctor(capsys, config_file, "--no-progress")
    assert err == ""


def test_an_instance_that_cannot_be_opened(capsys, tmp_path):
    status = cli.main(["doctor", "--config", str(tmp_path / "fehlt.toml")])
    assert status == 2
    assert "cannot open the instance" in capsys.readouterr().err


def test_answers_the_catalogue_does_not_know_are_listed_for_adding(office, config_file, capsys):
    office.configure()
    account_id, _ = office.connect("anna")
    office.ms.call("smtp_fault", reply="451 4.9.99 A brand new reason nobody has seen before", remaining=3)
    for _ in range(3):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
    assert office.instance.mailer.run_queue()["retry"] == 3
    status, out, _ = doctor(capsys, config_file)
    (line,) = [line for line in lines_with(out, "!") if "Unbekannte Antwort" in line]
    assert "451 4.9.99" in line and "1×" in line  # one run of the same answer is one entry
    assert "A brand new reason" in out
    assert status == 1


def test_smtp_checks_the_route_in_use(office, config_file, capsys):
    office.configure()
    anna_id, _ = office.connect("anna")
    office.connect("ben")
    office.choose_route(anna_id, "graph")
    anna = office.org.people["anna"].upn
    office.ms.call("mailbox/update", address=anna, smtp_auth_enabled=False)  # Graph does not need it
    status, out, _ = doctor(capsys, config_file, "--smtp")
    assert status == 0, out
    (on_graph,) = [line for line in lines_with(out, "✓") if anna in line]
    assert "Anmeldung und Microsoft Graph gültig" in on_graph


def test_with_a_certificate_it_names_the_certificate_and_its_renewal(office, config_file, capsys):
    from .helpers import certificate_in_use

    office.configure()
    office.connect("anna")
    certificate = certificate_in_use(office)
    status, out, _ = doctor(capsys, config_file, "--smtp")
    assert status == 0, out
    assert f"Zertifikat {certificate.thumbprint}" in out
    assert "Anwendungs-ID, Zertifikat und Verzeichnis passen." in out
    (row,) = lines_with(out, "✓  Zertifikat")
    assert "erneuert sich selbst" in row and "Geheimer Schlüssel" not in out
