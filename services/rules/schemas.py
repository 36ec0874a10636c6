"""Input of the rules service's publish and schedule calls."""
from marshmallow import Schema, fields, validate


class ReviewScheduleIn(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=128))  # project/<id>
    kind = fields.String(required=True, validate=validate.OneOf(["major", "small"]))
    since = fields.Date(required=True)  # completion, approval or the last review


class DeadlineIn(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=128))  # suggestion/<id>
    kind = fields.String(required=True, validate=validate.OneOf(["suggestion", "report"]))
    opened_at = fields.AwareDateTime(load_default=None)


class PublishIn(Schema):
    """A whole draft: every policy file and every staff case file, by file name, as text."""

    files = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]*\.yaml$")),
                        values=fields.String(), required=True)
    cases = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_.-]+\.yaml$")),
                        values=fields.String(), load_default=dict)
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    author = fields.String(required=True, validate=validate.Length(min=1, max=128))
    accept_warnings = fields.Boolean(load_default=False)
