"""共谋 co-planning events, published by the proposals service.

Times are ISO 8601 with a UTC offset. Every event that follows from a policy decision carries
the ``rule`` (id and version of the rule file) that made it, so it can be traced to the text.
"""
from marshmallow import Schema, fields, validate

from ..events import declare
from ..fields import Id, Money, RuleRef

SOURCE = "proposals"

SCOPES = ["hamlet", "village"]
LEVELS = ["hamlet", "village", "town", "county"]
MOTION_STATES = ["draft", "raised", "in_deliberation", "approved", "rejected",
                 "funding_requested", "funded", "in_progress", "completed", "reviewed",
                 "withdrawn"]
MEETING_KINDS = ["household_heads", "hamlet", "open_air", "courtyard", "villagers",
                 "party_members", "representatives"]
ACTIVITY_KINDS = ["learn", "look", "talk"]
BODIES = ["villagers_meeting", "representatives_assembly", "party_members_meeting",
          "hamlet_meeting", "household_heads_meeting"]
VOTE_OUTCOMES = ["approved", "rejected", "no_quorum"]
# 事务类别 kinds of matter (the major_matter rule names which are major, 重大事务): 公益事业建设,
# 筹资筹劳, 集体资产处置, 集体收益使用, 土地与宅基地, 拆除与拆后土地, 村规民约, 垸组事务, 其他
MATTER_KINDS = ["public_works", "fundraising", "collective_assets", "collective_income", "land",
                "demolition", "village_rules", "hamlet_affairs", "other"]
ENDORSABLE = ["suggestion", "motion"]
# who a report is assigned to: a team or post by hand, or whatever management's routing named
# (a public-welfare post, or a body such as the mediation council)
ASSIGNEE_TYPES = ["volunteer_team", "public_welfare_post", "body"]
Time = fields.AwareDateTime


# ---- 回音墙 echo wall ---------------------------------------------------------------------

class SuggestionFiled(Schema):
    """群众建议 a resident's suggestion posted on the echo wall."""

    suggestion_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    resident_id = Id(required=True)
    household_id = Id(load_default=None, allow_none=True)
    title = fields.String(required=True)
    filed_at = Time(required=True)


class SuggestionAnswered(Schema):
    """The public answer: adopted, merged into a motion, or declined with a reason."""

    suggestion_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    resident_id = Id(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["adopted", "merged", "declined"]))
    answer = fields.String(required=True)
    answered_by = Id(required=True)
    motion_id = Id(load_default=None, allow_none=True)
    answered_at = Time(required=True)


class Escalated(Schema):
    """An item unanswered (or unresolved) past its rule deadline, sent one level up."""

    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    level = fields.Integer(required=True)            # the level it is now at (1 = first escalation)
    escalate_to = fields.String(required=True, validate=validate.OneOf(LEVELS))
    age_hours = fields.Float(required=True)          # how long it waited at the previous level
    deadline_hours = fields.Float(load_default=None, allow_none=True)
    escalated_at = Time(required=True)
    rule = RuleRef(required=True)


class SuggestionEscalated(Escalated):
    suggestion_id = Id(required=True)
    title = fields.String(required=True)


# ---- 垸组提议 motions ------------------------------------------------------------------------

class MotionTransitioned(Schema):
    """One recorded lifecycle step of a motion: who, when, why."""

    motion_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    title = fields.String(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    action = fields.String(required=True)
    from_state = fields.String(required=True, allow_none=True, validate=validate.OneOf(MOTION_STATES))
    to_state = fields.String(required=True, validate=validate.OneOf(MOTION_STATES))
    by = Id(required=True)
    why = fields.String(load_default="")
    at = Time(required=True)
    estimated_budget = Money(load_default=None, allow_none=True)
    # 重大事务 or not, once the major_matter rule has classed it (at "raise"); null before.
    matter = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["major", "ordinary"]))
    kind = fields.String(load_default="other", validate=validate.OneOf(MATTER_KINDS))   # 事务类别


