"""政策文件 policy files in force: decisions that name their rule, and a hot reload.

A policy officer lowers the major-matter threshold in rules/major_matter.yaml and reloads: the
next decision on the same 80,000-yuan bridge changes, naming the new file version. Then a typo
in the file is refused with its line, and the rules in force keep deciding. The file is put
back as it was at the end.
"""
from __future__ import annotations

import re

from services.kernel import config as kconfig
from services.kernel.errors import ValidationFailed
from services.rules.engine import rules_dir

BRIDGE = {"scope": "village", "estimated_budget": 80000}


def _show(demo, decision):
    rule = decision["rule"]
    demo.say(f"  -> {decision['outcome']}: {decision['reason']}  [{rule['id']} v{rule['version']}]")


def run(demo):
    r = demo.as_("policy_staff", "county:").rules   # policy staff edit, test and reload the rule files
    demo.title("rules: policy files in force (政策文件)")
    for item in r.status()["files"]:
        demo.say(f"  {item['policy']:<18} v{item['version']}  {item['title']}")

    demo.say("\n大家事，大家定 — is an 80,000-yuan village bridge a major matter?")
    _show(demo, r.decide("major_matter", BRIDGE))
    demo.say("四个一律 — compensation asked for 660 m² of demolished old houses:")
    _show(demo, r.decide("demolition", {"request": "compensation", "structure_type": "old_house", "area_m2": 660}))
    demo.say("村民代表会议 — 30 representatives, 20 present, 11 for:")
    _show(demo, r.decide("quorum", {"body": "representatives_assembly", "members": 30, "present": 20, "votes_for": 11}))

    path = rules_dir(kconfig.load()) / "major_matter.yaml"
    original = path.read_text(encoding="utf-8")
    try:
        demo.say("\nA policy officer lowers the threshold to 50,000 yuan, raises the version, reloads:")
        edited = original.replace("major_budget_yuan: 100000", "major_budget_yuan: 50000")
        edited = re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m.group(1)) + 1}", edited, count=1, flags=re.M)
        path.write_text(edited, encoding="utf-8")
        r.reload()
        _show(demo, r.decide("major_matter", BRIDGE))

        demo.say("\nA typo (a threshold written in words) is refused; the rules in force stay:")
        path.write_text(edited.replace("major_budget_yuan: 50000", "major_budget_yuan: 五万"), encoding="utf-8")
        try:
            r.reload()
        except ValidationFailed as exc:
            for problem in exc.detail.get("problems", []):
                demo.say(f"  refused: {problem['file']}:{problem['line']}: {problem['message']} "
                         f"(expected: {problem['expected']})")
        _show(demo, r.decide("major_matter", BRIDGE))
    finally:
        path.write_text(original, encoding="utf-8")
        r.reload()
        demo.say("\n(the file is back as it was, and reloaded)")
