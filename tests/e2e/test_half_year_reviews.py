"""半年评议 over HTTP, as a village's cadre and residents see it: a project of 伍桂墩村 is reviewed
by the 党员大会 and the 村民代表会议, each verdict taken at a held meeting that met its quorum (the
proposals service judges it by the quorum rule), with the satisfaction result the reviews rule
gives; an adopted opinion is a task with an owner and a deadline, on the public board until it is
carried out."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.kernel import periods
from tests.e2e.conftest import cadre, expect, uid
from tests.e2e.test_api import roster  # noqa: F401  (the sample roster, imported once)
from tests.support.wait import until

pytestmark = pytest.mark.e2e

PARTY = ("wgd-1-01-1", "wgd-2-01-1", "wgd-3-01-1")            # the roster's party members
# (wgd-3-04-1 is left out: the access matrix registers and ends their term on the same stack)
REPS = ("wgd-1-02", "wgd-1-03", "wgd-1-04", "wgd-1-05", "wgd-2-02", "wgd-2-03", "wgd-2-04", "wgd-3-02")


def _meeting(who, api, kind, attendance):
    """A meeting held now; its members come from the registers (quorum is counted, not typed)."""
    return expect(who.post(f"{api}/api/meetings", json={
        "kind": kind, "village_id": "v-wgd", "title": f"半年评议 {kind}", "agenda": [],
        "attendance": attendance}), 201)


def _representatives(who, api):
    """The REPS households' first residents on 伍桂墩村's 村民代表 register (once per stack)."""
    serving = {r["resident_id"] for r in expect(who.get(f"{api}/api/representatives",
                                                        params={"village_id": "v-wgd"}), 200) if r["serving"]}
    year = datetime.now(timezone.utc).year
    for household in REPS:
        if f"{household}-1" not in serving:
            made = who.post(f"{api}/api/representatives", json={
                "village_id": "v-wgd", "resident_id": f"{household}-1",
                "term_start": f"{year - 1}-01-01", "term_end": f"{year + 3}-12-31"})
            # 409: another test of this stack (the access matrix) registered them for a term already
            assert made.status_code in (201, 409), made.text


def test_a_half_year_review_with_quorum_satisfaction_and_tracked_opinions(api, person, roster):  # noqa: F811
    secretary = cadre(person, "v-wgd")
    villager = person("resident", "household:wgd-3-02")
    project = expect(secretary.post(f"{api}/api/projects", json={
        "project_id": uid("p-shop"), "name": "乡风文明爱心超市", "scope": "village", "village_id": "v-wgd",
        "budget": "20000", "mix": {"grant": "0", "sponsor": "11000", "crowd": "9000"}}), 201)
    today = periods.local_date(datetime.now(timezone.utc))
    last_half = periods.bounds(periods.half_of(today))[1].date() - timedelta(days=1)  # always open by now

    def opened():
        answer = secretary.post(f"{api}/api/reviews", json={
            "project_id": project["project_id"], "title": "乡风文明爱心超市", "kind": "major",
            "village_id": "v-wgd", "since": last_half.isoformat()})
        return None if answer.status_code == 404 else answer  # until scoring knows the project
    review = expect(until(opened, timeout=30, message="scoring to know the project"), 201)
    assert (review["half_year"], review["reviewers"]) == (
        periods.half_of(last_half), ["party_members_meeting", "representatives_assembly"])
    invented = expect(secretary.post(f"{api}/api/reviews", json={
        "project_id": uid("p-none"), "title": "x", "kind": "major", "village_id": "v-wgd"}), 404)
    assert invented["error"] == "not_found"

    _representatives(secretary, api)
    party = _meeting(secretary, api, "party_members", [{"resident_id": r} for r in PARTY])
    reps = _meeting(secretary, api, "representatives", [{"resident_id": f"{h}-1"} for h in REPS])
    short = _meeting(secretary, api, "representatives", [{"resident_id": f"{h}-1"} for h in REPS[:5]])
    verdicts = f"{api}/api/reviews/{review['review_id']}/verdicts"
    refused = expect(secretary.post(verdicts, json={"meeting_id": short["id"], "satisfied": 5,
                                                    "basically_satisfied": 0, "unsatisfied": 0}), 422)
    assert refused["rule"]["id"] == "quorum.no_quorum"
    too_many = expect(secretary.post(verdicts, json={"meeting_id": party["id"], "satisfied": 3,
                                                     "basically_satisfied": 1, "unsatisfied": 0}), 400)
    assert "satisfied" in too_many["fields"]
    expect(secretary.post(verdicts, json={"meeting_id": party["id"], "satisfied": 3, "basically_satisfied": 0,
                                          "unsatisfied": 0}), 201)
    done = expect(secretary.post(verdicts, json={"meeting_id": reps["id"], "satisfied": 4,
                                                 "basically_satisfied": 2, "unsatisfied": 2}), 201)
    assert (done["status"], done["result"]) == ("completed", "basically_satisfied")   # 6 of 8 below 80%
    assert [v["result"] for v in done["verdicts"]] == ["satisfied", "basically_satisfied"]
    assert done["verdicts"][1]["present"] == 8 and done["verdicts"][1]["rule"]["policy"] == "reviews"

    lamps = expect(villager.post(f"{api}/api/reviews/{review['review_id']}/opinions",
                                 json={"text": f"超市门口路灯太暗 {uid('o')}"}), 201)
    untracked = expect(secretary.post(f"{api}/api/opinions/{lamps['opinion_id']}/answer",
                                      json={"answer": "采纳", "adopted": True}), 400)
    assert set(untracked["fields"]) == {"owner", "due_on"}
    expect(secretary.post(f"{api}/api/opinions/{lamps['opinion_id']}/answer", json={
        "answer": "加装路灯", "adopted": True, "owner": "伍建国",
        "due_on": (today + timedelta(days=30)).isoformat()}), 200)

    def task_on_board():
        board = expect(villager.get(f"{api}/api/board/villages/v-wgd"), 200)
        return [t for t in board["tasks"] if t["opinion"] == lamps["text"]]
    [task] = until(task_on_board, timeout=30, message="the adopted opinion on the board")
    assert (task["owner"], task["due_on"]) == ("伍建国", (today + timedelta(days=30)).isoformat())
    expect(villager.post(f"{api}/api/opinions/{lamps['opinion_id']}/carried-out", json={"note": "x"}), 403)
    carried = expect(secretary.post(f"{api}/api/opinions/{lamps['opinion_id']}/carried-out",
                                    json={"note": "路灯已装好"}), 200)
    assert carried["status"] == "done"
    until(lambda: not task_on_board(), timeout=30, message="the task to leave the board once carried out")
