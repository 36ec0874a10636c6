"""``cocreate rules ...``: what policy staff run after editing a rule file.

- ``cocreate rules validate [--dir rules]``: every file against the published schema; each
  problem with its file, line and what was expected. Exit status 1 when any.
- ``cocreate rules test [--dir rules]``: the staff's cases in ``rules/tests/``; which fail and why.
- ``cocreate rules publish [--dir rules] -m WHY [--accept-warnings]``: the only way a change
  reaches a decision: the whole draft is validated, every staff case and the invariants run, and
  only then are the changed files published (atomically, into the rules service's history).
- ``cocreate rules status [--dir rules]``: the published versions in force, and what of the
  draft differs from them.
- ``cocreate rules history [AREA]`` / ``show AREA --version N`` / ``diff AREA N M``: who
  published what, when and why, and the texts.
- ``cocreate rules replay [--dir DRAFT] [--area A] [--since DATE] [--out x.csv|x.xlsx]``: the
  stored decisions the draft would decide differently; ``case-from ID`` makes a case of one.
- ``cocreate rules reload``: the running rules service reads the published versions again.

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
    from . import cases, invariants, loader
    directory = _directory(args)
    policies, problems = loader.load_dir(directory)
    _, case_problems = cases.load_cases(cases.tests_dir(directory))
    problems += case_problems
    warnings = []
    if policies:
        errors, warnings = invariants.check(policies)
        problems += errors
    for problem in problems:
        print(_problem_line(problem.to_dict()), file=sys.stderr)
    for problem in warnings:
        print("警告 warning" + _problem_line(problem.to_dict()), file=sys.stderr)
    if problems:
        print(f"{len(problems)} 个问题：这些文件不能发布 — {len(problems)} problem(s): nothing of these files "
              f"would be published", file=sys.stderr)
        return 1
    for policy in sorted(policies.values(), key=lambda p: p.area):
        print(f"ok  {policy.file}  {policy.area} v{policy.version}  ({len(policy.rules)} rules)")
    if warnings:
        print(f"{len(warnings)} 条警告：发布时需要 --accept-warnings — {len(warnings)} warning(s)")
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
        for problem in exc.problems:
            print(_problem_line(problem.to_dict()), file=sys.stderr)
        print("先改好规则文件（cocreate rules validate） — fix the rule files first", file=sys.stderr)
        return 1
    results, problems = cases.run_all(book, cases.tests_dir(directory))
    for problem in problems:
        print(_problem_line(problem.to_dict()), file=sys.stderr)
    failed = [r for r in results if not r.ok]
    for result in results:
        mark = "ok  " if result.ok else "未通过 FAIL"
        print(f"{mark} {result.case.file}:{result.case.line}  {result.case.name}")
        for failure in result.failures:
            print(f"       {failure}")
    print(f"{len(results) - len(failed)} 个通过，{len(failed)} 个未通过"
          + (f"，{len(problems)} 个文件问题" if problems else "")
          + f" — {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or problems else 0


def _rpc(args, method: str, *call_args):
    from nameko.standalone.rpc import ClusterRpcProxy
    config = kconfig.load(getattr(args, "config", None))
    uri = getattr(args, "amqp_uri", None) or config["AMQP_URI"]
    with ClusterRpcProxy({"AMQP_URI": uri}, timeout=getattr(args, "timeout", 30)) as cluster:
        return getattr(cluster.rules, method)(*call_args)


def _problem_line(problem: dict) -> str:
    where = f"{problem['file']}:{problem['line']}" if problem.get("line") else problem["file"]
    tail = f"\n      应写 (expected)：{problem['expected']}" if problem.get("expected") else ""
    return f"  {where}: {problem['message']}{tail}"


def _print_refusal(detail: dict) -> None:
    print(detail.get("message", "refused"), file=sys.stderr)
    for problem in detail.get("problems") or []:
        print(_problem_line(problem), file=sys.stderr)
    for failure in detail.get("failures") or []:
        print(f"  用例未通过 FAIL {failure['file']}:{failure['line']}  {failure['case']}", file=sys.stderr)
        for line in failure["failures"]:
            print(f"       {line}", file=sys.stderr)
    warnings = detail.get("warnings") or []
    if warnings:
        print("警告 (warnings)：", file=sys.stderr)
        for problem in warnings:
            print(_problem_line(problem), file=sys.stderr)
    if not any(detail.get(k) for k in ("problems", "failures", "warnings")):
        for field, messages in (detail.get("fields") or {}).items():
            print(f"  {field}: {'; '.join(map(str, messages))}", file=sys.stderr)


def cmd_reload(args) -> int:
    from services.kernel.errors import ValidationFailed
    import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies
    try:
        status = _rpc(args, "reload")
    except ValidationFailed as exc:
        print("重新读取已发布的版本被拒绝，现行规则不变 — reload refused; the rules in force are unchanged:",
              file=sys.stderr)
        for problem in exc.detail.get("problems", []):
            print(_problem_line(problem), file=sys.stderr)
        return 1
    _print_status(status)
    return 0


def read_draft(directory: Path) -> tuple[dict, dict, list]:
    """The draft's policy files and staff cases as texts; files that are not text are problems."""
    from . import loader
    files, cases, problems = {}, {}, []
    for path in loader.policy_files(directory):
        text, more = loader.decode(path.read_bytes(), loader._display(path))  # noqa: SLF001
        problems += more
        if text is not None:
            files[path.name] = text
    tests = directory / "tests"
    for path in sorted(tests.glob("*.yaml")) if tests.is_dir() else []:
        text, more = loader.decode(path.read_bytes(), loader._display(path))  # noqa: SLF001
        problems += more
        if text is not None:
            cases[path.name] = text
    return files, cases, problems


