"""RPC/HTTP input and output of the contributions service (marshmallow 3).

Inputs refuse unknown fields (``services.kernel.fields.Input``: a typo is a 400, not silently
ignored); money and areas are exact decimals on the way in (more than two decimals refused)
and strings on the way out.
"""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kernel import batches
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


class BatchIn(In):
    """四出 a batch in one command: a work day's labour list (``kind``, ``project_id``, ``unit``
    given once for every row) or a month's contributions (each row whole). Rows as JSON
    (``entries``), or an uploaded .xlsx/.csv (``filename`` + ``content_base64``)."""
    entries = fields.List(fields.Raw(), load_default=None)
    filename = fields.String(load_default=None, validate=validate.Length(max=200))
    content_base64 = fields.String(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    project_id = Id(load_default=None)
    unit = fields.String(load_default=None, validate=validate.OneOf(UNITS))
    source = fields.String(load_default=None, validate=validate.OneOf(SOURCES))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    recorded_by = Id(load_default=None)

    @validates_schema
    def _rows_or_file(self, data, **_):
        batches.check_rows_or_file(data, "entries")

    def common(self, data: dict) -> dict:
        """The fields given once for every row."""
        return {k: data[k] for k in ("kind", "project_id", "unit", "source", "note", "recorded_by")
                if data.get(k) is not None}


BATCH_COLUMNS = {
    "household_id": (("户号", "户编号", "household"), "text"),
    "resident_id": (("村民编号", "人员编号", "resident"), "text"),
    "kind": (("类别", "四出"), "text"),
    "project_id": (("项目", "项目编号", "project"), "text"),
    "quantity": (("数量", "工日", "工时"), "text"),
    "unit": (("单位",), "text"),
    "amount": (("金额", "元"), "text"),
    "source": (("来源",), "text"),
    "role": (("身份",), "text"),
    "note": (("备注",), "text"),
}


class BatchEntryOut(Schema):
    entry_id = fields.String()
    kind = fields.String()
    household_id = fields.String(allow_none=True)
    resident_id = fields.String(allow_none=True)
    hamlet_id = fields.String()
    village_id = fields.String()
    project_id = fields.String(allow_none=True)
    hours = fields.String(allow_none=True)
    amount = fields.String(allow_none=True)


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
    flag = fields.Dict(allow_none=True, metadata={
        "description": "规则标记 a rule's flag for the cadres ({code, reason, rule}), e.g. labour from another hamlet"})
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
    rate_without_co_management = fields.Float()
    counts = fields.List(fields.String())
    policy_version = fields.Integer(allow_none=True)


# -- demolitions --------------------------------------------------------------------------

class DemolitionIn(In):
    # structure_type and household_id come from the register when structure_id names it
    structure_id = Id(load_default=None)
    structure_type = fields.String(load_default=None, validate=validate.OneOf(STRUCTURES))
    area_m2 = Hundredths(positive=True, required=True)
    household_id = Id(load_default=None)
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
    structure_id = fields.String(allow_none=True)
    rule = fields.Dict()
    recorded_at = When()
    salvage_entry_ids = fields.List(fields.String())


class StructureIn(In):
    """四个一律 a structure to be removed, put on the register."""

    structure_type = fields.String(required=True, validate=validate.OneOf(STRUCTURES))
    household_id = Id(required=True)
    hamlet_id = Id(load_default=None)
    area_m2 = Hundredths(positive=True, load_default=None)
    location = fields.String(load_default="", validate=validate.Length(max=500))
    listed_by = Id(load_default=None)


class StructureOut(Schema):
    structure_id = fields.String(attribute="id")
    structure_type = fields.String()
    area_m2 = Hundredths(allow_none=True)
    village_id = fields.String()
    hamlet_id = fields.String()
    household_id = fields.String()
    location = fields.String()
    must_remove = fields.Boolean(metadata={"description": "一律拆除 by the demolition rule"})
    status = fields.String(metadata={"description": "standing | removed"})
    demolition_id = fields.String(allow_none=True)
    rule = fields.Dict()
    listed_by = fields.String(allow_none=True)
    listed_at = When()
    removed_at = When(allow_none=True)


class StructureQuery(In, Page):
    village_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["standing", "removed"]))
    structure_type = fields.String(load_default=None, validate=validate.OneOf(STRUCTURES))
    must_remove = fields.Boolean(load_default=None)


