"""花名册 roster rules: what a village roster says, checked row by row, then applied.

Reading the spreadsheet is ``spreadsheet``'s business; the views are in ``roster_views``. Here:
which header means what (the Chinese a village clerk types, English still accepted, a mapping
file for the rest), where the header row is, which rows are titles, blanks or totals, how 组别
names are normalised, how ids are derived when the roster has none, and every check. A file is
checked whole before anything is written: one bad row refuses it all, and the refusal is grouped
for a clerk (file, row as Excel shows it, the column's own header, what is wrong, what to write).
Two passes keep a county file's memory flat: pass 1 reads the file row by row, checks each row
alone and spills it to a staging store on disk (``roster_stage``), where the checks across rows
are SQL; pass 2 streams the households back in batches, compares them with what is stored and
writes only differences, so importing the same file twice writes and announces nothing.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from services.kernel import outbox
from services.kernel.db import insert_rows, one_of
from services.kernel.catalogue.building import HOUSEHOLDS_PER_EVENT
from services.kernel.errors import ValidationFailed
from services.kernel.identity import roster_places

from services.kernel import spreadsheet

from . import identity, models, participation
from .roster_stage import Stage

# Canonical column -> accepted headers: the village roster's Chinese and its usual variants, the
# older id-based layout's Chinese, and English. Headers are compared after normalise_header().
COLUMNS = {
    "seq": ["序号", "编号", "序", "no", "no.", "seq"],
    "town_id": ["town_id", "镇编号", "乡镇编号"],
    "town_name": ["town_name", "镇", "乡镇", "镇名", "乡镇名称"],
    "village_id": ["village_id", "村编号"],
    "village_name": ["village_name", "村", "村名", "村名称", "行政村"],
    "hamlet_id": ["hamlet_id", "垸组编号", "组编号"],
    "hamlet_name": ["hamlet_name", "组别", "组", "垸组", "湾组", "塆组", "组名", "村民小组", "小组",
                    "所在组", "村组", "所属组", "组别名称"],
    "household_id": ["household_id", "户编号", "户号"],
    "hub_household_id": ["hub_household_id", "党员中心户", "联系党员中心户"],
    "resident_id": ["resident_id", "村民编号", "人员编号"],
    "name": ["name", "姓名", "户主姓名", "户主", "户主名", "户主名字", "名字", "户主姓名（签字）"],
    "relation": ["relation", "与户主关系", "关系", "家庭关系"],
    "sex": ["sex", "性别"],
    "id_number": ["id_number", "身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码",
                  "户主身份证号", "户主身份证号码"],
    "household_size": ["household_size", "家庭人口", "家庭人数", "家庭人口数", "人口", "人口数",
                       "户人口", "家庭成员数", "人数"],
    "party_member": ["party_member", "是否党员", "党员", "政治面貌"],
    "party_category": ["party_category", "党员类别", "党员类型", "党员分类"],
    "cadre": ["cadre", "村干部", "两委", "是否村干部", "是否两委", "两委干部"],
    "phone": ["phone", "联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"],
    "note": ["note", "备注", "说明"],
}
# How each column is named in messages when the file's own header is not at hand.
LABELS = {
    "seq": "序号", "town_id": "镇编号", "town_name": "镇", "village_id": "村编号", "village_name": "村",
    "hamlet_id": "垸组编号", "hamlet_name": "组别", "household_id": "户编号",
    "hub_household_id": "党员中心户", "resident_id": "村民编号", "name": "姓名", "relation": "与户主关系",
    "sex": "性别", "id_number": "身份证号", "household_size": "家庭人口", "party_member": "是否党员",
    "party_category": "党员类别", "cadre": "村干部", "phone": "联系电话", "note": "备注",
}

TRUE = {"yes", "y", "true", "1", "是", "√", "✓", "x", "中共党员", "党员", "预备党员", "中共预备党员"}
FALSE = {"no", "n", "false", "0", "否", "", "群众", "非党员", "×", "无", "团员", "共青团员"}
HEAD = {"head", "户主", "本人"}
PARTY_CATEGORIES = {
    "in_office": "in_office", "在职": "in_office", "在职党员": "in_office",
    "without_office": "without_office", "无职": "without_office", "无职党员": "without_office",
    "mobile": "mobile", "流动": "mobile", "流动党员": "mobile", "外出": "mobile", "外出党员": "mobile",
    "elderly": "elderly", "年老": "elderly", "年老党员": "elderly", "老党员": "elderly",
    "年老体弱": "elderly", "年老体弱党员": "elderly",
}
SEXES = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female"}
TOTALS = ("合计", "总计", "小计", "共计", "总数", "total")
FOOTERS = ("填表人", "制表人", "审核人", "填报人", "负责人", "制表", "填表", "注：", "注:", "说明：")
MAX_ID = 64
HEADER_SEARCH_ROWS = 30
BATCH = 1000

Progress = Callable[[str, int, "int | None"], None]


def _quiet(_phase, _done, _total):
    pass


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = re.sub(r"[\s*＊:：]", "", text)
    return re.sub(r"[(（][^)）]*(必填|选填|可选|可不填)[^)）]*[)）]$", "", text)


# -- 组别 names ---------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"
_GROUP = re.compile(r"^第?([0-9]+|[零〇一二两三四五六七八九十百]+)(?:村民)?(?:小组|组)$")


def _chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    values = {c: i for i, c in enumerate(_DIGITS)} | {"〇": 0, "两": 2}
    total, current = 0, 0
    for ch in text:
        if ch in values:
            current = values[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _chinese(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def normalise_hamlet(text: str) -> tuple[str, int | None]:
    """A 组别 as the village means it: ``２组 ``, ``2组``, ``二组``, ``第二组`` are all 二组.

    Returns the canonical name and the group number (None for a named hamlet such as 伍家垸).
    """
    name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    if name.isdigit():
        name += "组"
    match = _GROUP.match(name)
    if match:
        number = _chinese_number(match.group(1))
        if number is not None and number > 0:
            return _chinese(number) + "组", number
    return name, None


def _short(text: str, size: int = 10) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def derived_hamlet_id(village_id: str, name: str, number: int | None) -> str:
    suffix = f"g{number}" if number is not None else _short(name, 8)
    return f"{village_id[:MAX_ID - len(suffix) - 1]}-{suffix}"


# -- problems ------------------------------------------------------------------------------------

@dataclass
class RowError:
    """One problem, said so a clerk can act: where, which column, what is wrong, what to write."""

    file: str
    line: int
    field: str        # canonical column (for machines)
    message: str      # what is wrong (Chinese)
    header: str = ""  # the column's header as the file spells it
    fix: str = ""     # what to write instead
    code: str = ""    # the kind of problem, for grouping

    def key(self) -> str:
        return f"{self.file}:{self.line}:{self.field}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "field": self.field, "header": self.header,
                "message": self.message, "fix": self.fix, "code": self.code}


def group(errors: list[RowError], shown: int = 20) -> list[dict]:
    """Problems of one kind together: 45 wrong check digits are one entry listing 45 rows."""
    groups: dict[tuple, dict] = {}
    for error in sorted(errors, key=lambda e: (e.line, e.field)):
        key = (error.header, error.code or error.message)
        entry = groups.get(key)
        if entry is None:
            entry = groups[key] = {"file": error.file, "header": error.header, "field": error.field,
                                   "code": error.code, "problem": error.message, "fix": error.fix,
                                   "count": 0, "rows": []}
        entry["count"] += 1
        if len(entry["rows"]) < shown:
            entry["rows"].append({"line": error.line, "detail": error.message})
    return sorted(groups.values(), key=lambda g: (-g["count"], g["rows"][0]["line"]))


def describe(file: str, groups: list[dict], total: int) -> str:
    """The grouped refusal as a clerk reads it."""
    lines = [f"{file}：发现 {total} 处问题（{len(groups)} 类），整个文件都没有导入；"
             "请按下面改好这些行后重新导入。"]
    for g in groups:
        rows = g["rows"]
        same = len({r["detail"] for r in rows}) == 1
        if same:
            where = "、".join(f"第{r['line']}行" for r in rows)
            head = rows[0]["detail"]
        else:
            where = "；".join(f"第{r['line']}行 {r['detail']}" for r in rows)
            head = "有误"
        more = f" …… 共 {g['count']} 行" if g["count"] > len(rows) else f"（共 {g['count']} 行）"
        column = f"【{g['header']}】" if g["header"] else ""
        lines.append(f"- {column}{head}：{where}{more}")
        if g["fix"]:
            lines.append(f"  怎么改：{g['fix']}")
    return "\n".join(lines)


# -- the header ----------------------------------------------------------------------------------

@dataclass
class Layout:
    """Where each canonical column is in the file, and the header texts as written."""

    header_line: int
    columns: dict[str, int]           # canonical -> index
    headers: dict[str, str]           # canonical -> the file's header text
    ignored: list[str]                # headers we do not know (reported, not an error)

    def header(self, column: str) -> str:
        return self.headers.get(column) or LABELS.get(column, column)


def _aliases(mapping: dict[str, str] | None) -> dict[str, str]:
    aliases = {normalise_header(alias): canonical for canonical, names in COLUMNS.items() for alias in names}
    for header, canonical in (mapping or {}).items():
        aliases[normalise_header(header)] = canonical
    return aliases


def parse_mapping(text: str) -> dict[str, str]:
    """A mapping file: YAML (or JSON) ``{file's header: canonical column or a known header}``."""
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ValidationFailed.from_messages({"mapping": [f"映射文件不是有效的 YAML：{exc}"]},
                                             "映射文件无法读取") from None
    return parse_mapping_dict(data)


def parse_mapping_dict(data) -> dict[str, str]:
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict):
        raise ValidationFailed.from_messages({"mapping": ["映射文件应为“表头: 列名”的对照表"]})
    known = _aliases(None)
    out, problems = {}, []
    for header, target in data.items():
        target_text = str(target or "").strip()
        canonical = target_text if target_text in COLUMNS else known.get(normalise_header(target_text))
        if canonical is None:
            problems.append(f"“{header}: {target_text}”：{target_text} 不是认识的列名；"
                            f"可用：{'、'.join(sorted(COLUMNS))} 或对应的中文表头")
        else:
            out[str(header)] = canonical
    if problems:
        raise ValidationFailed.from_messages({"mapping": problems}, "映射文件有误")
    return out


