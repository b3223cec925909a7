"""Loading plugins the way cmxOrganize does: manifest, host-API check, migrations, hooks, check_pending.

An instance enables a plugin by listing it in its configuration: by the name of an installed distribution's entry
point in the group ``cmxorganize`` (e.g. ``m365``, or the distribution's name ``cmx-plugin-m365``) — the pluggy
convention for installed plugins — or, for development, by its directory (the folder with ``plugin.toml``). For each
enabled plugin, :func:`load_plugins`

1. finds its files (:func:`locate`) and reads and validates ``plugin.toml`` (:class:`ManifestSchema`); an installed
   plugin's manifest must carry its distribution's version,
2. refuses the plugin when its ``host_api`` range does not contain :data:`cmx_hostapi.HOST_API_VERSION`,
3. applies the plugin's migrations for the database's dialect that are not yet recorded, each in its own
   transaction together with its record (a failing one leaves the database as it was),
4. imports the hook modules, registers them, and runs ``pm.check_pending()``,
5. checks that the hooks add exactly what the manifest's ``[adds]`` table declares.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import re
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType

import cmx_hostapi
import pluggy
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from .db import Database

MIGRATION_NAME = re.compile(r"^\d{3,}_[a-z0-9_]+\.sql$")


class PluginLoadError(Exception):
    """A plugin could not be loaded; the message says which plugin, what is wrong and what to do."""


class AddsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    interface_types = fields.List(fields.String(), load_default=list)
    settings = fields.List(fields.String(), load_default=list)
    routes = fields.List(fields.String(), load_default=list)
    methods = fields.List(fields.String(), load_default=list)
    periodic_jobs = fields.List(fields.String(), load_default=list)


class PluginSectionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z][a-z0-9_-]{1,39}$", error="must be lower-case letters, digits, - or _"),
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    version = fields.String(required=True)
    host_api = fields.String(required=True)
    hooks = fields.List(
        fields.String(validate=validate.Regexp(r"^[\w/.-]+\.py$")), required=True, validate=validate.Length(min=1)
    )
    migrations = fields.String(load_default=None)

    @validates("version")
    def _version(self, value: str, **_kw) -> None:
        try:
            Version(value)
        except Exception as error:
            raise ValidationError(f"not a version: {value!r}") from error

    @validates("host_api")
    def _host_api(self, value: str, **_kw) -> None:
        try:
            SpecifierSet(value)
        except InvalidSpecifier as error:
            raise ValidationError(f"not a version range such as '>=1.0,<2': {value!r}") from error


class ManifestSchema(Schema):
    plugin = fields.Nested(PluginSectionSchema, required=True)
    adds = fields.Nested(AddsSchema, load_default=lambda: AddsSchema().load({}))


@dataclass
class LoadedPlugin:
    id: str
    name: str
    version: str
    directory: Path
    adds: dict[str, list[str]]
    modules: list[ModuleType] = field(default_factory=list)
    applied_migrations: list[str] = field(default_factory=list)


def read_manifest(directory: Path) -> dict:
    """Read and validate ``directory/plugin.toml``; raise PluginLoadError saying what is wrong."""
    path = directory / "plugin.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise PluginLoadError(f"{directory}: no plugin.toml found; is this a plugin directory?") from error
    except tomllib.TOMLDecodeError as error:
        raise PluginLoadError(f"{path}: not valid TOML: {error}") from error
    try:
        return ManifestSchema().load(raw)
    except ValidationError as error:
        raise PluginLoadError(f"{path}: invalid manifest: {error.messages}") from error


def check_host_api(manifest: dict, host_api_version: str = cmx_hostapi.HOST_API_VERSION) -> None:
    plugin = manifest["plugin"]
    if Version(host_api_version) not in SpecifierSet(plugin["host_api"]):
        raise PluginLoadError(
            f"plugin {plugin['id']} {plugin['version']} requires host API {plugin['host_api']}, but this host "
            f"provides {host_api_version}. Install a version of the plugin made for host API {host_api_version}."
        )


def pending_migrations(db: Database, plugin_id: str, folder: Path) -> list[Path]:
    """Migration files of this dialect not yet recorded, in order. Refuses files changed after being applied."""
    if not folder.is_dir():
        raise PluginLoadError(f"plugin {plugin_id}: no migrations for dialect {db.dialect} in {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".sql")
    for path in files:
        if not MIGRATION_NAME.match(path.name):
            raise PluginLoadError(f"plugin {plugin_id}: migration file name {path.name!r} is not NNN_name.sql")
    with db.transaction() as tx:
        applied = {
            row["name"]: row["checksum"]
            for row in tx.execute(
                "SELECT name, checksum FROM plugin_migrations WHERE plugin_id = :p", {"p": plugin_id}
            ).fetchall()
        }
    pending = []
    for path in files:
        checksum = _checksum(path)
        if path.name not in applied:
            pending.append(path)
        elif applied[path.name] != checksum:
            raise PluginLoadError(
                f"plugin {plugin_id}: migration {path.name} was changed after it was applied to this database. "
                "Applied migrations must never change; put the change into a new migration."
            )
    return pending


def apply_migrations(db: Database, plugin_id: str, folder: Path) -> list[str]:
    """Apply what :func:`pending_migrations` lists, each with its record in one transaction."""
    applied = []
    for path in pending_migrations(db, plugin_id, folder):
        try:
            with db.transaction(lock=True) as tx:
                db.execute_script(tx, path.read_text(encoding="utf-8"))
                tx.execute(
                    "INSERT INTO plugin_migrations (plugin_id, name, checksum, applied_at) VALUES (:p, :n, :c, :at)",
                    {"p": plugin_id, "n": path.name, "c": _checksum(path), "at": dt.datetime.now(dt.UTC)},
                )
        except PluginLoadError:
            raise
        except Exception as error:
            raise PluginLoadError(
                f"plugin {plugin_id}: migration {path.name} failed and was rolled back; the database is as it was "
                f"before. Error: {error}"
            ) from error
        applied.append(path.name)
    return applied


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_hook_module(plugin_id: str, directory: Path, relative: str) -> ModuleType:
    """Import a hook module by file, under a name no other plugin's module can take."""
    path = (directory / relative).resolve()
    if directory.resolve() not in path.parents or not path.is_file():
        raise PluginLoadError(f"plugin {plugin_id}: hook module {relative} not found in {directory}")
    name = f"cmx_plugins.{plugin_id}." + relative.removesuffix(".py").replace("/", ".")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        raise PluginLoadError(f"plugin {plugin_id}: importing {relative} failed: {error!r}") from error
    return module


