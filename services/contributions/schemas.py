"""RPC/HTTP input and output of the contributions service (marshmallow 3).

Inputs refuse unknown fields (``services.kernel.fields.Input``: a typo is a 400, not silently
ignored); money and areas are exact decimals on the way in (more than two decimals refused)
and strings on the way out.
"""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kernel.fields import Hundredths, Id, Money, Period, When
from services.kernel.fields import Input as In

from services.kernel.paging import Page

from .demolitions import STRUCTURES
from .ledger import KINDS, ROLES, SOURCES, UNITS


# -- roster -------------------------------------------------------------------------------

class RosterImportIn(In):
    """A roster file: CSV as text, or any file (the .xlsx included) as base64."""

    filename = fields.String(required=True, validate=validate.Regexp(r".+\.(csv|xlsx)$", flags=2))
    content = fields.String(load_default=None)
    content_base64 = fields.String(load_default=None)
    town_id = Id(load_default=None)
    village_id = Id(load_default=None)
    town_name = fields.String(load_default=None, validate=validate.Length(max=200))
    village_name = fields.String(load_default=None, validate=validate.Length(max=200))
    mapping = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)
    check = fields.Boolean(load_default=False)   # report only, write nothing

    @validates_schema
    def one_content(self, data, **_):
        if (data.get("content") is None) == (data.get("content_base64") is None):
            raise ValidationError("give content (CSV text) or content_base64", "content")


class RosterImportOut(Schema):
    """What an import did (or, with ``check``, would do), and how it read the file's layout."""

    file = fields.String()
    rows = fields.Integer()
    applied = fields.Boolean()
    checked = fields.Boolean()
    changed = fields.Boolean()
    created = fields.Dict(keys=fields.String(), values=fields.Integer())
    updated = fields.Dict(keys=fields.String(), values=fields.Integer())
    unchanged = fields.Dict(keys=fields.String(), values=fields.Integer())
    would_import = fields.Dict(keys=fields.String(), values=fields.Integer())
    households_announced = fields.Integer()
    report = fields.Dict()  # header_line, skipped rows by kind, 组别 spellings read as another, ignored headers


class TableOut(Schema):
    """A table for download (services.kernel.tables); the route sends it as .xlsx or CSV."""

    kind = fields.String()
    title = fields.String()
    sheet = fields.String()
    headers = fields.List(fields.String())
    rows = fields.List(fields.List(fields.Raw()))
    money_columns = fields.List(fields.Integer())
    totals = fields.Boolean()


class ResidentOut(Schema):
    resident_id = fields.String(attribute="id")
    name = fields.String()
    is_head = fields.Boolean()
    party_member = fields.Boolean()
    party_category = fields.String(allow_none=True)
    cadre = fields.Boolean()
    sex = fields.String(allow_none=True)
    id_number = fields.String(attribute="id_number_masked", allow_none=True)  # masked: 420**********123X
    phone = fields.String(attribute="phone_masked", allow_none=True)          # masked: 138****5678


class HouseholdOut(Schema):
    household_id = fields.String()
    hamlet_id = fields.String()
    village_id = fields.String()
    town_id = fields.String()
    head_name = fields.String()
    party_member = fields.Boolean()
    hub_household_id = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    residents = fields.List(fields.Nested(ResidentOut))
    linked_household_ids = fields.List(fields.String())


class HamletOut(Schema):
    hamlet_id = fields.String()
    name = fields.String()
    village_id = fields.String()
    village_name = fields.String()
    town_id = fields.String()
    households = fields.Integer()


class ListQuery(In):
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class HouseholdQuery(ListQuery):
    hamlet_id = Id(load_default=None)


# -- ledger -------------------------------------------------------------------------------

class ItemIn(In):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    count = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    unit = fields.String(load_default=None, validate=validate.Length(max=16))


