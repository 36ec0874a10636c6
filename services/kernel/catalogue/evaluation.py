"""共评 evaluation events, published by the scoring service (双向共评 and 清洁日 inspections)."""
from marshmallow import Schema, fields, validate

from ..events import declare
from ..fields import Id, Money, RuleRef

SOURCE = "scoring"


class PointsRecorded(Schema):
    """A points ledger entry and the household's balances after it."""

    entry_id = Id(required=True)
    household_id = Id(required=True)
    points = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending", "approved", "rejected", "revoked"]))
    reason = fields.String(required=True)
    spendable_balance = fields.Integer(required=True)
    honour_balance = fields.Integer(required=True)
    rule = RuleRef(required=True)
    # Added later, optional so older events still load.
    resident_id = Id(load_default=None, allow_none=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    source = fields.String(load_default=None, allow_none=True)
    deed_code = fields.String(load_default=None, allow_none=True)
    quarter = fields.String(load_default=None, allow_none=True)


declare("points.recorded", SOURCE, PointsRecorded,
        description="a points entry recorded in the ledger", audience="household")


class DonationRecorded(Schema):
    """捐赠 money or goods given to a village's 爱心超市 love supermarket."""

    donation_id = Id(required=True)
    village_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["money", "goods"]))
    donor_name = fields.String(required=True)
    amount = Money(load_default=None, allow_none=True)
    goods_id = Id(load_default=None, allow_none=True)
    quantity = fields.Integer(load_default=None, allow_none=True)
    total_money = Money(required=True)


declare("donation.recorded", SOURCE, DonationRecorded,
        description="爱心超市 a donation of money or goods to the love supermarket", audience="public")


class RedemptionRecorded(Schema):
    """兑换 points exchanged at the love supermarket: requested, handed over or cancelled."""

    redemption_id = Id(required=True)
    household_id = Id(required=True)
    goods_id = Id(required=True)
    goods_name = fields.String(required=True)
    quantity = fields.Integer(required=True)
    points = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["pending", "done", "cancelled"]))
    spendable_balance = fields.Integer(required=True)
    stock_left = fields.Integer(required=True)


declare("redemption.recorded", SOURCE, RedemptionRecorded,
        description="爱心超市 a redemption requested, done or cancelled", audience="household")


class YardInspected(Schema):
    """清洁日 a household's yard inspected by its linked 党员中心户 hub household."""

    inspection_id = Id(required=True)
    household_id = Id(required=True)
    hamlet_id = Id(required=True)
    inspector_household_id = Id(required=True)
    week = fields.String(required=True)
    score = fields.Integer(required=True)
    grade = fields.String(required=True)
    remarks = fields.String(required=True)
    points = fields.Integer(required=True)
    entry_id = Id(required=True, allow_none=True)  # null when the grade earns no points


declare("yard.inspected", SOURCE, YardInspected,
        description="清洁日 a yard inspected and rated on cleaning day", audience="household")


class CivilityRated(Schema):
    """乡风文明评比 a household's quarterly civility rating, turned into points."""

    rating_id = Id(required=True)
    household_id = Id(required=True)
    quarter = fields.String(required=True)
    stars = fields.Integer(required=True)
    points = fields.Integer(required=True)
    entry_id = Id(required=True, allow_none=True)


declare("civility.rated", SOURCE, CivilityRated,
        description="乡风文明评比 a quarterly civility rating", audience="household")


class SheetRating(Schema):
    rating_id = Id(required=True)
    household_id = Id(required=True)
    stars = fields.Integer(required=True)
    points = fields.Integer(required=True)          # as recorded: cut by the cap, pending approval
    entry_id = Id(required=True, allow_none=True)   # null for 0 stars or an unpriced rating
    status = fields.String(required=True, allow_none=True,
                           validate=validate.OneOf(["pending", "rejected"]))


class CivilitySheetRated(Schema):
    """乡风文明评比 a hamlet's quarterly rating sheet, rated as one: each household's stars and
    the points entry they became (decided by one rule, named once)."""

    sheet_id = Id(required=True)
    hamlet_id = Id(required=True)
    village_id = Id(required=True)
    quarter = fields.String(required=True)
    rated_by = Id(required=True)
    ratings = fields.List(fields.Nested(SheetRating), required=True, validate=validate.Length(min=1))
    rule = RuleRef(load_default=None, allow_none=True)   # null when the catalogue prices no rating


declare("civility.sheet_rated", SOURCE, CivilitySheetRated,
        description="乡风文明评比 a hamlet's quarterly rating sheet", audience="household")


