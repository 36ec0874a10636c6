"""``cocreate roster import FILE...``: load village rosters (花名册) into the contributions database.

Writes straight to the service's own database (migrated first), in one transaction per file,
so it works with the services stopped; the events it stores are published by the running
service's outbox relay. Runnable alone as ``python -m services.contributions.cli``.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path


class ProgressBar:
    """A one-line bar on a terminal; plain occasional lines when output is not a terminal."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if self.tty:
            width = max(10, min(40, shutil.get_terminal_size((80, 20)).columns - len(self.label) - 30))
            filled = int(width * fraction)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                              f"{done}/{total} {fraction:4.0%}")
            if done >= total:
                self.stream.write("\n")
        else:
            step = int(fraction * 10)
            if step != self.last:
                self.last = step
                self.stream.write(f"{self.label}: {done}/{total} ({fraction:.0%})\n")
        self.stream.flush()


def _policy(config):
    """The rule files in process, when the rules engine is installed here; else none (the
    participation rates are then recomputed by the service on the hamlet's next event)."""
    try:
        from services.rules.engine import PolicyBook  # written by the rules service
    except ImportError:
        return None
    from services.kernel import config as kconfig
    directory = Path(config.get("RULES_DIR") or "rules")
    directory = directory if directory.is_absolute() else kconfig.ROOT / directory
    try:
        return PolicyBook(directory)
    except Exception as exc:  # noqa: BLE001  a broken rule file must not block the roster
        print(f"rules not loaded ({exc}); participation will be recomputed by the service",
              file=sys.stderr)
        return None


def cmd_import(args) -> int:
    from services.kernel import catalogue  # noqa: F401  (registers the event types)
    from services.kernel import config as kconfig
    from services.kernel.clock import SystemClock
    from services.kernel.db import make_engine, session_factory
    from services.kernel.errors import ValidationFailed
    from services.kernel.migrations import upgrade

    from . import roster

    config = kconfig.load(args.config)
    url = args.database_url or kconfig.database_url(config, "contributions")
    upgrade("contributions", url)
    engine = make_engine(url)
    policy = None if args.no_rules else _policy(config)
    status = 0
    try:
        for path in args.files:
            path = Path(path)
            if not path.is_file():
                print(f"{path}: no such file", file=sys.stderr)
                status = 1
                continue
            sheet = roster.read_path(path)
            bar = None if args.quiet else ProgressBar(f"{path.name} ({len(sheet.rows)} rows)")
            with session_factory(engine)() as session:
                try:
                    result = roster.import_sheet(session, sheet, SystemClock(), policy, bar)
                    session.commit()
                except ValidationFailed as exc:
                    session.rollback()
                    print(f"{path}: {exc}", file=sys.stderr)
                    for error in exc.detail.get("errors", []):
                        print(f"  {error['file']}:{error['line']}: {error['field']}: {error['message']}",
                              file=sys.stderr)
                    status = 1
                    continue
            created, updated = result["created"], result["updated"]
            if result["changed"]:
                print(f"{path.name}: {result['rows']} rows; created "
                      + ", ".join(f"{v} {k}" for k, v in created.items() if v)
                      + ("; updated " + ", ".join(f"{v} {k}" for k, v in updated.items() if v)
                         if any(updated.values()) else "")
                      + f"; {result['households_announced']} households announced")
            else:
                print(f"{path.name}: {result['rows']} rows; already up to date, nothing changed")
    finally:
        engine.dispose()
    return status


def register(subparsers) -> None:
    roster_parser = subparsers.add_parser("roster", help="花名册 village rosters (contributions)")
    actions = roster_parser.add_subparsers(dest="roster_action", required=True)
    importer = actions.add_parser(
        "import", help="import CSV or .xlsx rosters: each file wholly or not at all")
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--database-url", default=None,
                          help="contributions database (default: from config)")
    importer.add_argument("--no-rules", action="store_true",
                          help="do not load the rule files (participation is recomputed later)")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.set_defaults(func=cmd_import)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.contributions.cli")
    parser.add_argument("--config", default=None, help="config.yaml to read (default: the repo's)")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
