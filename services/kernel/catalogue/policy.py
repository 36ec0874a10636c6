"""Decisions of the rules service; each carries the rule id and version that made it."""
from marshmallow import Schema, ValidationError, fields, validate

from ..events import declare
from ..fields import Id, Money, RuleRef

SOURCE = "rules"


class PointsDecided(Schema):
    """乡风文明积分 points a rule grants (or deducts) for a deed."""

    household_id = Id(required=True)
    resident_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)
    deed_code = fields.String(required=True)
    points = fields.Integer(required=True)
    reason = fields.String(required=True)
    cause_event_id = fields.String(required=True)
    rule = RuleRef(required=True)


class RankedRequest(Schema):
    """One place of the participation-first ranking, with the numbers behind it."""

    request_id = Id(required=True)
    hamlet_id = Id(required=True)
    project_id = Id(load_default=None, allow_none=True)
    rank = fields.Integer(required=True)
    participation_rate = fields.Float(required=True, validate=validate.Range(0, 1))
    amount = Money(required=True)
    funded = fields.Boolean(required=True)
    granted = Money(required=True)
    reason = fields.String(required=True)
    requested_at = fields.String(required=True)
    # 最紧迫, when the funding rule weighs it (urgency_weight > 0): the request's urgency and the
    # combined score it was ranked by; absent while urgency does not count
    urgency = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1))
    score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1))


class OverrideRecord(Schema):
    order = fields.List(Id(), required=True)
    by = Id(required=True)
    why = fields.String(required=True)


class FundingRoundAllocated(Schema):
    """参与优先 a closed round ranked and allocated; ``override`` records who changed the order, and why."""

    round_id = Id(required=True)
    budget = Money(required=True)
    ranking = fields.List(fields.Nested(RankedRequest), required=True)
    remaining = Money(required=True)
    override = fields.Nested(OverrideRecord, load_default=None, allow_none=True)
    override_refused = fields.String(load_default=None, allow_none=True)
    reason = fields.String(required=True)
    cause_event_id = fields.String(required=True)
    rule = RuleRef(required=True)


class ReviewDecided(Schema):
    """半年评议 a scheduled review fell due (or overdue) by the reviews rule."""

    schedule_id = Id(required=True)
    subject = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["major", "small"]))
    since = fields.String(required=True)
    due_at = fields.String(required=True)
    reviewers = fields.List(fields.String(), required=True)
    escalate_to = fields.String(load_default=None, allow_none=True)
    reason = fields.String(required=True)
    rule = RuleRef(required=True)
    # What is reviewed, when the schedule was made from a motion (motion.transitioned).
    motion_id = Id(load_default=None, allow_none=True)
    title = fields.String(load_default=None, allow_none=True)
    village_id = Id(load_default=None, allow_none=True)
    hamlet_id = Id(load_default=None, allow_none=True)


class DeadlineEscalated(Schema):
    """回音墙/我来提 an unanswered matter passed its deadline and goes one level up."""

    schedule_id = Id(required=True)
    subject = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["suggestion", "report"]))
    from_level = fields.Integer(required=True)
    to_level = fields.Integer(required=True)
    escalate_to = fields.String(required=True)
    age_hours = fields.Float(required=True)
    deadline_hours = fields.Float(required=True)
    reason = fields.String(required=True)
    rule = RuleRef(required=True)


class PublishedFile(Schema):
    area = fields.String(required=True)
    file = fields.String(required=True)
    title = fields.String(load_default="")
    version = fields.Integer(required=True)
    previous_version = fields.Integer(load_default=None, allow_none=True)  # None: a new area
    sha256 = fields.String(required=True)


class PolicyPublished(Schema):
    """公示 policy staff published new versions of rule files: who, when, why, and which.

    Public: the board shows policy changes under 公示. The full texts stay in the rules
    service's history (``GET /api/policy/<area>/versions/<n>``)."""

    publication = Id(required=True)
    author = fields.String(required=True)
    message = fields.String(required=True)
    published_at = fields.String(required=True)
    files = fields.List(fields.Nested(PublishedFile), required=True, validate=validate.Length(min=1))
    warnings = fields.List(fields.String(), load_default=list)  # acknowledged by the publisher


class LoggedDecision(Schema):
    """One decision taken in-process by a service's policy client, as the rules service logs it."""

    id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    area = fields.String(required=True)
    version = fields.Integer(required=True)
    rule_id = fields.String(required=True)
    outcome = fields.String(required=True)
    facts = fields.Dict(required=True)
    values = fields.Dict(load_default=dict)
    reason = fields.String(load_default="")
    decided_at = fields.String(required=True)


class _DecisionRecords(fields.List):
    """A list of :class:`LoggedDecision` (so documented), checked item by item in plain Python:
    one event carries hundreds of them, and a nested schema costs ~100 µs a record."""

    TYPES = {"id": str, "area": str, "version": int, "rule_id": str, "outcome": str, "facts": dict,
             "values": dict, "reason": str, "decided_at": str}
    REQUIRED = ("id", "area", "version", "rule_id", "outcome", "facts", "decided_at")

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(LoggedDecision), **kwargs)

    def _check(self, value) -> list:
        if not isinstance(value, list):
            raise ValidationError("a list of decision records")
        errors, out = {}, []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                errors[index] = ["not an object"]
                continue
            problems = [f"{key}: missing" for key in self.REQUIRED if item.get(key) is None]
            for key, given in item.items():
                kind = self.TYPES.get(key)
                if kind is None:
                    problems.append(f"{key}: unknown field")
                elif given is not None and (not isinstance(given, kind) or (kind is int and isinstance(given, bool))):
                    problems.append(f"{key}: expected {kind.__name__}")
            if isinstance(item.get("id"), str) and len(item["id"]) > 36:
                problems.append("id: longer than 36")
            if problems:
                errors[index] = problems
                continue
            out.append({**item, "values": item.get("values") or {}, "reason": item.get("reason") or ""})
        if errors:
            raise ValidationError(errors)
        return out

    def _deserialize(self, value, attr, data, **kwargs):
        return self._check(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else list(value)


class PolicyDecisionsLogged(Schema):
    """Decisions a service took with the published rules in-process (``services.kernel.
    policy_client``), each with its rule and version, for the rules service's decision log.

    Emitted by the deciding service (contributions, scoring, ...) in the transaction of the work
    that asked for them, so a decision is logged exactly when that work is committed; published
    to the rules exchange because the decision log is the rules service's."""

    service = fields.String(required=True)
    decisions = _DecisionRecords(required=True, validate=validate.Length(min=1, max=1000))


declare("points.decided", SOURCE, PointsDecided,
        description="points granted or deducted for a deed, by rule", audience="household")
declare("funding_round.allocated", SOURCE, FundingRoundAllocated,
        description="参与优先 a funding round ranked by participation and allocated", audience="public")
declare("review.due", SOURCE, ReviewDecided,
        description="半年评议 a project's review is due", audience="village")
declare("review.overdue", SOURCE, ReviewDecided,
        description="半年评议 a project's review is overdue and escalated", audience="public")
declare("deadline.escalated", SOURCE, DeadlineEscalated,
        description="回音墙/我来提 an unanswered matter escalated one level up", audience="village")
declare("policy.published", SOURCE, PolicyPublished,
        description="公示 new versions of rule files published by policy staff (who, when, why)",
        audience="public")
declare("policy.decisions_logged", SOURCE, PolicyDecisionsLogged,
        description="decisions taken in-process by a service's policy client, for the decision log",
        audience="internal")
