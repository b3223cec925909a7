"""The store owns every table and every encrypted column; a key rollout moves every encrypted value, the certificate's
private key included, and a value no key can read is explained, never a server error."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from pathlib import Path

import pytest
from freezegun import freeze_time

from cmx_plugin_m365 import keys, tokens
from cmx_plugin_m365.care import maintenance
from cmx_plugin_m365.store import encrypted
from cmx_plugin_m365.store.tables import OWNERS
from devhost.instance import Instance
from devhost.pages import flashes

from .conftest import REPO_ROOT
from .helpers import certificate_in_use, dt_now, run_method

MIGRATIONS = REPO_ROOT / "migrations"
PACKAGE = REPO_ROOT / "cmx_plugin_m365"


def declared_columns(dialect: str) -> dict[tuple[str, str], str]:
    """(table, column) → type, from every CREATE TABLE and ALTER TABLE … ADD COLUMN of one dialect's migrations."""
    columns: dict[tuple[str, str], str] = {}
    for path in sorted((MIGRATIONS / dialect).glob("*.sql")):
        sql = re.sub(r"--[^\n]*", "", path.read_text())
        for table, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", sql, re.S):
            for line in re.split(r",\s*\n", body):
                words = line.split()
                if words and words[0].upper() not in ("PRIMARY", "UNIQUE", "FOREIGN", "CONSTRAINT", "CHECK"):
                    columns[(table, words[0])] = words[1].upper()
        for table, column, kind in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+) (\w+)", sql):
            columns[(table, column)] = kind.upper()
    return columns


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_table_has_one_owner(dialect):
    tables = {table for table, _ in declared_columns(dialect)}
    assert tables == set(OWNERS), "a table without an owner in store/tables.py, or an owner of no table"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_column_of_encrypted_bytes_is_walked_on_a_key_rollout(dialect):
    """A migration that adds an encrypted column (bytes) the list does not name fails here: the walk would leave it
    under the old key, and it would be lost once the host drops that key."""
    binary = {key for key, kind in declared_columns(dialect).items() if kind in ("BLOB", "BYTEA")}
    listed = {(c.table, c.column) for c in encrypted.ENCRYPTED}
    assert binary == listed


def test_only_the_owner_writes_sql_against_a_table():
    statement = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+(m365_\w+)", re.I)
    strays = []
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
        for table in set(statement.findall(path.read_text())):
            if OWNERS.get(table) != module:
                strays.append(f"{module} → {table}")
    assert strays == [], "SQL outside the table's owner (store/tables.py)"
    assert "m365_" not in Path(encrypted.__file__).read_text().split("ENCRYPTED: tuple")[1].split(")\n\n")[1]


# -- a key rollout with a certificate in use, several workers, both databases -----------------------------------------


def worker(office, keys_: list[bytes]) -> Instance:
    """Another server of the same instance (same database), with its own key list."""
    return Instance.start(dataclasses.replace(office.instance.config, encryption_keys=list(keys_)))


def every_page(office, account_id: int) -> dict[str, int]:
    paths = (
        f"/App%20E-Mailkonto/{account_id}",
        "/App%20E-Mailkonto/",
        office.interface_path(),
        "/App%20Warteschlange/",
        "/App%20E-Mailkonto/oauth_overview",
    )
    return {path: office.browser.get(path).status_code for path in paths}


