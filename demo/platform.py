"""The platform's own story: one event's journey proposals -> rules -> scoring -> notifications.

A resident tells of a good deed (好人好事), a cadre verifies it; the rules service prices it from
``rules/civility_points.yaml``; scoring records the points; the public board shows each hop.
"""
from __future__ import annotations

HOUSEHOLD = "g209-3-02"      # 黄远福's household, group 3 on national road G209 (sample roster)


def run(demo):
    demo.title("一体共享 platform: a good deed travels proposals -> rules -> scoring -> notifications")
    demo.roster()
    scoring = demo.rpc.scoring
    # a neighbour tells of it, the village's cadre verifies it: each with a token of their own
    neighbour = demo.as_("resident", "household:g209-3-03").proposals     # 黄远山's household
    cadre = demo.as_("village_cadre", "village:v-g209").proposals
    deed = neighbour.report_good_deed({
        "village_id": "v-g209", "hamlet_id": "g209-3", "household_id": HOUSEHOLD,
        "resident_id": "g209-3-02-1", "deed_code": "help_neighbour",
        "description": "黄远福 cleared the roadside ditch for the whole group"})
    demo.say(f"proposals: good deed {deed['id']} reported ({deed['deed_code']})")
    cadre.verify_good_deed(deed["id"], {"why": "seen by the hamlet head"})
    demo.say("proposals: verified by a cadre  -> event good_deed.verified")

    def recorded():
        entries = scoring.list_entries({"household_id": HOUSEHOLD})
        return [e for e in entries if e.get("deed_code") == "help_neighbour"]
    entry = demo.wait_for(recorded, "scoring to record the points")[0]
    rule = entry["rule"]
    demo.say(f"rules: priced by rule {rule['id']} v{rule['version']}  -> event points.decided")
    demo.say(f"scoring: entry {entry['entry_id']} {entry['points']:+d} points ({entry['status']})  -> event points.recorded")

    def published():  # this deed's notice (a second demo run replays the deed: no new notice)
        return [n for n in demo.board() if n["cause_type"] == "good_deed.verified"
                and deed["description"] in n["headline"]] or None
    for notice in demo.wait_for(published, "the board to show the good deed"):
        demo.say(f"notifications: on the public board  {notice['headline']}")
    demo.say("  (the points are the household's own business: points.* are not public, so not on the board)")
