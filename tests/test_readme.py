"""Every command the README shows works as written, from the repository root (issue 11).

``./run-tests`` is this very suite and is left out; ``./run-demo`` is started in a directory of its own on free
ports (its ``--dir``, ``--port`` and ``--emulator-ports``) and stopped once it serves, so that the suite passes while
a person runs the demo (on 8000, 8443 and 8587) on the same machine. The doctor's command reads ./instance as a
person would (created when missing, removed again only if this test created it).
"""

import re
import shutil
import subprocess
import time

import pytest

from devhost.emulators import free_port

from .conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"`(\.(?:/|venv/bin/)[^`]+)`", README) + re.findall(r"^(\./run-\w+)", README, re.M)


def test_the_readme_shows_the_commands_this_test_runs():
    shown = {c.split()[0] for c in COMMANDS}
    assert {"./run-demo", "./run-tests", ".venv/bin/python", ".venv/bin/cmx-m365"} <= shown


@pytest.fixture
def demo_instance():
    instance = REPO_ROOT / "instance"
    created = not instance.exists()
    if created:
        from devhost.runner import ensure_demo_instance

        ensure_demo_instance(instance, port=free_port())
    yield instance
    if created:
        shutil.rmtree(instance, ignore_errors=True)


def test_the_walkthrough_command():
    (command,) = [c for c in COMMANDS if "walkthrough" in c]
    result = subprocess.run(command.split(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_doctor_command(demo_instance):
    (command,) = [c for c in COMMANDS if c.startswith(".venv/bin/cmx-m365 doctor")]
    result = subprocess.run(command.split(), cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode in (0, 1), result.stderr  # 2 would mean: could not run at all
    assert "Prüfung" in result.stdout and "No module named" not in result.stderr


def test_the_demo_command_serves(tmp_path):
    port, entra, smtp = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        ["./run-demo", "--dir", str(tmp_path), "--port", str(port), "--emulator-ports", f"{entra},{smtp}"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, seen = time.monotonic() + 120, []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "cmxOrganize (devhost) läuft:" in line:
                break
        assert any("cmxOrganize (devhost) läuft:" in line for line in seen), "".join(seen[-20:])
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
