"""Done-when of issue 14 on the stack as `make run` starts it: the policy staff publish a
titles.yaml with a new title over the API; a village cadre rates a household and closes the
quarter; the new title is awarded, with its Chinese name, and no code names it."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import cadre, expect
from tests.support.identity import wait_for_places
from tests.support.wait import until
from tests.unit.scoring.test_open_titles import NEW_TITLE, NEW_TITLE_CASES

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "services" / "contributions" / "samples" / "wuguidun_roster.csv"
QUARTER = "2039Q3"   # a quarter of this test's own
HOUSEHOLD = "wgd-1-05"


def test_a_title_published_over_the_api_is_awarded_at_the_next_close(api, stack, person):
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    text = "\n".join([lines[0]] + [line for line in lines[1:] if ",v-wgd," in line]) + "\n"
    who = cadre(person, "v-wgd")
    assert who.post(f"{api}/api/roster/imports", json={"filename": ROSTER.name, "content": text}).status_code == 201
    wait_for_places({"AMQP_URI": stack.amqp_uri}, "v-wgd")
    until(lambda: who.get(f"{api}/api/scoring/households/{HOUSEHOLD}").status_code == 200, timeout=60,
          message=f"scoring to know {HOUSEHOLD}")

    staff = person("policy_staff", "county:*")
    folder = stack.rules_dir
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}
    cases = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "tests").glob("*.yaml"))}
    in_force = {f["policy"]: f for f in expect(staff.get(f"{api}/api/policy"), 200)["files"]}
    version = in_force["titles"]["version"]
    titles = files["titles.yaml"].replace(f"\nversion: {version}\n", f"\nversion: {version + 1}\n", 1) \
                                 .replace("    good_daughter_in_law:", NEW_TITLE + "    good_daughter_in_law:", 1)
    published = expect(staff.post(f"{api}/api/policy/publish", json={
        "files": {**files, "titles.yaml": titles}, "cases": {**cases, "titles.yaml": NEW_TITLE_CASES},
        "message": "新设热心公益户称号"}), 200)
    assert [(f["area"], f["version"]) for f in published["files"]] == [("titles", version + 1)]
    # the staff's draft folder is what they published (other tests publish from it after this one)
    (folder / "titles.yaml").write_text(titles, encoding="utf-8")
    (folder / "tests" / "titles.yaml").write_text(NEW_TITLE_CASES, encoding="utf-8")

    rating = expect(who.post(f"{api}/api/ratings", json={
        "household_id": HOUSEHOLD, "quarter": QUARTER, "stars": 10, "rated_by": "wgd-1-01-1"}), 201)
    expect(who.post(f"{api}/api/points/approvals", json={
        "entry_ids": [rating["entry_id"]], "cadre_id": "wgd-1-01-1"}), 200)
    closed = expect(who.post(f"{api}/api/ratings/close", json={"village_id": "v-wgd", "quarter": QUARTER, "closed_by": "wgd-1-01-1"}), 200)
    awarded = {(t["household_id"], t["code"]) for t in closed["titles"]}
    assert (HOUSEHOLD, "public_spirited_household") in awarded, closed
    assert closed["period"] == QUARTER and closed["titles_version"] == version + 1
    listed = expect(who.get(f"{api}/api/titles", params={"code": "public_spirited_household"}), 200)
    assert [t["period"] for t in listed if t["household_id"] == HOUSEHOLD] == [QUARTER]
    assert expect(who.get(f"{api}/api/scoring/parked"), 200) == []
