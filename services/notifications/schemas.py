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
    # the caller's identity, stamped by the service from the call (services.kernel.identity)
    owner = fields.String(load_default=None, validate=validate.Length(max=200))

    @validates_schema
    def _one_channel(self, data, **_):
        if (data.get("url") is None) == (data.get("email") is None):
            raise ValidationError({"url": ["give a webhook url or an email address, one of the two"]})


class SubscriptionOut(Schema):
    id = fields.String(attribute="public_id")
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
    subscription_id = fields.String()   # the subscription's public id
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


class BoardQuery(Input):
    """The village board's paging and date filter (dates are days in Asia/Shanghai)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    hamlet_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")


class ObjectionIn(Input):
    """异议: the objector is explicit until the identity service (issue 11) vouches for them."""

    resident_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class AnswerIn(Input):
    outcome = fields.String(required=True, validate=validate.OneOf(["upheld", "dismissed"]))
    answer = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    answered_by = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ResolveIn(Input):
    resolution = fields.String(required=True, validate=validate.OneOf(["corrected", "withdrawn"]))
    note = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    resolved_by = fields.String(required=True, validate=validate.Length(min=1, max=64))


class VillageOut(Schema):
    village_id = fields.String()
    name = fields.String()


class BoardOut(Schema):
    """One village's (or hamlet's) board: every section, with names and Chinese text, never ids."""

    village = fields.Dict()
    hamlet = fields.Dict(allow_none=True)
    hamlets = fields.List(fields.Dict())
    news = fields.Dict()             # items, page, pages, total, from, to
    decisions = fields.List(fields.Dict())
    funding = fields.List(fields.Dict())
    accounts = fields.List(fields.Dict())
    contributions = fields.Dict()    # honour_roll, hamlets
    honours = fields.Dict()          # titles, awards
    echo = fields.List(fields.Dict())
    reviews = fields.List(fields.Dict())
    tasks = fields.List(fields.Dict())      # adopted review opinions not yet carried out
    deeds = fields.List(fields.Dict())
    publicity = fields.List(fields.Dict())


class ObjectionOut(Schema):
    objection_id = fields.Integer()
    publicity_id = fields.Integer()
    status = fields.String()
    answer = fields.String(allow_none=True)


class PublicityOut(Schema):
    """What anyone may see of an item on notice: never the objector."""

    publicity_id = fields.Integer()
    kind = fields.String()
    village_id = fields.String()
    subject = fields.String()
    headline = fields.String()
    opens_at = fields.String()
    closes_at = fields.String()
    status = fields.String()
    status_text = fields.String()
    rule = fields.Dict()
    resolution = fields.String(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    objections = fields.List(fields.Dict())


# -- HTTP responses (OpenAPI) --------------------------------------------------------------
# Named in services/gateway/routes/notifications.py ``RESPONSES``. Documentation only.

class SubscriptionDetailOut(SubscriptionOut):
    deliveries = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "投递状态 -> 次数（pending 待发, delivered 已送达, failed 失败） deliveries by status"})
