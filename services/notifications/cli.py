"""``cocreate deliveries``: webhook and email deliveries that exhausted their retries.

They are kept (status failed) with the last error; an operator lists them and, once the
receiver is fixed, replays them: back into the subscriber's lane, in order, with the same
``webhook-id`` as before so the receiver can tell a replay from a new event.
"""
from __future__ import annotations

import json
import sys

from services.kernel import config as kconfig


def _rpc(args, method: str, **kwargs):
    from nameko.standalone.rpc import ClusterRpcProxy

    import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies
    config = kconfig.load(getattr(args, "config", None))
    uri = getattr(args, "amqp_uri", None) or config["AMQP_URI"]
    with ClusterRpcProxy({"AMQP_URI": uri}, timeout=args.timeout) as cluster:
        return getattr(cluster.notifications, method)(**kwargs)


def cmd_deliveries(args) -> int:
    if args.action == "list":
        rows = _rpc(args, "failed_deliveries", subscription_id=args.subscription)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        if not rows:
            print("no failed deliveries")
        for row in rows:
            print(f"{row['id']}  subscription={row['subscription_id']} ({row['subscriber']})  "
                  f"{row['event_type']} event={row['event_id']}  attempts={row['attempts']}\n"
                  f"    {row['last_error']}")
        return 0
    ids = None if args.all else [int(i) for i in args.ids]
    if ids is not None and not ids and args.subscription is None:
        print("name the delivery ids to replay, or --subscription sub_..., or --all", file=sys.stderr)
        return 2
    replayed = _rpc(args, "replay_deliveries", delivery_ids=ids or None, subscription_id=args.subscription)
    for ident in replayed:
        print(f"replaying delivery {ident}")
    missing = sorted(set(ids or []) - set(replayed))
    for ident in missing:
        print(f"not failed, or its subscription ended: {ident}", file=sys.stderr)
    return 1 if missing else 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("deliveries", help="failed webhook and email deliveries: list, replay")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("ids", nargs="*", help="delivery ids (replay)")
    parser.add_argument("--subscription", default=None, help="only this subscription's (its id, sub_...)")
    parser.add_argument("--all", action="store_true", help="replay every failed delivery")
    parser.add_argument("--json", action="store_true", help="list as JSON")
    parser.add_argument("--timeout", type=float, default=30)
    parser.set_defaults(func=cmd_deliveries)
