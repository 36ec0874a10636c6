"""Decisions of the rules service; each carries the rule id and version that made it."""
from marshmallow import Schema, fields

from ..events import declare
from .common import Id, RuleRef

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
    rule = fields.Nested(RuleRef, required=True)


declare("points.decided", SOURCE, PointsDecided,
        description="points granted or deducted for a deed, by rule")
