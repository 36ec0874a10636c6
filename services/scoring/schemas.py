"""marshmallow schemas of the scoring service's RPC and HTTP input and output."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.kernel import batches
from services.kernel.fields import Hundredths, Id, Input, Money, Period
from services.kernel.paging import Page

from . import assessments, inspections, rankings, ratings

Text = lambda **kw: fields.String(validate=[validate.Length(min=1, max=2000), NotBlank()], **kw)  # noqa: E731
Quarter = lambda **kw: Period("quarter", **kw)  # noqa: E731
HalfYear = lambda **kw: Period("half_year", **kw)  # noqa: E731


class NotBlank(validate.Validator):
    def __call__(self, value):
        if not str(value).strip():
            raise ValidationError("must not be blank")
        return value


In = Input  # unknown fields are refused, as in every service


# points ledger ----------------------------------------------------------------------------

class PointsIn(In):
    """A cadre's entry: a penalty from the negative list, or a manual award by deed code."""

    household_id = Id(required=True)
    resident_id = Id(load_default=None)
    deed_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    source = fields.String(load_default="manual", validate=validate.OneOf(["manual", "penalty"]))
    reason = Text(required=True)
    recorded_by = Id(required=True)


class ApproveIn(In):
    entry_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))
    cadre_id = Id(required=True)


class RejectIn(In):
    cadre_id = Id(required=True)
    reason = Text(required=True)


class RevokeIn(In):
    by = Id(required=True)
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NotBlank()])


class EntriesQuery(In):
    household_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "approved", "rejected", "revoked"]))
    quarter = Quarter(load_default=None)
    source = fields.String(load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class EntryOut(Schema):
    entry_id = fields.String()
    household_id = fields.String()
    resident_id = fields.String(allow_none=True)
    hamlet_id = fields.String(allow_none=True)
    source = fields.String()
    source_ref = fields.String(allow_none=True)
    deed_code = fields.String()
    points = fields.Integer()
    requested_points = fields.Integer()
    counts_spendable = fields.Boolean()
    counts_honour = fields.Boolean()
    status = fields.String()
    reason = fields.String()
    quarter = fields.String()
    rule = fields.Function(lambda e: {"id": e.rule_id, "version": e.rule_version, "policy": e.rule_policy})
    created_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revoke_reason = fields.String(allow_none=True)


class HouseholdOut(Schema):
    household_id = fields.String()
    hamlet_id = fields.String()
    village_id = fields.String()
    town_id = fields.String(allow_none=True)
    head_name = fields.String()
    party_member = fields.Boolean()
    hub_household_id = fields.String(allow_none=True)


# 爱心超市 love supermarket ------------------------------------------------------------------

class GoodsIn(In):
    village_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    price_points = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    stock = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))


class GoodsOut(Schema):
    goods_id = fields.String()
    village_id = fields.String()
    name = fields.String()
    price_points = fields.Integer()
    stock = fields.Integer()


class VillageQuery(In, Page):
    village_id = Id(required=True)


class DonationIn(In):
    village_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["money", "goods"]))
    donor_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    donor_household_id = Id(load_default=None)
    amount = Money(load_default=None, positive=True)
    goods_id = Id(load_default=None)
    quantity = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    recorded_by = Id(required=True)

    @validates_schema(skip_on_field_errors=False)  # report every failing field at once
    def _by_kind(self, data, **_):
        if data.get("kind") == "money" and data.get("amount") is None:
            raise ValidationError({"amount": ["a money donation needs an amount in yuan"]})
        if data.get("kind") == "goods":
            errors = {name: [f"a goods donation needs {name}"] for name in ("goods_id", "quantity")
                      if data.get(name) is None}
            if errors:
                raise ValidationError(errors)


class DonationOut(Schema):
    donation_id = fields.String()
    village_id = fields.String()
    kind = fields.String()
    donor_name = fields.String()
    donor_household_id = fields.String(allow_none=True)
    amount = Money(allow_none=True)
    goods_id = fields.String(allow_none=True)
    quantity = fields.Integer(allow_none=True)
    description = fields.String()
    recorded_by = fields.String()
    created_at = fields.DateTime()


