"""HTTP routes of the scoring service: 双向共评 two-way evaluation and 清洁日 inspections."""
from services.gateway.routing import Route
from services.kernel.identity import (
    HAMLET_HEAD, HUB_HOUSEHOLD, OFFICIALS, POLICY_STAFF, PUBLIC, READERS, RESIDENT, SUPERVISOR,
    TOWN_STAFF, VILLAGE_CADRE, VILLAGE_SIDE)

S = "scoring"

ROUTES = [
    # 乡风文明积分 points ledger
    Route("POST", "/api/points", S, "record_points", body=True, status=201, access=(HUB_HOUSEHOLD, HAMLET_HEAD, VILLAGE_CADRE)),
    Route("GET", "/api/points", S, "list_entries", query=True, access=READERS),
    Route("POST", "/api/points/approvals", S, "approve_points", body=True, access=(VILLAGE_CADRE,)),
    Route("GET", "/api/points/<entry_id>", S, "get_entry", access=READERS),
    Route("POST", "/api/points/<entry_id>/reject", S, "reject_points", body=True, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/points/<entry_id>/revoke", S, "revoke_points", body=True, access=(VILLAGE_CADRE,)),
    Route("GET", "/api/households/<household_id>/balance", S, "get_balance", access=READERS),
    Route("GET", "/api/scoring/households/<household_id>", S, "get_household", access=READERS),
    # 爱心超市 love supermarket
    Route("POST", "/api/supermarket/goods", S, "add_goods", body=True, status=201, access=(VILLAGE_CADRE,)),
    Route("GET", "/api/supermarket/goods", S, "list_goods", query=True, access=READERS),
    Route("GET", "/api/supermarket/goods/<goods_id>", S, "get_goods", access=READERS),
    Route("POST", "/api/supermarket/donations", S, "record_donation", body=True, status=201, access=(VILLAGE_CADRE,)),
    Route("GET", "/api/supermarket/donations", S, "list_donations", query=True, access=READERS),
    Route("POST", "/api/supermarket/redemptions", S, "request_redemption", body=True, status=201, access=(RESIDENT,)),
    Route("GET", "/api/supermarket/redemptions", S, "list_redemptions", query=True, access=READERS),
    Route("GET", "/api/supermarket/redemptions/<redemption_id>", S, "get_redemption", access=READERS),
    Route("POST", "/api/supermarket/redemptions/<redemption_id>/complete", S, "complete_redemption", body=True, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/supermarket/redemptions/<redemption_id>/cancel", S, "cancel_redemption", body=True, access=(RESIDENT, VILLAGE_CADRE)),
    # 清洁日 cleaning-day inspections
    Route("POST", "/api/inspections", S, "record_inspection", body=True, status=201, access=(HUB_HOUSEHOLD, HAMLET_HEAD, VILLAGE_CADRE)),
    Route("GET", "/api/inspections", S, "list_inspections", query=True, access=READERS),
    # 乡风文明评比 ratings and 评星评优 titles
    Route("POST", "/api/ratings", S, "rate_household", body=True, status=201, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/ratings/sheets", S, "rate_sheet", body=True, status=201, max_body=8 * 1024 * 1024,
          summary="乡风文明评比 a hamlet's quarterly rating sheet in one command (rows or an .xlsx/.csv upload)",
          access=(VILLAGE_CADRE,)),
    Route("POST", "/api/ratings/close", S, "close_quarter", body=True, access=(VILLAGE_CADRE,)),
    Route("GET", "/api/titles", S, "list_titles", query=True, access=READERS),
    # decisions scoring could not act on (e.g. a title not in the published titles.yaml), with the reason
    Route("GET", "/api/scoring/parked", S, "list_parked", query=True, access=OFFICIALS + (POLICY_STAFF,)),
    # 党员评议 party-member assessment
    Route("POST", "/api/party-assessments", S, "assess_party_member", body=True, status=201, access=(VILLAGE_CADRE,)),
    Route("GET", "/api/party-assessments", S, "list_assessments", query=True, access=(RESIDENT, HUB_HOUSEHOLD, VILLAGE_CADRE)),
    # 大家评 reviews and opinions
    Route("POST", "/api/reviews", S, "open_review", body=True, status=201, access=(VILLAGE_CADRE, TOWN_STAFF)),
    Route("GET", "/api/reviews/<review_id>", S, "get_review", access=READERS),
    Route("POST", "/api/reviews/<review_id>/verdicts", S, "record_verdict", body=True, status=201, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/reviews/<review_id>/opinions", S, "add_opinion", body=True, status=201, access=VILLAGE_SIDE),
    Route("GET", "/api/opinions", S, "list_opinions", query=True, access=READERS),
    Route("POST", "/api/opinions/<opinion_id>/answer", S, "answer_opinion", body=True, access=(SUPERVISOR, VILLAGE_CADRE)),
    Route("POST", "/api/opinions/<opinion_id>/carried-out", S, "carry_out_opinion", body=True, access=(SUPERVISOR, VILLAGE_CADRE)),
    # 最美垸落 most beautiful hamlet
    Route("POST", "/api/beautiful-hamlets", S, "apply_beautiful_hamlet", body=True, status=201, access=(HAMLET_HEAD, VILLAGE_CADRE)),
    Route("GET", "/api/beautiful-hamlets", S, "list_hamlet_applications", query=True, access=READERS),
    Route("GET", "/api/beautiful-hamlets/<application_id>", S, "get_hamlet_application", access=READERS),
    Route("PUT", "/api/beautiful-hamlets/<application_id>/scores", S, "record_hamlet_scores", body=True, access=(TOWN_STAFF,)),
    Route("PUT", "/api/beautiful-hamlets/<application_id>/survey", S, "record_hamlet_survey", body=True, access=(TOWN_STAFF,)),
    Route("POST", "/api/beautiful-hamlets/<application_id>/decision", S, "decide_beautiful_hamlet", body=True, access=(TOWN_STAFF,)),
    # 排行榜 the public board's rankings
    Route("GET", "/api/rankings", S, "rankings", query=True, access=PUBLIC),
]

# OpenAPI: the output schemas of the methods that build their answer outside a schema
RESPONSES = {
    "get_balance": "BalanceOut",
    "open_review": "ReviewDetailOut",
    "get_review": "ReviewDetailOut",
    "record_verdict": "ReviewDetailOut",
    "rankings": "RankingsOut",
    "close_quarter": "QuarterClosedOut",
    "rate_sheet": "RatingSheetOut",      # an object, not the list of titles it dumps
    "list_assessments": "AssessmentsOut",
    "list_donations": "DonationsOut",
}
