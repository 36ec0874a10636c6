"""三线共管 co-management events, published by the management service.

Times are ISO 8601 with a UTC offset. An event that follows from a policy decision carries the
``rule`` (id and version of the rule file) that made it. Actors are explicit ids for now
(``by``); the identity service will vouch for them.
"""
from marshmallow import Schema, fields, validate

from ..events import declare
from ..fields import Id, RuleRef

SOURCE = "management"

BODY_KINDS = [
    "party_volunteer_team",            # 党员志愿服务队
    "villagers_council",               # 村民议事会
    "moral_review_board",              # 道德评议会
    "worthies_council",                # 乡贤理事会
    "weddings_funerals_council",       # 红白理事会
    "mediation_council",               # 矛盾纠纷调解会
    "safety_patrol",                   # 治安联防队 / 安全联防队
    "environment_supervision_group",   # 人居环境监督小组
]
ASSIGNEE_TYPES = ["public_welfare_post", "body"]
PARTICIPATION_KINDS = ["cleaning_day", "help", "report_handled", "post_duty", "inspection", "contact_visit"]
Time = fields.AwareDateTime


class Located(Schema):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)


class ReportRouted(Located):
    """A resident's report (我来提) routed by rule to the post or body responsible for its area."""

    report_id = Id(required=True)
    assignee_type = fields.String(required=True, validate=validate.OneOf(ASSIGNEE_TYPES))
    assignee_id = Id(required=True)
    assignee_name = fields.String(required=True)
    rule = RuleRef(required=True)
    routed_at = Time(required=True)


class BodyPlaqueAwarded(Located):
    """授牌: a body (e.g. the 人居环境监督小组) elected and given its plaque."""

    body_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(BODY_KINDS))
    name = fields.String(required=True)
    member_names = fields.List(fields.String(), required=True)
    awarded_by = Id(required=True)
    awarded_at = Time(required=True)


class ContactVisitLogged(Located):
    """1+10 党员联户: a party member's visit to a linked household (half-year assessment evidence)."""

    visit_id = Id(required=True)
    party_member_id = Id(required=True)
    hub_household_id = Id(required=True)
    household_id = Id(required=True)
    visited_at = Time(required=True)   # the visit's note stays in management: the board shows events


class FixOrderIssued(Located):
    """An inspection's finding becomes a fix order with a deadline from the rule file."""

    order_id = Id(required=True)
    inspection_id = Id(required=True)
    finding = fields.String(required=True)
    responsible_type = fields.String(required=True)
    responsible_id = Id(required=True)
    deadline = Time(required=True)
    rule = RuleRef(required=True)


class FixOrderRechecked(Located):
    order_id = Id(required=True)
    passed = fields.Boolean(required=True)
    rechecked_by = Id(required=True)
    rechecked_at = Time(required=True)
    late = fields.Boolean(required=True)


class EnvironmentRated(Schema):
    """一月一评比: the month's environment rating of the village's hamlets (feeds 三比三看)."""

    rating_id = Id(required=True)
    village_id = Id(required=True)
    period = fields.String(required=True)           # 2024-06
    scores = fields.List(fields.Dict(), required=True)   # [{hamlet_id, score, rank}]
    rated_by = Id(required=True)
    rated_at = Time(required=True)


class CoManaged(Located):
    """A household took part in co-management (participation evidence, weighted by rule)."""

    household_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PARTICIPATION_KINDS))
    source_id = Id(required=True)                   # the cleaning day, help call, order, visit...
    at = Time(required=True)


class CoManagementCounted(Located):
    """The household's weighted co-management activity in the window reached ``min_score``:
    it takes part (rules/participation.yaml ``co_management``), once per household and period."""

    household_id = Id(required=True)
    period = fields.String(required=True)           # the participation window: 2024Q2
    score = fields.Float(required=True)
    rule = RuleRef(required=True)
    at = Time(required=True)


class HelpGiven(Located):
    """急事难事我来帮: labour given to an urgent matter or an emergency (a contribution of labour)."""

    call_id = Id(required=True)
    household_id = Id(required=True)
    resident_id = Id(required=True)
    kind = fields.String(required=True)
    hours = fields.Decimal(as_string=True, places=1, required=True)
    recorded_by = Id(required=True)
    at = Time(required=True)


declare("report.routed", SOURCE, ReportRouted,
        description="我来提 a report routed by rule to the post or body responsible for its area",
        audience="village")
declare("body.plaque_awarded", SOURCE, BodyPlaqueAwarded, description="授牌 a body elected and given its plaque",
        audience="public")
declare("contact_visit.logged", SOURCE, ContactVisitLogged, description="1+10 党员联户 a contact visit",
        audience="internal")
declare("fix_order.issued", SOURCE, FixOrderIssued, description="人居环境监督 a finding to be fixed by a deadline",
        audience="village")
declare("fix_order.rechecked", SOURCE, FixOrderRechecked, description="人居环境监督 a fix order re-checked",
        audience="village")
declare("environment.rated", SOURCE, EnvironmentRated, description="一月一评比 the month's environment rating",
        audience="public")
declare("co_management.took_part", SOURCE, CoManaged,
        description="三线共管 a household took part in co-management (participation evidence)",
        audience="internal")
declare("co_management.counted", SOURCE, CoManagementCounted,
        description="三线共管 a household's co-management activity reached the participation threshold",
        audience="internal")
declare("help.given", SOURCE, HelpGiven, description="急事难事我来帮 labour given to an urgent matter",
        audience="village")
