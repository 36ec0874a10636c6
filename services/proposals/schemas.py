"""marshmallow schemas of the proposals RPC/HTTP input and output.

Input schemas refuse unknown fields (``services.kernel.fields.Input``) so a typo is a 400, not a
silent default. Output schemas dump the ORM rows to JSON-safe dicts (money as strings).
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import object_session

from services.kernel.catalogue.planning import (ACTIVITY_KINDS, ASSIGNEE_TYPES, MATTER_KINDS, MEETING_KINDS,
                                                MOTION_STATES, SCOPES)
from services.kernel.fields import Id, Input, Money, RuleRef

from .lifecycle import MOTION
from .meetings import BODY_OF, HAMLET_KINDS

Text = lambda n, **kw: fields.String(validate=validate.Length(max=n), **kw)  # noqa: E731
Title = lambda **kw: fields.String(validate=validate.Length(min=1, max=200), **kw)  # noqa: E731
CONTRIBUTION_KINDS = ["people", "money", "labour", "materials"]       # 四出 出人/出资/出力/出物
PUBLIC_MOTION_ACTIONS = sorted({a for t in MOTION.transitions.values() for a in t} - MOTION.internal)


def _hamlet_needed(data, field="hamlet_id", why="a hamlet matter names its hamlet"):
    if not data.get(field):
        raise ValidationError(why, field)


# ---- input -------------------------------------------------------------------------------

class SuggestionIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    resident_id = Id(required=True)
    household_id = Id(load_default=None, allow_none=True)
    title = Title(required=True)
    body = Text(5000, load_default="")


class AnswerIn(Input):
    outcome = fields.String(required=True, validate=validate.OneOf(["adopted", "merged", "declined"]))
    answer = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    answered_by = Id(required=True)
    motion_id = Id(load_default=None, allow_none=True)


class MotionIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    title = Title(required=True)
    description = Text(10000, load_default="")
    estimated_budget = Money(required=True, minimum=0)
    # 事务类别: the major_matter rule makes a major kind a 重大事务 whatever its budget
    kind = fields.String(load_default="other", validate=validate.OneOf(MATTER_KINDS))
    contribution_kinds = fields.List(fields.String(validate=validate.OneOf(CONTRIBUTION_KINDS)),
                                     load_default=list)
    suggestion_ids = fields.List(Id(), load_default=list)
    created_by = Id(required=True)
    why = Text(2000, load_default="")

    @validates_schema(skip_on_field_errors=False)
    def _hamlet(self, data, **_):
        if data.get("scope") == "hamlet":
            _hamlet_needed(data)


class TransitionIn(Input):
    action = fields.String(required=True, validate=validate.OneOf(PUBLIC_MOTION_ACTIONS))
    by = Id(required=True)
    why = Text(2000, load_default="")


class AttendeeIn(Input):
    resident_id = Id(load_default=None, allow_none=True)
    household_id = Id(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _someone(self, data, **_):
        if not data.get("resident_id") and not data.get("household_id"):
            raise ValidationError("an attendee is a resident, a household, or both", "resident_id")


Attendance = lambda **kw: fields.List(fields.Nested(AttendeeIn), **kw)  # noqa: E731


class MeetingIn(Input):
    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    title = Text(200, load_default="")
    place = Text(200, load_default="")
    scheduled_for = fields.AwareDateTime(load_default=None)
    members = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1))
    households = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1))
    agenda = fields.List(Id(), load_default=list)
    created_by = Id(required=True)
    # Given attendance, the meeting is recorded as already held.
    attendance = Attendance(validate=validate.Length(min=1))
    held_at = fields.AwareDateTime(load_default=None)
    minutes = Text(50000, load_default="")

    @validates_schema(skip_on_field_errors=False)
    def _shape(self, data, **_):
        if data.get("kind") in HAMLET_KINDS:
            _hamlet_needed(data, why=f"a {data['kind']} meeting is held in a hamlet")
        if data.get("kind") in BODY_OF and data.get("members") is None:
            raise ValidationError("a meeting that votes needs its member count for the quorum", "members")


class HoldIn(Input):
    attendance = Attendance(required=True, validate=validate.Length(min=1))
    held_at = fields.AwareDateTime(load_default=None)
    minutes = Text(50000, load_default="")


class MinutesIn(Input):
    minutes = fields.String(required=True, validate=validate.Length(min=1, max=50000))


class ActivityIn(Input):
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    format = Text(32, load_default="")      # study_session, visit, comparison, talk_spot ...
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    topic = Text(200, load_default="")
    place = Text(200, load_default="")
    held_at = fields.AwareDateTime(load_default=None)
    notes = Text(10000, load_default="")
    recorded_by = Id(required=True)
    attendance = Attendance(required=True, validate=validate.Length(min=1))


class BallotIn(Input):
    voter_id = Id(required=True)
    choice = fields.String(required=True, validate=validate.OneOf(["for", "against", "abstain"]))


class TallyIn(Input):
    """A show of hands or a paper count, typed in."""

    votes_for = fields.Integer(data_key="for", required=True, strict=True, validate=validate.Range(min=0))
    votes_against = fields.Integer(data_key="against", required=True, strict=True, validate=validate.Range(min=0))
    abstain = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))


class VoteIn(Input):
    ballots = fields.List(fields.Nested(BallotIn), load_default=None)
    tally = fields.Nested(TallyIn, load_default=None)
    recorded_by = Id(required=True)

    @validates_schema(skip_on_field_errors=False)
    def _one_way(self, data, **_):
        if (data.get("ballots") is None) == (data.get("tally") is None):
            raise ValidationError("give either ballots or a tally", "ballots")


class ReportIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    resident_id = Id(required=True)
    household_id = Id(load_default=None, allow_none=True)
    category = fields.String(required=True, validate=validate.Length(min=1, max=32))  # ditch, lamp, litter ...
    title = Title(required=True)
    description = Text(5000, load_default="")
    location = Text(200, load_default="")


class AssignIn(Input):
    assignee_type = fields.String(required=True, validate=validate.OneOf(ASSIGNEE_TYPES))
    assignee_id = Id(required=True)
    by = Id(required=True)
    why = Text(2000, load_default="")


class ResolveIn(Input):
    by = Id(required=True)
    note = Text(5000, load_default="")


class ConfirmIn(Input):
    resident_id = Id(required=True)
    satisfied = fields.Boolean(required=True)
    comment = Text(2000, load_default="")


class GoodDeedIn(Input):
    village_id = Id(required=True)
    hamlet_id = Id(required=True)
    household_id = Id(required=True)
    resident_id = Id(load_default=None, allow_none=True)
    deed_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = Text(5000, load_default="")
    reported_by = Id(required=True)


class VerifyIn(Input):
    verified_by = Id(required=True)
    why = Text(2000, load_default="")


class RejectIn(Input):
    rejected_by = Id(required=True)
    why = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CancelIn(Input):
    by = Id(required=True)
    why = Text(2000, load_default="")


class ListQuery(Input):
    """Query string of a list: filters, ``limit`` (1..200) and ``offset``."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    village_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)


