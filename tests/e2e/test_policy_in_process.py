"""The policy port in-process, on the stack as `make run` starts it: policy staff publish a new
civility-points deed with `cocreate rules publish`; scoring (which decides with the published
rules in its own process) prices the next points entry by it, and that decision is in the
rules service's decision log with its rule and version (`cocreate rules replay` finds it)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.conftest import cadre, expect, uid
from tests.e2e.test_api import roster  # noqa: F401  (fixture: the sample roster, imported)
from tests.support.wait import until

DEED = "lamp_patrol"  # 夜间巡灯: not in the shipped catalogue


def _published_draft(api, who, folder: Path) -> dict:
    """The published versions in force as a draft folder (files and the cases they passed)."""
    (folder / "tests").mkdir(parents=True)
    versions = {}
    for item in expect(who.get(f"{api}/api/policy"), 200)["files"]:
        shown = expect(who.get(f"{api}/api/policy/{item['policy']}/versions/{item['version']}"), 200)
        name = shown["file"].rsplit("/", 1)[-1]
        (folder / name).write_text(shown["text"], encoding="utf-8")
        if shown.get("cases"):
            (folder / "tests" / name).write_text(shown["cases"], encoding="utf-8")
        versions[item["policy"]] = item["version"]
    return versions


def _add_deed(path: Path, points: int, version: int) -> None:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^version: \d+$", f"version: {version}", text, count=1, flags=re.M)
    anchor = "    help_neighbour:"
    assert anchor in text
    text = text.replace(anchor, f"    {DEED}: {{label: 夜间巡灯, points: {points}, kind: reward, cap_per_period: 70}}\n"
                                + anchor, 1)
    path.write_text(text, encoding="utf-8")


def test_a_published_deed_prices_the_next_entry_in_scoring_and_the_decision_is_logged(
        api, stack, person, roster, tmp_path):  # noqa: F811
    who = cadre(person, "v-wgd")
    staff = person("policy_staff", "county:*")
    until(lambda: who.get(f"{api}/api/scoring/households/wgd-1-02").status_code == 200,
          timeout=60, message="scoring to know household wgd-1-02")
    until(lambda: stack.policy_loads("scoring") >= 1,
          timeout=60, message="scoring to load the published rules in-process")
    entry = {"household_id": "wgd-1-02", "resident_id": "wgd-1-02-1", "deed_code": DEED,
             "reason": uid("巡灯"), "recorded_by": "wgd-1-01-1"}
    refused = expect(who.post(f"{api}/api/points", json=entry), 422)  # not in the catalogue yet
    assert DEED in str(refused)

    draft = tmp_path / "draft"
    versions = _published_draft(api, staff, draft)
    new_version = versions["civility_points"] + 1
    _add_deed(draft / "civility_points.yaml", 7, new_version)
    published = stack.cocreate("rules", "publish", "--dir", str(draft), "-m", "增设夜间巡灯加分",
                               "--author", "county-policy-wang")
    assert published.returncode == 0, published.stdout + published.stderr
    # the stack's own draft folder follows what was published (other tests publish from it)
    (stack.rules_dir / "civility_points.yaml").write_text(
        (draft / "civility_points.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert f"civility_points" in published.stdout and f"v{new_version}" in published.stdout

    def priced():
        answer = who.post(f"{api}/api/points", json={**entry, "reason": uid("巡灯")})
        return answer.json() if answer.status_code == 201 else None
    made = until(priced, timeout=60, message="scoring to price the new deed")
    assert made["points"] == 7
    assert (made["rule"]["id"], made["rule"]["version"]) == ("civility_points.award", new_version)
    assert stack.policy_loads("scoring") >= 2, "scoring swapped in the publication in its own process"

    # the decision scoring took is in the rules service's log, by its rule and version:
    # replayed under a draft that pays 8 instead, it shows as one that would change
    replay_draft = tmp_path / "replay"
    _published_draft(api, staff, replay_draft)
    text = (replay_draft / "civility_points.yaml").read_text(encoding="utf-8")
    (replay_draft / "civility_points.yaml").write_text(
        text.replace(f"{DEED}: {{label: 夜间巡灯, points: 7,", f"{DEED}: {{label: 夜间巡灯, points: 8,", 1),
        encoding="utf-8")

    def replayed():
        out = stack.cocreate("rules", "replay", "--dir", str(replay_draft), "--area", "civility_points")
        lines = [line for line in out.stdout.splitlines() if f"civility_points.award v{new_version}" in line]
        return lines if out.returncode == 0 and lines else None
    lines = until(replayed, timeout=60, message="the in-process decision in the rules decision log")
    assert any('{"points": 7}' in line and '{"points": 8}' in line for line in lines), lines