def find_header(file: str, first_rows: list[tuple[int, list[str]]], mapping: dict | None
                ) -> tuple[Layout | None, list[RowError]]:
    """The header is the top row naming the most known columns (at least two)."""
    aliases = _aliases(mapping)
    best = None
    for line, values in first_rows:
        found: dict[str, int] = {}
        for index, text in enumerate(values):
            canonical = aliases.get(normalise_header(text))
            if canonical is not None and canonical not in found:
                found[canonical] = index
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (line, found, values)
            if len(found) >= 5:
                break
    if best is None:
        known = "、".join(LABELS[c] for c in ("seq", "hamlet_name", "name", "sex", "id_number",
                                               "household_size", "party_member", "party_category",
                                               "phone", "note"))
        return None, [RowError(file, 1, "header", f"前 {HEADER_SEARCH_ROWS} 行里找不到表头",
                               header="", fix=f"表头一行应含这些列名中的至少两个：{known}；"
                               "列名不同的，用 --mapping 映射文件对照", code="header.missing")]
    line, found, values = best
    headers = {c: values[i] for c, i in found.items()}
    used = set(found.values())
    ignored = [v for i, v in enumerate(values) if v and i not in used]
    return Layout(line, found, headers, ignored), []


# -- reading a roster into checked rows ------------------------------------------------------

