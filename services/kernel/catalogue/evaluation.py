"""共评 evaluation events, published by the scoring service."""
from marshmallow import Schema, fields, validate

from ..events import declare
from .common import Id, RuleRef

SOURCE = "scoring"


class PointsRecorded(Schema):
    """A points ledger entry and the household's balances after it."""

    entry_id = Id(required=True)
    household_id = Id(required=True)
    points = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending", "approved", "rejected", "revoked"]))
    reason = fields.String(required=True)
    spendable_balance = fields.Integer(required=True)
    honour_balance = fields.Integer(required=True)
    rule = fields.Nested(RuleRef, required=True)


declare("points.recorded", SOURCE, PointsRecorded,
        description="a points entry recorded in the ledger")
