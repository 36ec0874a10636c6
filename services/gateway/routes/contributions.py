"""四出共建 co-building: HTTP routes of the contributions service."""
from services.gateway.routing import Route
from services.kernel.identity import (
    COUNTY_OPERATOR, HAMLET_HEAD, READERS, RESIDENT, SUPERVISOR, TOWN_STAFF, VILLAGE_CADRE)

S = "contributions"

ROUTES = [
    # roster 花名册
    Route("POST", "/api/roster/imports", S, "import_roster", body=True, status=201,
          max_body=16 * 1024 * 1024, response="RosterImportOut", access=(VILLAGE_CADRE,)),
    Route("GET", "/api/households", S, "list_households", query=True, access=READERS),
    Route("GET", "/api/households/<household_id>", S, "get_household", access=READERS),
    Route("GET", "/api/hamlets/<hamlet_id>", S, "get_hamlet", access=READERS),
    # exports for the paper board and the county: ?village_id=…&format=xlsx|csv[&period=2026]
    Route("GET", "/api/exports/<kind>", S, "export_table", query=True, download=True, response="TableOut",
          summary="导出 export households, contributions, points, rankings or accounts as .xlsx or CSV",
          access=(VILLAGE_CADRE, SUPERVISOR, TOWN_STAFF, COUNTY_OPERATOR)),
    # ledger 出人 出资 出力 出物
    Route("POST", "/api/contributions", S, "record_contribution", body=True, status=201, access=(HAMLET_HEAD, VILLAGE_CADRE, TOWN_STAFF)),
    Route("POST", "/api/contributions/batches", S, "record_batch", body=True, status=201, max_body=8 * 1024 * 1024,
          summary="四出 a work day's labour list or a month's contributions in one command (rows or an .xlsx/.csv upload)",
          access=(HAMLET_HEAD, VILLAGE_CADRE, TOWN_STAFF)),
    Route("GET", "/api/contributions", S, "list_contributions", query=True, access=READERS),
    Route("GET", "/api/contributions/totals", S, "contribution_totals", query=True, access=READERS),
    Route("GET", "/api/contributions/<entry_id>", S, "get_contribution", access=READERS),
    Route("POST", "/api/contributions/<entry_id>/reversal", S, "reverse_contribution", body=True, status=201, access=(VILLAGE_CADRE, TOWN_STAFF)),
    # projects and funding
    Route("POST", "/api/projects", S, "register_project", body=True, status=201, access=(VILLAGE_CADRE, TOWN_STAFF)),
    Route("GET", "/api/projects", S, "list_projects", query=True, access=READERS),
    Route("GET", "/api/projects/<project_id>", S, "get_project", access=READERS),
    Route("POST", "/api/funding-rounds", S, "open_funding_round", body=True, status=201, access=(TOWN_STAFF, COUNTY_OPERATOR)),
    Route("GET", "/api/funding-rounds/<round_id>", S, "get_funding_round", access=READERS),
    Route("POST", "/api/funding-rounds/<round_id>/requests", S, "submit_funding_request", body=True, status=201, access=(VILLAGE_CADRE,)),
    Route("POST", "/api/funding-rounds/<round_id>/close", S, "close_funding_round", body=True, access=(TOWN_STAFF, COUNTY_OPERATOR)),
    # participation 参与率
    Route("GET", "/api/hamlets/<hamlet_id>/participation", S, "get_participation", query=True, access=READERS),
    # demolitions 四个一律
    Route("POST", "/api/demolitions", S, "register_demolition", body=True, status=201, access=(HAMLET_HEAD, VILLAGE_CADRE)),
    Route("GET", "/api/demolitions", S, "list_demolitions", query=True, access=READERS),
    Route("GET", "/api/demolitions/<demolition_id>", S, "get_demolition", access=READERS),
    Route("POST", "/api/demolitions/<demolition_id>/compensation-claims", S, "claim_compensation", body=True, access=(RESIDENT, VILLAGE_CADRE)),
    Route("GET", "/api/parcels", S, "list_parcels", query=True, access=READERS),
    Route("POST", "/api/parcels/<parcel_id>/project", S, "assign_parcel", body=True, access=(VILLAGE_CADRE,),
          summary="拆后土地一律用于公益建设 link a public parcel to the project that uses it"),
    Route("POST", "/api/structures", S, "list_structure", body=True, status=201, access=(HAMLET_HEAD, VILLAGE_CADRE),
          summary="四个一律 put a structure to be removed on the register"),
    Route("GET", "/api/structures", S, "list_structures", query=True, access=READERS,
          summary="四个一律 the register: ?status=standing lists what is still to be removed"),
    Route("GET", "/api/structures/<structure_id>", S, "get_structure", access=READERS),
]

# OpenAPI: the output schemas of the methods that build their answer in domain code
RESPONSES = {
    "import_roster": "RosterImportOut",
    "list_households": ("HouseholdSummaryOut", True),
    "record_contribution": "ContributionOut",
    "record_batch": ("BatchEntryOut", True),
    "list_contributions": ("ContributionOut", True),
    "contribution_totals": "TotalsOut",
    "get_contribution": "ContributionOut",
    "reverse_contribution": "ContributionOut",
    "register_project": "ProjectOut",
    "list_projects": ("ProjectOut", True),
    "get_project": "ProjectOut",
    "open_funding_round": "FundingRoundOut",
    "get_funding_round": "FundingRoundOut",
    "submit_funding_request": "FundingRequestOut",
    "close_funding_round": "FundingRoundOut",
    "register_demolition": "DemolitionOut",
    "list_demolitions": ("DemolitionOut", True),
    "get_demolition": "DemolitionOut",
    "claim_compensation": "CompensationOut",
    "assign_parcel": "ParcelOut",
    "list_structure": "StructureOut",
    "list_structures": ("StructureOut", True),
    "get_structure": "StructureOut",
}
