"""Village rosters as villages keep them, written with openpyxl for tests and the bench.

A merged title row, a blank row, the header on row 3 (序号 组别 户主姓名 性别 身份证号 家庭人口 是否党员
党员类别 联系电话 备注), 组别 written every which way, a totals row with a formula.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

HEADERS = ["序号", "组别", "户主姓名", "性别", "身份证号", "家庭人口", "是否党员", "党员类别", "联系电话", "备注"]
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def id_number(serial: int, born: str = "19650312", area: str = "420902", male: bool = True) -> str:
    """A valid 18-digit 身份证号 (GB 11643 check digit) for a made-up person."""
    order = (serial % 500) * 2 + (1 if male else 0)
    body = f"{area}{born}{order:03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


@dataclass
class Household:
    hamlet: str                 # as written in the sheet, e.g. "５组 "
    name: str
    id_number: str
    sex: str = "男"
    size: int | None = 3
    party: str = "否"
    category: str = ""
    phone: str = ""
    note: str = ""
    seq: int | str | None = None


@dataclass
class Roster:
    title: str = "伍桂墩村农户花名册"
    households: list[Household] = field(default_factory=list)
    merge_hamlets: bool = False      # 组别 merged down each run of the same hamlet
    totals: bool = True
    headers: list[str] = field(default_factory=lambda: list(HEADERS))

    def write(self, path: Path) -> Path:
        from openpyxl import Workbook
        book = Workbook()
        sheet = book.active
        sheet.append([self.title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(self.headers))
        sheet.append([])
        sheet.append(self.headers)
        first = 4
        runs = []
        for index, h in enumerate(self.households):
            row = first + index
            sheet.append([h.seq if h.seq is not None else index + 1, h.hamlet, h.name, h.sex, h.id_number,
                          h.size, h.party, h.category, h.phone, h.note])
            if runs and runs[-1][0] == h.hamlet:
                runs[-1][2] = row
            else:
                runs.append([h.hamlet, row, row])
        if self.merge_hamlets:
            for _hamlet, start, end in runs:
                if end > start:
                    for row in range(start + 1, end + 1):
                        sheet.cell(row=row, column=2).value = None
                    sheet.merge_cells(start_row=start, start_column=2, end_row=end, end_column=2)
        last = first + len(self.households) - 1
        if self.totals:
            sheet.append(["合计", None, None, None, None, f"=SUM(F{first}:F{last})"])
        book.save(path)
        return path


def names(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    surnames = "伍彭黄陈李张王刘赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾"
    given = "建国长林德胜秀英乃国乃然远福志强桂花春生冬梅海涛明华红霞金山玉兰"
    return [rng.choice(surnames) + rng.choice(given) + rng.choice(given) for _ in range(count)]


def county(households: int, hamlets: int = 12, seed: int = 7) -> list[Household]:
    """A big roster: every ID number different and valid, a party member in every tenth row."""
    out = []
    for i, name in enumerate(names(households, seed)):
        year = 1940 + i % 60
        born = f"{year}{1 + i % 12:02d}{1 + i % 28:02d}"
        area = f"42{(i // 500) % 10000:04d}"
        party = i % 10 == 0
        out.append(Household(hamlet=f"{1 + i % hamlets}组", name=name,
                             id_number=id_number(i, born, area, male=i % 3 != 0),
                             sex="男" if i % 3 != 0 else "女", size=1 + i % 6,
                             party="是" if party else "否", category="在职" if party else "",
                             phone=f"13{i % 10}{i:08d}"[:11]))
    return out


def registered(village: str, hamlet: str, household: str, people: list[str], party=(),
               town: str = "t-xx") -> dict:
    """The data of ``household.registered`` for a household of ``people`` (the first its head,
    those in ``party`` party members, in office), as the contributions service announces it."""
    return {"household_id": household, "hamlet_id": hamlet, "village_id": village, "town_id": town,
            "head_name": people[0] if people else "", "party_member": any(p in party for p in people),
            "hub_household_id": None,
            "residents": [{"resident_id": r, "name": r, "is_head": i == 0, "party_member": r in party,
                           "party_category": "in_office" if r in party else None, "cadre": False}
                          for i, r in enumerate(people)]}