def _bool(text: str) -> bool | None:
    lowered = unicodedata.normalize("NFKC", text).strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return None


@dataclass
class Options:
    town_id: str | None = None
    village_id: str | None = None
    town_name: str | None = None
    village_name: str | None = None
    mapping: dict | None = None

    @classmethod
    def of(cls, data: dict) -> "Options":
        mapping = data.get("mapping")
        return cls(data.get("town_id"), data.get("village_id"), data.get("town_name"),
                   data.get("village_name"), parse_mapping_dict(mapping) if mapping else None)


class Lines:
    """Rows of one kind: how many, and the first few line numbers (a report, not a copy)."""

    KEPT = 50

    def __init__(self):
        self.count = 0
        self.lines: list[int] = []

    def append(self, line: int) -> None:
        self.count += 1
        if len(self.lines) < self.KEPT:
            self.lines.append(line)


@dataclass
class Plan:
    """What a checked file says: its parents (a few per village) in memory, last word on each
    id; its households and residents in the staging store, counted here."""

    towns: dict = field(default_factory=dict)
    villages: dict = field(default_factory=dict)
    hamlets: dict = field(default_factory=dict)
    stage: Stage | None = None
    households: int = 0
    residents: int = 0
    rows: int = 0
    skipped: dict = field(default_factory=lambda: defaultdict(Lines))  # reason -> lines
    hamlet_names: dict = field(default_factory=lambda: defaultdict(int))  # (as written, canonical) -> rows
    ignored_headers: list = field(default_factory=list)
    header_line: int = 0


_ALIASES = _aliases(None)


def _row_kind(values: list[str], layout: Layout) -> str | None:
    """Why a row is not a resident: blank, totals, footer, a repeated header; else None.
    Called once per row of a county file: the cheap tests come first."""
    present = [v for v in values if v]
    if not present:
        return "blank"
    for value in values[:4]:
        if value and (value[:2] in _TOTAL_PREFIXES or value[:5].lower() == "total"):
            return "totals"
    name_index = layout.columns.get("name")
    name = values[name_index] if name_index is not None and name_index < len(values) else ""
    if (not name or name.startswith("=")) and any(v.startswith("=") for v in present):
        return "totals"
    if len(present) <= 3 and any(normalise_header(v).startswith(FOOTERS) for v in present[:2]):
        return "footer"
    if name and _ALIASES.get(normalise_header(name)) == "name":
        repeated = [c for c, i in layout.columns.items()
                    if i < len(values) and values[i] and _ALIASES.get(normalise_header(values[i])) == c]
        if len(repeated) >= 2:
            return "header"  # the header printed again on every page
    return None


_TOTAL_PREFIXES = {t[:2] for t in TOTALS if not t.isascii()}


