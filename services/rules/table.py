"""A rule file as a spreadsheet, for policy staff who live in Excel (表格视图).

``export_area`` writes one area's file as a workbook: every value of the file (its version and
title, every parameter, every rule's parts) is one row with its place in the file (位置), a
Chinese name (名称), the value (值), its kind (类型) and the comment written beside it in the
file (说明). ``import_table`` reads such a workbook back into the draft's YAML file, changing
*only* the values that were edited, in place: comments, order and layout of the file are
kept, so the draft differs from before by exactly the edited values. The result is checked
like any draft (the same loader and schema); a problem names the sheet, row and column.
Nothing is published here: ``cocreate rules publish`` does that, with its history.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import loader

SHEETS = {"file": "文件", "params": "参数", "rules": "规则"}
HEADER = ("位置 path", "名称", "值", "类型", "说明（文件里的注释）")
COL_PATH, COL_NAME, COL_VALUE, COL_KIND = 1, 2, 3, 4
COLUMN_LETTER = {COL_PATH: "A", COL_NAME: "B", COL_VALUE: "C", COL_KIND: "D"}
KINDS = {"int": "整数", "float": "小数", "bool": "是否（是/否）", "str": "文字", "null": "空", "list": "列表（[甲, 乙]）"}
KIND_OF_LABEL = {label: kind for kind, label in KINDS.items()}
TOP_LEVEL = ("id", "version", "title", "description", "compute")

# Chinese names of the keys rule files use; anything else is shown as written.
KEY_NAMES = {
    "params": "参数", "rules": "规则", "id": "编号", "version": "版本号", "title": "标题", "description": "说明", "compute": "计算方法",
    "label": "名称", "points": "分值", "cap_per_period": "每期上限", "kind": "类别", "period": "统计期",
    "min_stars": "最少星级", "min_honour_points": "最少荣誉积分", "requires_nomination": "需要提名",
    "award_every": "评选周期", "when": "条件", "then": "结果", "outcome": "结论", "reason": "理由",
    "values": "取值", "action": "动作", "fact": "事实", "param": "参数", "enabled": "启用",
    "gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "eq": "=", "ne": "≠", "in": "属于", "all": "全部满足",
    "any": "任一满足", "not": "不满足", "weight": "权重", "threshold": "标准", "name": "名称",
    "start": "开始", "end": "结束", "quarters": "季度窗口", "deeds": "积分事项", "titles": "称号",
    "love_supermarket": "爱心超市", "min_balance_to_redeem": "兑换起点积分",
    "max_redemptions_per_month": "每户每月兑换次数", "points_per_yuan": "每元积分",
}


class TableError(Exception):
    """The workbook cannot be read back; ``problems`` say where, in Chinese first."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Leaf:
    path: tuple
    node: yaml.Node
    kind: str
    value: object


def _construct(node: yaml.Node):
    constructor = yaml.constructor.SafeConstructor()
    return constructor.construct_object(node, deep=True)


def _kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "list"
    return "str"


def _leaves(node: yaml.Node, path: tuple = ()):
    """Every editable value under ``node``: scalars, and lists of scalars as one value."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _leaves(value, path + (key.value,))
    elif isinstance(node, yaml.SequenceNode):
        if all(isinstance(item, yaml.ScalarNode) for item in node.value):
            yield Leaf(path, node, "list", _construct(node))
        else:
            for i, item in enumerate(node.value):
                yield from _leaves(item, path + (i,))
    else:
        value = _construct(node)
        yield Leaf(path, node, _kind(value), value)


def _dotted(path: tuple) -> str:
    return ".".join(str(step) for step in path)


def _parse_path(text: str) -> tuple:
    return tuple(int(step) if step.isdigit() else step for step in text.split("."))


def _name(path: tuple, data: dict) -> str:
    """名称: the label of the nearest object that has one, then the Chinese names of the keys."""
    parts, node = [], data
    for step in path:
        if step == "params" and not parts and node is data:
            node = data["params"]
            continue
        node = node[step] if isinstance(node, (dict, list)) else None
        if isinstance(node, dict) and isinstance(node.get("label"), str) and step != "label":
            parts = [node["label"]]
        elif isinstance(step, int):
            parts.append(f"第 {step + 1} 条")
        else:
            parts.append(KEY_NAMES.get(step, step))
    return " · ".join(parts)


def _comment(text_lines: list[str], node: yaml.Node) -> str:
    """The ``# ...`` written after the value on its line, else the comment lines just above it."""
    line = text_lines[node.end_mark.line] if node.end_mark.line < len(text_lines) else ""
    rest = line[node.end_mark.column:] if node.start_mark.line == node.end_mark.line else ""
    match = re.search(r"(?:^|\s)#\s?(.*)$", rest)
    if match:
        return match.group(1).strip()
    above, number = [], node.start_mark.line - 1
    while number >= 0 and text_lines[number].strip().startswith("#"):
        above.insert(0, text_lines[number].strip().lstrip("#").strip())
        number -= 1
    if number >= 0 and text_lines[number].rstrip().endswith(("{", "[", ",")):
        return ""  # inside a flow collection: the comment belongs to something else
    return " ".join(above)


