"""``cocreate``: the operators' and policy staff's command line.

Platform commands live here; a service adds its own through ``services/<name>/cli.py``
with a ``register(subparsers)`` function (for instance ``cocreate rules validate``).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import warnings
from pathlib import Path

# eventlet (under nameko) prints an 8-line deprecation notice on import; operators and policy
# staff can do nothing about it, so every command stays quiet about it. Set before any import
# that pulls nameko in.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

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
    elif args.action == "import":
        return _import_definitions(args)
    else:
        names = topology.apply(_amqp(args), classes)
        print(f"declared {len(names)} queues on the broker")
    return 0


def _import_definitions(args) -> int:
    """POST definitions.json to the management API (compose's one-shot ``topology`` step)."""
    import os
    import time

    import requests
    auth = (os.environ.get("RABBITMQ_USER", "guest"), os.environ.get("RABBITMQ_PASSWORD", "guest"))
    body = DEFINITIONS.read_text(encoding="utf-8")
    for attempt in range(30):
        try:
            response = requests.post(f"{args.management_url}/api/definitions", data=body, auth=auth,
                                     headers={"content-type": "application/json"}, timeout=10)
        except requests.RequestException as exc:
            print(f"management API not reachable yet ({exc}); retrying", file=sys.stderr)
            time.sleep(2)
            continue
        if response.ok:
            print(f"imported {DEFINITIONS.name} into {args.management_url}")
            return 0
        print(f"import refused: HTTP {response.status_code} {response.text[:300]}", file=sys.stderr)
        return 1
    return 1


def cmd_health(args) -> int:
    """Healthy when every queue the service consumes has a consumer: it is up and listening."""
    from kombu import Connection

    from services.kernel.nameko_ext import topology
    cls = _service_classes([args.service])[0]
    queues = [q.name for q in topology.handler_queues(cls)]
    if topology.rpc_queue(cls):
        queues.append(topology.rpc_queue(cls))
    idle = []
    try:
        with Connection(_amqp(args), connect_timeout=5) as connection:
            channel = connection.channel()
            for name in queues:
                try:
                    _, _, consumers = channel.queue_declare(name, passive=True)
                except Exception:  # noqa: BLE001  passive declare closes the channel on 404
                    channel = connection.channel()
                    consumers = 0
                if not consumers:
                    idle.append(name)
    except Exception as exc:  # noqa: BLE001
        print(f"{args.service}: broker unreachable: {exc}", file=sys.stderr)
        return 1
    if idle:
        print(f"{args.service}: no consumer on {', '.join(idle)}", file=sys.stderr)
        return 1
    print(f"{args.service}: healthy ({len(queues)} queues consumed)")
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


def cmd_prune(args) -> int:
    """Trim what only grows: published outbox rows and old processed-event markers."""
    from datetime import timedelta

    from services.kernel import idempotency
    from services.kernel.db import make_engine, session_factory, utcnow
    from services.kernel.relay import prune_published
    config = kconfig.load(args.config)
    before = utcnow() - timedelta(days=args.days)
    for name in args.services or [s for s in SERVICES if (kconfig.ROOT / "services" / s / "migrations").is_dir()]:
        engine = make_engine(kconfig.database_url(config, name))
        with session_factory(engine)() as session:
            published = prune_published(session, before)
            markers = idempotency.prune(session, before)
            markers += idempotency.prune_requests(session, before)
            session.commit()
        engine.dispose()
        print(f"{name}: removed {published} published outbox rows and {markers} processed markers "
              f"older than {args.days} days")
    return 0


def cmd_run(args) -> int:
    """Every Procfile process under supervisord, restarted when it dies (``make run``)."""
    import os

    from services import runner
    config_path = runner.write_config(args.data_dir, args.logs)
    print(f"supervisord: {config_path}  (cocreate ps / cocreate restart SERVICE)", flush=True)
    os.execv(runner.supervisord(config_path)[0], runner.supervisord(config_path))


def cmd_supervisorctl(args) -> int:
    import subprocess

    from services import runner
    words = ["status"] if args.command == "ps" else [args.command, *(args.services or ["all"])]
    return subprocess.call(runner.supervisorctl(args.data_dir, *words))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cocreate", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help="config.yaml to read (default: the repo's)")
    parser.add_argument("--amqp-uri", default=None, help="broker URL (default: from config)")
    sub = parser.add_subparsers(dest="command", required=True)

    topo = sub.add_parser("topology", help="exchanges and handler queues, declared before services start")
    topo.add_argument("action", choices=["write", "check", "apply", "import"],
                      help="write/check deploy/rabbitmq/definitions.json; apply it over AMQP; "
                           "import it through the management API")
    topo.add_argument("--management-url", default="http://127.0.0.1:15672")
    topo.set_defaults(func=cmd_topology)

    dlq = sub.add_parser("dlq", help="parked events: events a handler could not apply")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("ids", nargs="*", help="parked ids or event ids (replay)")
    dlq.add_argument("--all", action="store_true", help="replay every parked event")
    dlq.add_argument("--json", action="store_true", help="list as JSON")
    dlq.set_defaults(func=cmd_dlq)

    health = sub.add_parser("health", help="exit 0 when the service is consuming its queues")
    health.add_argument("service", choices=sorted(SERVICES))
    health.set_defaults(func=cmd_health)

    migrate = sub.add_parser("migrate", help="bring service databases to the latest schema")
    migrate.add_argument("services", nargs="*")
    migrate.set_defaults(func=cmd_migrate)

    prune = sub.add_parser("prune", help="trim published outbox rows and old processed markers")
    prune.add_argument("services", nargs="*")
    prune.add_argument("--days", type=int, default=90,
                       help="keep this many days (longer than any replay you may still need)")
    prune.set_defaults(func=cmd_prune)

    run = sub.add_parser("run", help="start every Procfile service; a service that dies is restarted")
    run.add_argument("--logs", default=None, help="write each service's log to DIR/<service>.log "
                                                   "instead of the terminal")
    run.add_argument("--data-dir", default=None, help="where supervisord keeps its socket "
                                                       "(default: COCREATE_DATA_DIR or var)")
    run.set_defaults(func=cmd_run)
    for name, what in (("ps", "the state of each service of `cocreate run`"),
                       ("restart", "restart services of `cocreate run` (default: all)"),
                       ("stop", "stop services of `cocreate run`"),
                       ("start", "start stopped services of `cocreate run`")):
        ctl = sub.add_parser(name, help=what)
        if name != "ps":
            ctl.add_argument("services", nargs="*")
        ctl.add_argument("--data-dir", default=None)
        ctl.set_defaults(func=cmd_supervisorctl)

    for name in SERVICES:
        if (Path(__file__).parent / name / "cli.py").exists():
            importlib.import_module(f"services.{name}.cli").register(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