class Checker:
    """Pass 1: reads rows one at a time, checks each alone and stages it (``roster_stage``), so
    the file is never held in memory; the cross-row checks are SQL over the stage at the end."""

    def __init__(self, session: Session, file: str, options: Options, vault: identity.Vault):
        self.session = session
        self.file = file
        self.options = options
        self.vault = vault
        self.plan = Plan()
        self.errors: list[RowError] = []
        self.layout: Layout | None = None
        self.stage = self.plan.stage = Stage()  # the checked rows, on disk
        self.current_household: str | None = None  # the household of the last head row

    def bad(self, line, column, message, fix="", code=""):
        header = self.layout.header(column) if self.layout else LABELS.get(column, column)
        self.errors.append(RowError(self.file, line, column, message, header, fix, code or f"{column}"))

    def start(self, layout: Layout) -> None:
        self.layout = layout
        self.plan.header_line = layout.header_line
        self.plan.ignored_headers = layout.ignored
        have = set(layout.columns)
        derived = "household_id" not in have
        if "name" not in have:
            self.bad(layout.header_line, "name", "缺少“姓名”列（户主姓名）",
                     "加一列，表头写“户主姓名”或“姓名”", "missing.name")
        if "hamlet_name" not in have and "hamlet_id" not in have:
            self.bad(layout.header_line, "hamlet_name", "缺少“组别”列",
                     "加一列，表头写“组别”，每行写所在的组（如 二组）", "missing.hamlet")
        if not self.options.village_id and "village_id" not in have:
            self.bad(layout.header_line, "village_id", "不知道是哪个村",
                     "导入时给出 --village 村编号，或在表中加“村编号”列", "missing.village")
        if not self.options.town_id and "town_id" not in have:
            self.bad(layout.header_line, "town_id", "不知道是哪个镇",
                     "导入时给出 --town 镇编号，或在表中加“镇编号”列", "missing.town")
        if derived and "id_number" not in have and "resident_id" not in have:
            self.bad(layout.header_line, "id_number", "缺少“身份证号”列：没有户编号时，靠身份证号认人",
                     "加一列，表头写“身份证号”", "missing.id_number")
        if "household_id" in have and "resident_id" not in have and "id_number" not in have:
            self.bad(layout.header_line, "resident_id", "有“户编号”列时还需要“村民编号”或“身份证号”列",
                     "加一列“身份证号”", "missing.resident")

    def cell(self, values, column) -> str:
        index = self.layout.columns.get(column)
        return values[index] if index is not None and index < len(values) else ""

    def row(self, line: int, values: list[str]) -> None:
        kind = _row_kind(values, self.layout)
        if kind is not None:
            self.plan.skipped[kind].append(line)
            return
        self.plan.rows += 1
        cell = lambda c: self.cell(values, c)  # noqa: E731
        bad = lambda column, message, fix="", code="": self.bad(line, column, message, fix, code)  # noqa: E731
        ok = True

        # where: town, village, hamlet
        town_id = cell("town_id") or self.options.town_id or ""
        village_id = cell("village_id") or self.options.village_id or ""
        if self.options.village_id and cell("village_id") and cell("village_id") != self.options.village_id:
            bad("village_id", f"村编号 {cell('village_id')} 与导入时指定的 {self.options.village_id} 不同",
                "一个文件只导入一个村：删去别村的行，或分开导入", "village.other")
            ok = False
        if self.options.town_id and cell("town_id") and cell("town_id") != self.options.town_id:
            bad("town_id", f"镇编号 {cell('town_id')} 与导入时指定的 {self.options.town_id} 不同",
                "核对镇编号", "town.other")
            ok = False
        written = cell("hamlet_name")
        hamlet_name, number = normalise_hamlet(written)
        if written and written != hamlet_name:
            self.plan.hamlet_names[(written, hamlet_name)] += 1
        hamlet_id = cell("hamlet_id")
        if not hamlet_id:
            if not hamlet_name:
                if "hamlet_name" in self.layout.columns:
                    bad("hamlet_name", "没有填组别", "写上所在的组，如“二组”", "hamlet.empty")
                ok = False
            elif village_id:
                hamlet_id = derived_hamlet_id(village_id, hamlet_name, number)
        elif not hamlet_name:
            hamlet_name = hamlet_id
        for column, value in (("town_id", town_id), ("village_id", village_id), ("hamlet_id", hamlet_id),
                              ("household_id", cell("household_id")), ("resident_id", cell("resident_id")),
                              ("hub_household_id", cell("hub_household_id"))):
            if len(value) > MAX_ID:
                bad(column, f"编号超过 {MAX_ID} 个字符", "用短一些的编号", "id.long")
                ok = False

        # who: name, ID number, sex, phone
        name = cell("name")
        if not name and "name" in self.layout.columns:
            bad("name", "没有填姓名", "写上姓名", "name.empty")
            ok = False
        digest = None
        id_clean = identity.clean(cell("id_number"))
        id_problem = None
        if id_clean:
            id_problem = identity.id_number_problem(id_clean)
            if id_problem:
                bad("id_number", id_problem, "照身份证写18位号码（最后一位可以是X）", "id_number.invalid")
                ok = False
            else:
                digest = self.vault.digest("id", id_clean)
                first = self.stage.first_line_of_person(digest, line)
                if first is not None:
                    bad("id_number", f"与第{first}行是同一个人（身份证号相同）",
                        "删去重复的一行；若是不同的人，核对其中一人的身份证号", "id_number.duplicate")
                    ok = False
        elif "id_number" in self.layout.columns and not cell("resident_id"):
            bad("id_number", "没有填身份证号", "写上18位身份证号（用它认人，重复导入不会重复建户）",
                "id_number.empty")
            ok = False
        sex = None
        sex_text = cell("sex")
        if sex_text:
            sex = SEXES.get(sex_text.strip().lower())
            if sex is None:
                bad("sex", f"“{sex_text}”不是性别", "写“男”或“女”", "sex.invalid")
                ok = False
            elif id_clean and not id_problem and identity.sex_of_id(id_clean) != sex:
                bad("sex", f"写的是“{sex_text}”，身份证号第17位却表示"
                           f"{'男' if identity.sex_of_id(id_clean) == 'male' else '女'}",
                    "核对性别或身份证号，改正写错的一个", "sex.mismatch")
                ok = False
        elif id_clean and not id_problem:
            sex = identity.sex_of_id(id_clean)
        phone_text = cell("phone")
        phone = identity.clean_phone(phone_text) if phone_text else ""
        if phone:
            problem = identity.phone_problem(phone)
            if problem:
                # the number itself stays out of the message: refusals can end up in logs
                bad("phone", problem, "写11位手机号，或 区号-座机号；没有就空着",
                    "phone.invalid")
                ok = False

        # the household
        size_text = cell("household_size")
        size = None
        if size_text:
            try:
                size = int(unicodedata.normalize("NFKC", size_text).rstrip("人口"))
                if not 1 <= size <= 50:
                    raise ValueError
            except ValueError:
                bad("household_size", f"“{size_text}”不是人数", "写1到50之间的整数，如 4", "size.invalid")
                ok = False

        # party membership: a category implies membership (在职/无职/流动/年老 are kinds of members)
        party_text = cell("party_member")
        party = _bool(party_text)
        if party is None:
            bad("party_member", f"“{party_text}”看不出是不是党员", "写“是”或“否”", "party.invalid")
            ok = False
        category_text = cell("party_category")
        category = PARTY_CATEGORIES.get(unicodedata.normalize("NFKC", category_text).strip().lower()) \
            if category_text else None
        if category_text and category is None:
            bad("party_category", f"“{category_text}”不是党员类别",
                "写 在职、无职、流动 或 年老 之一", "category.invalid")
            ok = False
        elif category is not None and party is False and party_text:
            bad("party_category", f"填了党员类别“{category_text}”，是否党员却写“{party_text}”",
                "是党员的，把“是否党员”改为“是”；不是党员的，清空“党员类别”", "category.not_member")
            ok = False
        elif category is not None:
            party = True
        elif party and "party_category" in self.layout.columns:
            bad("party_category", "党员没有填党员类别", "写 在职、无职、流动 或 年老 之一",
                "category.missing")
            ok = False
        cadre = _bool(cell("cadre"))
        if cadre is None:
            bad("cadre", f"“{cell('cadre')}”不是 是/否", "写“是”或“否”", "cadre.invalid")
            ok = False

        # ids: given by the file, or derived from the ID number (stable across re-imports)
        relation = cell("relation")
        if "relation" in self.layout.columns and not relation:
            bad("relation", "没有填与户主关系", "写“户主”或与户主的关系（配偶、子女……）", "relation.empty")
            ok = False
        is_head = relation.lower() in HEAD if "relation" in self.layout.columns else True
        household_id = cell("household_id")
        resident_id = cell("resident_id") or (f"r-{digest[:20]}" if digest else "")
        if not household_id:
            if is_head:
                household_id = f"hh-{digest[:20]}" if digest else ""
            else:
                household_id = self.current_household or ""
                if not household_id and ok:
                    bad("relation", "这一行前面没有户主行，不知道属于哪一户",
                        "把户主行放在家庭成员前面", "relation.orphan")
                    ok = False
        if is_head and household_id:
            self.current_household = household_id
        if not ok or not (town_id and village_id and hamlet_id and household_id and resident_id and name):
            if ok and not resident_id and "resident_id" in self.layout.columns:
                bad("resident_id", "没有填村民编号", "写上村民编号", "resident_id.empty")
            if ok and not household_id and "household_id" in self.layout.columns:
                bad("household_id", "没有填户编号", "写上户编号", "household_id.empty")
            return

        plan = self.plan
        self._agree(line, "town_name", plan.towns, town_id,
                    {"name": cell("town_name") or self.options.town_name or None})
        self._agree(line, "village_name", plan.villages, village_id,
                    {"name": cell("village_name") or self.options.village_name or None, "town_id": town_id})
        self._agree(line, "hamlet_name", plan.hamlets, hamlet_id,
                    {"name": hamlet_name, "village_id": village_id})
        # the row goes to the staging store, its numbers already sealed: the household, resident
        # and hub checks across rows are SQL there (finish), and nothing of it stays in memory
        vault = self.vault
        phone_hash = vault.digest("phone", phone) if phone else None
        self.stage.add((line, household_id, resident_id, hamlet_id, cell("hub_household_id") or None, size,
                        cell("note") or None, name, int(is_head), int(bool(party)), category, int(bool(cadre)),
                        sex, digest, identity.mask_id(id_clean) if digest else None,
                        vault.encrypt(id_clean) if digest else None, phone_hash,
                        identity.mask_phone(phone) if phone else None, vault.encrypt(phone) if phone else None))

    def _agree(self, line, column, table: dict, key, value: dict):
        """A parent given on many rows must be given the same way on each."""
        known = table.get(key)
        if known is None:
            table[key] = value
            return
        for name, current in value.items():
            if current is not None and known[name] is None:
                known[name] = current
            elif current is not None and known[name] != current:
                self.bad(line, column if name == "name" else name,
                         f"与前面的行不一致：前面写的是“{known[name]}”，这里是“{current}”",
                         "同一个单位的名称每行写成一样", "parent.disagree")

    def finish(self, progress: Progress = _quiet) -> None:
        """Cross-row checks: SQL over the staged rows (linear, whatever the file's size)."""
        plan, stage = self.plan, self.stage
        steps = 7
        progress("checking", 0, steps)
        stage.settle()
        progress("checking", 1, steps)
        for line, resident_id, first in stage.resident_duplicates():
            self.bad(line, "resident_id", f"村民编号 {resident_id} 已在第{first}行出现",
                     "删去重复的一行，或改正编号", "resident.duplicate")
        for line, first, what in stage.household_disagreements("hub_household_id" in self.layout.columns):
            if what == "hamlet":
                self.bad(line, "hamlet_name", f"同一户在第{first}行写的是另一个组",
                         "一户只在一个组：改成同一个组", "household.hamlet")
            else:
                self.bad(line, "hub_household_id", f"同一户在第{first}行写的中心户不同",
                         "一户只联系一个党员中心户", "household.hub")
        progress("checking", 2, steps)
        for line, head_line in stage.second_heads():
            self.bad(line, "relation", f"这一户在第{head_line}行已有户主", "一户只有一个户主", "household.two_heads")
        for (line,) in stage.headless():
            self.bad(line, "relation", "这一户没有户主", "在这一户里把一人的关系写成“户主”",
                     "household.no_head")
        progress("checking", 3, steps)
        for chunk in _chunks(list(stage.hubs_elsewhere())):
            stage.stored_hubs(_stored_party_households(self.session, set(chunk)))
        for line, hub, kind in stage.hub_problems():
            if kind == "unknown":
                self.bad(line, "hub_household_id", f"党员中心户 {hub} 既不在本表中，也不在花名册上",
                         "写本村一个党员户的户编号", "hub.unknown")
            else:
                self.bad(line, "hub_household_id", f"中心户 {hub} 里没有党员",
                         "党员中心户须是党员户：改写一个党员户", "hub.not_party")
        progress("checking", 4, steps)
        self._stored_people()
        progress("checking", 5, steps)
        plan.households, plan.residents = stage.counts()
        for table, what in ((plan.towns, "town"), (plan.villages, "village")):
            for ident, values in table.items():
                if values.get("name") is None:
                    values["name"] = _stored_name(self.session, what, ident) or ident
        progress("checking", steps, steps)

    def _stored_people(self) -> None:
        """The same ID number already on the roster under another resident id is the same person."""
        for batch in self.stage.people():
            by_digest = {digest: (resident_id, line) for digest, resident_id, line in batch}
            for stored_id, digest in self.session.execute(
                    select(models.Resident.id, models.Resident.id_number_hash)
                    .where(one_of(self.session, models.Resident.id_number_hash, sorted(by_digest)))):
                resident_id, line = by_digest[digest]
                if stored_id != resident_id:
                    self.bad(line, "id_number", f"这个身份证号已在花名册上（村民编号 {stored_id}）",
                             "同一个人只登记一次：用原来的编号，或核对身份证号", "id_number.stored")


