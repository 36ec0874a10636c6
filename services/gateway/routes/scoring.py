"""HTTP routes of the scoring service: 双向共评 two-way evaluation and 清洁日 inspections."""
from services.gateway.routing import Route

S = "scoring"

ROUTES = [
    # 乡风文明积分 points ledger
    Route("POST", "/api/points", S, "record_points", body=True, status=201),
    Route("GET", "/api/points", S, "list_entries", query=True),
    Route("POST", "/api/points/approvals", S, "approve_points", body=True),
    Route("GET", "/api/points/<entry_id>", S, "get_entry"),
    Route("POST", "/api/points/<entry_id>/reject", S, "reject_points", body=True),
    Route("POST", "/api/points/<entry_id>/revoke", S, "revoke_points", body=True),
    Route("GET", "/api/households/<household_id>/balance", S, "get_balance"),
    Route("GET", "/api/scoring/households/<household_id>", S, "get_household"),
    # 爱心超市 love supermarket
    Route("POST", "/api/supermarket/goods", S, "add_goods", body=True, status=201),
    Route("GET", "/api/supermarket/goods", S, "list_goods", query=True),
    Route("GET", "/api/supermarket/goods/<goods_id>", S, "get_goods"),
    Route("POST", "/api/supermarket/donations", S, "record_donation", body=True, status=201),
    Route("GET", "/api/supermarket/donations", S, "list_donations", query=True),
    Route("POST", "/api/supermarket/redemptions", S, "request_redemption", body=True, status=201),
    Route("GET", "/api/supermarket/redemptions", S, "list_redemptions", query=True),
    Route("GET", "/api/supermarket/redemptions/<redemption_id>", S, "get_redemption"),
    Route("POST", "/api/supermarket/redemptions/<redemption_id>/complete", S, "complete_redemption", body=True),
    Route("POST", "/api/supermarket/redemptions/<redemption_id>/cancel", S, "cancel_redemption", body=True),
    # 清洁日 cleaning-day inspections
    Route("POST", "/api/inspections", S, "record_inspection", body=True, status=201),
    Route("GET", "/api/inspections", S, "list_inspections", query=True),
    # 乡风文明评比 ratings and 评星评优 titles
    Route("POST", "/api/ratings", S, "rate_household", body=True, status=201),
    Route("POST", "/api/ratings/close", S, "close_quarter", body=True),
    Route("GET", "/api/titles", S, "list_titles", query=True),
    # 党员评议 party-member assessment
    Route("POST", "/api/party-assessments", S, "assess_party_member", body=True, status=201),
    Route("GET", "/api/party-assessments", S, "list_assessments", query=True),
    # 大家评 reviews and opinions
    Route("POST", "/api/reviews", S, "open_review", body=True, status=201),
    Route("GET", "/api/reviews/<review_id>", S, "get_review"),
    Route("POST", "/api/reviews/<review_id>/verdicts", S, "record_verdict", body=True, status=201),
    Route("POST", "/api/reviews/<review_id>/opinions", S, "add_opinion", body=True, status=201),
    Route("GET", "/api/opinions", S, "list_opinions", query=True),
    Route("POST", "/api/opinions/<opinion_id>/answer", S, "answer_opinion", body=True),
    # 最美垸落 most beautiful hamlet
    Route("POST", "/api/beautiful-hamlets", S, "apply_beautiful_hamlet", body=True, status=201),
    Route("GET", "/api/beautiful-hamlets", S, "list_hamlet_applications", query=True),
    Route("GET", "/api/beautiful-hamlets/<application_id>", S, "get_hamlet_application"),
    Route("PUT", "/api/beautiful-hamlets/<application_id>/scores", S, "record_hamlet_scores", body=True),
    Route("PUT", "/api/beautiful-hamlets/<application_id>/survey", S, "record_hamlet_survey", body=True),
    Route("POST", "/api/beautiful-hamlets/<application_id>/decision", S, "decide_beautiful_hamlet", body=True),
    # 排行榜 the public board's rankings
    Route("GET", "/api/rankings", S, "rankings", query=True),
]

# OpenAPI: the output schemas of the methods that build their answer outside a schema
RESPONSES = {
    "get_balance": "BalanceOut",
    "open_review": "ReviewDetailOut",
    "get_review": "ReviewDetailOut",
    "record_verdict": "ReviewDetailOut",
    "rankings": "RankingsOut",
    "close_quarter": "QuarterClosedOut",      # an object, not the list of titles it dumps
    "list_assessments": "AssessmentsOut",
    "list_donations": "DonationsOut",
}