class SuggestionQuery(ListQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "answered"]))
    resident_id = Id(load_default=None)


class MotionQuery(ListQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(MOTION_STATES))
    scope = fields.String(load_default=None, validate=validate.OneOf(SCOPES))
    matter = fields.String(load_default=None, validate=validate.OneOf(["major", "ordinary"]))
    kind = fields.String(load_default=None, validate=validate.OneOf(MATTER_KINDS))


class MeetingQuery(ListQuery):
    kind = fields.String(load_default=None, validate=validate.OneOf(MEETING_KINDS))
    status = fields.String(load_default=None, validate=validate.OneOf(["scheduled", "held", "cancelled"]))
    motion_id = Id(load_default=None)


class ActivityQuery(ListQuery):
    kind = fields.String(load_default=None, validate=validate.OneOf(ACTIVITY_KINDS))


class ReportQuery(ListQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(["filed", "assigned", "resolved", "confirmed"]))
    resident_id = Id(load_default=None)
    assignee_id = Id(load_default=None)


class GoodDeedQuery(ListQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(["reported", "verified", "rejected"]))
    household_id = Id(load_default=None)


# ---- output ------------------------------------------------------------------------------

class EscalationOut(Schema):
    level = fields.Integer()
    escalated_to = fields.String(allow_none=True)
    level_since = fields.AwareDateTime()


class SuggestionOut(EscalationOut):
    id = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String(allow_none=True)
    resident_id = fields.String()
    household_id = fields.String(allow_none=True)
    title = fields.String()
    body = fields.String()
    status = fields.String()
    filed_at = fields.AwareDateTime()
    outcome = fields.String(allow_none=True)
    answer = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)
    motion_id = fields.String(allow_none=True)


class EndorseIn(Input):
    household_id = Id(load_default=None, allow_none=True)   # stamped: the caller's own household
    endorsed_by = Id(required=True)                          # stamped: the caller
    note = Text(500, load_default="")