class RedemptionIn(In):
    household_id = Id(required=True)
    resident_id = Id(load_default=None)
    goods_id = Id(required=True)
    quantity = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 100))


class HandleIn(In):
    handled_by = Id(required=True)


class CancelIn(In):
    by = Id(required=True)
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NotBlank()])


class RedemptionOut(Schema):
    redemption_id = fields.String()
    household_id = fields.String()
    resident_id = fields.String(allow_none=True)
    goods_id = fields.String()
    quantity = fields.Integer()
    points = fields.Integer()
    status = fields.String()
    entry_id = fields.String()
    created_at = fields.DateTime()
    handled_by = fields.String(allow_none=True)
    handled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class RedemptionsQuery(In, Page):
    household_id = Id(load_default=None)
    village_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "done", "cancelled"]))


# 清洁日 cleaning day -------------------------------------------------------------------------

class InspectionIn(In):
    household_id = Id(required=True)
    inspector_household_id = Id(required=True)
    inspected_on = fields.Date(load_default=None)
    score = fields.Integer(required=True, strict=True, validate=validate.Range(0, 100))
    # the grades are those of the published civility_points.yaml (checked in inspections.record)
    grade = fields.String(required=True, validate=validate.Length(min=1, max=32))
    remarks = fields.String(load_default="", validate=validate.Length(max=2000))


class InspectionOut(Schema):
    inspection_id = fields.String()
    household_id = fields.String()
    hamlet_id = fields.String()
    inspector_household_id = fields.String()
    inspected_on = fields.Date()
    week = fields.String()
    score = fields.Integer()
    grade = fields.String()
    remarks = fields.String()
    entry_id = fields.String()


class InspectionsQuery(In, Page):
    hamlet_id = Id(load_default=None)
    household_id = Id(load_default=None)
    inspector_household_id = Id(load_default=None)
    week = Period("week", load_default=None)


# ratings and titles -------------------------------------------------------------------------

class Nomination(In):
    # the titles that take a nominee are those of the published titles.yaml (checked in ratings.rate)
    title = fields.String(required=True, validate=validate.Length(min=1, max=40))
    resident_id = Id(required=True)


class RatingIn(In):
    household_id = Id(required=True)
    quarter = Quarter(required=True)
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10))
    nominations = fields.List(fields.Nested(Nomination), load_default=list)
    rated_by = Id(required=True)

    @validates_schema
    def _one_nominee_per_title(self, data, **_):
        titles = [n["title"] for n in data.get("nominations") or []]
        if len(titles) != len(set(titles)):
            raise ValidationError({"nominations": ["one nominee per title"]})


class SheetRowIn(In):
    """One row of a hamlet's rating sheet (``line``: its row in an uploaded file)."""
    household_id = Id(required=True)
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10))
    nominations = fields.List(fields.Nested(Nomination), load_default=list)
    line = fields.Integer(load_default=None)


class RatingSheetIn(In):
    """乡风文明评比 a hamlet's quarterly rating sheet: ``ratings`` rows, or an uploaded .xlsx/.csv
    (``filename`` + ``content_base64``, columns 户号/household_id, 星级/stars)."""
    hamlet_id = Id(required=True)
    quarter = Quarter(required=True)
    rated_by = Id(required=True)
    ratings = fields.List(fields.Raw(), load_default=None)
    filename = fields.String(load_default=None, validate=validate.Length(max=200))
    content_base64 = fields.String(load_default=None)

    @validates_schema
    def _rows_or_file(self, data, **_):
        batches.check_rows_or_file(data, "ratings")


SHEET_COLUMNS = {"household_id": (("户号", "户编号", "household"), "text"), "stars": (("星级", "星", "评星"), "int")}


class SheetRatingOut(Schema):
    rating_id = fields.String()
    household_id = fields.String()
    stars = fields.Integer()
    points = fields.Integer()
    entry_id = fields.String(allow_none=True)
    status = fields.String(allow_none=True)


class RatingSheetOut(Schema):
    sheet_id = fields.String()
    hamlet_id = fields.String()
    village_id = fields.String()
    quarter = fields.String()
    rated_by = fields.String()
    ratings = fields.List(fields.Nested(SheetRatingOut))
    rule = fields.Dict(allow_none=True)


