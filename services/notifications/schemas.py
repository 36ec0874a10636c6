from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kernel.fields import Input


class SubscriptionIn(Input):
    subscriber = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Url(load_default=None, require_tld=False, schemes={"http", "https"})
    email = fields.Email(load_default=None)
    patterns = fields.List(fields.String(validate=validate.Length(min=1)), required=True,
                           validate=validate.Length(min=1))
    secret = fields.String(load_default=None, validate=validate.Length(min=8, max=200))

    @validates_schema
    def _one_channel(self, data, **_):
        if (data.get("url") is None) == (data.get("email") is None):
            raise ValidationError({"url": ["give a webhook url or an email address, one of the two"]})


class SubscriptionOut(Schema):
    id = fields.Integer()
    subscriber = fields.String()
    url = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    patterns = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.DateTime()


class NoticeOut(Schema):
    id = fields.Integer()
    cause_event_id = fields.String()
    cause_type = fields.String()
    source = fields.String()
    subject = fields.String(allow_none=True)
    headline = fields.String()
    data = fields.Dict()
    published_at = fields.DateTime()


class FeedQuery(Input):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    type = fields.String(load_default=None)
    before = fields.Integer(load_default=None)