def cmd_publish(args) -> int:
    import getpass
    from services.kernel.errors import ValidationFailed
    import services.kernel.nameko_ext  # noqa: F401
    directory = _directory(args)
    files, cases, problems = read_draft(directory)
    if problems:
        for problem in problems:
            print(_problem_line(problem.to_dict()), file=sys.stderr)
        print("发布被拒绝，什么都没有发布 — publish refused, nothing was published", file=sys.stderr)
        return 1
    payload = {"files": files, "cases": cases, "message": args.message,
               "author": args.author or getpass.getuser(), "accept_warnings": args.accept_warnings}
    try:
        result = _rpc(args, "publish", payload)
    except ValidationFailed as exc:
        _print_refusal(exc.detail)
        return 1
    print(result["message"])
    for change in result["files"]:
        before = f"v{change['previous_version']}" if change["previous_version"] is not None else "新"
        print(f"  {change['area']:<18} {before} -> v{change['version']}  {change['file']}")
    if result.get("warnings"):
        print("已确认的警告 (acknowledged warnings):")
        for warning in result["warnings"]:
            print(f"  {warning}")
    print(f"{result.get('cases_run', 0)} 个用例全部通过 (staff cases passed)")
    return 0


def cmd_status(args) -> int:
    import hashlib
    import services.kernel.nameko_ext  # noqa: F401
    status = _rpc(args, "status")
    if getattr(args, "json", False):
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    _print_status(status)
    directory = _directory(args)
    if not directory.is_dir():
        return 0
    from . import loader
    published = {f["file"].rsplit("/", 1)[-1]: f for f in status["files"]}
    draft = {p.name: p for p in loader.policy_files(directory)}
    print(f"\n草稿 {directory} 与已发布版本的差别 (draft vs published):")
    differences = 0
    for name in sorted(set(published) | set(draft)):
        item = published.get(name)
        if name not in draft:
            print(f"  {name:<24} 草稿里没有（已发布 v{item['version']}） — missing from the draft")
            differences += 1
            continue
        raw = draft[name].read_bytes()
        text, problems = loader.decode(raw, name)
        source, more = loader.parse_text(text, name, name) if text is not None else (None, problems)
        version = source.data.get("version") if source is not None and isinstance(source.data, dict) else "?"
        if item is None:
            print(f"  {name:<24} 新文件 v{version}，未发布 — new, not published")
            differences += 1
        elif item.get("sha256") != hashlib.sha256(raw).hexdigest():
            note = "" if version != item["version"] else "（版本号没改，发布前要加一）"
            print(f"  {name:<24} 已改动 v{item['version']} -> 草稿 v{version}{note} — changed, not published")
            differences += 1
    if not differences:
        print("  没有差别 — the draft is what is published")
    return 0


def _print_status(status: dict) -> None:
    print(f"现行规则（已发布版本，第 {status['generation']} 代，{status['loaded_at']} 读取）"
          f" rules in force ({status['directory']}):")
    for item in status["files"]:
        who = f"  {item['published_at'][:16]} {item['author']}" if item.get("published_at") else ""
        print(f"  {item['policy']:<18} v{item['version']:<4} {item['file']}{who}")