class RatingOut(Schema):
    rating_id = fields.String()
    household_id = fields.String()
    quarter = fields.String()
    stars = fields.Integer()
    nominations = fields.List(fields.Dict())
    rated_by = fields.String()
    entry_id = fields.String()


class CloseIn(In):
    village_id = Id(required=True)
    quarter = Quarter(required=True)
    closed_by = Id(required=True)


class TitleOut(Schema):
    title_id = fields.String()
    household_id = fields.String()
    resident_id = fields.String(allow_none=True)
    code = fields.String()
    quarter = fields.String()
    period = fields.String(allow_none=True)
    honour_points = fields.Integer()
    rating_stars = fields.Integer()
    rule = fields.Function(lambda t: {"id": t.rule_id, "version": t.rule_version, "policy": "titles"})
    awarded_at = fields.DateTime()


class ParkedOut(Schema):
    parked_id = fields.String()
    area = fields.String()
    code = fields.String()
    household_id = fields.String(allow_none=True)
    period = fields.String(allow_none=True)
    reason = fields.String()
    decision = fields.Dict()
    parked_at = fields.DateTime()


class ParkedQuery(In, Page):
    area = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    household_id = Id(load_default=None)


class TitlesQuery(In, Page):
    quarter = Quarter(load_default=None)
    household_id = Id(load_default=None)
    code = fields.String(load_default=None, validate=validate.Length(min=1, max=40))  # any title of titles.yaml


# 党员评议 party-member assessment ------------------------------------------------------------

class AssessmentIn(In):
    """The party member by id: name, household and category (在职/无职/流动/年老) come from the
    roster; a typed ``category`` or ``name`` is refused."""

    resident_id = Id(required=True)
    household_id = Id(load_default=None)
    half_year = HalfYear(required=True)
    positives = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list)
    negatives = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list)
    assessed_by = Id(required=True)


class AssessmentOut(Schema):
    assessment_id = fields.String()
    resident_id = fields.String()
    household_id = fields.String()
    name = fields.String()
    category = fields.String()
    half_year = fields.String()
    positives = fields.List(fields.String())
    negatives = fields.List(fields.String())
    outcome = fields.String()
    score = fields.Integer()
    base = fields.Integer()
    assessed_by = fields.String()
    rule = fields.Function(lambda a: {"id": a.rule_id, "version": a.rule_version, "policy": "party_assessment"})


class AssessmentsQuery(In, Page):
    half_year = HalfYear(required=True)
    village_id = Id(load_default=None)


# 大家评 reviews -------------------------------------------------------------------------------

class ReviewIn(In):
    subject = fields.String(load_default="project", validate=validate.OneOf(["project", "work"]),
                            metadata={"description": "project 项目, or work 村级重要工作"})
    project_id = Id(load_default=None)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(["major", "small"]))
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None)
    since = fields.Date(load_default=None, metadata={"description": "a day in the half year reviewed (default today)"})
    opened_by = Id(required=True)


class VerdictIn(In):
    """A body's 半年评议 verdict, taken at a held meeting that met its quorum."""

    meeting_id = Id(required=True)
    satisfied = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    basically_satisfied = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    unsatisfied = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    recorded_by = Id(required=True)


class OpinionIn(In):
    text = Text(required=True)
    raised_by = Id(required=True)


class AnswerIn(In):
    answer = Text(required=True)
    answered_by = Id(required=True)
    adopted = fields.Boolean(load_default=False)
    owner = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                          metadata={"description": "责任人 of an adopted opinion"})
    due_on = fields.Date(load_default=None, metadata={"description": "完成时限 of an adopted opinion"})


class CarryOutIn(In):
    note = Text(required=True)
    done_by = Id(required=True)


class OpinionOut(Schema):
    opinion_id = fields.String()
    review_id = fields.String()
    text = fields.String()
    raised_by = fields.String()
    status = fields.String()
    answer = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    owner = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    done_note = fields.String(allow_none=True)
    done_by = fields.String(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class OpinionsQuery(In, Page):
    review_id = Id(load_default=None)
    village_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "answered", "adopted", "done"]))


class ReviewsQuery(In, Page):
    project_id = Id(load_default=None)
    village_id = Id(load_default=None)
    half_year = HalfYear(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "completed"]))


