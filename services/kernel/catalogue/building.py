"""共建 co-building events, published by the contributions service."""
from marshmallow import Schema, fields, validate

from ..events import declare
from ..fields import Hundredths as Quantity, Id, Money, RuleRef

SOURCE = "contributions"

KINDS = ["people", "money", "labour", "materials"]


class HouseholdRegistered(Schema):
    """户 a household imported or changed on the roster (scoring keeps a read model from it)."""

    household_id = Id(required=True)
    hamlet_id = Id(required=True)
    village_id = Id(required=True)
    town_id = Id(required=True)
    head_name = fields.String(required=True)
    party_member = fields.Boolean(required=True)          # a party member lives in it (党员户)
    hub_household_id = Id(required=True, allow_none=True)  # its 1+10 党员中心户, or null
    # Added later, optional so older events still load: the public board names places by these.
    village_name = fields.String(load_default=None, allow_none=True)
    hamlet_name = fields.String(load_default=None, allow_none=True)


HOUSEHOLDS_PER_EVENT = 500


class HouseholdsRegistered(Schema):
    """户 many households of one village imported or changed by one roster import, in one event.

    A county roster announces 150,000 households in some 300 of these rather than 150,000
    ``household.registered``: each consumer applies a batch in one transaction.
    """

    village_id = Id(required=True)
    town_id = Id(required=True)
    households = fields.List(fields.Nested(HouseholdRegistered), required=True,
                             validate=validate.Length(min=1, max=HOUSEHOLDS_PER_EVENT))


class Item(Schema):
    name = fields.String(required=True)
    count = fields.Integer(required=True)                 # negative in a reversal
    unit = fields.String(load_default=None, allow_none=True)


class EntryFlag(Schema):
    code = fields.String(required=True, validate=validate.OneOf(["other_hamlet"]))
    reason = fields.String(required=True)
    rule = RuleRef(required=True)


class ContributionRecorded(Schema):
    """四出 one ledger entry: 出人 people, 出资 money, 出力 labour, 出物 materials.

    A reversal (``reversal_of`` set) carries the original's quantities negated, so summing
    every entry gives exact totals. ``household_id`` is null only for a higher-level grant.
    """

    entry_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    household_id = Id(required=True, allow_none=True)
    resident_id = Id(required=True, allow_none=True)
    hamlet_id = Id(required=True)
    project_id = Id(required=True, allow_none=True)
    hours = Quantity(required=True, allow_none=True)      # labour, days converted to hours
    amount = Money(required=True, allow_none=True)        # money
    items = fields.List(fields.Nested(Item), required=True, allow_none=True)  # materials
    reversal_of = Id(required=True, allow_none=True)
    role = fields.String(load_default=None, allow_none=True)    # people
    source = fields.String(load_default=None, allow_none=True)  # money: grant | sponsor | crowd
    land_area_m2 = Quantity(load_default=None, allow_none=True)
    valuation = Money(load_default=None, allow_none=True)
    reused_on_site = fields.Boolean(load_default=False)
    recorded_at = fields.AwareDateTime(load_default=None, allow_none=True)
    # set when a rule flagged the entry for the cadres (labour from another hamlet, labour.yaml)
    flag = fields.Nested(EntryFlag, load_default=None, allow_none=True)


class ContributionBatchRecorded(Schema):
    """四出 a batch recorded by one command (a work day's labour list, a month's contributions):
    every entry as ``contribution.recorded`` would carry it, in the order recorded."""

    batch_id = Id(required=True)
    recorded_by = Id(load_default=None, allow_none=True)
    entries = fields.List(fields.Nested(ContributionRecorded), required=True, validate=validate.Length(min=1))


class FundingRequestFact(Schema):
    request_id = Id(required=True)
    hamlet_id = Id(required=True)
    project_id = Id(required=True)
    amount = Money(required=True)
    participation_rate = fields.Float(required=True, validate=validate.Range(0, 1))
    requested_at = fields.AwareDateTime(required=True)
    # 最紧迫: share of the hamlet's households endorsing the project's motion (funding's urgency_weight)
    urgency = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1))


class Override(Schema):
    order = fields.List(Id(), required=True)
    by = Id(required=True)
    why = fields.String(required=True, validate=validate.Length(min=1))


class FundingRoundClosed(Schema):
    """A funding round closed: the rules service ranks its requests (参与优先)."""

    round_id = Id(required=True)
    budget = Money(required=True)
    closed_at = fields.AwareDateTime(required=True)
    requests = fields.List(fields.Nested(FundingRequestFact), required=True)
    override = fields.Nested(Override)  # absent unless staff overrode the ranking


class FundingAllocated(Schema):
    """What one request of a round received; a grant may be held until the crowd share is met."""

    round_id = Id(required=True)
    request_id = Id(required=True)
    project_id = Id(required=True)
    hamlet_id = Id(required=True)
    rank = fields.Integer(required=True)
    funded = fields.Boolean(required=True)
    granted = Money(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["released", "held", "unfunded"]))
    reason = fields.String(required=True)
    rule = RuleRef(required=True)            # the participation-first rule
    mix_rule = RuleRef(load_default=None)    # the funding-mix rule, if asked


class GrantReleased(Schema):
    """A held grant released once the project's crowd share met the funding-mix rule."""

    round_id = Id(required=True)
    request_id = Id(required=True)
    project_id = Id(required=True)
    hamlet_id = Id(required=True)
    amount = Money(required=True)
    entry_id = Id(required=True)
    rule = RuleRef(required=True)