def _stored_name(session, what, ident) -> str | None:
    model = models.Town if what == "town" else models.Village
    return session.scalar(select(model.name).where(model.id == ident))


def _stored_party_households(session: Session, ids: set[str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for chunk in _chunks(sorted(ids)):
        for household_id in session.scalars(select(models.Household.id).where(
                one_of(session, models.Household.id, chunk))):
            found[household_id] = False
        for household_id in session.scalars(select(models.Resident.household_id).where(
                one_of(session, models.Resident.household_id, chunk), models.Resident.party_member.is_(True))):
            found[household_id] = True
    return found


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def check(session: Session, source: spreadsheet.Source, options: Options | None = None,
          progress: Progress = _quiet, vault: identity.Vault | None = None) -> tuple[Plan, list[RowError]]:
    """Every problem of the file, without writing: returns the plan and the problems.

    The plan's staging store is open: the caller closes it (``plan.stage.close()``)."""
    options = options or Options()
    checker = Checker(session, source.name, options, vault or identity.vault())
    try:
        stream = spreadsheet.rows(source)
        first: list[tuple[int, list[str]]] = []
        for line, values in stream:
            first.append((line, values))
            if len(first) >= HEADER_SEARCH_ROWS:
                break
    except spreadsheet.UnreadableFile as exc:
        return checker.plan, [RowError(source.name, 1, "file", str(exc), code="file.unreadable")]
    if not first:
        return checker.plan, [RowError(source.name, 1, "file", "文件是空的", code="file.empty")]
    layout, errors = find_header(source.name, first, options.mapping)
    if layout is None:
        return checker.plan, errors
    checker.start(layout)
    for line, _values in first:
        if line < layout.header_line:
            checker.plan.skipped["title" if _values and any(_values) else "blank"].append(line)
    expected = spreadsheet.row_estimate(source)
    expected = max(expected - layout.header_line, 0) if expected else None
    progress("reading", 0, expected)
    done = 0
    rest = ((ln, v) for ln, v in first if ln > layout.header_line)
    try:
        for line, values in _chain(rest, stream):
            checker.row(line, values)
            done += 1
            if done % 2000 == 0:
                progress("reading", done, expected if expected and expected > done else None)
    except spreadsheet.UnreadableFile as exc:
        checker.errors.append(RowError(source.name, 1, "file", str(exc), code="file.unreadable"))
    progress("reading", done, done)
    if checker.plan.rows == 0 and not checker.errors:
        checker.errors.append(RowError(source.name, layout.header_line, "file", "表头下面没有任何一户",
                                       fix="在表头下面逐行填写各户", code="file.no_rows"))
    if not any(e.code.startswith("missing.") for e in checker.errors):
        checker.finish(progress)
    else:
        progress("checking", 1, 1)
    return checker.plan, checker.errors


def _chain(first: Iterable, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def refusal(file: str, errors: list[RowError]) -> ValidationFailed:
    errors.sort(key=lambda e: (e.line, e.field))
    groups = group(errors)
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(error.key(), []).append(error.message)
    return ValidationFailed({
        "message": describe(file, groups, len(errors)),
        "fields": fields,
        "groups": groups,
        "errors": [error.as_dict() for error in errors[:500]],
        "error_count": len(errors),
    })


def report(plan: Plan) -> dict:
    """What the import did to the file's layout: header row, skipped rows, renamed 组别."""
    return {
        "header_line": plan.header_line,
        "skipped": {kind: {"count": lines.count, "lines": lines.lines} for kind, lines in plan.skipped.items()},
        "hamlet_names": [{"written": w, "read_as": c, "rows": n}
                         for (w, c), n in sorted(plan.hamlet_names.items())],
        "ignored_headers": plan.ignored_headers,
    }


# -- applying ---------------------------------------------------------------------------------

def import_source(session: Session, source: spreadsheet.Source, clock, policy=None,
                  options: Options | None = None, progress: Progress = _quiet,
                  apply: bool = True, vault: identity.Vault | None = None,
                  may_write_villages=None) -> dict:
    """Check then apply one roster file in the caller's transaction; all rows or none.

    Raises ValidationFailed (``message`` grouped for a clerk, ``groups``, ``fields`` mapping
    ``file:line:field`` to messages, the first 500 ``errors``). With ``apply=False`` only checks.
    Announces each household created or changed in ``households.registered`` (never an ID or
    phone number), and recomputes the participation of every hamlet whose roster changed.
    Two passes, memory flat: the file is read once into a staging store and checked there
    (``check``), then the households are streamed from it in batches and written (``_apply``).
    """
    vault = vault or identity.vault()
    plan, errors = check(session, source, options, progress, vault)
    try:
        if errors:
            raise refusal(source.name, errors)
        if may_write_villages is not None:  # the caller's scope (identity), before anything is written
            may_write_villages(sorted(plan.villages))
        base = {"file": source.name, "rows": plan.rows, "report": report(plan)}
        if not apply:
            return {**base, "checked": True, "applied": False,
                    "would_import": {"towns": len(plan.towns), "villages": len(plan.villages),
                                     "hamlets": len(plan.hamlets), "households": plan.households,
                                     "residents": plan.residents}}
        counting = participation.rules(policy) if policy is not None else None  # before any write
        return {**base, "applied": True,
                **_apply(session, plan, clock, counting, progress, vault)}
    finally:
        plan.stage.close()


_HOUSEHOLD = ("hamlet_id", "head_name", "hub_household_id", "size", "note")
_RESIDENT = ("household_id", "name", "is_head", "party_member", "party_category", "cadre", "sex",
             "id_number_hash", "id_number_masked", "phone_hash", "phone_masked")


def _apply(session, plan: Plan, clock, counting, progress: Progress, vault) -> dict:
    """Pass 2: the staged households in batches, compared with what is stored (plain rows, no ORM
    identity map), only the differences written, each batch announced as it is written."""
    kinds = ("towns", "villages", "hamlets", "households", "residents")
    counts = {state: {k: 0 for k in kinds} for state in ("created", "updated", "unchanged")}
    total = len(plan.towns) + len(plan.villages) + len(plan.hamlets) + plan.households + plan.residents
    done = 0

    def tick(n):
        nonlocal done
        done += n
        progress("writing", done, total)

    progress("writing", 0, total)
    progress("announcing", 0, None)
    for kind, model in (("towns", models.Town), ("villages", models.Village), ("hamlets", models.Hamlet)):
        table = getattr(plan, kind)
        stored = _load(session, model, table)
        for ident, values in table.items():
            _upsert(session, model, stored, ident, values, counts, kind)
        session.flush()  # parents first: the models carry foreign keys but no relationships
        tick(len(table))
    session.expunge_all()
    hamlet_of = plan.hamlets
    village_of_hamlet: dict[str, str] = {}  # stored hamlets' villages, as met
    village_town = {vid: v["town_id"] for vid, v in plan.villages.items()}
    household_table, resident_table = models.Household.__table__, models.Resident.__table__
    announced = 0
    touched_hamlets: set[str] = set()
    for chunk, residents in plan.stage.households(BATCH):
        ids = [c[0] for c in chunk]
        stored_households = _rows(session, household_table, household_table.c.id, ids)
        stored_by_id = _rows(session, resident_table, resident_table.c.id, [r[14] for r in residents])
        # party membership and people before, from the stored residents of these households
        stored_of = defaultdict(list)
        for row in _rows(session, resident_table, resident_table.c.household_id, ids).values():
            stored_of[row.household_id].append(row)
        missing = {row.hamlet_id for row in stored_households.values()} - set(village_of_hamlet)
        if missing:
            village_of_hamlet.update(session.execute(select(models.Hamlet.id, models.Hamlet.village_id)
                                                     .where(models.Hamlet.id.in_(missing))).all())
        before = {}
        for hid, row in stored_households.items():
            people = stored_of[hid]
            before[hid] = (row.hamlet_id, row.head_name, any(bool(p.party_member) for p in people),
                           row.hub_household_id, village_of_hamlet.get(row.hamlet_id),
                           _people(_person(p.id, p.name, p.is_head, p.party_member, p.party_category, p.cadre)
                                   for p in people))
        new_households, changed_households = [], []
        for hid, hamlet_id, hub, size, note, head_name in chunk:
            values = {"hamlet_id": hamlet_id, "head_name": head_name, "hub_household_id": hub,
                      "size": size, "note": note}
            _compare(stored_households.get(hid), hid, values, counts, "households", new_households,
                     changed_households)
        insert_rows(session, household_table, new_households)
        _update(session, household_table, changed_households)
        new_residents, changed_residents = [], []
        residents_of = defaultdict(list)
        for r in residents:
            residents_of[r[0]].append(r)
            rid = r[14]
            values = {"household_id": r[0], "name": r[1], "is_head": bool(r[2]), "party_member": bool(r[3]),
                      "party_category": r[4], "cadre": bool(r[5]), "sex": r[6]}
            row = stored_by_id.get(rid)
            _personal(values, row, r)
            _compare(row, rid, values, counts, "residents", new_residents, changed_residents)
        insert_rows(session, resident_table, new_residents)
        _update(session, resident_table, changed_residents)
        # what the other services see of each household, before and after, decides whether they hear of it
        announce: list[dict] = []
        for hid, hamlet_id, hub, _size, _note, head_name in chunk:
            planned = residents_of[hid]
            planned_ids = {r[14] for r in planned}
            people = {p.id: _person(p.id, p.name, p.is_head, p.party_member, p.party_category, p.cadre)
                      for p in stored_of[hid]}
            party = any(r[3] for r in planned) or any(
                bool(p.party_member) for p in stored_of[hid] if p.id not in planned_ids)
            for r in planned:
                people[r[14]] = _person(r[14], r[1], r[2], r[3], r[4], r[5])
            village_id = hamlet_of[hamlet_id]["village_id"]
            after = (hamlet_id, head_name, party, hub, village_id, _people(people.values()))
            if before.get(hid) != after:
                announce.append(_announcement(
                    hid, hamlet_id, village_id, village_town[village_id], head_name,
                    plan.villages[village_id].get("name"), hamlet_of[hamlet_id].get("name"),
                    party, hub, after[5]))
                touched_hamlets.add(hamlet_id)
                if hid in before:
                    touched_hamlets.add(before[hid][0])
        tick(len(chunk) + len(residents))
        # announced batch by batch, in the same transaction: nothing is announced unless all is stored
        announced += _announce(session, announce)
        progress("announcing", announced, None)
    progress("writing", total, total)
    progress("announcing", announced, announced)
    if touched_hamlets and counting is not None:
        for hamlet_id in sorted(touched_hamlets):
            participation.refresh(session, None, hamlet_id, clock.now(), counting)
    return {
        **counts,
        "households_announced": announced,
        "changed": any(counts["created"].values()) or any(counts["updated"].values()),
    }


def _rows(session: Session, table, column, keys: list) -> dict:
    """Stored rows of ``table`` whose ``column`` is in ``keys``, as plain rows by id."""
    found = {}
    for chunk in _chunks(sorted(set(keys)), 1000):
        for row in session.execute(select(table).where(one_of(session, column, chunk))):
            found[row.id] = row
    return found


def _compare(row, ident: str, values: dict, counts: dict, kind: str, new: list, changed: list) -> None:
    if row is None:
        new.append({"id": ident, **values})
        counts["created"][kind] += 1
        return
    differs = {name: value for name, value in values.items() if getattr(row, name) != value}
    if differs:
        changed.append({"_id": ident, **differs})
    counts["updated" if differs else "unchanged"][kind] += 1


def _update(session: Session, table, changes: list[dict]) -> None:
    """The changed columns of changed rows, one executemany per set of columns."""
    by_columns: dict[tuple, list[dict]] = defaultdict(list)
    for change in changes:
        by_columns[tuple(sorted(k for k in change if k != "_id"))].append(change)
    for columns, items in by_columns.items():
        statement = (table.update().where(table.c.id == bindparam("_id"))
                     .values({c: bindparam(c) for c in columns}))
        session.execute(statement, items)


def _announce(session: Session, households: list[dict]) -> int:
    """``households.registered``: up to 500 households of one village per event, so consumers
    apply a county roster in a few hundred transactions (never an ID or phone number)."""
    by_village: dict[str, list[dict]] = defaultdict(list)
    for data in households:
        by_village[data["village_id"]].append(data)
    batches = []
    for village_id, items in by_village.items():
        for start in range(0, len(items), HOUSEHOLDS_PER_EVENT):
            part = items[start:start + HOUSEHOLDS_PER_EVENT]
            batches.append(({"village_id": village_id, "town_id": part[0]["town_id"], "households": part},
                            f"village/{village_id}"))
    outbox.emit_many(session, "households.registered", batches)
    return len(households)


def _announcement(household_id, hamlet_id, village_id, town_id, head_name, village_name, hamlet_name,
                  party_member, hub_household_id, people) -> dict:
    """``household.registered``: never an ID or phone number."""
    return {"household_id": household_id, "hamlet_id": hamlet_id, "village_id": village_id, "town_id": town_id,
            "head_name": head_name,
            # names for the village boards (村务公开 speaks of places by name)
            "village_name": village_name, "hamlet_name": hamlet_name,
            "party_member": party_member, "hub_household_id": hub_household_id,
            # its people, for the registers of meetings (党员, 户主) and assessments
            "residents": [dict(p) for p in people]}


def announce(session: Session, village_id: str | None = None) -> int:
    """Announce the roster's households (of a village) again, as an import does: for a service
    whose read model was started after the roster was imported, or from events that did not yet
    list residents. Consumers upsert, so announcing twice changes nothing for them."""
    query = (select(models.Household, models.Hamlet, models.Village)
             .join(models.Hamlet, models.Hamlet.id == models.Household.hamlet_id)
             .join(models.Village, models.Village.id == models.Hamlet.village_id).order_by(models.Household.id))
    if village_id is not None:
        query = query.where(models.Village.id == village_id)
    rows = session.execute(query).all()
    people = defaultdict(list)
    ids = [h.id for h, _, _ in rows]
    for start in range(0, len(ids), BATCH):
        for r in session.scalars(select(models.Resident).where(models.Resident.household_id.in_(ids[start:start + BATCH]))):
            people[r.household_id].append(_person(r.id, r.name, r.is_head, r.party_member, r.party_category, r.cadre))
    return _announce(session, [_announcement(
        h.id, hamlet.id, village.id, village.town_id, h.head_name, village.name, hamlet.name,
        any(p["party_member"] for p in people[h.id]), h.hub_household_id, _people(people[h.id]))
        for h, hamlet, village in rows])


def _person(rid, name, head, party, category, cadre) -> dict:
    """A resident as ``household.registered`` names them: never an ID or phone number."""
    return {"resident_id": rid, "name": name, "is_head": bool(head), "party_member": bool(party),
            "party_category": category if party else None, "cadre": bool(cadre)}


def _people(people) -> tuple:
    """A household's people, comparable before and after an import (sorted, hashable)."""
    return tuple(sorted((tuple(sorted(p.items())) for p in people), key=lambda t: dict(t)["resident_id"]))


def _personal(values: dict, row, r: tuple) -> None:
    """An ID or phone number rewritten only when it changed: re-importing rewrites nothing. The
    staged row carries them sealed (hash, mask, ciphertext), never in clear."""
    digest, id_masked, id_enc, phone_hash, phone_masked, phone_enc = r[7], r[8], r[9], r[10], r[11], r[12]
    if digest is not None:
        values["id_number_hash"] = digest
        values["id_number_masked"] = id_masked
        if row is None or row.id_number_hash != digest:
            values["id_number_enc"] = id_enc
    if phone_hash:
        values["phone_hash"] = phone_hash
        values["phone_masked"] = phone_masked
        if row is None or row.phone_hash != phone_hash:
            values["phone_enc"] = phone_enc
    elif row is not None and row.phone_hash is not None:
        values.update(phone_hash=None, phone_masked=None, phone_enc=None)


def _load(session: Session, model, ids) -> dict:
    loaded = {}
    for chunk in _chunks(sorted(ids)):
        for row in session.scalars(select(model).where(model.id.in_(chunk))):
            loaded[row.id] = row
    return loaded


def _upsert(session, model, stored: dict, ident: str, values: dict, counts: dict, kind: str) -> bool:
    """A parent (town, village, hamlet): few per file, through the ORM."""
    row = stored.get(ident)
    if row is None:
        session.add(model(id=ident, **values))
        counts["created"][kind] += 1
        return True
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    counts["updated" if changed else "unchanged"][kind] += 1
    return changed


def import_file(session: Session, file: str, data: bytes, clock, policy=None,
                progress: Progress = _quiet, options: Options | None = None, apply: bool = True,
                vault: identity.Vault | None = None, may_write_villages=None) -> dict:
    return import_source(session, spreadsheet.Source(file, data=data), clock, policy, options,
                         progress, apply, vault, may_write_villages)


# the scope guard places a result naming only a household or hamlet through the roster
places = roster_places(models.Household.id, models.Household.hamlet_id, models.Hamlet.village_id,
                       hamlets=models.Hamlet.id)
