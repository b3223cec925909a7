"""The walkthrough command is a smoke test people run: it must pass, and say so step by step."""

import subprocess
import sys

from .conftest import REPO_ROOT


def test_walkthrough_passes_every_step():
    result = subprocess.run(
        [sys.executable, "-m", "devhost", "walkthrough"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert sum(line.startswith("✓ ") for line in lines) == 53
    headings = [line for line in lines if line and line[0] not in "✓✗ "]
    assert headings[:12] == [
        "Abschnitt 2 – Registrieren der Applikation",
        "Abschnitt 3 – Einrichten der E-Mailkonten",
        "Echte Mandanten",
        "Betrieb",
        "Abschnitt 4 – Erneuern des geheimen Schlüssels",
        "Typische Fehler",
        "Versand ohne SMTP AUTH (Microsoft Graph)",
        "Zertifikat statt geheimem Schlüssel",
        "Große Mengen (Sendelimits)",
        "Jahre später",
        "Funktionspostfach ohne Anmeldung",
        "Einrichtung in einem Schritt",
    ]
    assert not any(line.startswith("✗") for line in lines)
    assert lines[-1] == "Alle Schritte erfolgreich."
