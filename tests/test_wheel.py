"""Shipping: the plugin's wheel is the whole plugin and not the host's API; installed from the wheels alone, with no
source tree on the path, the devhost loads it by its name and the walkthrough passes every step."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import cmx_plugin_m365
from devhost.loader import PluginLoadError, load_plugins, read_manifest

from .conftest import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MANIFEST = read_manifest(REPO_ROOT)


def test_one_version_and_one_host_api_range():
    assert MANIFEST["plugin"]["version"] == cmx_plugin_m365.__version__  # pyproject takes it from there
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    (hostapi,) = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("cmx-hostapi")]
    assert hostapi.removeprefix("cmx-hostapi") == MANIFEST["plugin"]["host_api"]


def test_an_installed_plugin_whose_manifest_disagrees_with_its_distribution_is_refused(monkeypatch):
    from devhost import loader

    class Built:
        name, version = "cmx-plugin-m365", "9.9.9"

    monkeypatch.setattr(loader, "locate", lambda entry: (REPO_ROOT, Built()))
    with pytest.raises(PluginLoadError, match=r"plugin.toml says version .*installed distribution .* 9\.9\.9"):
        load_plugins(None, ["m365"])  # refused before the database is touched


def test_an_unknown_plugin_name_says_what_is_installed():
    from devhost.loader import locate

    with pytest.raises(PluginLoadError, match=r"'nichtda' is not installed: .* installed: m365"):
        locate("nichtda")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), "./hostapi", "."],
        cwd=REPO_ROOT,
        check=True,
        timeout=600,
    )
    for leftover in ("build", "hostapi/build"):  # setuptools' scratch folders in the source tree
        shutil.rmtree(REPO_ROOT / leftover, ignore_errors=True)
    return dist


def test_the_plugin_wheel_holds_the_whole_plugin_and_not_the_host_api(wheels):
    (plugin,) = wheels.glob("cmx_plugin_m365-*.whl")
    (hostapi,) = wheels.glob("cmx_hostapi-*.whl")
    names = zipfile.ZipFile(plugin).namelist()
    assert not [n for n in names if n.startswith("cmx_hostapi/")]
    assert "cmx_plugin_m365_bundle/plugin.toml" in names
    for hook in MANIFEST["plugin"]["hooks"]:
        assert f"cmx_plugin_m365_bundle/{hook}" in names
    for dialect in ("sqlite", "postgresql"):
        for sql in (REPO_ROOT / "migrations" / dialect).glob("*.sql"):
            assert f"cmx_plugin_m365_bundle/migrations/{dialect}/{sql.name}" in names
    entry_points = zipfile.ZipFile(plugin).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[cmxorganize]\nm365 = cmx_plugin_m365_bundle" in entry_points
    assert plugin.name.startswith(f"cmx_plugin_m365-{cmx_plugin_m365.__version__}-")
    assert "cmx_hostapi/__init__.py" in zipfile.ZipFile(hostapi).namelist()


@pytest.mark.timeout(900)
def test_installed_from_the_wheels_alone_the_walkthrough_passes(wheels, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    devhost_needs = PYPROJECT["project"]["optional-dependencies"]["devhost"]
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *map(str, sorted(wheels.glob("*.whl"))), *devhost_needs],
        check=True,
        timeout=600,
    )
    # The stand-in host only — no plugin source, no hooks/, no plugin.toml on the path.
    host_only = tmp_path / "host"
    shutil.copytree(REPO_ROOT / "devhost", host_only / "devhost", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import cmx_plugin_m365, cmx_hostapi; print(cmx_plugin_m365.__file__, cmx_hostapi.__file__)",
        ],
        cwd=host_only,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(REPO_ROOT) not in where and "site-packages" in where
    result = subprocess.run(
        [str(python), "-m", "devhost", "walkthrough", "--plugin", "cmx-plugin-m365"],
        cwd=host_only,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert sum(line.startswith("✓ ") for line in lines) == 53 and not [line for line in lines if line.startswith("✗")]
    assert lines[-1] == "Alle Schritte erfolgreich."
    assert re.search(r"Zertifikat statt geheimem Schlüssel", result.stdout)
    assert "✓ „cmx-m365 doctor“ des installierten Plugins findet seine Migrationen" in result.stdout
