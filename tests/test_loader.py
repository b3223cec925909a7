"""The plugin loader, used exactly as cmxOrganize uses it: manifest, host-API range, migrations, hooks."""

import shutil
import textwrap

import pytest
from cmx_hostapi import HOST_API_VERSION

import cmx_plugin_m365
from devhost.db import Database
from devhost.instance import Instance, create_host_schema
from devhost.loader import PluginLoadError, load_plugins, read_manifest

from .conftest import REPO_ROOT, make_config

MIGRATIONS = sorted(p.name for p in (REPO_ROOT / "migrations" / "sqlite").glob("*.sql"))


def test_both_dialects_have_the_same_migrations():
    assert MIGRATIONS == sorted(p.name for p in (REPO_ROOT / "migrations" / "postgresql").glob("*.sql"))
    assert MIGRATIONS[0] == "001_accounts_signins_events.sql"


@pytest.fixture
def db(database):
    url, schema = database
    database_ = Database(url, schema=schema)
    create_host_schema(database_)
    yield database_
    database_.close()


@pytest.fixture
def plugin_copy(tmp_path):
    """A copy of this plugin's directory that a test may break."""
    target = tmp_path / "plugin"
    target.mkdir()
    shutil.copy(REPO_ROOT / "plugin.toml", target)
    shutil.copytree(REPO_ROOT / "hooks", target / "hooks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "migrations", target / "migrations")
    return target


def tables(db):
    with db.transaction() as tx:
        if db.dialect == "sqlite":
            rows = tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        else:
            rows = tx.execute(
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
    return {r["name"] for r in rows}


def recorded(db):
    with db.transaction() as tx:
        return [r["name"] for r in tx.execute("SELECT name FROM plugin_migrations ORDER BY name").fetchall()]


def test_loads_the_plugin_from_plugin_toml_and_applies_its_migrations(db):
    pm, plugins = load_plugins(db, [REPO_ROOT])
    (plugin,) = plugins
    assert (plugin.id, plugin.version) == ("m365", cmx_plugin_m365.__version__)
    assert plugin.applied_migrations == MIGRATIONS
    assert {"m365_account", "m365_signin", "m365_event", "m365_secret", "m365_check"} <= tables(db)
    assert recorded(db) == MIGRATIONS
    assert [t.name for types in pm.hook.cmx_interface_types() for t in types] == ["Azure"]


def test_second_start_applies_nothing(db):
    load_plugins(db, [REPO_ROOT])
    _, (plugin,) = load_plugins(db, [REPO_ROOT])
    assert plugin.applied_migrations == []
    assert recorded(db) == MIGRATIONS


def test_failing_migration_is_rolled_back_and_leaves_the_database_as_it_was(db, plugin_copy):
    load_plugins(db, [plugin_copy])
    before = tables(db)
    (plugin_copy / "migrations" / db.dialect / "900_broken.sql").write_text(
        textwrap.dedent("""
        CREATE TABLE m365_half_done (id INTEGER PRIMARY KEY);
        ALTER TABLE m365_account ADD COLUMN extra TEXT;
        INSERT INTO no_such_table VALUES (1);
    """)
    )
    with pytest.raises(PluginLoadError) as info:
        load_plugins(db, [plugin_copy])
    assert "migration 900_broken.sql failed and was rolled back" in str(info.value)
    assert tables(db) == before
    assert recorded(db) == MIGRATIONS
    with db.transaction() as tx:  # the ALTER TABLE was rolled back too
        tx.execute("INSERT INTO m365_account (account_id) VALUES (1)")
        assert "extra" not in tx.execute("SELECT * FROM m365_account").fetchone()


def test_migrations_apply_in_order_and_are_recorded(db, plugin_copy):
    folder = plugin_copy / "migrations" / db.dialect
    (folder / "910_later.sql").write_text("ALTER TABLE m365_second ADD COLUMN note TEXT;")
    (folder / "902_second.sql").write_text("CREATE TABLE m365_second (id INTEGER PRIMARY KEY);")
    _, (plugin,) = load_plugins(db, [plugin_copy])
    assert plugin.applied_migrations == [*MIGRATIONS, "902_second.sql", "910_later.sql"]


def test_changed_migration_is_refused(db, plugin_copy):
    load_plugins(db, [plugin_copy])
    path = plugin_copy / "migrations" / db.dialect / "001_accounts_signins_events.sql"
    path.write_text(path.read_text() + "\n-- edited later\n")
    with pytest.raises(PluginLoadError, match="was changed after it was applied"):
        load_plugins(db, [plugin_copy])


@pytest.mark.parametrize("host_api", [">=2.0", "<1.0", "~=0.9"])
def test_host_api_mismatch_is_refused_before_anything_happens(db, plugin_copy, host_api):
    manifest = plugin_copy / "plugin.toml"
    manifest.write_text(manifest.read_text().replace('host_api = ">=1.1,<2"', f'host_api = "{host_api}"'))
    with pytest.raises(PluginLoadError) as info:
        load_plugins(db, [plugin_copy])
    assert f"requires host API {host_api}, but this host provides {HOST_API_VERSION}" in str(info.value)
    assert recorded(db) == []


def test_unknown_hook_fails_check_pending(db, plugin_copy):
    (plugin_copy / "hooks" / "typo.py").write_text(
        textwrap.dedent("""
        from cmx_hostapi import hookimpl

        @hookimpl
        def cmx_interface_typ():
            return []
    """)
    )
    manifest = plugin_copy / "plugin.toml"
    manifest.write_text(
        manifest.read_text().replace('"hooks/settings.py",', '"hooks/settings.py",\n    "hooks/typo.py",')
    )
    with pytest.raises(PluginLoadError, match="unknown hook 'cmx_interface_typ'"):
        load_plugins(db, [plugin_copy])


def test_manifest_must_declare_what_the_hooks_add(db, plugin_copy):
    manifest = plugin_copy / "plugin.toml"
    manifest.write_text(manifest.read_text().replace('interface_types = ["Azure"]', "interface_types = []"))
    with pytest.raises(PluginLoadError, match=r"\[adds\] declares"):
        load_plugins(db, [plugin_copy])


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('id = "m365"', 'id = "M 365"'), "'id'"),
        (lambda t: t.replace(f'version = "{cmx_plugin_m365.__version__}"', 'version = "eins"'), "not a version"),
        (lambda t: t.replace('host_api = ">=1.1,<2"', 'host_api = "one or two"'), "not a version range"),
        (lambda t: t.replace("[plugin]", "[plugin"), "not valid TOML"),
    ],
)
def test_invalid_manifest_is_refused_with_the_reason(plugin_copy, edit, expected):
    manifest = plugin_copy / "plugin.toml"
    manifest.write_text(edit(manifest.read_text()))
    with pytest.raises(PluginLoadError, match=expected):
        read_manifest(plugin_copy)


def test_a_directory_without_manifest_is_refused(tmp_path, db):
    with pytest.raises(PluginLoadError, match=r"no plugin\.toml found"):
        load_plugins(db, [tmp_path])


def test_plugins_are_enabled_per_instance(database):
    """An instance that does not list the plugin has no Azure type and none of the plugin's tables."""
    bare = Instance.start(make_config(database, plugins=[]))
    try:
        assert "Azure" not in bare.all_interface_types()
        assert "m365_account" not in tables(bare.db)
    finally:
        bare.close()
    enabled = Instance.start(make_config(database))
    try:
        assert "Azure" in enabled.all_interface_types()
        assert ("Einstellungen", "TenantID") in enabled.setting_types
    finally:
        enabled.close()
