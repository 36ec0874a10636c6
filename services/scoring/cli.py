"""``cocreate ratings sheet FILE``: a hamlet's quarterly rating sheet (.xlsx or CSV with the
columns 户号 and 星级) sent whole to the running scoring service: all rows rated, or none and
every bad row named."""
from __future__ import annotations


def _summary(answer: dict) -> str:
    points = sum(r["points"] for r in answer["ratings"])
    return (f"{answer['hamlet_id']} {answer['quarter']}：评了 {len(answer['ratings'])} 户，"
            f"待审核积分 {points} 分（评比表 {answer['sheet_id']}）")


def cmd_sheet(args) -> int:
    from services.kernel import batches
    args.summary = _summary
    return batches.send_file(args, "scoring", "rate_sheet", {
        "hamlet_id": args.hamlet, "quarter": args.quarter, "rated_by": args.rated_by})


def register(subparsers) -> None:
    ratings = subparsers.add_parser("ratings", help="乡风文明评比 quarterly rating sheets (scoring)")
    actions = ratings.add_subparsers(dest="ratings_action", required=True)
    sheet = actions.add_parser("sheet", help="rate a hamlet's households for a quarter from one sheet")
    sheet.add_argument("file", metavar="FILE", help=".xlsx or .csv with the columns 户号, 星级")
    sheet.add_argument("--hamlet", required=True, help="垸组编号")
    sheet.add_argument("--quarter", required=True, help="2026Q2")
    sheet.add_argument("--rated-by", required=True, help="评议人 (who rated: the board or cadre's id)")
    sheet.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    sheet.add_argument("--timeout", type=float, default=120)
    sheet.set_defaults(func=cmd_sheet)
