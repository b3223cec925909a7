"""The ``cmx-m365`` command for instance admins.

    cmx-m365 doctor --config /etc/cmx/instanz.toml [--lang en] [--smtp] [--progress]

The host opens the instance: ``--host-factory module:function`` (or ``CMX_HOST_FACTORY``) names the host's
``open_instance(config_path) -> InstanceHandle`` (host API 1.1); the devhost's is the default. Exit status: 0 when
all is well, 1 when something needs action, 2 when the command could not run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import doctor

DEFAULT_FACTORY = "devhost.cli:open_instance"


def load_factory(spec: str):
    """The host's ``open_instance``. Like ``python -m``, the command also finds the host's modules in the current
    directory (an installed script's own directory is on ``sys.path``, the directory it runs in is not)."""
    module, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as error:
        if error.name != module.split(".")[0] or os.getcwd() in sys.path:
            raise
        sys.path.insert(0, os.getcwd())
        return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cmx-m365", description="Microsoft 365 (OAuth) für cmxOrganize")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("doctor", help="alle Prüfungen einer Instanz / every check of an instance")
    run.add_argument("--config", required=True, help="the instance's configuration file")
    run.add_argument("--host-factory", default=os.environ.get("CMX_HOST_FACTORY", DEFAULT_FACTORY))
    run.add_argument("--lang", choices=("de", "en"), default="de")
    run.add_argument("--smtp", action="store_true", help="also AUTH XOAUTH2 at each account's mail server")
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr (default: when stderr is a terminal)",
    )
    args = parser.parse_args(argv)

    try:
        handle = load_factory(args.host_factory)(args.config)
    except Exception as error:  # the command cannot run at all: say why, exit 2
        print(f"cmx-m365: cannot open the instance ({args.config}): {error}", file=sys.stderr)
        return 2
    show_progress = sys.stderr.isatty() if args.progress is None else args.progress
    label = "E-Mailkonten" if args.lang == "de" else "mail accounts"

    def progress(n: int, total: int) -> None:
        if show_progress and total > 1:
            print(f"\r{label}: {n}/{total}", end="" if n < total else "\n", file=sys.stderr, flush=True)

    try:
        rows = list(doctor.run(handle, smtp=args.smtp, progress=progress))
    finally:
        handle.close()
    print(doctor.render(rows, args.lang))
    return 1 if any(row.needs_action for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