def test_a_key_rollout_moves_the_certificate_too_and_nothing_is_lost_when_the_old_key_goes(office, tmp_path, capsys):
    from cmx_plugin_m365 import cli

    office.configure()
    account_id, _ = office.connect("anna")
    certificate = certificate_in_use(office)
    office.ms.call("secret/delete", client_id=office.org.client_id, secret_id=office.org.secret_id)  # as advised
    old, new = office.instance.config.encryption_keys[0], secrets.token_bytes(32)

    # The host gives every server the new key first and keeps the old one; one server is still on the old list.
    servers = [worker(office, [new, old]) for _ in range(2)]
    try:
        assert maintenance.reencrypt(servers[0].host, dt_now()) >= 3  # cache, sign-in, certificate key
        assert servers[0].host.old_keys_unused_by == {"m365"}
        assert encrypted.under_old_keys(servers[0].host, keys.vault(servers[0].host)) == 0
        assert maintenance.reencrypt(servers[1].host, dt_now()) == 0  # the second finds nothing left

        # The host drops the old key everywhere (as the plugin said it may).
        for server in servers:
            server.host.secret_keys = (new,)
        office.instance.host.secret_keys = (new,)
        office.instance.config.encryption_keys = [new]
        tokens.forget(account_id)
        for server in servers:
            server.mailer.enqueue(account_id, "kurs@example.de", "Bestätigung", "x")
            assert server.mailer.run_queue()["sent"] == 1
        assert run_method(office, account_id)[1] == "✓ App-Registrierung bei Microsoft: " + (
            "Anwendungs-ID, Zertifikat und Verzeichnis passen."
        )  # signed with the certificate's key, read under the new key
        assert set(every_page(office, account_id).values()) == {200}
        config = tmp_path / "instanz.toml"
        office.instance.config.dump(config)
        assert cli.main(["doctor", "--config", str(config)]) == 0, capsys.readouterr().out
        assert certificate.thumbprint in capsys.readouterr().out
        assert office.notifications() == []  # nothing to tell: nothing went wrong
    finally:
        for server in servers:
            server.close()


def test_a_certificate_key_that_cannot_be_read_is_told_once_and_never_a_server_error(office, tmp_path, capsys):
    """The certificate's private key is under a key the host no longer has (or damaged): it cannot be used any more.
    With the secret deleted at Microsoft, the mail waits; the admins are told once what to do, every page answers,
    and the doctor says what is wrong. A new certificate releases the mail."""
    from cryptography.fernet import Fernet

    from cmx_plugin_m365 import cli

    office.configure()
    account_id, _ = office.connect("anna")
    certificate_in_use(office)
    office.ms.call("secret/delete", client_id=office.org.client_id, secret_id=office.org.secret_id)
    office.save_interface(password="")  # certificate only, as the green field allows
    with office.instance.db.transaction() as tx:  # under a key this instance does not have
        tx.execute("UPDATE m365_certificate SET private_key = :k", {"k": Fernet(Fernet.generate_key()).encrypt(b"x")})
    tokens.forget(account_id)
    office.ms.call("clock/advance", seconds=2 * 3600)  # the access token expired: a refresh needs the certificate
    for subject in ("Bestätigung", "Erinnerung", "Rechnung"):
        office.instance.mailer.enqueue(account_id, "kurs@example.de", subject, "x")
    with freeze_time(dt_now() + dt.timedelta(hours=2), tick=True):  # the plugin's clock, two hours on, too
        counts = office.instance.mailer.run_queue()
        assert counts["held"] == 3 and counts["sent"] == 0
        subjects = [n["subject"] for n in office.notifications() if n["audience"] == "admins"]
        assert subjects.count("cmxOrganize: Zertifikat für Microsoft 365 nicht mehr lesbar") == 1
        assert set(every_page(office, account_id).values()) == {200}
        messages = run_method(office, account_id)
        assert any("Zertifikat nicht mehr lesbar" in m for m in messages), messages
        config = tmp_path / "instanz.toml"
        office.instance.config.dump(config)
        assert cli.main(["doctor", "--config", str(config)]) == 1
        assert "Zertifikat nicht mehr lesbar" in capsys.readouterr().out
        # The fix the notice names: a new certificate, uploaded and proven. The held mail goes.
        office.create_certificate()
        office.upload_certificate(office.download_certificate())
        page = office.prove_certificate()
        assert flashes(page)[0].startswith("Zertifikat geprüft")
        assert office.instance.mailer.run_queue()["sent"] == 3


def test_test_modules_share_helpers_through_one_module_and_never_import_each_other():
    strays = [
        f"{path.name}: {line.strip()}"
        for path in (REPO_ROOT / "tests").rglob("*.py")
        for line in path.read_text().splitlines()
        if re.match(r"\s*from \.+test_\w+ import|\s*import tests\.test_", line)
    ]
    assert strays == [], "put shared helpers into tests/helpers.py"
