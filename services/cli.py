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
PERMISSIONS = kconfig.ROOT / "deploy" / "rabbitmq" / "permissions.json"


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
        PERMISSIONS.write_text(topology.permissions_dumps(classes), encoding="utf-8")
        print(f"wrote {DEFINITIONS.relative_to(kconfig.ROOT)} and {PERMISSIONS.name}")
    elif args.action == "check":
        stale = [f for f, text in ((DEFINITIONS, topology.dumps(classes)),
                                   (PERMISSIONS, topology.permissions_dumps(classes)))
                 if not f.exists() or f.read_text(encoding="utf-8") != text]
        if stale:
            print(f"{DEFINITIONS.relative_to(kconfig.ROOT)} is out of date: run `make definitions`",
                  file=sys.stderr)
            return 1
        print("definitions up to date")
    elif args.action == "import":
        return _import_definitions(args)
    elif args.action == "boot":
        return _boot_definitions(args)
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
            return _import_users(args.management_url, auth)
        print(f"import refused: HTTP {response.status_code} {response.text[:300]}", file=sys.stderr)
        return 1
    return 1


EVENT_DOCS = kconfig.ROOT / "docs" / "events"


def cmd_docs(args) -> int:
    """The published event catalogue (AsyncAPI + JSON Schemas), from the marshmallow schemas."""
    from services.kernel import asyncapi, catalogue  # noqa: F401  (registers every event type)
    from services.kernel.events import DEFAULT_PUBLIC_URL
    # committed with the default address; the gateway serves them with the configured PUBLIC_URL
    if args.action == "write":
        written = asyncapi.write(EVENT_DOCS, DEFAULT_PUBLIC_URL)
        print(f"wrote {len(written)} files under {EVENT_DOCS.relative_to(kconfig.ROOT)}")
        return 0
    problems = asyncapi.stale(EVENT_DOCS, DEFAULT_PUBLIC_URL)
    for problem in problems:
        print(f"{EVENT_DOCS.relative_to(kconfig.ROOT)}/{problem} differs from the catalogue: run `make docs`",
              file=sys.stderr)
    if not problems:
        print("event documents up to date")
    return 1 if problems else 0
def _service_passwords() -> dict:
    """{broker user: password} from RABBITMQ_<SERVICE>_PASSWORD; a placeholder or unset one is refused."""
    import os
    spec = json.loads(PERMISSIONS.read_text(encoding="utf-8"))
    found = {}
    for entry in spec["permissions"]:
        variable = f"RABBITMQ_{entry['user'].removeprefix('cocreate-').upper()}_PASSWORD"
        password = os.environ.get(variable, "")
        kconfig.refuse_placeholders({}, {variable: password or "change-me"})
        found[entry["user"]] = password
    return found


def boot_definitions(admin: str, admin_password: str, passwords: dict) -> dict:
    """definitions.json made whole for a broker that loads it on boot: a node that imports
    definitions at boot seeds neither the default vhost nor the default user, so the file also
    carries the vhost, the administrator and one user per service with its permissions."""
    definitions = json.loads(DEFINITIONS.read_text(encoding="utf-8"))
    spec = json.loads(PERMISSIONS.read_text(encoding="utf-8"))
    vhost = spec["vhost"]
    users = [{"name": admin, "password": admin_password, "tags": ["administrator"]}]
    users += [{"name": e["user"], "password": passwords[e["user"]], "tags": []} for e in spec["permissions"]]
    permissions = [{"user": admin, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}]
    permissions += [{"user": e["user"], "vhost": vhost, **{k: e[k] for k in ("configure", "write", "read")}}
                    for e in spec["permissions"]]
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": permissions, **definitions}