def cmd_history(args) -> int:
    import services.kernel.nameko_ext  # noqa: F401
    rows = _rpc(args, "history", {"area": args.area, "limit": args.limit})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("没有发布记录 — nothing published" + (f" for {args.area}" if args.area else ""))
    for row in rows:
        cases = f"用例 {row['cases_sha256'][:8]}" if row.get("cases_sha256") else "无用例"
        print(f"{row['published_at'][:19]}  {row['area']:<18} v{row['version']:<4} {row['author']:<16} "
              f"{row['message']}  [{cases}]")
        for warning in row.get("warnings") or []:
            print(f"{'':>24}已确认警告: {warning}")
    return 0


def cmd_show(args) -> int:
    from services.kernel.errors import NotFound
    import services.kernel.nameko_ext  # noqa: F401
    try:
        row = _rpc(args, "show", args.area, args.version)
    except NotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"# {row['file']} v{row['version']}，{row['published_at'][:19]} 由 {row['author']} 发布：{row['message']}",
          file=sys.stderr)
    if getattr(args, "cases", False):
        if row.get("cases") is None:
            print(f"# v{row['version']} 发布时没有 tests/{row['file']} 用例 — published without staff cases",
                  file=sys.stderr)
            return 0
        print(f"# 发布时通过的 {row.get('cases_count')} 个用例 tests/{row['file']} — the cases it was published with",
              file=sys.stderr)
        sys.stdout.write(row["cases"])
        return 0
    sys.stdout.write(row["text"])
    return 0


def cmd_diff(args) -> int:
    from services.kernel.errors import NotFound
    import services.kernel.nameko_ext  # noqa: F401
    try:
        result = _rpc(args, "diff", args.area, args.old, args.new)
    except NotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    for end in ("from", "to"):
        row = result[end]
        print(f"# v{row['version']}: {row['published_at'][:19]} {row['author']}：{row['message']}")
    sys.stdout.write(result["diff"] or "（两个版本内容相同 — identical）\n")
    return 0


def _decisions(args):
    """Every stored decision of the area since the date, a page at a time, oldest first."""
    after = None
    while True:
        page = _rpc(args, "decisions", {"area": args.area, "since": args.since, "limit": 500, "after": after})
        yield from page["items"]
        after = page["next"]
        if not after:
            return


def replay(book, stored: dict) -> dict | None:
    """The stored decision re-decided by ``book``: None when nothing would change."""
    from services.kernel.errors import CocreateError
    try:
        new = book.decide(stored["area"], stored["facts"])
        now = {"outcome": new["outcome"], "rule": new["rule"]["id"], "version": new["rule"]["version"],
               "values": new["values"], "reason": new["reason"]}
    except CocreateError as exc:
        now = {"outcome": f"refused: {exc}", "rule": "", "version": "", "values": {}, "reason": str(exc)}
    changed = sorted(k for k in set(stored["values"]) | set(now["values"])
                     if stored["values"].get(k) != now["values"].get(k))
    if now["outcome"] == stored["outcome"] and now["rule"] == stored["rule"] and not changed:
        return None
    return {"decision_id": stored["id"], "decided_at": stored["decided_at"], "area": stored["area"],
            "was": f"{stored['outcome']} ({stored['rule']} v{stored['version']})",
            "would_be": f"{now['outcome']} ({now['rule']} v{now['version']})" if now["rule"] else now["outcome"],
            "changed_values": ", ".join(changed),
            "values_before": json.dumps({k: stored["values"].get(k) for k in changed}, ensure_ascii=False),
            "values_after": json.dumps({k: now["values"].get(k) for k in changed}, ensure_ascii=False),
            "reason_after": now["reason"]}


REPLAY_COLUMNS = [("decision_id", "决定编号"), ("decided_at", "决定时间"), ("area", "领域"),
                  ("was", "原来的结果"), ("would_be", "草稿下的结果"), ("changed_values", "变化的值"),
                  ("values_before", "原来的值"), ("values_after", "草稿下的值"), ("reason_after", "草稿下的理由")]


def write_table(rows: list[dict], path: Path) -> None:
    """CSV (UTF-8 with BOM, so Excel opens it in Chinese) or .xlsx, with Chinese headers."""
    headers = [zh for _, zh in REPLAY_COLUMNS]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        book = Workbook()
        sheet = book.active
        sheet.title = "会变的决定"
        sheet.append(headers)
        for row in rows:
            sheet.append([str(row[key]) for key, _ in REPLAY_COLUMNS])
        book.save(path)
        return
    import csv
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row[key] for key, _ in REPLAY_COLUMNS])