class ProjectRegistered(Schema):
    """An approved project entered with its budget and funding mix."""

    project_id = Id(required=True)
    name = fields.String(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(["hamlet", "village"]))
    village_id = Id(required=True)
    hamlet_id = Id(required=True, allow_none=True)
    budget = Money(required=True)
    mix = fields.Dict(keys=fields.String(), values=Money(), required=True)
    motion_id = Id(load_default=None, allow_none=True)  # the proposals motion it carries out, if any


class ProjectFunded(Schema):
    """The money raised for a project (all sources) reached its budget."""

    project_id = Id(required=True)
    hamlet_id = Id(required=True, allow_none=True)
    village_id = Id(required=True)
    budget = Money(required=True)
    raised = fields.Dict(keys=fields.String(), values=Money(), required=True)
    funded_at = fields.AwareDateTime(required=True)
    motion_id = Id(load_default=None, allow_none=True)  # proposals moves this motion to funded


class ProjectLabourFlagged(Schema):
    """党员干部带头上: no party member or cadre among a project's first labour contributors."""

    project_id = Id(required=True)
    hamlet_id = Id(required=True, allow_none=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["ok", "flag"]))
    reason = fields.String(required=True)
    rule = RuleRef(required=True)


class ParticipationChanged(Schema):
    """参与率 households that took part over households on the roster, for a hamlet and period."""

    hamlet_id = Id(required=True)
    village_id = Id(required=True)
    period = fields.String(required=True)
    window = fields.String(required=True)
    participating_households = fields.Integer(required=True)
    roster_households = fields.Integer(required=True)
    rate = fields.Float(required=True, validate=validate.Range(0, 1))
    previous_rate = fields.Float(load_default=None, allow_none=True)
    policy_version = fields.Integer(load_default=None, allow_none=True)


class DemolitionRegistered(Schema):
    """四个一律 a structure removed without compensation; its land is now a public parcel."""

    demolition_id = Id(required=True)
    structure_type = fields.String(required=True)
    area_m2 = Quantity(required=True)
    hamlet_id = Id(required=True)
    household_id = Id(required=True)
    parcel_id = Id(required=True)
    salvage_entry_ids = fields.List(Id(), required=True)
    rule = RuleRef(required=True)
    structure_id = Id(load_default=None, allow_none=True)   # the register's structure it removed
    project_id = Id(load_default=None, allow_none=True)     # the project that uses the cleared land


class StructureListed(Schema):
    """四个一律 a structure on the register of what is to be removed, standing or removed."""

    structure_id = Id(required=True)
    structure_type = fields.String(required=True)
    area_m2 = Quantity(load_default=None, allow_none=True)
    village_id = Id(required=True)
    hamlet_id = Id(required=True)
    household_id = Id(required=True)
    must_remove = fields.Boolean(required=True)             # 一律拆除, by the demolition rule
    status = fields.String(required=True, validate=validate.OneOf(["standing", "removed"]))
    demolition_id = Id(load_default=None, allow_none=True)
    rule = RuleRef(required=True)


class ParcelAssigned(Schema):
    """拆后土地一律用于公益建设 a public parcel linked to the project that uses it."""

    parcel_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(required=True)
    area_m2 = Quantity(required=True)
    origin = fields.String(required=True, validate=validate.OneOf(["demolition", "donation"]))
    origin_id = Id(required=True)
    land_use = fields.String(required=True)
    project_id = Id(required=True)
    assigned_by = Id(load_default=None, allow_none=True)


declare("household.registered", SOURCE, HouseholdRegistered,
        description="户 a household imported or changed on the roster", audience="internal")
declare("households.registered", SOURCE, HouseholdsRegistered,
        description="户 up to 500 households of one village imported or changed by a roster import "
                    "(each as household.registered describes it)", audience="internal")
declare("contribution.recorded", SOURCE, ContributionRecorded,
        description="四出 a contribution ledger entry (or its reversal)", audience="public")
declare("contribution.batch_recorded", SOURCE, ContributionBatchRecorded,
        description="四出 a batch of contribution ledger entries recorded by one command", audience="public")
declare("funding_round.closed", SOURCE, FundingRoundClosed,
        description="a funding round closed; its requests await the participation-first rule", audience="internal")
declare("funding.allocated", SOURCE, FundingAllocated,
        description="参与优先 a funding request's allocation applied", audience="public")
declare("grant.released", SOURCE, GrantReleased,
        description="资金结构 a held grant released once the crowd share was met", audience="public")
declare("project.registered", SOURCE, ProjectRegistered,
        description="an approved project with its budget and funding mix", audience="public")
declare("project.funded", SOURCE, ProjectFunded,
        description="a project's raised money reached its budget", audience="public")
declare("project.labour_flagged", SOURCE, ProjectLabourFlagged,
        description="党员干部带头上 the leadership check on a project's labour changed", audience="village")
declare("participation.changed", SOURCE, ParticipationChanged,
        description="参与率 a hamlet's participation rate for a period changed", audience="internal")
declare("demolition.registered", SOURCE, DemolitionRegistered,
        description="四个一律 a demolition registered without compensation", audience="public")
declare("structure.listed", SOURCE, StructureListed,
        description="四个一律 a structure put on the removal register, or marked removed", audience="public")
declare("parcel.assigned", SOURCE, ParcelAssigned,
        description="拆后土地一律用于公益建设 a public parcel linked to the project that uses it", audience="public")
