"""marshmallow schemas of the management RPC/HTTP input and output.

Input schemas refuse unknown fields so a typo is a 400. Actors (``by``, ``viewer``) are explicit
ids for now; the identity service (issue 11) will supply and check them.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kernel.catalogue.management import BODY_KINDS
from services.kernel.fields import Id, Input, When
from services.kernel.paging import Page

from .mediation import LEVELS

Text = lambda n, **kw: fields.String(validate=validate.Length(max=n), **kw)  # noqa: E731
Name = lambda **kw: fields.String(validate=validate.Length(min=1, max=100), **kw)  # noqa: E731
Title = lambda **kw: fields.String(validate=validate.Length(min=1, max=200), **kw)  # noqa: E731
Code = lambda **kw: fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"), **kw)  # noqa: E731
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
FACILITY_KINDS = ["street_lamp", "cultural_square", "public_toilet", "straw_shredder", "fitness_equipment",
                  "guard_rail", "bridge", "road", "project", "other"]
HELP_KINDS = ["urgent", "epidemic", "flood", "disaster"]


class Person(Input):
    resident_id = Id(required=True)
    name = Name(required=True)


# ---- input -------------------------------------------------------------------------------

class MemberIn(Input):
    resident_id = Id(required=True)
    name = Name(required=True)
    role = Code(load_default="member")
    household_id = Id(load_default=None, allow_none=True)
    party_member = fields.Boolean(load_default=False)


class BodyIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(BODY_KINDS))
    name = Title(required=True)
    term_start = fields.Date(required=True)
    term_end = fields.Date(load_default=None, allow_none=True)
    elected_at_meeting = Id(load_default=None, allow_none=True)
    members = fields.List(fields.Nested(MemberIn), required=True, validate=validate.Length(min=1))
    by = Id(required=True)

    @validates_schema
    def _unique_members(self, data, **_):
        ids = [m["resident_id"] for m in data.get("members", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("a resident is listed twice", "members")


class ByIn(Input):
    by = Id(required=True)


class AreaIn(Input):
    area_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(["road", "public_area"]))
    name = Title(required=True)
    description = Text(2000, load_default="")
    shared_by = fields.List(Id(), load_default=list)


class PostIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    title = Title(required=True)
    holder_resident_id = Id(required=True)
    holder_name = Name(required=True)
    holder_household_id = Id(load_default=None, allow_none=True)
    duties = fields.List(Code(), required=True, validate=validate.Length(min=1))
    duty_text = Text(2000, load_default="")
    area_id = Id(load_default=None, allow_none=True)
    schedule = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), load_default=list)
    by = Id(required=True)


class DutyIn(Input):
    day = fields.Date(required=True)
    note = Text(2000, load_default="")
    by = Id(required=True)


class DutyOut(Schema):
    post_id = fields.String()
    day = fields.Date()
    note = fields.String()
    logged_by = fields.String()
    logged_at = When()


class FacilityIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(FACILITY_KINDS))
    name = Title(required=True)
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1))
    custodian_resident_id = Id(load_default=None, allow_none=True)
    custodian_name = Name(load_default=None, allow_none=True)
    caretakers = fields.List(fields.Dict(), load_default=list)
    by = Id(required=True)

    @validates_schema
    def _custodian(self, data, **_):
        if bool(data.get("custodian_resident_id")) != bool(data.get("custodian_name")):
            raise ValidationError("give both the custodian's id and name", "custodian_name")


class CaretakersIn(Input):
    custodian_resident_id = Id(required=True)
    custodian_name = Name(required=True)
    caretakers = fields.List(fields.Dict(), load_default=list)
    by = Id(required=True)


class TaskIn(Input):
    title = Title(required=True)
    due_at = fields.AwareDateTime(required=True)
    assignee_resident_id = Id(load_default=None, allow_none=True)
    by = Id(required=True)


class NoteIn(Input):
    by = Id(required=True)
    note = Text(2000, load_default="")


class FaultIn(Input):
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    by = Id(required=True)


class GroupIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(required=True)
    leader_resident_id = Id(required=True)
    leader_name = Name(required=True)


class HubIn(Input):
    household_id = Id(required=True)
    party_member_id = Id(required=True)
    party_member_name = Name(required=True)
    elected_at_meeting = Id(load_default=None, allow_none=True)
    head = fields.Nested(Person, required=True)          # 户长
    eco_manager = fields.Nested(Person, required=True)   # 生态环境管理员
    mediator = fields.Nested(Person, required=True)      # 矛盾纠纷调解员
    by = Id(required=True)


class LinkIn(Input):
    household_ids = fields.List(Id(), required=True, validate=validate.Length(min=1))
    by = Id(required=True)


class VisitIn(Input):
    household_id = Id(required=True)
    visited_at = fields.AwareDateTime(load_default=None, allow_none=True)
    note = Text(2000, load_default="")
    by = Id(required=True)


class FindingIn(Input):
    finding = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    severity = Code(load_default="default")
    area_id = Id(load_default=None, allow_none=True)
    responsible_type = fields.String(load_default=None, allow_none=True,
                                     validate=validate.OneOf(["public_welfare_post", "household", "body"]))
    responsible_id = Id(load_default=None, allow_none=True)

    @validates_schema
    def _both(self, data, **_):
        if bool(data.get("responsible_type")) != bool(data.get("responsible_id")):
            raise ValidationError("give both responsible_type and responsible_id, or neither", "responsible_id")


class InspectionIn(Input):
    body_id = Id(required=True)
    hamlet_id = Id(required=True)
    area_id = Id(load_default=None, allow_none=True)
    inspectors = fields.List(Id(), required=True, validate=validate.Length(min=1))
    findings = fields.List(fields.Nested(FindingIn), load_default=list)
    note = Text(2000, load_default="")


class RecheckIn(Input):
    passed = fields.Boolean(required=True)
    by = Id(required=True)


class ScoreIn(Input):
    hamlet_id = Id(required=True)
    score = fields.Float(required=True, validate=validate.Range(min=0, max=100))


class RatingIn(Input):
    village_id = Id(required=True)
    period = fields.String(required=True)
    scores = fields.List(fields.Nested(ScoreIn), required=True, validate=validate.Length(min=1))
    by = Id(required=True)


class ScheduleIn(Input):
    village_id = Id(required=True)
    hamlet_ids = fields.List(Id(), required=True, validate=validate.Length(min=1))
    start = fields.Date(required=True)
    weeks = fields.Integer(load_default=4, validate=validate.Range(min=1, max=53))


class TurnoutIn(Input):
    turnout = fields.Dict(keys=Id(), values=fields.Integer(validate=validate.Range(min=0, max=50)), required=True)
    by = Id(required=True)


class HelpCallIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(HELP_KINDS))
    title = Title(required=True)
    by = Id(required=True)


class SignUpIn(Input):
    resident_id = Id(required=True)
    name = Text(100, load_default="")
    household_id = Id(required=True)


class LabourIn(Input):
    resident_id = Id(required=True)
    hours = fields.Decimal(required=True, places=1, validate=validate.Range(min=0.5, max=24), allow_nan=False)
    by = Id(required=True)


class CaseIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    parties = fields.List(Id(), required=True, validate=validate.Length(min=2))
    mediators = fields.List(Id(), required=True, validate=validate.Length(min=1))
    level = fields.String(load_default="hub_mediator", validate=validate.OneOf(LEVELS))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    by = Id(required=True)


class ReferIn(Input):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    mediators = fields.List(Id(), required=True, validate=validate.Length(min=1))
    why = Text(2000, load_default="")
    by = Id(required=True)


class ConcludeIn(Input):
    outcome = fields.String(required=True, validate=validate.OneOf(["agreed", "failed"]))
    agreement = Text(5000, load_default="")
    follow_up_at = fields.Date(load_default=None, allow_none=True)
    by = Id(required=True)


class ListQuery(Input, Page):
    village_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)


class BodyQuery(ListQuery):
    kind = fields.String(load_default=None, validate=validate.OneOf(BODY_KINDS))


class AreaQuery(ListQuery):
    kind = fields.String(load_default=None)


class PostQuery(ListQuery):
    area_id = Id(load_default=None)
    holder_resident_id = Id(load_default=None)


class FacilityQuery(ListQuery):
    kind = fields.String(load_default=None)
    phase = fields.String(load_default=None)
    condition = fields.String(load_default=None)


class AssignmentQuery(ListQuery):
    assignee_id = Id(load_default=None)
    state = fields.String(load_default=None)
    open_only = fields.Boolean(load_default=False)


class FixOrderQuery(ListQuery):
    state = fields.String(load_default=None)
    responsible_id = Id(load_default=None)
    open_only = fields.Boolean(load_default=False)
    overdue = fields.Boolean(load_default=False)


class RatingQuery(ListQuery):
    period = fields.String(load_default=None)


class DayQuery(ListQuery):
    state = fields.String(load_default=None)
    since = fields.Date(load_default=None)


class CallQuery(ListQuery):
    state = fields.String(load_default=None)
    kind = fields.String(load_default=None)


class ViewerQuery(Input):
    viewer = Id(required=True)


class CaseQuery(Input):
    viewer = Id(required=True)
    village_id = Id(required=True)


class VisitQuery(Input):
    since = fields.AwareDateTime(load_default=None)
    until = fields.AwareDateTime(load_default=None)


# ---- output ------------------------------------------------------------------------------

class MemberOut(Schema):
    resident_id = fields.String()
    name = fields.String()
    role = fields.String()
    household_id = fields.String()
    party_member = fields.Boolean()


class BodyOut(Schema):
    body_id = fields.String(attribute="id")
    village_id = fields.String()
    hamlet_id = fields.String()
    kind = fields.String()
    name = fields.String()
    term_start = fields.Date()
    term_end = fields.Date()
    elected_at_meeting = fields.String()
    plaque_awarded_by = fields.String()
    plaque_awarded_at = When()
    members = fields.List(fields.Nested(MemberOut))


class PostOut(Schema):
    post_id = fields.String(attribute="id")
    village_id = fields.String()
    hamlet_id = fields.String()
    title = fields.String()
    holder_resident_id = fields.String()
    holder_name = fields.String()
    holder_household_id = fields.String()
    duties = fields.List(fields.String())
    duty_text = fields.String()
    area_id = fields.String()
    schedule = fields.List(fields.String())


class AreaOut(Schema):
    area_id = fields.String(attribute="id")
    village_id = fields.String()
    hamlet_id = fields.String()
    kind = fields.String()
    name = fields.String()
    description = fields.String()
    shared_by = fields.List(fields.String())


class ResponsibleOut(Schema):
    area = fields.Nested(AreaOut)
    posts = fields.List(fields.Nested(PostOut))
    shared_by = fields.List(fields.String())


class AssignmentOut(Schema):
    report_id = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String()
    category = fields.String()
    title = fields.String()
    assignee_type = fields.String()
    assignee_id = fields.String()
    assignee_name = fields.String()
    rule = fields.Function(lambda a: {"id": a.rule_id, "version": a.rule_version, "policy": "management"})
    state = fields.String()
    filed_at = When()
    routed_at = When()
    resolved_at = When()
    closed_at = When()
    escalated_to = fields.String()


class TaskOut(Schema):
    task_id = fields.String(attribute="id")
    facility_id = fields.String()
    title = fields.String()
    assignee_resident_id = fields.String()
    due_at = When()
    done_at = When()
    done_by = fields.String()
    note = fields.String()


class FaultOut(Schema):
    fault_id = fields.String(attribute="id")
    facility_id = fields.String()
    description = fields.String()
    reported_by = fields.String()
    reported_at = When()
    fixed_at = When()
    fixed_by = fields.String()
    note = fields.String()


class FacilityOut(Schema):
    facility_id = fields.String(attribute="id")
    village_id = fields.String()
    hamlet_id = fields.String()
    kind = fields.String()
    name = fields.String()
    quantity = fields.Integer()
    custodian_resident_id = fields.String()
    custodian_name = fields.String()
    caretakers = fields.List(fields.Dict())
    motion_id = fields.String()
    phase = fields.String()
    condition = fields.String()


class FacilityDetailOut(Schema):
    facility = fields.Nested(FacilityOut)
    tasks = fields.List(fields.Nested(TaskOut))
    faults = fields.List(fields.Nested(FaultOut))


class GroupOut(Schema):
    group_id = fields.String(attribute="id")
    village_id = fields.String()
    hamlet_id = fields.String()
    leader_resident_id = fields.String()
    leader_name = fields.String()


class HubOut(Schema):
    hub_household_id = fields.String(attribute="household_id")
    group_id = fields.String()
    hamlet_id = fields.String()
    village_id = fields.String()
    party_member_id = fields.String()
    party_member_name = fields.String()
    elected_at_meeting = fields.String()
    head = fields.Dict()
    eco_manager = fields.Dict()
    mediator = fields.Dict()
    elected_at = When()


class HouseholdOut(Schema):
    household_id = fields.String()
    hamlet_id = fields.String()
    head_name = fields.String()
    party_member = fields.Boolean()


class HubDetailOut(Schema):
    hub = fields.Nested(HubOut)
    households = fields.List(fields.Nested(HouseholdOut))


class LinkOut(Schema):
    household_id = fields.String()
    hub_household_id = fields.String()
    linked_by = fields.String()
    linked_at = When()


class HouseholdResponsibleOut(Schema):
    household_id = fields.String()
    hamlet_id = fields.String()
    village_id = fields.String()
    branch = fields.String()
    group = fields.Nested(GroupOut, allow_none=True)
    hub = fields.Nested(HubOut, allow_none=True)
    is_hub = fields.Boolean()


class VisitOut(Schema):
    visit_id = fields.String(attribute="id")
    hub_household_id = fields.String()
    party_member_id = fields.String()
    household_id = fields.String()
    hamlet_id = fields.String()
    visited_at = When()
    note = fields.String()


class InspectionOut(Schema):
    inspection_id = fields.String(attribute="id")
    body_id = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String()
    area_id = fields.String()
    inspectors = fields.List(fields.String())
    inspected_at = When()
    note = fields.String()


class FixOrderOut(Schema):
    order_id = fields.String(attribute="id")
    inspection_id = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String()
    area_id = fields.String()
    finding = fields.String()
    severity = fields.String()
    responsible_type = fields.String()
    responsible_id = fields.String()
    deadline = When()
    recheck_by = When()
    state = fields.String()
    fixed_at = When()
    fixed_note = fields.String()
    rechecked_at = When()
    rechecked_by = fields.String()
    rule = fields.Function(lambda o: {"id": o.rule_id, "version": o.rule_version, "policy": "management"})
    issued_at = When()


class InspectionResultOut(Schema):
    inspection = fields.Nested(InspectionOut)
    fix_orders = fields.List(fields.Nested(FixOrderOut))


class RatingOut(Schema):
    rating_id = fields.String(attribute="id")
    village_id = fields.String()
    period = fields.String()
    scores = fields.List(fields.Dict())
    rated_by = fields.String()
    rated_at = When()
    rule_version = fields.Integer()


class DayOut(Schema):
    cleaning_day_id = fields.String(attribute="id")
    village_id = fields.String()
    hamlet_id = fields.String()
    day = fields.Date()
    state = fields.String()
    turnout = fields.Dict()
    rule_version = fields.Integer()


class HelpCallOut(Schema):
    call_id = fields.String(attribute="id")
    village_id = fields.String()
    hamlet_id = fields.String()
    kind = fields.String()
    title = fields.String()
    called_by = fields.String()
    called_at = When()
    state = fields.String()
    helpers = fields.List(fields.Dict())


class CaseOut(Schema):
    case_id = fields.String(attribute="id")
    village_id = fields.String()
    hamlet_id = fields.String()
    parties = fields.List(fields.String())
    mediators = fields.List(fields.String())
    level = fields.String()
    summary = fields.String()
    state = fields.String()
    agreement = fields.String()
    follow_up_at = fields.Date()
    history = fields.List(fields.Dict())
    opened_at = When()


class OpenReportOut(Schema):
    assignment = fields.Nested(AssignmentOut)
    overdue = fields.Boolean()
    deadline = When()


class OpenOrderOut(Schema):
    order = fields.Nested(FixOrderOut)
    overdue = fields.Boolean()


class AreaResponsibleOut(Schema):
    area = fields.Nested(AreaOut)
    posts = fields.List(fields.Nested(PostOut))


class WorkloadOut(Schema):
    post_id = fields.String()
    holder_name = fields.String()
    title = fields.String()
    open = fields.Integer()
    resolved = fields.Integer()
    closed = fields.Integer()
    escalated = fields.Integer()
    median_response_hours = fields.Float(allow_none=True)
    max_response_hours = fields.Float(allow_none=True)
    longest_waiting_hours = fields.Float(allow_none=True)
    duty_days = fields.Integer()


class TurnoutRowOut(Schema):
    household_id = fields.String()
    head_name = fields.String()
    people = fields.Integer()
    met = fields.Boolean()


class TurnoutOut(Schema):
    cleaning_day_id = fields.String()
    hamlet_id = fields.String()
    day = fields.String()
    state = fields.String()
    min_people_per_household = fields.Integer()
    households = fields.Integer()
    households_met = fields.Integer()
    turnout_rate = fields.Float()
    people = fields.Integer()
    short = fields.List(fields.String())
    rows = fields.List(fields.Nested(TurnoutRowOut))
    rule_version = fields.Integer()


class HubSizeOut(Schema):
    hub_household_id = fields.String()
    party_member_id = fields.String()
    party_member_name = fields.String()
    households = fields.Integer()
    household_ids = fields.List(fields.String())   # in the hamlet overview: who these households are
    verdict = fields.String()
    reason = fields.String()
    rule = fields.Dict()


class CoverageOut(Schema):
    hamlet_id = fields.String()
    households = fields.Integer()
    linked = fields.Integer()
    hubs = fields.List(fields.Nested(HubSizeOut))
    unlinked_household_ids = fields.List(fields.String())
    complete = fields.Boolean()
    flagged = fields.List(fields.Nested(HubSizeOut))


class VisitDueOut(Schema):
    household_id = fields.String()
    hub_household_id = fields.String()
    party_member_id = fields.String()
    party_member_name = fields.String()
    last_visit_at = fields.String(allow_none=True)
    every_days = fields.Integer()


class ParticipationOut(Schema):
    hamlet_id = fields.String()
    period = fields.String()
    window = fields.String()
    roster_households = fields.Integer()
    active_households = fields.Integer()
    counted_households = fields.Integer()
    counted_household_ids = fields.List(fields.String())
    co_management_rate = fields.Float()
    activities = fields.Dict(keys=fields.String(), values=fields.Integer())
    scores = fields.Dict(keys=fields.String(), values=fields.Float())
    weights = fields.Dict(keys=fields.String(), values=fields.Float())
    min_score = fields.Float()
    rule_version = fields.Integer()


class HamletOut(Schema):
    hamlet_id = fields.String()
    areas = fields.List(fields.Nested(AreaResponsibleOut))
    posts = fields.List(fields.Nested(PostOut))
    facilities = fields.List(fields.Nested(FacilityOut))
    overdue_upkeep_tasks = fields.List(fields.Nested(TaskOut))
    bodies = fields.List(fields.Nested(BodyOut))
    linkage = fields.Nested(CoverageOut)
    open_reports = fields.List(fields.Nested(OpenReportOut))
    overdue_reports = fields.Integer()
    open_fix_orders = fields.List(fields.Nested(OpenOrderOut))
    overdue_fix_orders = fields.Integer()
    participation = fields.Nested(ParticipationOut)
