"""四出共建 co-building: HTTP routes of the contributions service."""
from services.gateway.routing import Route

S = "contributions"

ROUTES = [
    # roster 花名册
    Route("POST", "/api/roster/imports", S, "import_roster", body=True, status=201,
          max_body=16 * 1024 * 1024, response="RosterImportOut"),
    Route("GET", "/api/households", S, "list_households", query=True),
    Route("GET", "/api/households/<household_id>", S, "get_household"),
    Route("GET", "/api/hamlets/<hamlet_id>", S, "get_hamlet"),
    # exports for the paper board and the county: ?village_id=…&format=xlsx|csv[&period=2026]
    Route("GET", "/api/exports/<kind>", S, "export_table", query=True, download=True, response="TableOut",
          summary="导出 export households, contributions, points, rankings or accounts as .xlsx or CSV"),
    # ledger 出人 出资 出力 出物
    Route("POST", "/api/contributions", S, "record_contribution", body=True, status=201),
    Route("GET", "/api/contributions", S, "list_contributions", query=True),
    Route("GET", "/api/contributions/totals", S, "contribution_totals", query=True),
    Route("GET", "/api/contributions/<entry_id>", S, "get_contribution"),
    Route("POST", "/api/contributions/<entry_id>/reversal", S, "reverse_contribution", body=True, status=201),
    # projects and funding
    Route("POST", "/api/projects", S, "register_project", body=True, status=201),
    Route("GET", "/api/projects", S, "list_projects", query=True),
    Route("GET", "/api/projects/<project_id>", S, "get_project"),
    Route("POST", "/api/funding-rounds", S, "open_funding_round", body=True, status=201),
    Route("GET", "/api/funding-rounds/<round_id>", S, "get_funding_round"),
    Route("POST", "/api/funding-rounds/<round_id>/requests", S, "submit_funding_request", body=True, status=201),
    Route("POST", "/api/funding-rounds/<round_id>/close", S, "close_funding_round", body=True),
    # participation 参与率
    Route("GET", "/api/hamlets/<hamlet_id>/participation", S, "get_participation", query=True),
    # demolitions 四个一律
    Route("POST", "/api/demolitions", S, "register_demolition", body=True, status=201),
    Route("GET", "/api/demolitions", S, "list_demolitions", query=True),
    Route("GET", "/api/demolitions/<demolition_id>", S, "get_demolition"),
    Route("POST", "/api/demolitions/<demolition_id>/compensation-claims", S, "claim_compensation", body=True),
    Route("GET", "/api/parcels", S, "list_parcels", query=True),
]
