"""``python -m devhost demo`` runs the stand-in for cmxOrganize with this plugin loaded.

Subcommands:
  demo     create (once) an instance in ./instance with SQLite and an admin user, then serve it together
           with the Microsoft emulators (identity platform on :8443, Exchange SMTP on :8587)
  serve    serve an existing instance configuration (``--config instance/devhost.toml``)
  walkthrough  perform the admin guide's sections 2, 3 and 4 headless against the emulators, ✓/✗ per step;
           ``--plugin NAME`` loads an installed plugin by its name instead of this source tree's
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .runner import DEFAULT_INSTANCE_DIR, ensure_demo_instance, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devhost", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="create the demo instance if needed and serve it")
    demo.add_argument("--dir", type=Path, default=DEFAULT_INSTANCE_DIR)
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument(
        "--emulator-ports",
        default="8443,8587",
        help="ports of the Microsoft emulators (identity platform, Exchange SMTP) for a new instance, e.g. 9443,9587",
    )
    walk = sub.add_parser("walkthrough", help="perform the admin guide headless; exit 0 if all passed")
    walk.add_argument(
        "--plugin", default=None, help="an installed plugin's name (e.g. m365) instead of this source tree's directory"
    )
    run = sub.add_parser("serve", help="serve an instance configuration")
    run.add_argument("--config", type=Path, required=True)
    run.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if args.command == "demo":
        entra_port, smtp_port = (int(p) for p in args.emulator_ports.split(","))
        config_path = ensure_demo_instance(args.dir, port=args.port, emulator_ports=(entra_port, smtp_port))
        return serve(config_path, port=args.port, with_microsoft=True)
    if args.command == "walkthrough":
        from .walkthrough import main as walkthrough

        return walkthrough(plugin=args.plugin)
    if args.command == "serve":
        return serve(args.config, port=args.port)
    return 2


if __name__ == "__main__":
    sys.exit(main())
