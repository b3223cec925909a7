"""A stand-in for the Azure CLI's ``az rest``, and a Cloud Shell to run the one-step setup script against the emulator.

Why not the real ``az``: azure-cli (PyPI ``azure-cli``) pulls in well over a hundred packages and several hundred MB,
too heavy to install on a fresh CI machine within minutes beside the suite; and to reach the emulator it would need
a registered custom cloud, the emulator's CA and a login through its msal against the emulator's authority — none of
which the script itself exercises. The script only ever calls ``az rest``, so this module does exactly what
``az rest`` does on the wire (Azure CLI ``az rest`` reference, learn.microsoft.com/cli/azure/reference-index#az-rest):

* the request: ``--method`` (default GET), ``--url``/``--uri``, ``--body``, ``--headers`` (``key=value`` words or a
  JSON object); ``Authorization: Bearer <token>`` of the signed-in account for the cloud's Graph endpoint;
  ``Content-Type: application/json`` when a body is sent and no Content-Type was given (as ``az rest`` does);
  the server certificate verified against ``REQUESTS_CA_BUNDLE`` (honoured by az through requests);
* the answer: the body, as indented JSON, on stdout for 2xx (nothing for an empty body); for anything else
  ``ERROR: <reason>(<body>)`` on stderr and exit status 1.

The token stands for Cloud Shell's signed-in session: ``AZURE_CONFIG_DIR/standin-token.json``, written by
:func:`login` from the emulator's control operation ``cli/login`` (a Graph token of the Azure CLI's first-party app
for that user). Nothing else of az is imitated; any other command exits with status 2.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

TIMEOUT = (10, 60)


def _parse(args: list[str]) -> dict:
    wanted: dict = {"method": "GET", "url": "", "body": None, "headers": {}}
    i = 0
    while i < len(args):
        name = args[i]
        if name in ("--method", "-m"):
            wanted["method"] = args[i + 1].upper()
            i += 2
        elif name in ("--url", "--uri", "-u"):
            wanted["url"] = args[i + 1]
            i += 2
        elif name in ("--body", "-b"):
            wanted["body"] = args[i + 1]
            i += 2
        elif name == "--headers":
            i += 1
            while i < len(args) and not args[i].startswith("--"):
                word = args[i]
                if word.startswith("{"):
                    wanted["headers"].update(json.loads(word))
                else:
                    key, _, value = word.partition("=")
                    wanted["headers"][key] = value
                i += 1
        else:
            raise SystemExit(f"az (Stellvertreter): unbekannte Option {name}")
    return wanted


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "rest":
        print("az (Stellvertreter): nur „az rest“ ist nachgebildet.", file=sys.stderr)
        return 2
    wanted = _parse(argv[1:])
    config = Path(os.environ.get("AZURE_CONFIG_DIR", Path.home() / ".azure"))
    try:
        token = json.loads((config / "standin-token.json").read_text())["access_token"]
    except (OSError, ValueError, KeyError):
        print("ERROR: Please run 'az login' to setup account.", file=sys.stderr)  # az's own wording
        return 1
    headers = {"Authorization": f"Bearer {token}", **wanted["headers"]}
    if wanted["body"] is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    response = requests.request(
        wanted["method"],
        wanted["url"],
        data=wanted["body"].encode() if wanted["body"] is not None else None,
        headers=headers,
        timeout=TIMEOUT,
        verify=os.environ.get("REQUESTS_CA_BUNDLE", True),
    )
    if not response.ok:
        print(f"ERROR: {response.reason}({response.text})", file=sys.stderr)
        return 1
    if response.content:
        try:
            print(json.dumps(response.json(), indent=4))
        except ValueError:
            print(response.text)
    return 0


@dataclass
class CloudShell:
    """A directory standing for an admin's Azure Cloud Shell: ``az`` on the PATH, signed in as one user."""

    home: Path
    ca_file: str

    @classmethod
    def open(cls, home: Path, ca_file: str) -> CloudShell:
        home.mkdir(parents=True, exist_ok=True)
        (home / "bin").mkdir(exist_ok=True)
        az = home / "bin" / "az"
        # One line per call in az-calls (the benchmark counts them), then the stand-in itself.
        az.write_text(
            f'#!/usr/bin/env bash\necho "$1" >> "$HOME/az-calls"\nexec {sys.executable} -m devhost.az_standin "$@"\n'
        )
        az.chmod(az.stat().st_mode | stat.S_IXUSR)
        return cls(home, ca_file)

    def login(self, control, oid: str) -> None:
        """``az login`` as the user ``oid`` (Cloud Shell is signed in already): the emulator's Graph token for az."""
        (self.home / "azure").mkdir(exist_ok=True)
        answer = control.call("cli/login", oid=oid)
        (self.home / "azure" / "standin-token.json").write_text(json.dumps({"access_token": answer["access_token"]}))

    def run(self, command: str, *, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float]:
        """Run the pasted command in Bash, in this shell's home; (the finished process, seconds it took)."""
        repo = Path(__file__).resolve().parent.parent
        env = {
            "PATH": f"{self.home / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.home),
            "AZURE_CONFIG_DIR": str(self.home / "azure"),
            "REQUESTS_CA_BUNDLE": self.ca_file,
            "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]),
            "LANG": "C.UTF-8",
        }
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - the command cmxOrganize generated, run as the admin would
            ["bash", "-c", command],  # noqa: S607 - Bash from the PATH, as in Cloud Shell
            cwd=self.home,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return done, time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
