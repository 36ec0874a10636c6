"""``cocreate roster import|keygen`` and ``cocreate export``: village paperwork in and out.

``roster import`` writes straight to the service's own database (migrated first), in one
transaction per file, so it works with the services stopped; the events it stores are published
by the running service's outbox relay. ``export`` asks the running contributions service (which
asks scoring for points and rankings) and writes .xlsx or CSV.
Runnable alone as ``python -m services.contributions.cli``.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

PHASES = {"reading": "读取", "checking": "检查", "writing": "写入", "announcing": "通知"}


class Display:
    """One rich progress display over every phase of an import (reading, checking, writing,
    announcing); on a pipe rich prints nothing live, so only the summary lines remain."""

    def __init__(self, label: str, quiet: bool = False):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn)
        self.console = Console(stderr=True)
        self.quiet = quiet
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                                 transient=False, disable=quiet)
        self.label = label
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        task = self.tasks.get(phase)
        if task is None:
            task = self.tasks[phase] = self.progress.add_task(
                f"{self.label} {PHASES.get(phase, phase)}", total=total)
        self.progress.update(task, completed=done, total=total)


def _options(args):
    from . import roster
    mapping = None
    if args.mapping:
        mapping = roster.parse_mapping(Path(args.mapping).read_text(encoding="utf-8"))
    return roster.Options(args.town, args.village, args.town_name, args.village_name, mapping)


def _print_refusal(exc, stream) -> None:
    print(exc.detail.get("message", str(exc)), file=stream)


def _print_report(result: dict) -> None:
    report = result["report"]
    skipped = report["skipped"]
    names = {"title": "标题行", "blank": "空行", "totals": "合计行", "footer": "表尾", "header": "重复的表头"}
    parts = [f"{names.get(k, k)} {v['count']} 行（第{'、'.join(map(str, v['lines'][:10]))}行"
             f"{'……' if v['count'] > 10 else ''}）" for k, v in skipped.items() if v["count"]]
    print(f"  表头在第 {report['header_line']} 行" + (f"；跳过 {'，'.join(parts)}" if parts else ""))
    # 2组 -> 二组 is only a way of writing; several spellings or stray spaces deserve a line
    spellings: dict[str, list] = {}
    for rename in report["hamlet_names"]:
        spellings.setdefault(rename["read_as"], []).append(rename)
    simple = [group[0] for group in spellings.values()
              if len(group) == 1 and re.fullmatch(r"\d+组", group[0]["written"])]
    if simple:
        shown = "、".join(f"{r['written']}→{r['read_as']}" for r in simple[:12])
        print(f"  组别按统一写法导入：{shown}{' 等' if len(simple) > 12 else ''}")
    for canonical, group in spellings.items():
        if len(group) == 1 and group[0] in simple:
            continue
        written = "、".join(f"“{r['written']}”（{r['rows']} 行）" for r in group)
        print(f"  组别 {written} 都按“{canonical}”导入")
    if report["ignored_headers"]:
        print(f"  未使用的列：{'、'.join(report['ignored_headers'])}（需要时用 --mapping 对照）")


def cmd_import(args) -> int:
    from services.kernel import catalogue  # noqa: F401  (registers the event types)
    from services.kernel import config as kconfig
    from services.kernel.clock import SystemClock
    from services.kernel.db import make_engine, session_factory
    from services.kernel.errors import ValidationFailed
    from services.kernel.migrations import upgrade

    from services.kernel import spreadsheet

    from . import identity, roster

    config = kconfig.load(args.config)
    try:
        options = _options(args)
        vault = identity.Vault(identity.load_key(kconfig.data_dir(config)))
    except ValidationFailed as exc:
        for field, messages in exc.detail.get("fields", {}).items():
            for message in messages:
                print(f"{args.mapping}: {message}", file=sys.stderr)
        return 2
    except identity.MissingKey as exc:
        print(str(exc), file=sys.stderr)
        return 2
    url = args.database_url or kconfig.database_url(config, "contributions")
    upgrade("contributions", url)
    engine = make_engine(url)
    policy = None if args.no_rules else _policy(config)
    status = 0
    try:
        for path in args.files:
            path = Path(path)
            if not path.is_file():
                print(f"{path}: 没有这个文件", file=sys.stderr)
                status = 1
                continue
            with session_factory(engine)() as session, Display(path.name, args.quiet) as display:
                try:
                    result = roster.import_source(session, spreadsheet.Source.of_path(path), SystemClock(),
                                                  policy, options, display, apply=not args.check, vault=vault)
                    if args.check:
                        session.rollback()
                    else:
                        session.commit()
                except ValidationFailed as exc:
                    session.rollback()
                    display.progress.stop()
                    _print_refusal(exc, sys.stderr)
                    status = 1
                    continue
            _summary(path, result)
    finally:
        engine.dispose()
    return status


def _summary(path: Path, result: dict) -> None:
    labels = {"towns": "镇", "villages": "村", "hamlets": "组", "households": "户", "residents": "人"}
    if not result["applied"]:
        would = result["would_import"]
        print(f"{path.name}：检查通过，{result['rows']} 行；可导入 "
              + "、".join(f"{would[k]} {labels[k]}" for k in labels) + "（--check：没有写入任何数据）")
    elif result["changed"]:
        created, updated = result["created"], result["updated"]
        print(f"{path.name}：{result['rows']} 行；新建 "
              + "、".join(f"{v} {labels[k]}" for k, v in created.items() if v)
              + ("；更新 " + "、".join(f"{v} {labels[k]}" for k, v in updated.items() if v)
                 if any(updated.values()) else "")
              + f"；已通知 {result['households_announced']} 户")
    else:
        print(f"{path.name}：{result['rows']} 行；与花名册一致，没有任何改动")
    _print_report(result)


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


def cmd_keygen(_args) -> int:
    from . import identity
    print(identity.generate_key())
    print(f"# 把这一行设为环境变量 {identity.KEY_VARIABLE}，保存在密钥管理处；丢了它，已存的身份证号和电话就无法解密。",
          file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from nameko.standalone.rpc import ClusterRpcProxy

    import services.kernel.nameko_ext  # noqa: F401  registers our errors for RPC replies
    from services.kernel import config as kconfig
    from services.kernel import tables
    from services.kernel.errors import CocreateError

    config = kconfig.load(args.config)
    uri = getattr(args, "amqp_uri", None) or config["AMQP_URI"]
    query = {"village_id": args.village, "format": args.format}
    if args.period:
        query["period"] = args.period
    try:
        with ClusterRpcProxy({"AMQP_URI": uri}, timeout=args.timeout) as cluster:
            table = cluster.contributions.export_table(args.kind, query)
    except CocreateError as exc:
        print(f"导出失败：{exc.detail.get('message', exc) if isinstance(exc.detail, dict) else exc}",
              file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001  the services are down or unreachable
        print(f"导出失败：contributions 服务没有应答（{type(exc).__name__}: {exc}）", file=sys.stderr)
        return 1
    out = Path(args.output or f"{args.village}-{args.kind}.{args.format}")
    with open(out, "wb") as handle:
        tables.write(table, args.format, handle)
    print(f"{out}：{table['title']}，{len(table['rows']) - 1} 行（另有合计行）")
    return 0


def _batch_summary(answer: list) -> str:
    households = len({e["household_id"] for e in answer if e.get("household_id")})
    return f"已登记 {len(answer)} 条（{households} 户）"


def cmd_batch(args) -> int:
    from services.kernel import batches
    args.summary = _batch_summary
    common = {k: v for k, v in (("kind", args.kind), ("project_id", args.project), ("unit", args.unit),
                                ("source", args.source), ("recorded_by", args.recorded_by)) if v}
    return batches.send_file(args, "contributions", "record_batch", common)


def register(subparsers) -> None:
    roster_parser = subparsers.add_parser("roster", help="花名册 village rosters (contributions)")
    actions = roster_parser.add_subparsers(dest="roster_action", required=True)
    importer = actions.add_parser(
        "import", help="import .xlsx or CSV rosters as villages keep them: each file wholly or not at all")
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--town", default=None, help="镇编号, when the roster has no town column")
    importer.add_argument("--village", default=None, help="村编号, when the roster has no village column")
    importer.add_argument("--town-name", default=None, help="镇名 for a town new to the roster")
    importer.add_argument("--village-name", default=None, help="村名 for a village new to the roster")
    importer.add_argument("--mapping", default=None, metavar="FILE",
                          help="YAML: the file's header -> a known column, for unusual headers")
    importer.add_argument("--check", action="store_true", help="check and report only; write nothing")
    importer.add_argument("--database-url", default=None,
                          help="contributions database (default: from config)")
    importer.add_argument("--no-rules", action="store_true",
                          help="do not load the rule files (participation is recomputed later)")
    importer.add_argument("--quiet", action="store_true", help="no progress display")
    importer.set_defaults(func=cmd_import)
    keygen = actions.add_parser("keygen", help="a new COCREATE_PII_KEY (personal data encryption key)")
    keygen.set_defaults(func=cmd_keygen)

    contributions = subparsers.add_parser("contributions", help="四出 contributions in batches")
    contribution_actions = contributions.add_subparsers(dest="contributions_action", required=True)
    batch = contribution_actions.add_parser(
        "batch", help="a work day's labour list or a month's contributions from one .xlsx/.csv: all rows or none")
    batch.add_argument("file", metavar="FILE", help="columns 户号 (household), 数量, 金额, 类别, 项目 … as needed")
    batch.add_argument("--kind", choices=["people", "money", "labour", "materials"], default=None,
                       help="the kind of every row (else a 类别 column)")
    batch.add_argument("--project", default=None, help="项目编号 of every row")
    batch.add_argument("--unit", choices=["hours", "days"], default=None, help="labour: hours or days (工日)")
    batch.add_argument("--source", choices=["grant", "sponsor", "crowd"], default=None, help="money: its source")
    batch.add_argument("--recorded-by", default=None, help="who recorded the list")
    batch.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    batch.add_argument("--timeout", type=float, default=120)
    batch.set_defaults(func=cmd_batch)

    export = subparsers.add_parser("export", help="tables for the paper board and the county (.xlsx, CSV)")
    export.add_argument("kind", choices=["households", "contributions", "points", "rankings", "accounts"])
    export.add_argument("--village", required=True, help="村编号")
    export.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    export.add_argument("--period", default=None, help="points/rankings: 2026, 2026H1 or 2026Q2 (default: this year)")
    export.add_argument("--output", "-o", default=None, help="file to write (default: VILLAGE-KIND.FORMAT)")
    export.add_argument("--timeout", type=float, default=120)
    export.set_defaults(func=cmd_export)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.contributions.cli")
    parser.add_argument("--config", default=None, help="config.yaml to read (default: the repo's)")
    parser.add_argument("--amqp-uri", default=None, help="broker URL (default: from config)")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
