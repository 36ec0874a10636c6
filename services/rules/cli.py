"""``cocreate rules ...``: what policy staff run after editing a rule file.

- ``cocreate rules validate [--dir rules]``: every file against the published schema; each
  problem with its file, line and what was expected. Exit status 1 when any.
- ``cocreate rules test [--dir rules]``: the staff's cases in ``rules/tests/``; which fail and why.
- ``cocreate rules reload``: the running rules service reads the files again; if any file has a
  problem, the rules in force stay and the problems are printed.
- ``cocreate rules status``: the files in force in the running service, with their versions.

Also runnable alone: ``python -m services.rules.cli validate``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.kernel import config as kconfig


def _directory(args) -> Path:
    if getattr(args, "dir", None):
        return Path(args.dir)
    from .engine import rules_dir
    return rules_dir(kconfig.load(getattr(args, "config", None)))


def cmd_validate(args) -> int:
    from . import cases, loader
    directory = _directory(args)
    policies, problems = loader.load_dir(directory)
    _, case_problems = cases.load_cases(cases.tests_dir(directory))
    problems += case_problems
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s): nothing of these files would be applied", file=sys.stderr)
        return 1
    for policy in sorted(policies.values(), key=lambda p: p.area):
        print(f"ok  {policy.file}  {policy.area} v{policy.version}  ({len(policy.rules)} rules)")
    return 0


def cmd_test(args) -> int:
    import logging
    from . import cases, loader
    logging.getLogger("services.rules").setLevel(logging.ERROR)  # the cases' own output says it all
    from .engine import PolicyBook
    directory = _directory(args)
    try:
        book = PolicyBook(directory)
    except loader.RulesInvalid as exc:
        print(exc, file=sys.stderr)
        print("fix the rule files first (cocreate rules validate)", file=sys.stderr)
        return 1
    results, problems = cases.run_all(book, cases.tests_dir(directory))
    for problem in problems:
        print(problem, file=sys.stderr)
    failed = [r for r in results if not r.ok]
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        print(f"{mark} {result.case.file}:{result.case.line}  {result.case.name}")
        for failure in result.failures:
            print(f"       {failure}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed"
          + (f", {len(problems)} file problem(s)" if problems else ""))
    return 1 if failed or problems else 0


def _rpc(args, method: str, *call_args):
    from nameko.standalone.rpc import ClusterRpcProxy
    config = kconfig.load(getattr(args, "config", None))
    uri = getattr(args, "amqp_uri", None) or config["AMQP_URI"]
    with ClusterRpcProxy({"AMQP_URI": uri}, timeout=getattr(args, "timeout", 30)) as cluster:
        return getattr(cluster.rules, method)(*call_args)


def cmd_reload(args) -> int:
    from services.kernel.errors import ValidationFailed
    import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies
    try:
        status = _rpc(args, "reload")
    except ValidationFailed as exc:
        print("reload refused; the rules in force are unchanged:", file=sys.stderr)
        for problem in exc.detail.get("problems", []):
            where = f"{problem['file']}:{problem['line']}" if problem.get("line") else problem["file"]
            tail = f" (expected: {problem['expected']})" if problem.get("expected") else ""
            print(f"  {where}: {problem['message']}{tail}", file=sys.stderr)
        return 1
    _print_status(status)
    return 0


def cmd_status(args) -> int:
    import services.kernel.nameko_ext  # noqa: F401
    status = _rpc(args, "status")
    if getattr(args, "json", False):
        print(json.dumps(status, ensure_ascii=False, indent=2))
    else:
        _print_status(status)
    return 0


def _print_status(status: dict) -> None:
    print(f"rules in force (generation {status['generation']}, loaded {status['loaded_at']}):")
    for item in status["files"]:
        print(f"  {item['policy']:<18} v{item['version']:<4} {item['file']}")


def register(subparsers) -> None:
    rules = subparsers.add_parser("rules", help="policy files: validate, test, reload")
    sub = rules.add_subparsers(dest="rules_command", required=True)
    validate = sub.add_parser("validate", help="check every rule file against the published schema")
    validate.add_argument("--dir", default=None, help="the rules folder (default: RULES_DIR of the config)")
    validate.set_defaults(func=cmd_validate)
    test = sub.add_parser("test", help="run the staff's cases in rules/tests/")
    test.add_argument("--dir", default=None, help="the rules folder (default: RULES_DIR of the config)")
    test.set_defaults(func=cmd_test)
    reload = sub.add_parser("reload", help="make the running rules service read the files again")
    reload.add_argument("--timeout", type=float, default=30)
    reload.set_defaults(func=cmd_reload)
    status = sub.add_parser("status", help="the files in force in the running rules service")
    status.add_argument("--json", action="store_true")
    status.add_argument("--timeout", type=float, default=30)
    status.set_defaults(func=cmd_status)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.rules.cli")
    parser.add_argument("--config", default=None)
    parser.add_argument("--amqp-uri", default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    # Accept both `python -m services.rules.cli validate` and `... rules validate`.
    argv = list(sys.argv[1:] if argv is None else argv)
    if "rules" not in argv:
        at = next((i for i, a in enumerate(argv) if a in ("validate", "test", "reload", "status")), len(argv))
        argv.insert(at, "rules")
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