class EndorsementRecorded(Schema):
    """最紧迫 a household endorsed a suggestion or a motion (one endorsement per household)."""

    endorsement_id = Id(required=True)
    target_type = fields.String(required=True, validate=validate.OneOf(ENDORSABLE))
    target_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    household_id = Id(required=True)
    endorsed_by = Id(required=True)
    endorsed_at = Time(required=True)
    endorsements = fields.Integer(required=True)             # on this item, this one included
    motion_id = Id(load_default=None, allow_none=True)       # the motion it stands behind, if any
    motion_endorsing_households = fields.Integer(load_default=None, allow_none=True)


class MotionUrgencyChanged(Schema):
    """最紧迫 the number of distinct households behind a motion (its own endorsements and its
    suggestions') changed; the funding ranking reads it as urgency."""

    motion_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    endorsing_households = fields.Integer(required=True, validate=validate.Range(min=0))
    at = Time(required=True)


class BodyResult(Schema):
    body = fields.String(required=True, validate=validate.OneOf(BODIES))
    outcome = fields.String(required=True, allow_none=True, validate=validate.OneOf(VOTE_OUTCOMES))
    vote_id = Id(load_default=None, allow_none=True)
    meeting_id = Id(load_default=None, allow_none=True)
    rule = RuleRef(load_default=None, allow_none=True)


class MotionDecided(Schema):
    """民主定 a motion approved or rejected by the bodies its matter class requires."""

    motion_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    title = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["approved", "rejected"]))
    matter = fields.String(required=True, validate=validate.OneOf(["major", "ordinary"]))
    rule = RuleRef(required=True)     # the major_matter rule that classed it
    bodies = fields.List(fields.Nested(BodyResult), required=True)
    decided_at = Time(required=True)
    estimated_budget = Money(load_default=None, allow_none=True)


# ---- meetings, activities, votes -----------------------------------------------------------

class MeetingHeld(Schema):
    """户主会/垸组会/场子会/院子会/党员会/代表会: attendance counts toward participation."""

    meeting_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(MEETING_KINDS))
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    held_at = Time(required=True)
    place = fields.String(load_default="")
    agenda_motion_ids = fields.List(Id(), load_default=list)
    attendee_household_ids = fields.List(fields.String(), required=True)
    attendee_resident_ids = fields.List(fields.String(), required=True)


class ActivityHeld(Schema):
    """学/看/讲 a study session, visit or talk: attendance counts toward participation."""

    activity_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    held_at = Time(required=True)
    place = fields.String(load_default="")
    topic = fields.String(load_default="")
    attendee_household_ids = fields.List(fields.String(), required=True)
    attendee_resident_ids = fields.List(fields.String(), required=True)


class VoteRecorded(Schema):
    """A body's vote on a motion (ballots or a typed-in tally) and the quorum rule's verdict."""

    vote_id = Id(required=True)
    motion_id = Id(required=True)
    meeting_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    body = fields.String(required=True, validate=validate.OneOf(BODIES))
    method = fields.String(required=True, validate=validate.OneOf(["ballots", "tally"]))
    members = fields.Integer(required=True)
    present = fields.Integer(required=True)
    votes_for = fields.Integer(required=True)
    votes_against = fields.Integer(required=True)
    abstain = fields.Integer(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(VOTE_OUTCOMES))
    counts = fields.Boolean(required=True)           # whether this body's result decides the motion
    rule = RuleRef(required=True)
    recorded_by = Id(required=True)
    recorded_at = Time(required=True)


# ---- 大事小事我来提 resident reports --------------------------------------------------------

class ReportBase(Schema):
    report_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(load_default=None, allow_none=True)
    at = Time(required=True)


class ReportFiled(ReportBase):
    resident_id = Id(required=True)
    household_id = Id(load_default=None, allow_none=True)
    category = fields.String(required=True)
    title = fields.String(required=True)