class ReviewOut(Schema):
    review_id = fields.String()
    subject = fields.String()
    project_id = fields.String(allow_none=True)
    motion_id = fields.String(allow_none=True)
    title = fields.String()
    kind = fields.String()
    village_id = fields.String()
    hamlet_id = fields.String(allow_none=True)
    half_year = fields.String()
    reviewers = fields.List(fields.String())
    due = fields.String()
    status = fields.String()
    result = fields.String(allow_none=True)
    rule = fields.Function(lambda r: {"id": r.rule_id, "version": r.rule_version, "policy": "reviews"})
    opened_by = fields.String()
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


# 最美垸落 most beautiful hamlet ------------------------------------------------------------------

class HamletApplyIn(In):
    hamlet_id = Id(required=True)
    village_id = Id(required=True)
    town_id = Id(required=True)
    year = Period("year", load_default=None)
    statement = fields.String(load_default="", validate=validate.Length(max=4000))


class ScoresIn(In):
    scores = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                         values=fields.Integer(strict=True, validate=validate.Range(0, 100)),
                         required=True, validate=validate.Length(min=1))
    assessed_by = Id(required=True)


class SurveyIn(In):
    respondents = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    satisfied = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class DecideIn(In):
    decided_by = Id(required=True)


class ApplicationOut(Schema):
    application_id = fields.String()
    hamlet_id = fields.String()
    village_id = fields.String()
    town_id = fields.String()
    year = fields.String()
    statement = fields.String()
    status = fields.String()
    scores = fields.Dict(allow_none=True)
    assessed_by = fields.String(allow_none=True)
    respondents = fields.Integer(allow_none=True)
    satisfied = fields.Integer(allow_none=True)
    total = Hundredths(allow_none=True)
    threshold = Hundredths(allow_none=True)
    rule = fields.Function(lambda a: {"id": a.rule_id, "version": a.rule_version, "policy": "beautiful_hamlet"}
                           if a.rule_id else None)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class ApplicationsQuery(In, Page):
    year = Period("year", load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["applied", "awarded", "not_awarded"]))
    town_id = Id(load_default=None)


# rankings ------------------------------------------------------------------------------------

class RankingsQuery(In):
    level = fields.String(required=True, validate=validate.OneOf(rankings.LEVELS))
    period = Period("week", "quarter", "half_year", "year", required=True)
    village_id = Id(load_default=None)
    hamlet_id = Id(load_default=None)
    limit = fields.Integer(load_default=None, validate=validate.Range(1, 1000))


# -- HTTP responses (OpenAPI) --------------------------------------------------------------
# What the methods that build their answer outside a schema return (ledger.balance_of,
# service._review, rankings.board); named in services/gateway/routes/scoring.py ``RESPONSES``.
# Documentation only: never loaded.

class BalanceOut(Schema):
    household_id = fields.String()
    spendable = fields.Integer(metadata={"description": "可在爱心超市兑换的积分 points that can be spent"})
    honour = fields.Integer(metadata={"description": "荣誉积分（只增不减，用于评星评优） points of merit, never spent"})


class VotesOut(Schema):
    for_ = fields.Integer(data_key="for", metadata={"description": "赞成 for"})
    against = fields.Integer(metadata={"description": "反对 against"})
    abstain = fields.Integer(metadata={"description": "弃权 abstained"})


class SatisfactionOut(Schema):
    satisfied = fields.Integer(metadata={"description": "满意 satisfied"})
    basically_satisfied = fields.Integer(metadata={"description": "基本满意 basically satisfied"})
    unsatisfied = fields.Integer(metadata={"description": "不满意 unsatisfied"})