def _cell(leaf: Leaf):
    if leaf.kind == "list":
        return _flow(leaf.value)
    if leaf.kind == "bool":
        return "是" if leaf.value else "否"
    return leaf.value


def export_area(source_text: str, area: str, out: Path) -> int:
    """Write the workbook of ``area`` (its draft text) to ``out``; returns the rows written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    source, problems = loader.parse_text(source_text, f"rules/{area}.yaml", f"{area}.yaml")
    if problems:
        raise TableError([str(p) for p in problems])
    lines = source_text.splitlines()
    book = Workbook()
    about = book.active
    about.title = "说明"
    for row in (
        (f"政策文件 rules/{area}.yaml 的表格视图（版本 {source.data.get('version')}）",),
        ("只改“值”这一列（C 列）；位置、类型不要改，也不要增删行。",),
        (f"改完保存，运行：cocreate rules import-table 本文件 —— 写回草稿 rules/{area}.yaml（只改动你改过的值）。",),
        ("然后把“文件”表里的版本号加一，再 cocreate rules test、cocreate rules publish -m \"理由\" 发布。",),
        ("是否：写 是 或 否；列表：写成 [甲, 乙]；文字里的 {…} 是自动填入的内容，请保留。",),
        ("area", area),
    ):
        about.append(row)
    about["A1"].font = Font(bold=True)
    about.column_dimensions["A"].width = 100
    written = 0
    sheets = {key: book.create_sheet(title) for key, title in SHEETS.items()}
    for sheet in sheets.values():
        sheet.append(HEADER)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCDE", (44, 36, 40, 14, 50)):
            sheet.column_dimensions[column].width = width
    for leaf in _leaves(source.node):
        top = leaf.path[0]
        key = "params" if top == "params" else "rules" if top == "rules" else "file" if top in TOP_LEVEL else None
        if key is None:
            continue  # facts and the like: the contract with the services, not a policy number
        sheets[key].append((_dotted(leaf.path), _name(leaf.path, source.data), _cell(leaf), KINDS[leaf.kind],
                            _comment(lines, leaf.node)))
        written += 1
    book.save(out)
    return written


# -- reading a sheet back -----------------------------------------------------------------------

def _flow(items: list) -> str:
    return "[" + ", ".join(_scalar(item) for item in items) + "]"


PLAIN = re.compile(r"^[\w\u4e00-\u9fff（）、·.\-/]+$")


def _scalar(value) -> str:
    """A value as YAML that reads back as itself, also inside a flow mapping ``{a: 1, b: 2}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if PLAIN.match(text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _read_cell(value, kind: str, where: str):
    """The cell as the kind of value the file had there, or a problem naming ``where``."""
    if isinstance(value, str):
        value = value.strip()
    try:
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            answer = {"是": True, "否": False, "true": True, "false": False}.get(str(value).lower())
            if answer is None:
                raise ValueError
            return answer
        if kind == "list":
            parsed = yaml.safe_load(str(value)) if value not in (None, "") else []
            if not isinstance(parsed, list) or any(isinstance(i, (list, dict)) for i in parsed):
                raise ValueError
            return parsed
        if kind == "null":
            return None if value in (None, "") else value
        return "" if value is None else str(value)
    except (ValueError, TypeError, yaml.YAMLError):
        raise TableError([f"{where}：应是{KINDS[kind]}，写的是 {value!r} — expected {kind}"]) from None


def _same(old, new) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return old.rstrip("\n") == new.rstrip("\n")
    return old == new and type(old) is type(new)


def _render(leaf: Leaf, value) -> str:
    if leaf.kind == "list":
        return _flow(value)
    if isinstance(value, str) and isinstance(leaf.node, yaml.ScalarNode) and leaf.node.style in ('"', "'", "|", ">"):
        return json.dumps(value, ensure_ascii=False)
    return _scalar(value)


def import_table(workbook: Path, draft: Path) -> dict:
    """Apply the workbook's edited values to ``draft/<area>.yaml`` (checked first; nothing is
    written on a problem). Returns ``{"area", "file", "changes": [{"path", "old", "new", "where"}]}``."""
    from openpyxl import load_workbook
    try:
        book = load_workbook(workbook, data_only=True)
    except Exception as exc:  # noqa: BLE001  a file that is not a workbook
        raise TableError([f"{workbook} 不是 Excel 工作簿（.xlsx） — not a workbook: {exc}"]) from None
    area = None
    if "说明" in book.sheetnames:
        for row in book["说明"].iter_rows(values_only=True):
            if row and row[0] == "area":
                area = row[1]
    if not area:
        raise TableError(["“说明”表里没有 area 行：请用 cocreate rules export 导出的表格 — not an exported workbook"])
    path = draft / f"{area}.yaml"
    if not path.exists():
        raise TableError([f"草稿文件夹里没有 {area}.yaml（{draft}） — no such draft file"])
    text = path.read_text(encoding="utf-8")
    source, problems = loader.parse_text(text, f"rules/{area}.yaml", f"{area}.yaml")
    if problems:
        raise TableError([f"草稿 {area}.yaml 本身有问题，先修好它：{p}" for p in problems])
    leaves = {leaf.path: leaf for leaf in _leaves(source.node)}
    edits, changes, errors, rows_of_line = [], [], [], {}
    for key, title in SHEETS.items():
        if title not in book.sheetnames:
            errors.append(f"缺少“{title}”表 — sheet {title} is missing")
            continue
        for number, row in enumerate(book[title].iter_rows(min_row=2, values_only=True), start=2):
            if not row or row[COL_PATH - 1] in (None, ""):
                continue
            where = f"“{title}”表第 {number} 行 {COLUMN_LETTER[COL_VALUE]} 列"
            leaf = leaves.get(_parse_path(str(row[COL_PATH - 1])))
            if leaf is None:
                errors.append(f"“{title}”表第 {number} 行 A 列：位置 {row[COL_PATH - 1]} 在 {area}.yaml 里没有"
                              f"（位置列不要改，增删条目请直接改 YAML 文件） — no such place in the file")
                continue
            rows_of_line.setdefault(leaf.node.start_mark.line + 1, f"“{title}”表第 {number} 行")
            try:
                value = _read_cell(row[COL_VALUE - 1] if len(row) >= COL_VALUE else None, leaf.kind, where)
            except TableError as exc:
                errors += exc.problems
                continue
            if _same(leaf.value, value):
                continue
            edits.append((leaf.node.start_mark.index, leaf.node.end_mark.index, _render(leaf, value)))
            changes.append({"path": _dotted(leaf.path), "old": leaf.value, "new": value, "where": where})
    if errors:
        raise TableError(errors)
    new_text = text
    for start, end, replacement in sorted(edits, reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    _check(new_text, area, draft, rows_of_line)
    if new_text != text:
        path.write_text(new_text, encoding="utf-8")
    return {"area": area, "file": str(path), "changes": changes,
            "version_changed": any(c["path"] == "version" for c in changes)}


def _check(text: str, area: str, draft: Path, rows_of_line: dict[int, str]) -> None:
    """The same validation as ``cocreate rules validate``, over the draft with the new text."""
    from .dependencies import folder_texts
    files = {**folder_texts(draft), f"{area}.yaml": text}
    _, problems = loader.load_texts(files, prefix="rules/")
    mine = [p for p in problems if p.file == f"rules/{area}.yaml"]
    if mine:
        raise TableError([f"{rows_of_line.get(p.line, f'{area}.yaml 第 {p.line} 行')}：{p.message}"
                          + (f"（应写：{p.expected}）" if p.expected else "") for p in mine])
