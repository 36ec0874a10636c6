"""三线共管 co-management under /api/management/... (the management service)."""
from dataclasses import replace

from services.gateway.routing import Route
from services.kernel.identity import (COUNTY_OPERATOR, HAMLET_HEAD, HUB_HOUSEHOLD, READERS, RESIDENT,
                                      SUPERVISOR, TOWN_STAFF, VILLAGE_CADRE, VILLAGE_SIDE)

M, P = "management", "/api/management"

ROUTES = [
    # 组织领管: bodies, areas, posts, and who answers for reports
    Route("POST", f"{P}/bodies", M, "register_body", body=True, status=201),
    Route("GET", f"{P}/bodies", M, "list_bodies", query=True),
    Route("GET", f"{P}/bodies/<body_id>", M, "get_body"),
    Route("POST", f"{P}/bodies/<body_id>/plaque", M, "award_plaque", body=True),
    Route("POST", f"{P}/areas", M, "register_area", body=True, status=201),
    Route("GET", f"{P}/areas", M, "list_areas", query=True),
    Route("GET", f"{P}/areas/<area_id>/responsible", M, "area_responsible"),
    Route("POST", f"{P}/posts", M, "register_post", body=True, status=201),
    Route("GET", f"{P}/posts", M, "list_posts", query=True),
    Route("GET", f"{P}/posts/<post_id>", M, "get_post"),
    Route("GET", f"{P}/posts/<post_id>/workload", M, "post_workload"),
    Route("POST", f"{P}/posts/<post_id>/duty", M, "log_duty", body=True, status=201),
    Route("GET", f"{P}/assignments", M, "list_assignments", query=True),
    # 管护 facilities
    Route("POST", f"{P}/facilities", M, "register_facility", body=True, status=201),
    Route("GET", f"{P}/facilities", M, "list_facilities", query=True),
    Route("GET", f"{P}/facilities/<facility_id>", M, "get_facility"),
    Route("POST", f"{P}/facilities/<facility_id>/caretakers", M, "name_caretakers", body=True),
    Route("POST", f"{P}/facilities/<facility_id>/tasks", M, "add_upkeep_task", body=True, status=201),
    Route("POST", f"{P}/upkeep-tasks/<task_id>/done", M, "complete_upkeep_task", body=True),
    Route("POST", f"{P}/facilities/<facility_id>/faults", M, "report_fault", body=True, status=201),
    Route("POST", f"{P}/faults/<fault_id>/fixed", M, "fix_fault", body=True),
    # 1+10 党员联户
    Route("POST", f"{P}/party-groups", M, "form_party_group", body=True, status=201),
    Route("POST", f"{P}/hubs", M, "elect_hub", body=True, status=201),
    Route("GET", f"{P}/hubs/<hub_id>", M, "get_hub"),
    Route("POST", f"{P}/hubs/<hub_id>/links", M, "link_households", body=True),
    Route("POST", f"{P}/hubs/<hub_id>/visits", M, "log_visit", body=True, status=201),
    Route("GET", f"{P}/households/<household_id>/responsible", M, "household_responsible"),
    Route("GET", f"{P}/party-members/<party_member_id>/visits", M, "party_member_visits", query=True),
    # 人居环境监督, 一月一评比
    Route("POST", f"{P}/inspections", M, "record_inspection", body=True, status=201),
    Route("GET", f"{P}/fix-orders", M, "list_fix_orders", query=True),
    Route("POST", f"{P}/fix-orders/<order_id>/fixed", M, "mark_fixed", body=True),
    Route("POST", f"{P}/fix-orders/<order_id>/recheck", M, "recheck_fix_order", body=True),
    Route("POST", f"{P}/ratings", M, "rate_environment", body=True, status=201),
    Route("GET", f"{P}/ratings", M, "list_ratings", query=True),
    # 全民共管: 清洁日, 我来帮, 调解
    Route("POST", f"{P}/cleaning-days", M, "schedule_cleaning_days", body=True, status=201),
    Route("GET", f"{P}/cleaning-days", M, "list_cleaning_days", query=True),
    Route("GET", f"{P}/cleaning-days/<day_id>/turnout", M, "cleaning_day_turnout"),
    Route("POST", f"{P}/cleaning-days/<day_id>/turnout", M, "record_turnout", body=True),
    Route("POST", f"{P}/help-calls", M, "call_for_help", body=True, status=201),
    Route("GET", f"{P}/help-calls", M, "list_help_calls", query=True),
    Route("POST", f"{P}/help-calls/<call_id>/sign-ups", M, "sign_up_to_help", body=True),
    Route("POST", f"{P}/help-calls/<call_id>/labour", M, "record_help_labour", body=True),
    Route("POST", f"{P}/help-calls/<call_id>/close", M, "close_help_call", body=True),
    Route("POST", f"{P}/mediations", M, "open_mediation", body=True, status=201),
    Route("GET", f"{P}/mediations", M, "list_mediations", query=True),
    Route("GET", f"{P}/mediations/<case_id>", M, "get_mediation", query=True),
    Route("POST", f"{P}/mediations/<case_id>/refer", M, "refer_mediation", body=True),
    Route("POST", f"{P}/mediations/<case_id>/conclude", M, "conclude_mediation", body=True),
    # the operator's view of a hamlet
    Route("GET", f"{P}/hamlets/<hamlet_id>", M, "hamlet_overview"),
    Route("GET", f"{P}/hamlets/<hamlet_id>/coverage", M, "linkage_coverage"),
    Route("GET", f"{P}/hamlets/<hamlet_id>/visits-due", M, "visits_due"),
    Route("GET", f"{P}/hamlets/<hamlet_id>/participation", M, "hamlet_participation"),
]

# Who may call what (services/kernel/identity.py): every read for the village's readers, writes
# for the people the seeds give each task; objects are then checked against the caller's scope.
_STAFF = (HAMLET_HEAD, VILLAGE_CADRE, TOWN_STAFF, COUNTY_OPERATOR)
_WRITES = {
    # anyone of the village: report a broken facility, sign up to help, record cleaning turnout
    **dict.fromkeys(["report_fault", "sign_up_to_help", "record_turnout"], VILLAGE_SIDE),
    # the hub household logs its 1+10 contact visits
    "log_visit": (HUB_HOUSEHOLD, *_STAFF),
    # the elected supervision group inspects; its findings are re-checked by it
    **dict.fromkeys(["record_inspection", "recheck_fix_order"], (SUPERVISOR, *_STAFF)),
    # the public-welfare post holder logs duty and marks fixes; caretakers complete upkeep
    **dict.fromkeys(["log_duty", "mark_fixed", "complete_upkeep_task", "fix_fault",
                     "record_help_labour"], (RESIDENT, HUB_HOUSEHOLD, *_STAFF)),
}
ROUTES = [replace(r, access=READERS if r.method == "GET" else _WRITES.get(r.rpc_method, _STAFF))
          for r in ROUTES]
