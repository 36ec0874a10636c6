"""政策文件 policy files in force: decisions that name their rule and version; a change
rehearsed on a draft before anyone publishes it.

A policy officer copies the rules to a draft folder and lowers the major-matter threshold there:
the draft decides the 80,000-yuan bridge differently, and a replay of the decisions stored so far
shows which would change (``cocreate rules replay --dir DRAFT``). Nothing is published — the
threshold is the whole county's, not the demo's to change. A draft with a typo is then offered
for publishing and refused with its line: the rules in force keep deciding. The repository's
``rules/`` folder is never touched.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from services.kernel import config as kconfig
from services.kernel.errors import ValidationFailed
from services.rules.cli import read_draft, replay
from services.rules.engine import PolicyBook, rules_dir

BRIDGE = {"scope": "village", "estimated_budget": 80000}


def _show(demo, decision):
    rule = decision["rule"]
    demo.say(f"  -> {decision['outcome']}: {decision['reason']}  [{rule['id']} v{rule['version']}]")


def run(demo):
    r = demo.as_("policy_staff", "county:").rules   # policy staff rehearse, test and publish rule changes
    demo.title("rules: policy files in force (政策文件)")
    for item in r.status()["files"]:
        demo.say(f"  {item['policy']:<18} v{item['version']}  {item['title']}")

    demo.say("\n大家事，大家定 — is an 80,000-yuan village bridge a major matter?")
    _show(demo, r.decide("major_matter", BRIDGE))
    demo.say("四个一律 — compensation asked for 660 m² of demolished old houses:")
    _show(demo, r.decide("demolition", {"request": "compensation", "structure_type": "old_house", "area_m2": 660}))
    demo.say("村民代表会议 — 30 representatives, 20 present, 11 for:")
    _show(demo, r.decide("quorum", {"body": "representatives_assembly", "members": 30, "present": 20, "votes_for": 11}))

    draft = Path(tempfile.mkdtemp(prefix="cocreate-draft-"))
    try:
        shutil.copytree(rules_dir(kconfig.load()), draft, dirs_exist_ok=True)
        path = draft / "major_matter.yaml"
        text = path.read_text(encoding="utf-8")
        edited = re.sub(r"^(  major_budget_yuan:)\s*100000", r"\1 50000", text, count=1, flags=re.M)
        edited = re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m.group(1)) + 1}", edited, count=1, flags=re.M)
        path.write_text(edited, encoding="utf-8")

        demo.say("\nA policy officer rehearses a draft that lowers the threshold to 50,000 yuan:")
        book = PolicyBook(draft)
        try:
            _show(demo, book.decide("major_matter", BRIDGE))
            stored = r.decisions({"area": "major_matter", "limit": 500})["items"]
            changes = [c for c in (replay(book, d) for d in stored) if c is not None]
        finally:
            book.close()
        demo.say(f"  replay of the {len(stored)} stored major-matter decisions: {len(changes)} would change")
        for change in changes[:3]:
            demo.say(f"    {change['decision_id']}: {change['was']} -> {change['would_be']}")
        demo.say("  (not published: the threshold is the county's; `cocreate rules publish --dir DRAFT -m WHY` would)")

        demo.say("\nA draft with a typo (a threshold written in words) is offered for publishing:")
        path.write_text(edited.replace("major_budget_yuan: 50000", "major_budget_yuan: 五万"), encoding="utf-8")
        files, cases, _ = read_draft(draft)
        try:
            r.publish({"files": files, "cases": cases, "message": "演示：错字", "author": "demo"})
        except ValidationFailed as exc:
            problems = exc.detail.get("problems") or []
            for problem in problems[:3]:
                demo.say(f"  refused: {problem.get('file')}:{problem.get('line')}: {problem.get('message')}")
            if not problems:
                demo.say(f"  refused: {exc.detail.get('message')}")
        demo.say("the rules in force still decide:")
        _show(demo, r.decide("major_matter", BRIDGE))
    finally:
        shutil.rmtree(draft, ignore_errors=True)
