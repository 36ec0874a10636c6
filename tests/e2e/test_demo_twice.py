"""``make demo`` twice in a row, against the stack as ``make run`` starts it (its own stack: the
demo writes 伍桂墩村's story, which the other e2e tests must not see).

The demo is idempotent and keeps its own ids: the second run leaves every total as the first left
it (projects and their money, donations, points, motions, meetings, reviews, opinions, the public
feed), and it never changes another village: 远山村 ``v-far`` (a copy of the sample roster) keeps
what it had, and can still rate the quarter the demo closed in 伍桂墩村 (periods are per village).
"""
from __future__ import annotations

import subprocess
from datetime import datetime, timezone

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.kernel import periods
from services.kernel.errors import NotFound
from tests.e2e.conftest import expect
from tests.support import stack as stacks
from tests.support.identity import caller, wait_for_places
from tests.support.wait import until

pytestmark = pytest.mark.e2e

VILLAGES = ("v-wgd", "v-lyc", "v-g209", "v-far")
_LINES = (stacks.ROOT / "services" / "contributions" / "samples" / "wuguidun_roster.csv").read_text(
    encoding="utf-8").splitlines()
FAR = "\n".join([_LINES[0]] + [line for line in _LINES[1:] if ",v-wgd," in line]) + "\n"
FAR = (FAR.replace("t-xx", "t-yy").replace("xx镇", "yy镇").replace("v-wgd", "v-far")
       .replace("伍桂墩村", "远山村").replace("wgd-", "far-"))


@pytest.fixture(scope="module")
def demo_stack(vhosts, tmp_path_factory):
    uri = vhosts.create()
    running = stacks.start(uri, tmp_path_factory.mktemp("demo"))
    try:
        yield running
    finally:
        running.stop()
        vhosts.delete(uri)


def run_demo(stack) -> str:
    done = subprocess.run([str(stacks.BIN / "python"), "-m", "demo"], env=stack.env, cwd=stacks.ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}\n{stack.logs(20)}"
    return done.stdout


def totals(config) -> dict:
    """What the demo could have doubled, per village, read as the platform."""
    with ClusterRpcProxy(config, timeout=30) as rpc:
        out = {}
        for village in VILLAGES:
            out[village] = {
                "projects": sorted((p["project_id"], p["status"], str(p.get("total_raised")))
                                   for p in rpc.contributions.list_projects({"village_id": village, "limit": 200})),
                "motions": sorted(m["title"] for m in rpc.proposals.list_motions({"village_id": village, "limit": 200})),
                "meetings": len(rpc.proposals.list_meetings({"village_id": village, "limit": 200})),
                "suggestions": len(rpc.proposals.list_suggestions({"village_id": village, "limit": 200})),
                "donations": rpc.scoring.list_donations({"village_id": village})["total_money"],
                "reviews": sorted((r["title"], r["half_year"], r["status"], str(r["result"]))
                                  for r in rpc.scoring.list_reviews({"village_id": village, "limit": 500})),
                "opinions": sorted((o["text"], o["status"])
                                   for o in rpc.scoring.list_opinions({"village_id": village, "limit": 500})),
            }
        households = [line.split(",")[6] for line in _LINES[1:] + FAR.splitlines()[1:] if line.strip()]
        out["balances"] = {h: _balance(rpc, h) for h in sorted(set(households))}
        out["titles"] = sorted((t["household_id"], t["code"], t["quarter"])
                               for t in rpc.scoring.list_titles({"limit": 500}))
        out["feed"] = len(rpc.notifications.feed({"limit": 500}))
    return out


def _balance(rpc, household_id):
    try:
        return rpc.scoring.get_balance(household_id)
    except NotFound:  # not on a roster yet (the demo imports its villages' rosters)
        return None


def test_two_demo_runs_leave_the_same_totals_and_other_villages_alone(demo_stack):
    config = {"AMQP_URI": demo_stack.amqp_uri}
    base = demo_stack.url
    far = caller(base, config, "village_cadre", "village:v-far")
    expect(far.post(f"{base}/api/roster/imports", json={"filename": "far.csv", "content": FAR}), 201)
    wait_for_places(config, "v-far")
    quarter = periods.quarter_of(datetime.now(timezone.utc))
    until(lambda: far.get(f"{base}/api/scoring/households/far-1-02").status_code == 200, timeout=60,
          message="scoring to know v-far's households")
    expect(far.post(f"{base}/api/ratings", json={"household_id": "far-1-02", "quarter": quarter, "stars": 6}), 201)
    before = totals(config)

    first = run_demo(demo_stack)
    assert "半年评议" in first and "评议结果" in first
    after_first = totals(config)
    assert after_first["v-far"] == before["v-far"], "the demo changed another village"
    wgd = after_first["v-wgd"]
    assert {r[0] for r in wgd["reviews"]} >= {"乡风文明爱心超市", "村级重要工作：人居环境整治、乡风文明积分"}
    assert all(r[2] == "completed" and r[3] in ("satisfied", "basically_satisfied") for r in wgd["reviews"])
    assert ("老街组水渠淤塞，雨天积水", "done") in wgd["opinions"]
    assert ("毕昇老街路灯太少，晚上看不清", "adopted") in wgd["opinions"]

    run_demo(demo_stack)
    assert totals(config) == after_first

    # the demo closed this quarter in 伍桂墩村 only: 远山村 still rates it
    expect(far.post(f"{base}/api/ratings", json={"household_id": "far-1-03", "quarter": quarter, "stars": 7}), 201)
    wgd_cadre = caller(base, config, "village_cadre", "village:v-wgd")
    closed = expect(wgd_cadre.post(f"{base}/api/ratings", json={"household_id": "wgd-1-05", "quarter": quarter,
                                                                "stars": 7}), 409)
    assert closed["village_id"] == "v-wgd"

    # 公示至落实: the adopted opinion not yet carried out is on 伍桂墩村's board, the done one is not
    board = until(lambda: (b := expect(far.get(f"{base}/api/board/villages/v-wgd"), 200))["tasks"] and b,
                  timeout=30, message="the open task on the board")
    assert [t["opinion"] for t in board["tasks"]] == ["毕昇老街路灯太少，晚上看不清"]
    assert board["tasks"][0]["owner"] == "伍建国"