def cmd_replay(args) -> int:
    import logging
    from . import loader
    from .engine import PolicyBook
    import services.kernel.nameko_ext  # noqa: F401
    logging.getLogger("services.rules").setLevel(logging.ERROR)
    directory = _directory(args)
    try:
        book = PolicyBook(directory)
    except loader.RulesInvalid as exc:
        for problem in exc.problems:
            print(_problem_line(problem.to_dict()), file=sys.stderr)
        print("草稿有问题，先改好（cocreate rules validate） — fix the draft first", file=sys.stderr)
        return 1
    total, changes = 0, []
    try:
        for stored in _decisions(args):
            total += 1
            change = replay(book, stored)
            if change is not None:
                changes.append(change)
    finally:
        book.close()
    for row in changes:
        print(f"{row['decided_at'][:19]}  {row['area']:<16} {row['decision_id'][:8]}  "
              f"{row['was']}  ->  {row['would_be']}"
              + (f"  [{row['changed_values']}: {row['values_before']} -> {row['values_after']}]"
                 if row["changed_values"] else ""))
    print(f"重放 {total} 条已存的决定，按草稿 {directory} 有 {len(changes)} 条会变"
          f" — replayed {total} stored decisions, {len(changes)} would change")
    if args.out:
        write_table(changes, Path(args.out))
        print(f"已写入 {args.out}")
    return 0


def case_from(stored: dict) -> dict:
    return {"name": f"{stored['reason'] or stored['outcome']}（来自决定 {stored['id'][:8]}）",
            "given": stored["facts"],
            "expect": {"outcome": stored["outcome"], "rule": stored["rule"], "values": stored["values"]}}


def cmd_case_from(args) -> int:
    import yaml
    from services.kernel.errors import NotFound
    from . import cases as case_files
    import services.kernel.nameko_ext  # noqa: F401
    try:
        stored = _rpc(args, "decision", args.decision_id)
    except NotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    case = case_from(stored)
    snippet = yaml.safe_dump([case], allow_unicode=True, sort_keys=False, width=100)
    header = (f"# 来自 {stored['area']} v{stored['version']} 在 {stored['decided_at'][:19]} 的决定 {stored['id']}\n")
    if not args.append:
        print(header + "policy: " + stored["area"] + "\ncases:\n" + _indent(snippet))
        return 0
    path = _directory(args) / "tests" / f"{stored['area']}.yaml"
    before = path.read_text(encoding="utf-8") if path.exists() else None
    text = (before.rstrip("\n") + "\n" if before else f"policy: {stored['area']}\ncases:\n") + _indent(header + snippet)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _, problems = case_files.load_cases(path.parent)
    mine = [p for p in problems if p.file.endswith(path.name)]
    if mine:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
        for problem in mine:
            print(_problem_line(problem.to_dict()), file=sys.stderr)
        print(f"没有写入 {path}（文件末尾不是 cases: 列表？） — not appended", file=sys.stderr)
        return 1
    print(f"已加到 {path}（cocreate rules test 运行它） — appended")
    return 0


def cmd_export(args) -> int:
    from . import table
    directory = _directory(args)
    path = directory / f"{args.area}.yaml"
    if not path.exists():
        print(f"草稿文件夹 {directory} 里没有 {args.area}.yaml — no such rule file", file=sys.stderr)
        return 1
    try:
        rows = table.export_area(path.read_text(encoding="utf-8"), args.area, Path(args.xlsx))
    except table.TableError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    print(f"已导出 {path} 的 {rows} 个值到 {args.xlsx}：改 C 列“值”，再 cocreate rules import-table {args.xlsx}"
          f" — exported {rows} values")
    return 0


def cmd_import_table(args) -> int:
    from . import table
    try:
        result = table.import_table(Path(args.file), _directory(args))
    except table.TableError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("表格没有写回草稿 — nothing was written", file=sys.stderr)
        return 1
    if not result["changes"]:
        print(f"表格与草稿 {result['file']} 相同，没有改动 — no changes")
        return 0
    for change in result["changes"]:
        print(f"{change['where']}  {change['path']}: {change['old']!r} -> {change['new']!r}")
    print(f"已写回草稿 {result['file']}：改了 {len(result['changes'])} 处 — written")
    if not result["version_changed"]:
        print("提醒：发布前把版本号加一（“文件”表的 version，或直接改文件），再 cocreate rules test、"
              "cocreate rules publish -m \"理由\" — bump the version before publishing")
    return 0


