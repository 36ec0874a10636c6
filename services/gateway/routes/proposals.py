"""HTTP routes of the proposals service: 五字共谋 co-planning."""
from services.gateway.routing import Route

P = "proposals"

ROUTES = [
    # 回音墙 echo wall
    Route("POST", "/api/suggestions", P, "file_suggestion", body=True, status=201),
    Route("GET", "/api/suggestions", P, "list_suggestions", query=True),
    Route("GET", "/api/suggestions/<suggestion_id>", P, "get_suggestion"),
    Route("POST", "/api/suggestions/<suggestion_id>/answer", P, "answer_suggestion", body=True),
    # 垸组提议 motions and their lifecycle
    Route("POST", "/api/motions", P, "create_motion", body=True, status=201),
    Route("GET", "/api/motions", P, "list_motions", query=True),
    Route("GET", "/api/motions/<motion_id>", P, "get_motion"),
    Route("POST", "/api/motions/<motion_id>/transitions", P, "transition_motion", body=True),
    Route("GET", "/api/motions/<motion_id>/votes", P, "list_motion_votes"),
    # 议 meetings, 学看讲 activities
    Route("POST", "/api/meetings", P, "schedule_meeting", body=True, status=201),
    Route("GET", "/api/meetings", P, "list_meetings", query=True),
    Route("GET", "/api/meetings/<meeting_id>", P, "get_meeting"),
    Route("POST", "/api/meetings/<meeting_id>/held", P, "hold_meeting", body=True),
    Route("POST", "/api/meetings/<meeting_id>/cancel", P, "cancel_meeting", body=True),
    Route("PUT", "/api/meetings/<meeting_id>/minutes", P, "record_minutes", body=True),
    Route("POST", "/api/activities", P, "record_activity", body=True, status=201),
    Route("GET", "/api/activities", P, "list_activities", query=True),
    Route("GET", "/api/activities/<activity_id>", P, "get_activity"),
    # 定 votes
    Route("POST", "/api/meetings/<meeting_id>/motions/<motion_id>/votes", P, "record_vote",
          body=True, status=201),
    Route("GET", "/api/votes/<vote_id>", P, "get_vote"),
    # 大事小事我来提 reports
    Route("POST", "/api/reports", P, "file_report", body=True, status=201),
    Route("GET", "/api/reports", P, "list_reports", query=True),
    Route("GET", "/api/reports/<report_id>", P, "get_report"),
    Route("POST", "/api/reports/<report_id>/assign", P, "assign_report", body=True),
    Route("POST", "/api/reports/<report_id>/resolve", P, "resolve_report", body=True),
    Route("POST", "/api/reports/<report_id>/confirm", P, "confirm_report", body=True),
    # 好人好事 good deeds
    Route("POST", "/api/good-deeds", P, "report_good_deed", body=True, status=201),
    Route("GET", "/api/good-deeds", P, "list_good_deeds", query=True),
    Route("GET", "/api/good-deeds/<deed_id>", P, "get_good_deed"),
    Route("POST", "/api/good-deeds/<deed_id>/verify", P, "verify_good_deed", body=True),
    Route("POST", "/api/good-deeds/<deed_id>/reject", P, "reject_good_deed", body=True),
]
