"""共享 sharing events, published by the notifications service: board notices and 公示."""
from marshmallow import Schema, fields, validate

from ..events import declare
from ..fields import Id, RuleRef

SOURCE = "notifications"

PUBLICITY_KINDS = ["decision", "allocation", "accounts", "title", "award"]


class NoticePublished(Schema):
    """A result published to the public board and fanned out to its followers."""

    notice_id = Id(required=True)
    cause_event_id = fields.String(required=True)
    cause_type = fields.String(required=True)
    headline = fields.String(required=True)
    audience = fields.List(fields.String(), required=True)


declare("notice.published", SOURCE, NoticePublished,
        description="a result published on the public board", audience="internal")


class PublicityOpened(Schema):
    """公示 an item put up on the village's board for its notice period (rules/publicity.yaml)."""

    publicity_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PUBLICITY_KINDS))
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    cause_event_id = fields.String(required=True)
    cause_type = fields.String(required=True)
    subject = fields.String(required=True)              # what is on notice, e.g. "title/T1"
    headline = fields.String(required=True)
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)
    rule = RuleRef(required=True)


class ObjectionLodged(Schema):
    """异议 a resident's objection to an item on notice. Carries the objector: never public."""

    objection_id = Id(required=True)
    publicity_id = Id(required=True)
    village_id = Id(required=True)
    resident_id = Id(required=True)      # explicit until identity (issue 11) vouches for it
    household_id = Id(required=True)
    reason = fields.String(required=True)
    lodged_at = fields.AwareDateTime(required=True)


class ObjectionAnswered(Schema):
    """监督委员会 the supervision committee's public answer; upheld holds the item."""

    objection_id = Id(required=True)
    publicity_id = Id(required=True)
    village_id = Id(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["upheld", "dismissed"]))
    answer = fields.String(required=True)
    answered_by = Id(required=True)
    answered_at = fields.AwareDateTime(required=True)


class PublicityResolved(Schema):
    """An item held by an upheld objection, put right (corrected) or withdrawn by its owners."""

    publicity_id = Id(required=True)
    village_id = Id(required=True)
    resolution = fields.String(required=True, validate=validate.OneOf(["corrected", "withdrawn"]))
    note = fields.String(required=True)
    resolved_by = Id(required=True)
    resolved_at = fields.AwareDateTime(required=True)


class PublicityFinalised(Schema):
    """The notice period ended with no open or upheld objection: the item is final (or withdrawn)."""

    publicity_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PUBLICITY_KINDS))
    village_id = Id(required=True)
    cause_event_id = fields.String(required=True)
    subject = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["final", "withdrawn"]))
    objections = fields.Integer(required=True)
    finalised_at = fields.AwareDateTime(required=True)


declare("publicity.opened", SOURCE, PublicityOpened,
        description="公示 an item put on notice for its notice period", audience="public")
declare("objection.lodged", SOURCE, ObjectionLodged,
        description="异议 an objection lodged against an item on notice", audience="village")
declare("objection.answered", SOURCE, ObjectionAnswered,
        description="异议 the supervision committee answered an objection", audience="public")
declare("publicity.resolved", SOURCE, PublicityResolved,
        description="公示 an item held by an upheld objection was corrected or withdrawn", audience="public")
declare("publicity.finalised", SOURCE, PublicityFinalised,
        description="公示 the notice period ended: the item is final", audience="public")
