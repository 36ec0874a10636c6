"""Build the sample rosters from the seeds' villages: ``python -m services.contributions.samples.make_samples``.

伍桂墩村 (love supermarket, 毕昇老街), the tourist village with 阴湾 and 唐家院子 (彭乃国, 彭乃然),
and group 3 on national road G209 (黄远福's yard). Names other than those in the seeds are made up.
"""
from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).parent
HEADER = ["town_id", "town_name", "village_id", "village_name", "hamlet_id", "hamlet_name",
          "household_id", "hub_household_id", "resident_id", "name", "relation", "party_member",
          "party_category", "cadre"]
TOWN = ("t-xx", "xx镇")

# village -> hamlet -> households: (household_id, hub, [(resident_id, name, relation, party, category, cadre)])
VILLAGES = {
    ("v-wgd", "伍桂墩村"): {
        ("wgd-1", "伍家垸"): [
            ("wgd-1-01", "", [("wgd-1-01-1", "伍建国", "户主", "是", "在职", "是"),
                              ("wgd-1-01-2", "陈秀英", "配偶", "否", "", "否")]),
            ("wgd-1-02", "wgd-1-01", [("wgd-1-02-1", "伍长林", "户主", "否", "", "否")]),
            ("wgd-1-03", "wgd-1-01", [("wgd-1-03-1", "伍德胜", "户主", "否", "", "否"),
                                      ("wgd-1-03-2", "伍小燕", "女儿", "否", "", "否")]),
            ("wgd-1-04", "wgd-1-01", [("wgd-1-04-1", "刘桂兰", "户主", "否", "", "否")]),
            ("wgd-1-05", "wgd-1-01", [("wgd-1-05-1", "伍志强", "户主", "是", "流动", "否")]),
        ],
        ("wgd-2", "桂花垸"): [
            ("wgd-2-01", "", [("wgd-2-01-1", "桂明山", "户主", "是", "年老", "否")]),
            ("wgd-2-02", "wgd-2-01", [("wgd-2-02-1", "桂春华", "户主", "否", "", "否")]),
            ("wgd-2-03", "wgd-2-01", [("wgd-2-03-1", "周玉梅", "户主", "否", "", "否")]),
            ("wgd-2-04", "wgd-2-01", [("wgd-2-04-1", "桂红军", "户主", "否", "", "否")]),
        ],
        ("wgd-3", "老街组"): [  # 毕昇老街
            ("wgd-3-01", "", [("wgd-3-01-1", "毕文斌", "户主", "是", "无职", "否")]),
            ("wgd-3-02", "wgd-3-01", [("wgd-3-02-1", "毕大海", "户主", "否", "", "否")]),
            ("wgd-3-03", "wgd-3-01", [("wgd-3-03-1", "李金凤", "户主", "否", "", "否")]),
            ("wgd-3-04", "wgd-3-01", [("wgd-3-04-1", "毕永福", "户主", "否", "", "否")]),
        ],
    },
    ("v-lyc", "xx村（旅游村）"): {
        ("lyc-yw", "阴湾"): [
            ("lyc-yw-01", "", [("lyc-yw-01-1", "彭书记", "户主", "是", "在职", "是")]),
            ("lyc-yw-02", "lyc-yw-01", [("lyc-yw-02-1", "彭乃国", "户主", "否", "", "否")]),
            ("lyc-yw-03", "lyc-yw-01", [("lyc-yw-03-1", "彭乃然", "户主", "否", "", "否")]),
            ("lyc-yw-04", "lyc-yw-01", [("lyc-yw-04-1", "彭光荣", "户主", "否", "", "否")]),
        ],
        ("lyc-tj", "唐家院子"): [
            ("lyc-tj-01", "", [("lyc-tj-01-1", "唐卫东", "户主", "是", "无职", "否")]),
            ("lyc-tj-02", "lyc-tj-01", [("lyc-tj-02-1", "唐秋菊", "户主", "否", "", "否")]),
        ],
    },
    ("v-g209", "xx村（G209沿线）"): {
        ("g209-3", "三组"): [
            ("g209-3-01", "", [("g209-3-01-1", "高党员", "户主", "是", "在职", "否")]),
            ("g209-3-02", "g209-3-01", [("g209-3-02-1", "黄远福", "户主", "否", "", "否")]),
            ("g209-3-03", "g209-3-01", [("g209-3-03-1", "黄远山", "户主", "否", "", "否")]),
        ],
    },
}


def rows():
    for (village_id, village_name), hamlets in VILLAGES.items():
        for (hamlet_id, hamlet_name), households in hamlets.items():
            for household_id, hub, residents in households:
                for resident in residents:
                    yield [*TOWN, village_id, village_name, hamlet_id, hamlet_name, household_id, hub, *resident]


def write() -> list[Path]:
    data = list(rows())
    csv_path = HERE / "wuguidun_roster.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *data])
    bad = [list(r) for r in data]
    bad[6][11] = "也许"           # line 8: party_member is not yes/no
    bad[9][7] = "wgd-2-02"        # line 11: hub household without a party member
    bad_path = HERE / "wuguidun_roster_bad.csv"
    with bad_path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *bad])
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    for row in [HEADER, *data]:
        sheet.append(row)
    xlsx_path = HERE / "wuguidun_roster.xlsx"
    book.save(xlsx_path)
    return [csv_path, bad_path, xlsx_path]


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path}")
