from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kernel.fields import Input


class SubscriptionIn(Input):
    subscriber = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Url(load_default=None, require_tld=False, schemes={"http", "https"})
    email = fields.Email(load_default=None)
    patterns = fields.List(fields.String(validate=validate.Length(min=1)), required=True,
                           validate=validate.Length(min=1))
    secret = fields.String(load_default=None, validate=validate.Length(min=8, max=200))
    digest = fields.String(load_default="immediate", validate=validate.OneOf(["immediate", "daily", "weekly"]))
    # a cursor of GET /api/events: the new subscription is owed every stored event after it
    start_after = fields.String(load_default=None, validate=validate.Regexp(r"^\d+$"))
    # the caller's identity; set by the gateway once it authenticates (issue 11), not by clients
    owner = fields.String(load_default=None, validate=validate.Length(max=200))

    @validates_schema
    def _one_channel(self, data, **_):
        if (data.get("url") is None) == (data.get("email") is None):
            raise ValidationError({"url": ["give a webhook url or an email address, one of the two"]})


class SubscriptionOut(Schema):
    id = fields.Integer()
    subscriber = fields.String()
    owner = fields.String(allow_none=True)
    channel = fields.String()
    url = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    patterns = fields.List(fields.String())
    digest = fields.String()
    active = fields.Boolean()
    confirmed = fields.Function(lambda s: s.confirmed_at is not None)
    created_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)


class SubscriptionCreated(SubscriptionOut):
    """Shown once, at creation: the Standard Webhooks secret receivers verify signatures with."""

    signing_secret = fields.String(attribute="secret", allow_none=True)


class DeliveryOut(Schema):
    id = fields.Integer()
    subscription_id = fields.Integer()
    subscriber = fields.String()
    notice_id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)


class EventsQuery(Schema):
    after = fields.String(load_default=None, validate=validate.Regexp(r"^\d+$", error="not a cursor from this feed"))
    types = fields.String(load_default=None)  # comma-separated patterns: motion.*,good_deed.verified
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))  # the edge bound


class EventsPage(Schema):
    """A page of the catch-up feed: stored CloudEvents, oldest first, and the cursor to go on from."""

    events = fields.List(fields.Dict())
    next = fields.String(allow_none=True)
    more = fields.Boolean()


class LinkAnswer(SubscriptionOut):
    """What the confirm / unsubscribe links in an email answer."""

    message = fields.String()


class TokenQuery(Schema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=64))


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


# -- HTTP responses (OpenAPI) --------------------------------------------------------------
# Named in services/gateway/routes/notifications.py ``RESPONSES``. Documentation only.

class SubscriptionDetailOut(SubscriptionOut):
    deliveries = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "投递状态 -> 次数（pending 待发, delivered 已送达, failed 失败） deliveries by status"})
