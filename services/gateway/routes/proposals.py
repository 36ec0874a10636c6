"""HTTP routes of the proposals service: 五字共谋 co-planning."""
from services.gateway.routing import Route
from services.kernel.identity import (
    HAMLET_HEAD, HUB_HOUSEHOLD, READERS, RESIDENT, VILLAGE_CADRE, VILLAGE_SIDE)

P = "proposals"

ROUTES = [
    # 回音墙 echo wall
    Route("POST", "/api/suggestions", P, "file_suggestion", body=True, status=201, access=VILLAGE_SIDE),
    Route("GET", "/api/suggestions", P, "list_suggestions", query=True, access=READERS),
    Route("GET", "/api/suggestions/<suggestion_id>", P, "get_suggestion", access=READERS),
    Route("POST", "/api/suggestions/<suggestion_id>/answer", P, "answer_suggestion", body=True, access=(HAMLET_HEAD, VILLAGE_CADRE)),
    # 最紧迫 endorsements: one per household, stamped with the caller's own household
    Route("POST", "/api/suggestions/<suggestion_id>/endorsements", P, "endorse_suggestion", body=True, status=201,
          access=(RESIDENT, HUB_HOUSEHOLD, HAMLET_HEAD, VILLAGE_CADRE),
          summary="附议 a household endorses a suggestion (urgency)"),
    Route("GET", "/api/suggestions/<suggestion_id>/endorsements", P, "list_suggestion_endorsements", access=READERS),
    Route("POST", "/api/motions/<motion_id>/endorsements", P, "endorse_motion", body=True, status=201,
          access=(RESIDENT, HUB_HOUSEHOLD, HAMLET_HEAD, VILLAGE_CADRE),
          summary="附议 a household endorses a motion (urgency)"),
    Route("GET", "/api/motions/<motion_id>/endorsements", P, "list_motion_endorsements", access=READERS),
    # 垸组提议 motions and their lifecycle
    Route("POST", "/api/motions", P, "create_motion", body=True, status=201, access=(HAMLET_HEAD, VILLAGE_CADRE)),
    Route("GET", "/api/motions", P, "list_motions", query=True, access=READERS),
    Route("GET", "/api/motions/<motion_id>", P, "get_motion", access=READERS),
    Route("POST", "/api/motions/<motion_id>/transitions", P, "transition_motion", body=True, access=(HAMLET_HEAD, VILLAGE_CADRE)),
    Route("GET", "/api/motions/<motion_id>/votes", P, "list_motion_votes", access=READERS),
    # 议 meetings, 学看讲 activities
    Route("POST", "/api/meetings", P, "schedule_meeting", body=True, status=201, access=(HAMLET_HEAD, VILLAGE_CADRE)),
    Route("GET", "/api/meetings", P, "list_meetings", query=True, access=READERS),
    Route("GET", "/api/meetings/<meeting_id>", P, "get_meeting", access=READERS),
    Route("POST", "/api/meetings/<meeting_id>/held", P, "hold_meeting", body=True, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/meetings/<meeting_id>/cancel", P, "cancel_meeting", body=True, access=(HAMLET_HEAD, VILLAGE_CADRE)),
    Route("PUT", "/api/meetings/<meeting_id>/minutes", P, "record_minutes", body=True, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/activities", P, "record_activity", body=True, status=201, access=(HUB_HOUSEHOLD, HAMLET_HEAD, VILLAGE_CADRE)),
    Route("GET", "/api/activities", P, "list_activities", query=True, access=READERS),
    Route("GET", "/api/activities/<activity_id>", P, "get_activity", access=READERS),
    # 定 votes
    Route("POST", "/api/meetings/<meeting_id>/motions/<motion_id>/votes", P, "record_vote",
          body=True, status=201, access=(VILLAGE_CADRE,)),
    Route("GET", "/api/votes/<vote_id>", P, "get_vote", access=READERS),
    # 大事小事我来提 reports
    Route("POST", "/api/reports", P, "file_report", body=True, status=201, access=VILLAGE_SIDE),
    Route("GET", "/api/reports", P, "list_reports", query=True, access=READERS),
    Route("GET", "/api/reports/<report_id>", P, "get_report", access=READERS),
    Route("POST", "/api/reports/<report_id>/assign", P, "assign_report", body=True, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/reports/<report_id>/resolve", P, "resolve_report", body=True, access=(HAMLET_HEAD, VILLAGE_CADRE)),
    Route("POST", "/api/reports/<report_id>/confirm", P, "confirm_report", body=True, access=(RESIDENT, HUB_HOUSEHOLD, VILLAGE_CADRE)),
    # 好人好事 good deeds
    Route("POST", "/api/good-deeds", P, "report_good_deed", body=True, status=201, access=VILLAGE_SIDE),
    Route("GET", "/api/good-deeds", P, "list_good_deeds", query=True, access=READERS),
    Route("GET", "/api/good-deeds/<deed_id>", P, "get_good_deed", access=READERS),
    Route("POST", "/api/good-deeds/<deed_id>/verify", P, "verify_good_deed", body=True, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/good-deeds/<deed_id>/reject", P, "reject_good_deed", body=True, access=(VILLAGE_CADRE,)),
]