class ContributionIn(In):
    """One of 出人 people, 出资 money, 出力 labour, 出物 materials."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    household_id = Id(load_default=None)
    resident_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)
    project_id = Id(load_default=None)
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    amount = Money(positive=True, load_default=None)
    source = fields.String(load_default=None, validate=validate.OneOf(SOURCES))
    quantity = Hundredths(positive=True, load_default=None)
    unit = fields.String(load_default=None, validate=validate.OneOf(UNITS))
    items = fields.List(fields.Nested(ItemIn), load_default=None)
    land_area_m2 = Hundredths(positive=True, load_default=None)
    valuation = Money(load_default=None, minimum=0)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    recorded_by = Id(load_default=None)


class ReversalIn(In):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    recorded_by = Id(load_default=None)


class ItemOut(Schema):
    name = fields.String()
    count = fields.Integer()
    unit = fields.String(allow_none=True)


class ContributionOut(Schema):
    entry_id = fields.String(attribute="id")
    kind = fields.String()
    household_id = fields.String(allow_none=True)
    resident_id = fields.String(allow_none=True)
    hamlet_id = fields.String()
    project_id = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    amount = Money(allow_none=True)
    source = fields.String(allow_none=True)
    quantity = Hundredths(allow_none=True)
    unit = fields.String(allow_none=True)
    hours = Hundredths(allow_none=True)
    items = fields.List(fields.Nested(ItemOut), allow_none=True)
    land_area_m2 = Hundredths(allow_none=True)
    valuation = Money(allow_none=True)
    reused_on_site = fields.Boolean()
    demolition_id = fields.String(allow_none=True)
    note = fields.String()
    recorded_by = fields.String(allow_none=True)
    recorded_at = When()
    reversal_of = fields.String(allow_none=True)
    reversed_by = fields.String(allow_none=True)


class ContributionQuery(ListQuery):
    hamlet_id = Id(load_default=None)
    project_id = Id(load_default=None)
    household_id = Id(load_default=None)
    resident_id = Id(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))


class ExportQuery(In):
    village_id = Id(required=True)
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))
    period = fields.String(load_default=None, validate=validate.Length(min=4, max=8))  # points, rankings


class TotalsQuery(In):
    village_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)
    project_id = Id(load_default=None)
    household_id = Id(load_default=None)
    resident_id = Id(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))


# -- funding ------------------------------------------------------------------------------

class MixIn(In):
    grant = Money(load_default=Decimal(0), minimum=0)
    sponsor = Money(load_default=Decimal(0), minimum=0)
    crowd = Money(load_default=Decimal(0), minimum=0)


class ProjectIn(In):
    project_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scope = fields.String(required=True, validate=validate.OneOf(["hamlet", "village"]))
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None)
    budget = Money(positive=True, required=True)
    mix = fields.Nested(MixIn, required=True)
    motion_id = Id(load_default=None)


class ProjectQuery(ListQuery):
    village_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)


class RoundIn(In):
    round_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    level = fields.String(required=True, validate=validate.OneOf(["town", "county"]))
    area_id = Id(required=True)
    budget = Money(positive=True, required=True)


class FundingRequestIn(In):
    project_id = Id(required=True)
    hamlet_id = Id(load_default=None)
    amount = Money(positive=True, required=True)


class OverrideIn(In):
    order = fields.List(Id(), required=True, validate=validate.Length(min=1))
    by = Id(required=True)
    why = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CloseRoundIn(In):
    override = fields.Nested(OverrideIn, load_default=None)


# -- participation ------------------------------------------------------------------------

class ParticipationQuery(In):
    period = Period("quarter", "half_year", "year", load_default=None)


class ParticipationOut(Schema):
    hamlet_id = fields.String()
    period = fields.String()
    window = fields.String()
    participating_households = fields.Integer()
    roster_households = fields.Integer()
    rate = fields.Float()
    counts = fields.List(fields.String())
    policy_version = fields.Integer(allow_none=True)


# -- demolitions --------------------------------------------------------------------------

class DemolitionIn(In):
    structure_type = fields.String(required=True, validate=validate.OneOf(STRUCTURES))
    area_m2 = Hundredths(positive=True, required=True)
    household_id = Id(required=True)
    hamlet_id = Id(load_default=None)
    project_id = Id(load_default=None)
    demolished_on = fields.Date(required=True)
    salvaged_items = fields.List(fields.Nested(ItemIn), load_default=None)
    recorded_by = Id(load_default=None)


class CompensationIn(In):
    claimant_id = Id(load_default=None)
    amount = Money(positive=True, load_default=None)
    note = fields.String(load_default="")


class DemolitionOut(Schema):
    demolition_id = fields.String(attribute="id")
    structure_type = fields.String()
    area_m2 = Hundredths()
    hamlet_id = fields.String()
    household_id = fields.String()
    project_id = fields.String(allow_none=True)
    demolished_on = fields.String()
    parcel_id = fields.String()
    rule = fields.Dict()
    recorded_at = When()
    salvage_entry_ids = fields.List(fields.String())


class ParcelOut(Schema):
    parcel_id = fields.String(attribute="id")
    hamlet_id = fields.String()
    area_m2 = Hundredths()
    origin = fields.String()
    origin_id = fields.String()
    land_use = fields.String()


class HamletFilter(In, Page):
    hamlet_id = Id(load_default=None)
