"""``cocreate``: the operators' and policy staff's command line.

Platform commands live here; a service adds its own through ``services/<name>/cli.py``
with a ``register(subparsers)`` function (for instance ``cocreate rules validate``).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from services import SERVICES
from services.kernel import config as kconfig

DEFINITIONS = kconfig.ROOT / "deploy" / "rabbitmq" / "definitions.json"


def _service_classes(names=None):
    from services.kernel.nameko_ext.topology import load_service
    return [load_service(SERVICES[n]) for n in (names or SERVICES)]


def _amqp(args) -> str:
    return args.amqp_uri or kconfig.load(args.config)["AMQP_URI"]


def cmd_topology(args) -> int:
    from services.kernel.nameko_ext import topology
    classes = _service_classes()
    if args.action == "write":
        DEFINITIONS.parent.mkdir(parents=True, exist_ok=True)
        DEFINITIONS.write_text(topology.dumps(classes), encoding="utf-8")
        print(f"wrote {DEFINITIONS.relative_to(kconfig.ROOT)}")
    elif args.action == "check":
        if not DEFINITIONS.exists() or DEFINITIONS.read_text(encoding="utf-8") != topology.dumps(classes):
            print(f"{DEFINITIONS.relative_to(kconfig.ROOT)} is out of date: run `make definitions`",
                  file=sys.stderr)
            return 1
        print("definitions up to date")
    else:
        names = topology.apply(_amqp(args), classes)
        print(f"declared {len(names)} queues on the broker")
    return 0


def cmd_dlq(args) -> int:
    from services.kernel import parking
    uri = _amqp(args)
    if args.action == "list":
        items = parking.list_parked(uri)
        if args.json:
            print(json.dumps([{k: v for k, v in vars(i).items() if k != "body"} for i in items],
                             ensure_ascii=False, indent=2))
            return 0
        if not items:
            print("no parked events")
        for item in items:
            print(f"{item.parked_id}  {item.event_type or '?'}  event={item.event_id}  "
                  f"queue={item.queue}  attempts={item.attempts}  at={item.parked_at}\n    {item.error}")
        return 0
    ids = None if args.all else set(args.ids)
    if ids is not None and not ids:
        print("name the parked or event ids to replay, or --all", file=sys.stderr)
        return 2
    replayed = parking.replay(uri, ids)
    for item in replayed:
        print(f"replayed {item.parked_id} ({item.event_type} {item.event_id}) to {item.queue}")
    if ids is not None:
        missing = ids - {i.parked_id for i in replayed} - {i.event_id for i in replayed}
        for ident in sorted(missing):
            print(f"not parked: {ident}", file=sys.stderr)
        return 1 if missing else 0
    return 0


def cmd_migrate(args) -> int:
    from services.kernel.migrations import upgrade
    config = kconfig.load(args.config)
    for name in args.services or [s for s in SERVICES if (kconfig.ROOT / "services" / s / "migrations").is_dir()]:
        upgrade(name, kconfig.database_url(config, name))
        print(f"{name}: migrated to head")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cocreate", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help="config.yaml to read (default: the repo's)")
    parser.add_argument("--amqp-uri", default=None, help="broker URL (default: from config)")
    sub = parser.add_subparsers(dest="command", required=True)

    topo = sub.add_parser("topology", help="exchanges and handler queues, declared before services start")
    topo.add_argument("action", choices=["write", "check", "apply"])
    topo.set_defaults(func=cmd_topology)

    dlq = sub.add_parser("dlq", help="parked events: events a handler could not apply")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("ids", nargs="*", help="parked ids or event ids (replay)")
    dlq.add_argument("--all", action="store_true", help="replay every parked event")
    dlq.add_argument("--json", action="store_true", help="list as JSON")
    dlq.set_defaults(func=cmd_dlq)

    migrate = sub.add_parser("migrate", help="bring service databases to the latest schema")
    migrate.add_argument("services", nargs="*")
    migrate.set_defaults(func=cmd_migrate)

    for name in SERVICES:
        if (Path(__file__).parent / name / "cli.py").exists():
            importlib.import_module(f"services.{name}.cli").register(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
