"""Benchmark i: setup in one step vs the guide's section 2 — what a person carries by hand, which Microsoft pages they
visit, and how long the script takes against the emulator.

The hand-carried values and portal pages are tallied from docs/Anleitung.md's steps (listed below, so that the count
can be checked line by line); the script's time is measured: the command run in Bash with the ``az rest`` stand-in
(devhost.az_standin), first run (creates everything) and repeated runs (find and update), with the number of
``az rest`` calls each made.

    .venv/bin/python bench/one_step.py [--runs 5]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import median, microsoft, office

from devhost import one_step_steps as steps
from devhost.graph.directory_api import CLOUD_APPLICATION_ADMIN

# Section 2 of docs/Anleitung.md: (value, from → to). Typed or pasted by a person, each a chance for a mistake.
GUIDE_SECRET = [
    ("Umleitungs-URI", "cmxOrganize → Entra (Schritt 2)"),
    ("Wert des geheimen Schlüssels", "Entra → cmxOrganize (Schritte 3–4)"),
    ("Anwendungs-ID (Client)", "Entra → cmxOrganize (Schritt 4)"),
    ("Verzeichnis-ID (Mandant)", "Entra → cmxOrganize (Schritt 5)"),
    ("Ablaufdatum des Schlüssels", "Entra → cmxOrganize (Schritt 6)"),
]
GUIDE_CERTIFICATE = [
    ("Umleitungs-URI", "cmxOrganize → Entra (Schritt 2)"),
    ("Anwendungs-ID (Client)", "Entra → cmxOrganize (2a, Schritt 2)"),
    ("Verzeichnis-ID (Mandant)", "Entra → cmxOrganize (2a, Schritt 2)"),
    ("Objekt-ID", "Entra → cmxOrganize (2a, Schritt 3)"),
    ("Zertifikatsdatei (.cer) und Fingerabdruck", "cmxOrganize → Entra (2a, Schritt 4)"),
]
ONE_STEP = [
    ("der Befehl", "cmxOrganize → Azure Cloud Shell (Kopieren-Knopf)"),
    ("der Einrichtungscode", "Azure Cloud Shell → cmxOrganize (eine Zeile)"),
]
# Pages of Microsoft's admin centers a person opens (the consent page Microsoft shows counts as one).
PAGES_GUIDE = [
    "App-Registrierungen → Neue Registrierung",
    "App-Registrierung → Übersicht (IDs)",
    "Zertifikate & Geheimnisse",
    "API-Berechtigungen → Berechtigung hinzufügen (Exchange Online, Microsoft Graph)",
    "Administratorzustimmung (Microsofts Zustimmungsseite oder Unternehmensanwendungen)",
]
PAGES_ONE_STEP = ["Azure Cloud Shell (shell.azure.com oder im Azure-Portal)"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="repeated runs after the first")
    args = parser.parse_args()

    print("Von Hand übertragen (Abschnitt 2 der Anleitung vs. Einrichtung in einem Schritt)")
    for name, values in (("Anleitung, geheimer Schlüssel", GUIDE_SECRET), ("Anleitung, Zertifikat", GUIDE_CERTIFICATE)):
        print(f"  {name}: {len(values)} Werte – " + "; ".join(v for v, _ in values))
    print(
        f"  Ein Schritt: {len(ONE_STEP)} Einfügungen, 0 Werte abgetippt, 0 Geheimnisse – "
        + "; ".join(v for v, _ in ONE_STEP)
    )
    print(f"Besuchte Microsoft-Seiten: Anleitung {len(PAGES_GUIDE)}, ein Schritt {len(PAGES_ONE_STEP)}")

    with microsoft() as (addresses, _control), office(addresses) as live, tempfile.TemporaryDirectory() as home:
        command = steps.copy_value(steps.command_page(live))
        shell = steps.cloud_shell(live, Path(home) / "shell", steps.it_admin(live, [CLOUD_APPLICATION_ADMIN]))
        calls = Path(home) / "shell" / "az-calls"
        timings = []
        for run in range(1 + args.runs):
            calls.unlink(missing_ok=True)
            done, seconds = shell.run(command)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            made = len(calls.read_text().splitlines()) if calls.exists() else 0
            timings.append((seconds, made))
            what = "erster Lauf (legt an)" if run == 0 else f"Lauf {run + 1} (findet und gleicht ab)"
            print(f"  {what}: {seconds:.2f} s, {made} az-rest-Aufrufe")
        print(
            f"Skript gegen den Emulator: erster Lauf {timings[0][0]:.2f} s ({timings[0][1]} Aufrufe); weitere Läufe "
            f"Median {median([t for t, _ in timings[1:]]):.2f} s ({timings[1][1]} Aufrufe); "
            f"Apps im Mandanten danach: {len(steps.applications(live))}"
        )


if __name__ == "__main__":
    main()
