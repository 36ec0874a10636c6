"""``cocreate tokens ...``: operators issue, list and revoke API tokens (over RPC to ``identity``).

- ``cocreate tokens issue --name NAME --role ROLE --scope KIND:ID [--scope ...] [--expires DAYS]``
  prints the token once: it is not stored, only its digest, and cannot be shown again.
- ``cocreate tokens list [--json]``: every token with its role, scopes, expiry and status.
- ``cocreate tokens revoke ID``: refused from then on (the gateway's cache lives two seconds).
"""
from __future__ import annotations

import json
import sys

from services.kernel import config as kconfig


def _rpc(args, method: str, **kwargs):
    import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies
    from nameko.exceptions import UnknownService
    from nameko.standalone.rpc import ClusterRpcProxy
    config = kconfig.load(getattr(args, "config", None))
    uri = getattr(args, "amqp_uri", None) or config["AMQP_URI"]
    try:
        with ClusterRpcProxy({"AMQP_URI": uri}, timeout=getattr(args, "timeout", 30)) as cluster:
            return getattr(cluster.identity, method)(**kwargs)
    except UnknownService:
        raise SystemExit("identity service is not running (start it: make run)") from None


def _fail(exc) -> int:
    print(f"refused: {exc}", file=sys.stderr)
    for field, messages in (getattr(exc, "detail", {}).get("fields") or {}).items():
        print(f"  {field}: {'; '.join(map(str, messages))}", file=sys.stderr)
    return 1


def cmd_issue(args) -> int:
    from services.kernel.errors import CocreateError
    try:
        made = _rpc(args, "issue_token", payload={"name": args.name, "role": args.role,
                                                   "scopes": args.scope, "expires_days": args.expires,
                                                   "home": args.home})
    except CocreateError as exc:
        return _fail(exc)
    if args.json:
        print(json.dumps(made, ensure_ascii=False, indent=2))
        return 0
    print(made["token"])
    print(f"# token {made['id']} for {made['name']}: {made['role']} in {', '.join(made['scopes'])}, "
          f"expires {made['expires_at'][:10]}. Shown once: it is not stored and cannot be shown again.",
          file=sys.stderr)
    return 0


def cmd_list(args) -> int:
    rows = _rpc(args, "list_tokens")
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no tokens")
    for row in rows:
        print(f"{row['id']}  {row['status']:<8} {row['role']:<16} {','.join(row['scopes']):<30} "
              f"expires {row['expires_at'][:10]}  {row['name']}")
    return 0


def cmd_revoke(args) -> int:
    from services.kernel.errors import CocreateError
    try:
        row = _rpc(args, "revoke_token", token_id=args.id)
    except CocreateError as exc:
        return _fail(exc)
    print(f"revoked {row['id']} ({row['name']}) at {row['revoked_at']}")
    return 0


def register(subparsers) -> None:
    from services.kernel.identity import ROLES
    tokens = subparsers.add_parser("tokens", help="API tokens: issue, list, revoke")
    sub = tokens.add_subparsers(dest="tokens_command", required=True)
    issue = sub.add_parser("issue", help="issue a token (printed once)")
    issue.add_argument("--name", required=True, help="whom it is for (kept with the token, never logged)")
    issue.add_argument("--role", required=True, choices=ROLES)
    issue.add_argument("--scope", required=True, action="append",
                       help="KIND:ID, e.g. village:v-wgd (repeat for a hub household's households)")
    issue.add_argument("--home", default=None,
                       help="an official's own household (a cadre never approves points for it)")
    issue.add_argument("--expires", type=int, default=365, help="days until it expires (default 365)")
    issue.add_argument("--json", action="store_true", help="print the token and its record as JSON")
    issue.add_argument("--timeout", type=float, default=30)
    issue.set_defaults(func=cmd_issue)
    listing = sub.add_parser("list", help="every token with its status (never the secret)")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--timeout", type=float, default=30)
    listing.set_defaults(func=cmd_list)
    revoke = sub.add_parser("revoke", help="revoke a token: refused from then on")
    revoke.add_argument("id")
    revoke.add_argument("--timeout", type=float, default=30)
    revoke.set_defaults(func=cmd_revoke)
