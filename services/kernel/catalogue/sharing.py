"""共享 sharing events, published by the notifications service."""
from marshmallow import Schema, fields

from ..events import declare
from ..fields import Id

SOURCE = "notifications"


class NoticePublished(Schema):
    """A result published to the public board and fanned out to its followers."""

    notice_id = Id(required=True)
    cause_event_id = fields.String(required=True)
    cause_type = fields.String(required=True)
    headline = fields.String(required=True)
    audience = fields.List(fields.String(), required=True)


declare("notice.published", SOURCE, NoticePublished,
        description="a result published on the public board")
