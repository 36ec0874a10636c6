"""Schema pieces shared by several catalogue areas."""
from marshmallow import Schema, fields, validate


class RuleRef(Schema):
    """The exact policy text in force: rule id and the version of its file."""

    id = fields.String(required=True)
    version = fields.Integer(required=True)
    policy = fields.String(load_default=None)


Money = lambda **kw: fields.Decimal(as_string=True, places=2, **kw)  # noqa: E731  exact yuan
Id = lambda **kw: fields.String(validate=validate.Length(min=1, max=64), **kw)  # noqa: E731
