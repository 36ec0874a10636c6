"""Input of the rules service's schedule calls."""
from marshmallow import fields, validate

from services.kernel.fields import Input


class ReviewScheduleIn(Input):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=128))  # project/<id>
    kind = fields.String(required=True, validate=validate.OneOf(["major", "small"]))
    since = fields.Date(required=True)  # completion, approval or the last review


class DeadlineIn(Input):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=128))  # suggestion/<id>
    kind = fields.String(required=True, validate=validate.OneOf(["suggestion", "report"]))
    opened_at = fields.AwareDateTime(load_default=None)