def _indent(text: str) -> str:
    return "".join(("  " + line if line.strip() else line) for line in text.splitlines(keepends=True))


def register(subparsers) -> None:
    rules = subparsers.add_parser("rules", help="policy files: validate, test, publish, history, replay")
    sub = rules.add_subparsers(dest="rules_command", required=True)

    def with_dir(parser, what="the draft folder"):
        parser.add_argument("--dir", default=None, help=f"{what} (default: RULES_DIR of the config)")
        return parser

    def remote(parser):
        parser.add_argument("--timeout", type=float, default=30)
        return parser

    with_dir(sub.add_parser("validate", help="check every rule file against the published schema")
             ).set_defaults(func=cmd_validate)
    with_dir(sub.add_parser("test", help="run the staff's cases in <dir>/tests/")).set_defaults(func=cmd_test)
    publish = remote(with_dir(sub.add_parser(
        "publish", help="validate, run every case and the invariants, then publish the changed files")))
    publish.add_argument("--message", "-m", required=True, help="why (kept in the history, shown under 公示)")
    publish.add_argument("--accept-warnings", action="store_true", help="publish despite the warnings shown")
    publish.add_argument("--author", default=None, help=argparse.SUPPRESS)  # default: the OS user
    publish.set_defaults(func=cmd_publish, timeout=120)
    remote(sub.add_parser("reload", help="make the running rules service read the published versions again")
           ).set_defaults(func=cmd_reload)
    status = remote(with_dir(sub.add_parser("status", help="the published versions in force, and the draft's differences")))
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    history = remote(sub.add_parser("history", help="who published which version, when and why"))
    history.add_argument("area", nargs="?", default=None)
    history.add_argument("--limit", type=int, default=200)
    history.add_argument("--json", action="store_true")
    history.set_defaults(func=cmd_history)
    show = remote(sub.add_parser("show", help="the full text of a published version"))
    show.add_argument("area")
    show.add_argument("--version", type=int, required=True)
    show.add_argument("--cases", action="store_true", help="the staff's case file this version was published with")
    show.set_defaults(func=cmd_show)
    diff = remote(sub.add_parser("diff", help="what changed between two published versions"))
    diff.add_argument("area")
    diff.add_argument("old", type=int)
    diff.add_argument("new", type=int)
    diff.set_defaults(func=cmd_diff)
    replay_cmd = remote(with_dir(sub.add_parser(
        "replay", help="stored decisions whose outcome or values the draft would change")))
    replay_cmd.add_argument("--area", default=None)
    replay_cmd.add_argument("--since", default=None, help="YYYY-MM-DD")
    replay_cmd.add_argument("--out", default=None, help="also write the table: .csv or .xlsx")
    replay_cmd.set_defaults(func=cmd_replay, timeout=60)
    case = remote(with_dir(sub.add_parser("case-from", help="a staff case from a stored decision")))
    case.add_argument("decision_id")
    case.add_argument("--append", action="store_true", help="append it to <dir>/tests/<area>.yaml")
    case.set_defaults(func=cmd_case_from)
    export = with_dir(sub.add_parser("export", help="an area's parameters and rules as an Excel sheet (Chinese labels)"))
    export.add_argument("area")
    export.add_argument("--xlsx", required=True, help="the workbook to write")
    export.set_defaults(func=cmd_export)
    back = with_dir(sub.add_parser("import-table", help="an edited sheet back into the draft's YAML file, checked"))
    back.add_argument("file", help="the .xlsx written by export, edited")
    back.set_defaults(func=cmd_import_table)


COMMANDS = ("validate", "test", "publish", "reload", "status", "history", "show", "diff", "replay", "case-from",
            "export", "import-table")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.rules.cli")
    parser.add_argument("--config", default=None)
    parser.add_argument("--amqp-uri", default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    # Accept both `python -m services.rules.cli validate` and `... rules validate`.
    argv = list(sys.argv[1:] if argv is None else argv)
    if "rules" not in argv:
        at = next((i for i, a in enumerate(argv) if a in COMMANDS), len(argv))
        argv.insert(at, "rules")
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