class TitleAwarded(Schema):
    """评星评优 a title earned at period end; its code and label are those of rules/titles.yaml
    (ten_star_household 十星级文明户, good_mother_in_law 好婆婆, ... and any title added there)."""

    title_id = Id(required=True)
    household_id = Id(required=True)
    resident_id = Id(load_default=None, allow_none=True)
    code = fields.String(required=True)
    label = fields.String(load_default=None, allow_none=True, metadata={"description": "the title's name in titles.yaml"})
    quarter = fields.String(required=True)
    period = fields.String(load_default=None, allow_none=True,
                           metadata={"description": "the award period (titles.yaml award_every): 2025Q2, 2025H1 or 2025"})
    honour_points = fields.Integer(required=True)
    rating_stars = fields.Integer(required=True)
    rule = RuleRef(required=True)


declare("title.awarded", SOURCE, TitleAwarded,
        description="评星评优 a civility title awarded at period end", audience="public")


class PartyMemberAssessed(Schema):
    """党员评议 a party member's half-year assessment against their category's lists."""

    assessment_id = Id(required=True)
    resident_id = Id(required=True)
    household_id = Id(required=True)
    category = fields.String(required=True)
    half_year = fields.String(required=True)
    outcome = fields.String(required=True)
    score = fields.Integer(required=True)
    rule = RuleRef(required=True)


declare("party_member.assessed", SOURCE, PartyMemberAssessed,
        description="党员评议 a party member assessed for the half year", audience="household")


class ReviewCompleted(Schema):
    """大家评 半年评议 of a project or of the village's important work, once every body the rule
    names has given its verdict at a held meeting with quorum; ``result`` is the least satisfied
    body's (satisfied 满意 | basically_satisfied 基本满意 | unsatisfied 不满意)."""

    review_id = Id(required=True)
    subject = fields.String(load_default="project", validate=validate.OneOf(["project", "work"]))
    project_id = Id(load_default=None, allow_none=True)
    motion_id = Id(load_default=None, allow_none=True)   # the motion the project carries out: proposals marks it reviewed
    title = fields.String(load_default="")
    village_id = Id(load_default=None, allow_none=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    kind = fields.String(required=True)
    half_year = fields.String(required=True)
    result = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(["satisfied", "basically_satisfied", "unsatisfied"]))
    verdicts = fields.List(fields.Dict(), required=True)
    open_opinions = fields.Integer(required=True)
    rule = RuleRef(required=True)


declare("review.completed", SOURCE, ReviewCompleted,
        description="大家评 a half-year review (半年评议) completed, with its satisfaction result", audience="public")


class OpinionAnswered(Schema):
    """A residents' opinion raised in a review, answered — or adopted (合理意见，积极采纳) as a
    task with an owner (责任人) and a deadline, on the board until carried out."""

    opinion_id = Id(required=True)
    review_id = Id(required=True)
    project_id = Id(load_default=None, allow_none=True)
    village_id = Id(load_default=None, allow_none=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    title = fields.String(load_default="")          # what was reviewed
    half_year = fields.String(load_default=None, allow_none=True)
    text = fields.String(load_default="")           # the opinion
    status = fields.String(required=True, validate=validate.OneOf(["answered", "adopted", "done"]))
    answer = fields.String(required=True)
    owner = fields.String(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    answered_at = fields.DateTime(load_default=None, allow_none=True)


declare("opinion.answered", SOURCE, OpinionAnswered,
        description="大家评 an opinion from a review answered, or adopted as a task", audience="public")


class OpinionCarriedOut(OpinionAnswered):
    """全力落实: an adopted opinion's task is done (``late`` when after its deadline)."""

    note = fields.String(required=True)
    done_at = fields.DateTime(required=True)
    late = fields.Boolean(required=True)


declare("opinion.carried_out", SOURCE, OpinionCarriedOut,
        description="大家评 an adopted opinion carried out (全力落实)", audience="public")


class BeautifulHamletDecided(Schema):
    """最美垸落 the task force's assessment of a hamlet, decided by the rule's weights and threshold."""

    application_id = Id(required=True)
    hamlet_id = Id(required=True)
    village_id = Id(required=True)
    year = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["awarded", "not_awarded"]))
    total = fields.Decimal(as_string=True, required=True)
    threshold = fields.Decimal(as_string=True, required=True)
    satisfaction = fields.Decimal(as_string=True, required=True)
    rule = RuleRef(required=True)


declare("beautiful_hamlet.decided", SOURCE, BeautifulHamletDecided,
        description="最美垸落 a most-beautiful-hamlet application decided", audience="public")