class EndorsementOut(Schema):
    endorsement_id = fields.String(attribute="id")
    target_type = fields.String()
    target_id = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String(allow_none=True)
    household_id = fields.String()
    endorsed_by = fields.String()
    note = fields.String()
    endorsed_at = fields.AwareDateTime()


class StepOut(Schema):
    seq = fields.Integer()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    by = fields.String()
    why = fields.String()
    at = fields.AwareDateTime()


class BodyResultOut(Schema):
    body = fields.String()
    outcome = fields.String(allow_none=True)
    vote_id = fields.String(allow_none=True)
    meeting_id = fields.String(allow_none=True)
    rule = RuleRef(allow_none=True)


class MotionOut(Schema):
    id = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String(allow_none=True)
    scope = fields.String()
    title = fields.String()
    description = fields.String()
    estimated_budget = Money()
    contribution_kinds = fields.List(fields.String())
    state = fields.String()
    allowed = fields.Function(lambda m: MOTION.steps(m.state))
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    kind = fields.String()
    endorsing_households = fields.Integer()
    matter = fields.String(allow_none=True)
    matter_reason = fields.String(allow_none=True)
    matter_rule = RuleRef(allow_none=True)
    required_bodies = fields.List(fields.String(), allow_none=True)
    bodies = fields.Method("_bodies")
    decided_at = fields.AwareDateTime(allow_none=True)
    suggestion_ids = fields.Function(lambda m: [s.id for s in m.suggestions])
    steps = fields.List(fields.Nested(StepOut))

    def _bodies(self, motion):
        from .decisions import body_results   # the bodies' standing is read, not stored twice
        return BodyResultOut(many=True).dump(body_results(object_session(motion), motion))


class AttendeeOut(Schema):
    resident_id = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)


class MeetingOut(Schema):
    id = fields.String()
    kind = fields.String()
    body = fields.Function(lambda m: BODY_OF.get(m.kind))
    village_id = fields.String()
    hamlet_id = fields.String(allow_none=True)
    title = fields.String()
    place = fields.String()
    scheduled_for = fields.AwareDateTime()
    members = fields.Integer(allow_none=True)
    households = fields.Integer(allow_none=True)
    status = fields.String()
    held_at = fields.AwareDateTime(allow_none=True)
    minutes = fields.String()
    created_by = fields.String()
    agenda = fields.Function(lambda m: [item.motion_id for item in m.agenda])
    attendance = fields.List(fields.Nested(AttendeeOut), attribute="attendees")
    present = fields.Function(lambda m: len(m.attendees))


class ActivityOut(Schema):
    id = fields.String()
    kind = fields.String()
    format = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String(allow_none=True)
    topic = fields.String()
    place = fields.String()
    held_at = fields.AwareDateTime()
    notes = fields.String()
    recorded_by = fields.String()
    attendance = fields.List(fields.Nested(AttendeeOut), attribute="attendees")
    present = fields.Function(lambda a: len(a.attendees))


class BallotOut(Schema):
    voter_id = fields.String()
    choice = fields.String()


class VoteOut(Schema):
    id = fields.String()
    motion_id = fields.String()
    meeting_id = fields.String()
    body = fields.String()
    method = fields.String()
    members = fields.Integer()
    present = fields.Integer()
    votes_for = fields.Integer()
    votes_against = fields.Integer()
    abstain = fields.Integer()
    outcome = fields.String()
    counts = fields.Boolean()
    reason = fields.String()
    rule = RuleRef()
    values = fields.Dict()
    recorded_by = fields.String()
    recorded_at = fields.AwareDateTime()
    ballots = fields.List(fields.Nested(BallotOut))
    motion_state = fields.Function(lambda v: v.motion.state)   # did this vote decide it?


class ReportStepOut(Schema):
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    by = fields.String()
    at = fields.String()
    why = fields.String()


class ReportOut(EscalationOut):
    id = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String(allow_none=True)
    resident_id = fields.String()
    household_id = fields.String(allow_none=True)
    category = fields.String()
    title = fields.String()
    description = fields.String()
    location = fields.String()
    state = fields.String()
    filed_at = fields.AwareDateTime()
    assignee_type = fields.String(allow_none=True)
    assignee_id = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    history = fields.List(fields.Nested(ReportStepOut))


class GoodDeedOut(Schema):
    id = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String()
    household_id = fields.String()
    resident_id = fields.String(allow_none=True)
    deed_code = fields.String()
    description = fields.String()
    state = fields.String()
    reported_by = fields.String()
    reported_at = fields.AwareDateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    why = fields.String(allow_none=True)
