"""一体共享 and 制度监管: 伍桂墩村's board, 公示 and an objection 异议.

What the other stories decided, funded, built and awarded is now on the village's board, each
result on notice (公示) for the days in rules/publicity.yaml. A resident objects to the 好婆婆
title; the supervision committee upholds it publicly, so the title is held (not awarded) until the
moral review board re-counts and corrects it. The objector's name is never on the board.
"""
from __future__ import annotations

VILLAGE = "v-wgd"
OBJECTOR = {"resident_id": "wgd-1-02-1", "household_id": "wgd-1-02"}   # 伍长林, a villager


def run(demo):
    n = demo.rpc.notifications
    demo.title("一体共享 sharing: 伍桂墩村's board, 公示 and 异议")
    notices = demo.wait_for(lambda: n.list_publicity(VILLAGE), "results on notice on 伍桂墩村's board")
    for p in notices:
        demo.say(f"公示 [{p['status_text']}] {p['headline']} (until {p['closes_at'][:10]}, "
                 f"rule {p['rule']['id']} v{p['rule']['version']})")
    title = next((p for p in notices if p["kind"] == "title" and p["status"] == "in_notice"), None)
    if title is None:
        demo.say("(no title on notice to object to: the quarter's titles were settled in an earlier run)")
        return
    objection = n.lodge_objection(title["publicity_id"], dict(OBJECTOR, reason="评议时有两张票没有计入，请核实"))
    demo.say(f"异议: a villager objects to 「{title['headline']}」 -> objection {objection['objection_id']}")
    n.answer_objection(objection["objection_id"], {
        "outcome": "upheld", "answer": "经核实，道德评议会漏记 2 票，重新统计前暂缓授予", "answered_by": "村务监督委员会"})
    held = next(p for p in n.list_publicity(VILLAGE) if p["publicity_id"] == title["publicity_id"])
    demo.say(f"监督委员会 upholds it publicly -> {held['status_text']} (the title is not awarded)")
    board = n.village_board(VILLAGE)
    shown = [t for t in board["honours"]["titles"] if not t["final"]]
    demo.say(f"on the board: {len(shown)} title(s) not final; "
             f"the objector is not named: {OBJECTOR['resident_id'] not in str(board)}")
    n.resolve_publicity(title["publicity_id"], {"resolution": "corrected", "note": "重新统计后仍达到好婆婆标准",
                                                "resolved_by": "道德评议会"})
    done = next(p for p in n.list_publicity(VILLAGE) if p["publicity_id"] == title["publicity_id"])
    demo.say(f"道德评议会 re-counts and corrects it -> {done['status_text']}: final once the notice period ends")