class ParcelAssignIn(In):
    project_id = Id(required=True)
    assigned_by = Id(load_default=None)


class ParcelOut(Schema):
    parcel_id = fields.String(attribute="id")
    hamlet_id = fields.String()
    area_m2 = Hundredths()
    origin = fields.String()
    origin_id = fields.String()
    land_use = fields.String()
    project_id = fields.String(allow_none=True, metadata={"description": "the project that uses the land"})
    assigned_at = When(allow_none=True)


class HamletFilter(In, Page):
    hamlet_id = Id(load_default=None)


# -- HTTP responses (OpenAPI) --------------------------------------------------------------
# What the RPC methods that build their answer in domain code return (roster.import_sheet,
# roster.list_households, ledger.totals, funding.progress/round_view/request_view); named in
# services/gateway/routes/contributions.py ``RESPONSES``. Documentation only: never loaded.

class HouseholdSummaryOut(Schema):
    """One household as the roster lists it (the ``household.registered`` data)."""

    household_id = fields.String()
    hamlet_id = fields.String()
    village_id = fields.String()
    town_id = fields.String()
    head_name = fields.String(metadata={"description": "户主姓名 name of the head of household"})
    party_member = fields.Boolean(metadata={"description": "户内有党员 a party member lives here"})
    hub_household_id = fields.String(allow_none=True, metadata={
        "description": "所属党员中心户（1+10） the party-member hub household, if linked"})
    hamlet_name = fields.String(allow_none=True, metadata={"description": "垸组名 the hamlet's name"})
    village_name = fields.String(allow_none=True, metadata={"description": "村名 the village's name"})


class MoneyTotalsOut(Schema):
    total = Money(metadata={"description": "出资合计（元） money given, yuan"})
    by_source = fields.Dict(keys=fields.String(validate=validate.OneOf(SOURCES)), values=Money(), metadata={
        "description": "按来源：grant 财政奖补, sponsor 社会捐赠, crowd 群众自筹 (yuan as a string)"})


class MaterialsTotalsOut(Schema):
    items = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "物品名 -> 件数（冲正已扣除） item name -> count, reversals netted"})
    land_area_m2 = Money(metadata={"description": "出地面积（平方米） land given, m²"})
    valuation = Money(metadata={"description": "折价合计（元） valuation of the materials, yuan"})


class TotalsOut(Schema):
    entries = fields.Integer(metadata={"description": "计入的台账条数（含冲正） ledger entries summed, reversals included"})
    money = fields.Nested(MoneyTotalsOut, metadata={"description": "出资 money"})
    people = fields.Dict(keys=fields.String(validate=validate.OneOf(ROLES)), values=fields.Integer(), metadata={
        "description": "出人：角色 -> 人次（为零的不列） people by role; roles at zero are left out"})
    labour_hours = Money(metadata={"description": "出力工时合计（小时） labour, hours"})
    materials = fields.Nested(MaterialsTotalsOut, metadata={"description": "出物 materials"})


class SourcesOut(Schema):
    grant = Money(metadata={"description": "财政奖补 government grant"})
    sponsor = Money(metadata={"description": "社会捐赠 sponsors"})
    crowd = Money(metadata={"description": "群众自筹 villagers' own money"})


class SourcesShareOut(Schema):
    grant = fields.Float(allow_none=True)
    sponsor = fields.Float(allow_none=True)
    crowd = fields.Float(allow_none=True)