def _boot_definitions(args) -> int:
    """compose's one-shot ``topology`` step: the file every broker node loads on boot
    (``definitions.local.path`` in deploy/rabbitmq/rabbitmq.conf)."""
    import os
    from pathlib import Path
    admin, admin_password = os.environ.get("RABBITMQ_USER", ""), os.environ.get("RABBITMQ_PASSWORD", "")
    try:
        kconfig.refuse_placeholders({}, {"RABBITMQ_PASSWORD": admin_password or "change-me"})
        if not admin:
            raise kconfig.PlaceholderSecret("RABBITMQ_USER is unset")
        passwords = _service_passwords()
    except kconfig.PlaceholderSecret as exc:
        print(f"{exc} (or it is unset)", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(json.dumps(boot_definitions(admin, admin_password, passwords), indent=1,
                                    ensure_ascii=False), encoding="utf-8")
    temporary.chmod(0o644)  # the broker reads it as its own user; the volume is mounted in the brokers only
    temporary.replace(out)
    print(f"wrote {out}: the topology, the vhost and {len(passwords) + 1} broker users, loaded on boot")
    return 0


def _import_users(management_url: str, auth) -> int:
    """One broker user per service (password from RABBITMQ_<SERVICE>_PASSWORD) with the
    permissions of deploy/rabbitmq/permissions.json: its own queues and exchanges only."""
    import os
    from urllib.parse import quote

    import requests
    spec = json.loads(PERMISSIONS.read_text(encoding="utf-8"))
    vhost = quote(spec["vhost"], safe="")
    for entry in spec["permissions"]:
        service = entry["user"].removeprefix("cocreate-")
        variable = f"RABBITMQ_{service.upper()}_PASSWORD"
        password = os.environ.get(variable, "")
        try:
            kconfig.refuse_placeholders({}, {variable: password or "change-me"})
        except kconfig.PlaceholderSecret as exc:
            print(f"{exc} (or it is unset)", file=sys.stderr)
            return 1
        user = quote(entry["user"], safe="")
        made = requests.put(f"{management_url}/api/users/{user}", auth=auth, timeout=10,
                            json={"password": password, "tags": ""})
        granted = requests.put(f"{management_url}/api/permissions/{vhost}/{user}", auth=auth, timeout=10,
                               json={k: entry[k] for k in ("configure", "write", "read")})
        if not (made.ok and granted.ok):
            print(f"{entry['user']}: refused: {made.status_code} {granted.status_code} {granted.text[:200]}",
                  file=sys.stderr)
            return 1
        print(f"broker user {entry['user']}: its own queues and exchanges only")
    return 0


def cmd_health(args) -> int:
    """Healthy when every queue the service consumes has a consumer: it is up and listening."""
    from kombu import Connection

    from services.kernel.nameko_ext import topology
    if args.service == "gateway":
        return _gateway_health(args)
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


def _gateway_health(args) -> int:
    """The gateway answers /healthz and reaches the broker with its own credentials (an HTTP
    answer alone would stay green while every RPC it sends fails)."""
    import requests
    from kombu import Connection
    config = kconfig.load(args.config)
    port = str(config.get("WEB_SERVER_ADDRESS") or "0.0.0.0:8000").rsplit(":", 1)[-1]
    try:
        with Connection(_amqp(args), connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).raise_for_status()
    except Exception as exc:  # noqa: BLE001
        print(f"gateway: unhealthy: {exc}", file=sys.stderr)
        return 1
    print("gateway: healthy (HTTP answers, broker reachable)")
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
    if args.command == "ps":
        words = ["status"]
    elif args.command == "shutdown":  # every service and supervisord itself: `make run` returns
        words = ["shutdown"]
    else:
        words = [args.command, *(args.services or ["all"])]
    return subprocess.call(runner.supervisorctl(args.data_dir, *words))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cocreate", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help="config.yaml to read (default: the repo's)")
    parser.add_argument("--amqp-uri", default=None, help="broker URL (default: from config)")
    sub = parser.add_subparsers(dest="command", required=True)

    topo = sub.add_parser("topology", help="exchanges and handler queues, declared before services start")
    topo.add_argument("action", choices=["write", "check", "apply", "import", "boot"],
                      help="write/check deploy/rabbitmq/definitions.json; apply it over AMQP; "
                           "import it through the management API; boot: write it with the vhost and "
                           "broker users for nodes that load it on boot (--out)")
    topo.add_argument("--management-url", default="http://127.0.0.1:15672")
    topo.add_argument("--out", default="/var/lib/cocreate/definitions/boot.json",
                      help="boot: where to write the file the broker nodes load")
    topo.set_defaults(func=cmd_topology)

    dlq = sub.add_parser("dlq", help="parked events: events a handler could not apply")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("ids", nargs="*", help="parked ids or event ids (replay)")
    dlq.add_argument("--all", action="store_true", help="replay every parked event")
    dlq.add_argument("--json", action="store_true", help="list as JSON")
    dlq.set_defaults(func=cmd_dlq)

    docs = sub.add_parser("docs", help="the event catalogue as AsyncAPI 3.0 and JSON Schemas (docs/events)")
    docs.add_argument("action", choices=["write", "check"])
    docs.set_defaults(func=cmd_docs)

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
                       ("start", "start stopped services of `cocreate run`"),
                       ("shutdown", "stop every service and `cocreate run` itself")):
        ctl = sub.add_parser(name, help=what)
        if name not in ("ps", "shutdown"):
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