def declared_additions(pm: pluggy.PluginManager, plugin_module_names: set[str]) -> dict[str, list[str]]:
    """What the hooks of the given modules add, in the manifest's terms (for the ``[adds]`` check)."""

    def collect(hook_name: str, key) -> list[str]:
        hook = getattr(pm.hook, hook_name)
        found: list[str] = []
        for impl in hook.get_hookimpls():
            if impl.plugin_name in plugin_module_names:
                found.extend(key(item) for item in impl.function())
        return sorted(found)

    return {
        "interface_types": collect("cmx_interface_types", lambda t: t.name),
        "settings": collect("cmx_settings", lambda s: f"{s.app}/{s.name}"),
        "routes": collect("cmx_routes", lambda r: r.path),
        "methods": collect("cmx_methods", lambda m: f"{m.form}/{m.name}"),
        "periodic_jobs": collect("cmx_periodic_jobs", lambda j: j.name),
    }


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(cmx_hostapi.PROJECT_NAME)
    pm.add_hookspecs(cmx_hostapi)
    return pm


ENTRY_POINT_GROUP = "cmxorganize"
"""Where installed plugins announce themselves (``[project.entry-points.cmxorganize]`` in their pyproject.toml): the
entry point names the package that holds ``plugin.toml``, the hook modules and the migrations."""


def locate(entry: str | Path) -> tuple[Path, metadata.Distribution | None]:
    """The plugin's directory for an entry of the instance's ``plugins`` list, and its distribution when installed.

    A :class:`~pathlib.Path` (or a string with a ``/``) is a directory; any other string names an installed plugin:
    an entry point of the group ``cmxorganize`` by its name, or by its distribution's name."""
    if isinstance(entry, Path) or "/" in entry or entry.startswith("."):
        return Path(entry), None
    wanted = _normalized(entry)
    for point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = point.dist
        if wanted in (_normalized(point.name), _normalized(dist.name) if dist else None):
            spec = importlib.util.find_spec(point.module)
            if spec is None or not spec.submodule_search_locations:
                raise PluginLoadError(f"plugin {entry}: entry point {point.value!r} does not name an installed package")
            return Path(next(iter(spec.submodule_search_locations))), dist
    names = sorted(p.name for p in metadata.entry_points(group=ENTRY_POINT_GROUP))
    raise PluginLoadError(
        f"plugin {entry!r} is not installed: no entry point of that name (or distribution) in the group "
        f"{ENTRY_POINT_GROUP!r}; installed: {', '.join(names) or 'none'}. Install its wheel into this environment "
        "(pip install …whl) or list its directory instead."
    )


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def load_plugin(pm: pluggy.PluginManager, db: Database, entry: str | Path) -> LoadedPlugin:
    directory, dist = locate(entry)
    manifest = read_manifest(directory)
    if dist is not None and Version(dist.version) != Version(manifest["plugin"]["version"]):
        raise PluginLoadError(
            f"plugin {manifest['plugin']['id']}: its plugin.toml says version {manifest['plugin']['version']}, but "
            f"the installed distribution {dist.name} is {dist.version}; the wheel was built wrongly — rebuild it."
        )
    check_host_api(manifest)
    meta = manifest["plugin"]
    plugin = LoadedPlugin(
        id=meta["id"],
        name=meta["name"],
        version=meta["version"],
        directory=directory,
        adds={k: sorted(v) for k, v in manifest["adds"].items()},
    )
    if meta["migrations"]:
        plugin.applied_migrations = apply_migrations(db, plugin.id, directory / meta["migrations"] / db.dialect)
    names = set()
    for relative in meta["hooks"]:
        module = import_hook_module(plugin.id, directory, relative)
        name = pm.register(module, name=module.__name__)
        names.add(name)
        plugin.modules.append(module)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise PluginLoadError(f"plugin {plugin.id}: {error}") from error
    found = declared_additions(pm, names)
    if found != plugin.adds:
        raise PluginLoadError(
            f"plugin {plugin.id}: plugin.toml [adds] declares {plugin.adds}, but the hooks add {found}; "
            "the manifest must say exactly what the plugin adds."
        )
    return plugin


def load_plugins(db: Database, entries: list[str | Path]) -> tuple[pluggy.PluginManager, list[LoadedPlugin]]:
    """Load every enabled plugin (installed names or directories, see :func:`locate`) into a new plugin manager.
    Raises PluginLoadError for the first that fails."""
    pm = new_plugin_manager()
    loaded = [load_plugin(pm, db, entry) for entry in entries]
    ids = [p.id for p in loaded]
    if len(ids) != len(set(ids)):
        raise PluginLoadError(f"the same plugin is enabled twice: {ids}")
    return pm, loaded