class VerdictOut(Schema):
    body = fields.String(metadata={"description": "评议机构（党员大会、村民代表会议、垸组会议） the body that judged"})
    meeting_id = fields.String(allow_none=True, metadata={"description": "评议会议（已召开、达到法定人数） the meeting"})
    members = fields.Integer(allow_none=True, metadata={"description": "应到人数 members"})
    present = fields.Integer(allow_none=True, metadata={"description": "实到人数 present"})
    satisfaction = fields.Nested(SatisfactionOut, allow_none=True, metadata={"description": "满意度测评票数"})
    result = fields.String(allow_none=True, metadata={
        "description": "评议结果 satisfied 满意 | basically_satisfied 基本满意 | unsatisfied 不满意"})
    reason = fields.String(allow_none=True)
    rule = fields.Dict(allow_none=True)
    score = fields.Integer(allow_none=True, metadata={"description": "旧式评分（半年评议之前的记录） a score, old verdicts"})
    votes = fields.Nested(VotesOut, allow_none=True, metadata={"description": "旧式表决票数 old verdicts"})
    recorded_by = fields.String()


class ReviewDetailOut(ReviewOut):
    """A review with every verdict and opinion recorded so far."""

    verdicts = fields.List(fields.Nested(VerdictOut), metadata={"description": "各主体的评议 verdicts so far"})
    opinions = fields.List(fields.Nested(OpinionOut), metadata={"description": "群众意见 opinions raised"})


class RankingRowOut(Schema):
    """One row; which fields it has depends on the level (household, hamlet, village, hygiene)."""

    rank = fields.Integer(metadata={"description": "名次，并列同名次（1, 1, 3） competition rank"})
    household_id = fields.String(metadata={"description": "household 级 only"})
    head_name = fields.String(metadata={"description": "户主 household level only"})
    hamlet_id = fields.String()
    village_id = fields.String(allow_none=True)
    points = fields.Integer(metadata={"description": "本期获得的积分（兑换不扣） points earned in the period"})
    households = fields.Integer(metadata={"description": "花名册户数 households on the roster (hamlet, village)"})
    points_per_household = fields.Float(metadata={"description": "户均积分，排名依据 points per household"})
    hygiene_average = fields.Float(allow_none=True, metadata={
        "description": "清洁日平均分（无检查为 null） average cleaning-day score"})
    average_score = fields.Float(metadata={"description": "hygiene 级：平均分 average inspection score"})
    inspections = fields.Integer(metadata={"description": "hygiene 级：检查次数 inspections"})
    households_inspected = fields.Integer(metadata={"description": "hygiene 级：被检查户数 households inspected"})


class RankingsOut(Schema):
    level = fields.String(validate=validate.OneOf(rankings.LEVELS))
    period = fields.String(metadata={"description": "季度 2025Q2、半年 2025H1、年 2025，或周 2025-W23 (hygiene)"})
    village_id = fields.String(allow_none=True)
    hamlet_id = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(RankingRowOut))


class QuarterClosedOut(Schema):
    village_id = fields.String(metadata={"description": "评比的村（期别按村结束） the village whose quarter closed"})
    quarter = fields.String(metadata={"description": "评比的季度，如 2025Q2 the quarter closed"})
    period = fields.String(allow_none=True, metadata={
        "description": "本次评出称号的评比期（titles.yaml award_every）：2025Q2、2025H1 或 2025；"
                       "这次结束的季度不是评比期末时为 null — the award period, null when this close awards none"})
    award_every = fields.String(metadata={"description": "titles.yaml 的 award_every：quarter | half_year | year"})
    titles_version = fields.Integer(metadata={"description": "所用 titles.yaml 的版本 the titles file version read"})
    titles = fields.List(fields.Nested(TitleOut), metadata={"description": "本次授予的称号 titles awarded"})
    parked = fields.List(fields.Nested(ParkedOut), metadata={
        "description": "无法授予、已挂起待处理的决定（附原因） decisions parked with the reason"})


class AssessmentsOut(Schema):
    half_year = fields.String(metadata={"description": "半年，如 2025H1 the half year"})
    assessments = fields.List(fields.Nested(AssessmentOut), metadata={"description": "已评议 assessments recorded"})
    not_yet_assessed = fields.List(fields.Nested(HouseholdOut), metadata={
        "description": "有党员但本半年尚未评议的户 households with party members not yet assessed"})


class DonationsOut(Schema):
    village_id = fields.String()
    total_money = fields.String(metadata={"description": "该村捐款合计（元，字符串） money donated in the village, yuan"})
    donations = fields.List(fields.Nested(DonationOut), metadata={"description": "捐赠记录（分页） the donations, paged"})