class ReportAssigned(ReportBase):
    assignee_type = fields.String(required=True, validate=validate.OneOf(ASSIGNEE_TYPES))
    assignee_id = Id(required=True)
    by = Id(required=True)


class ReportResolved(ReportBase):
    by = Id(required=True)
    note = fields.String(load_default="")


class ReportConfirmed(ReportBase):
    """The reporter's word: satisfied closes the report, otherwise it goes back to the assignee."""

    resident_id = Id(required=True)
    satisfied = fields.Boolean(required=True)
    comment = fields.String(load_default="")


class ReportEscalated(Escalated):
    report_id = Id(required=True)
    title = fields.String(required=True)


# ---- 好人好事 good deeds ---------------------------------------------------------------------

class GoodDeedReported(Schema):
    deed_id = Id(required=True)
    village_id = Id(required=True)
    hamlet_id = Id(required=True)
    household_id = Id(required=True)
    resident_id = Id(load_default=None, allow_none=True)
    deed_code = fields.String(required=True)
    description = fields.String(load_default="")
    reported_by = Id(required=True)
    reported_at = Time(required=True)


class GoodDeedVerified(Schema):
    """好人好事 a reported good deed, verified by a cadre: scoring turns it into points."""

    deed_id = Id(required=True)
    household_id = Id(required=True)
    resident_id = Id(load_default=None)
    hamlet_id = Id(required=True)
    deed_code = fields.String(required=True)
    description = fields.String(load_default="")
    verified_by = Id(required=True)


class GoodDeedRejected(Schema):
    deed_id = Id(required=True)
    household_id = Id(required=True)
    hamlet_id = Id(required=True)
    rejected_by = Id(required=True)
    why = fields.String(required=True)


declare("suggestion.filed", SOURCE, SuggestionFiled, description="回音墙 a suggestion filed", audience="public")
declare("suggestion.answered", SOURCE, SuggestionAnswered, description="回音墙 a suggestion publicly answered", audience="public")
declare("suggestion.escalated", SOURCE, SuggestionEscalated,
        description="回音墙 a suggestion unanswered past its deadline, sent one level up", audience="public")
declare("motion.transitioned", SOURCE, MotionTransitioned,
        description="垸组提议 a motion moved one step in its lifecycle", audience="village")
declare("endorsement.recorded", SOURCE, EndorsementRecorded,
        description="最紧迫 a household endorsed a suggestion or a motion", audience="village")
declare("motion.urgency_changed", SOURCE, MotionUrgencyChanged,
        description="最紧迫 the households endorsing a motion changed (read by the funding ranking)",
        audience="internal")
declare("motion.decided", SOURCE, MotionDecided, description="民主定 a motion approved or rejected", audience="public")
declare("meeting.held", SOURCE, MeetingHeld, description="议 a meeting held, with its attendance", audience="village")
declare("activity.held", SOURCE, ActivityHeld, description="学看讲 an activity held, with its attendance", audience="village")
declare("vote.recorded", SOURCE, VoteRecorded, description="a body's vote on a motion", audience="public")
declare("report.filed", SOURCE, ReportFiled, description="大事小事我来提 a resident's report", audience="village")
declare("report.assigned", SOURCE, ReportAssigned, description="a report assigned to a team or post", audience="village")
declare("report.resolved", SOURCE, ReportResolved, description="a report resolved by its assignee", audience="village")
declare("report.confirmed", SOURCE, ReportConfirmed, description="the reporter confirmed (or reopened) it", audience="household")
declare("report.escalated", SOURCE, ReportEscalated,
        description="a report unresolved past its deadline, sent one level up", audience="village")
declare("good_deed.reported", SOURCE, GoodDeedReported, description="好人好事 a good deed reported", audience="village")
declare("good_deed.verified", SOURCE, GoodDeedVerified,
        description="好人好事 a good deed verified by a cadre", audience="public")
declare("good_deed.rejected", SOURCE, GoodDeedRejected, description="好人好事 a reported deed not verified", audience="household")
