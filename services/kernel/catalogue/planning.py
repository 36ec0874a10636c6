"""共谋 co-planning events, published by the proposals service."""
from marshmallow import Schema, fields

from ..events import declare
from .common import Id

SOURCE = "proposals"


class GoodDeedVerified(Schema):
    """好人好事 a reported good deed, verified by a cadre: scoring turns it into points."""

    deed_id = Id(required=True)
    household_id = Id(required=True)
    resident_id = Id(load_default=None)
    hamlet_id = Id(required=True)
    deed_code = fields.String(required=True)
    description = fields.String(load_default="")
    verified_by = Id(required=True)


declare("good_deed.verified", SOURCE, GoodDeedVerified,
        description="好人好事 a good deed verified by a cadre")