class ProjectOut(Schema):
    project_id = fields.String()
    name = fields.String()
    scope = fields.String(validate=validate.OneOf(["hamlet", "village"]))
    village_id = fields.String()
    hamlet_id = fields.String(allow_none=True)
    motion_id = fields.String(allow_none=True, metadata={"description": "立项所据的垸组提议 the motion behind it"})
    budget = Money(metadata={"description": "预算（元） budget, yuan"})
    status = fields.String(validate=validate.OneOf(["approved", "funded"]), metadata={
        "description": "approved 已立项, funded 资金已筹足 all sources together reached the budget"})
    plan = fields.Nested(SourcesOut, metadata={"description": "计划的资金结构 the planned mix"})
    raised = fields.Nested(SourcesOut, metadata={"description": "已到位 money received so far, by source"})
    progress = fields.Nested(SourcesShareOut, metadata={
        "description": "到位/计划（0..，无计划时为 null） raised over plan per source; null when none planned"})
    total_raised = Money()
    outstanding = Money(metadata={"description": "尚缺（元，不小于 0） still missing, yuan"})
    held_grants = Money(metadata={
        "description": "因群众自筹比例未达而暂缓拨付的奖补 grants held until the crowd share is met"})
    crowd_share = fields.Float(metadata={"description": "群众自筹/预算 crowd money over budget"})
    leadership = fields.String(allow_none=True, metadata={
        "description": "群众主体检查：ok 或 flag the villagers-lead check"})
    leadership_reason = fields.String(allow_none=True)
    funded_at = fields.String(allow_none=True, metadata={"description": "ISO 8601 UTC"})
    endorsing_households = fields.Integer(metadata={
        "description": "附议户数 households endorsing the project's motion (or its suggestions)"})


class OverrideOut(Schema):
    order = fields.List(fields.String(), metadata={"description": "人工确定的申请顺序 the request ids in the order chosen"})
    by = fields.String(metadata={"description": "决定人 who overrode the ranking"})
    why = fields.String(metadata={"description": "理由 why"})


class FundingRequestOut(Schema):
    request_id = fields.String()
    round_id = fields.String()
    hamlet_id = fields.String()
    project_id = fields.String()
    amount = Money(metadata={"description": "申请金额（元） yuan asked"})
    requested_at = fields.String(metadata={"description": "ISO 8601 UTC"})
    participation_rate = fields.Float(allow_none=True, metadata={
        "description": "截止时垸组的参与率（未截止为 null） the hamlet's participation rate at close"})
    urgency = fields.Float(allow_none=True, metadata={
        "description": "截止时附议项目的户数占本垸组户数的比例 share of the hamlet's households endorsing the project's motion, at close"})
    rank = fields.Integer(allow_none=True, metadata={"description": "参与优先排名 rank, once allocated"})
    funded = fields.Boolean(allow_none=True)
    granted = Money(allow_none=True, metadata={"description": "获批金额（元） yuan granted, once allocated"})
    reason = fields.String(allow_none=True, metadata={"description": "规则给出的理由 the rule's reason"})
    grant_status = fields.String(allow_none=True, validate=validate.OneOf(["released", "held", "unfunded"]),
                                 metadata={"description": "released 已拨付, held 暂缓, unfunded 未获批"})


class FundingRoundOut(Schema):
    round_id = fields.String()
    name = fields.String()
    level = fields.String(validate=validate.OneOf(["town", "county"]))
    area_id = fields.String(metadata={"description": "镇或县的 id the town or county"})
    budget = Money()
    status = fields.String(validate=validate.OneOf(["open", "closed", "allocated"]))
    opened_at = fields.String(metadata={"description": "ISO 8601 UTC"})
    closed_at = fields.String(allow_none=True, metadata={"description": "ISO 8601 UTC"})
    remaining = Money(allow_none=True, metadata={"description": "分配后剩余（元） left after allocation"})
    rule = fields.Dict(allow_none=True, metadata={
        "description": "分配所依规则 {id, version, policy} the rule that allocated"})
    override = fields.Nested(OverrideOut, allow_none=True, metadata={"description": "人工调整 a manual order"})
    requests = fields.List(fields.Nested(FundingRequestOut))


class CompensationOut(Schema):
    """Never sent: 拆违拆旧一律无补偿, every claim is refused (422 with the rule)."""
