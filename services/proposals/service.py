"""The proposals service: 五字共谋 co-planning over RPC. Entrypoints only: parse, call, dump."""
from __future__ import annotations

from nameko.timer import timer

from services.kernel.nameko_ext import Caller, Clock, Database, Policy, api, on_event

from . import (actors, decisions, endorsements, escalation, good_deeds, meetings, motions, registers, reports,
               schemas, suggestions)

ESCALATION_INTERVAL = 300   # seconds; deadlines are in hours, so a few minutes late is fine


def _query(schema, query):
    return schema.load(query or {})


class ProposalsService:
    name = "proposals"
    db = Database()
    policy = Policy()               # the policy port: decide(area, facts), params(area)
    clock = Clock()
    caller = Caller()               # who asks (services.kernel.identity); None for the platform's own calls

    # ---- 回音墙 echo wall -----------------------------------------------------------------
    @api(reach="village")
    def file_suggestion(self, payload):
        data = schemas.SuggestionIn().load(payload)
        return schemas.SuggestionOut().dump(suggestions.file(self.db, self.clock.now(), data))

    @api(actor={"answered_by": "subject"})
    def answer_suggestion(self, suggestion_id, payload):
        data = schemas.AnswerIn().load(payload)
        return schemas.SuggestionOut().dump(suggestions.answer(self.db, self.clock.now(), suggestion_id, data))

    @api
    def get_suggestion(self, suggestion_id):
        return schemas.SuggestionOut().dump(suggestions.get(self.db, suggestion_id))

    @api
    def list_suggestions(self, query=None):
        found = suggestions.find(self.db, _query(schemas.SuggestionQuery(), query))
        return schemas.SuggestionOut(many=True).dump(found)

    # ---- 最紧迫 endorsements ------------------------------------------------------------------
    @api(actor={"household_id": "household", "endorsed_by": "subject"})
    def endorse_suggestion(self, suggestion_id, payload):
        data = schemas.EndorseIn().load(payload or {})
        row = endorsements.endorse(self.db, self.clock.now(), "suggestion", suggestion_id, data, self.caller)
        return schemas.EndorsementOut().dump(row)

    @api(actor={"household_id": "household", "endorsed_by": "subject"})
    def endorse_motion(self, motion_id, payload):
        data = schemas.EndorseIn().load(payload or {})
        row = endorsements.endorse(self.db, self.clock.now(), "motion", motion_id, data, self.caller)
        return schemas.EndorsementOut().dump(row)

    @api
    def list_suggestion_endorsements(self, suggestion_id):
        return schemas.EndorsementOut(many=True).dump(endorsements.listing(self.db, "suggestion", suggestion_id))

    @api
    def list_motion_endorsements(self, motion_id):
        return schemas.EndorsementOut(many=True).dump(endorsements.listing(self.db, "motion", motion_id))

    # ---- the bus -------------------------------------------------------------------------
    @on_event("project.funded")
    def on_project_funded(self, event):
        motions.project_funded(self.db, self.clock.now(), event.data)

    @on_event("report.routed")
    def on_report_routed(self, event):
        reports.routed(self.db, self.clock.now(), event.data)

    @on_event("review.completed")
    def on_review_completed(self, event):
        motions.review_completed(self.db, self.clock.now(), event.data)

    @on_event("household.registered")
    def on_household_registered(self, event):
        """The roster's households and residents: who exists, and the registers of the bodies."""
        registers.household_registered(self.db, self.clock.now(), event.data)

    @on_event("households.registered")
    def on_households_registered(self, event):
        """A roster import announces its households in batches of a village's."""
        registers.households_registered(self.db, self.clock.now(), event.data)

    # ---- registers: 村民代表 and every body's members ------------------------------------------
    @api(actor={"registered_by": "subject"})
    def register_representative(self, payload):
        data = schemas.RepresentativeIn().load(payload)
        rep = registers.appoint(self.db, self.clock.now(), data)
        return schemas.RepresentativeOut().dump(registers.representative_view(rep, registers.day_of(self.clock.now())))

    @api(actor={"by": "subject"})
    def end_representative_term(self, representative_id, payload):
        data = schemas.EndTermIn().load(payload)
        rep = registers.end_term(self.db, representative_id, data)
        return schemas.RepresentativeOut().dump(registers.representative_view(rep, registers.day_of(self.clock.now())))

    @api
    def list_representatives(self, query=None):
        q = _query(schemas.RepresentativeQuery(), query)
        today = registers.day_of(self.clock.now())
        return schemas.RepresentativeOut(many=True).dump(
            [registers.representative_view(r, today) for r in registers.representatives(self.db, q["village_id"], q["on"])])

    @api
    def body_members(self, query=None):
        """A body's register on a day (today by default): who its members are, how many."""
        q = _query(schemas.MembersQuery(), query)
        registers.place(self.db, q)
        reg = registers.register(self.db, q["kind"], q["village_id"], q["hamlet_id"],
                                 q["on"] or registers.day_of(self.clock.now()))
        return schemas.MembersOut().dump({"village_id": q["village_id"], "hamlet_id": q["hamlet_id"],
                                          **reg.view(self.db)})

    # ---- 垸组提议 motions -------------------------------------------------------------------
    @api(actor={"created_by": "subject"})
    def create_motion(self, payload):
        data = schemas.MotionIn().load(payload)
        return schemas.MotionOut().dump(motions.create(self.db, self.clock.now(), data))

    @api(actor={"by": "subject"})
    def transition_motion(self, motion_id, payload):
        data = schemas.TransitionIn().load(payload)
        motion = motions.transition(self.db, self.policy, self.clock.now(), motion_id, data["action"],
                                    data["by"], data["why"])
        return schemas.MotionOut().dump(motion)

    @api
    def get_motion(self, motion_id):
        return schemas.MotionOut().dump(motions.get(self.db, motion_id))

    @api
    def list_motions(self, query=None):
        return schemas.MotionOut(many=True).dump(motions.find(self.db, _query(schemas.MotionQuery(), query)))

    @api
    def list_motion_votes(self, motion_id):
        return schemas.VoteOut(many=True).dump(decisions.votes_of(self.db, motion_id))

    # ---- 议 meetings, 学看讲 activities ------------------------------------------------------
    @api(actor={"created_by": "subject"})
    def schedule_meeting(self, payload):
        data = schemas.MeetingIn().load(payload)
        return schemas.MeetingOut().dump(meetings.schedule(self.db, self.clock.now(), data))

    @api
    def hold_meeting(self, meeting_id, payload):
        actors.tally(self.caller, meetings.get(self.db, meeting_id))  # the attendance is a tally too
        data = schemas.HoldIn().load(payload)
        return schemas.MeetingOut().dump(meetings.hold(self.db, self.clock.now(), meeting_id, data))

    @api(actor={"by": "subject"})
    def cancel_meeting(self, meeting_id, payload):
        schemas.CancelIn().load(payload)
        return schemas.MeetingOut().dump(meetings.cancel(self.db, meeting_id))

    @api
    def record_minutes(self, meeting_id, payload):
        data = schemas.MinutesIn().load(payload)
        return schemas.MeetingOut().dump(meetings.record_minutes(self.db, meeting_id, data["minutes"]))

    @api
    def get_meeting(self, meeting_id):
        return schemas.MeetingOut().dump(meetings.get(self.db, meeting_id))

    @api
    def meeting_quorum(self, meeting_id):
        """Was the meeting held, and did it meet its quorum (for another service's verdict)."""
        return meetings.quorum(self.db, self.policy, meeting_id)

    @api
    def list_meetings(self, query=None):
        return schemas.MeetingOut(many=True).dump(meetings.find(self.db, _query(schemas.MeetingQuery(), query)))

    @api(actor={"recorded_by": "subject"})
    def record_activity(self, payload):
        data = schemas.ActivityIn().load(payload)
        return schemas.ActivityOut().dump(meetings.record_activity(self.db, self.clock.now(), data))

    @api
    def get_activity(self, activity_id):
        return schemas.ActivityOut().dump(meetings.get_activity(self.db, activity_id))

    @api
    def list_activities(self, query=None):
        found = meetings.find_activities(self.db, _query(schemas.ActivityQuery(), query))
        return schemas.ActivityOut(many=True).dump(found)

    # ---- 定 votes and decisions -------------------------------------------------------------
    @api(actor={"recorded_by": "subject"})
    def record_vote(self, meeting_id, motion_id, payload):
        actors.tally(self.caller, meetings.get(self.db, meeting_id))
        data = schemas.VoteIn().load(payload)
        vote = decisions.record_vote(self.db, self.policy, self.clock.now(), meeting_id, motion_id, data)
        return schemas.VoteOut().dump(vote)

    @api
    def get_vote(self, vote_id):
        return schemas.VoteOut().dump(decisions.get_vote(self.db, vote_id))

    # ---- 大事小事我来提 reports ---------------------------------------------------------------
    @api(reach="village")
    def file_report(self, payload):
        data = schemas.ReportIn().load(payload)
        return schemas.ReportOut().dump(reports.file(self.db, self.clock.now(), data))

    @api(actor={"by": "subject"})
    def assign_report(self, report_id, payload):
        data = schemas.AssignIn().load(payload)
        return schemas.ReportOut().dump(reports.assign(self.db, self.clock.now(), report_id, data))

    @api(actor={"by": "subject"})
    def resolve_report(self, report_id, payload):
        data = schemas.ResolveIn().load(payload)
        return schemas.ReportOut().dump(reports.resolve(self.db, self.clock.now(), report_id, data))

    @api
    def confirm_report(self, report_id, payload):
        data = schemas.ConfirmIn().load(payload)
        return schemas.ReportOut().dump(reports.confirm(self.db, self.clock.now(), report_id, data))

    @api
    def get_report(self, report_id):
        return schemas.ReportOut().dump(reports.get(self.db, report_id))

    @api
    def list_reports(self, query=None):
        return schemas.ReportOut(many=True).dump(reports.find(self.db, _query(schemas.ReportQuery(), query)))

    # ---- 好人好事 good deeds -----------------------------------------------------------------
    @api(actor={"reported_by": "subject"}, reach="village")
    def report_good_deed(self, payload):
        data = schemas.GoodDeedIn().load(payload)
        return schemas.GoodDeedOut().dump(good_deeds.report(self.db, self.policy, self.clock.now(), data))

    @api(actor={"verified_by": "subject"})
    def verify_good_deed(self, deed_id, payload):
        data = schemas.VerifyIn().load(payload)
        return schemas.GoodDeedOut().dump(good_deeds.verify(self.db, self.clock.now(), deed_id, data))

    @api(actor={"rejected_by": "subject"})
    def reject_good_deed(self, deed_id, payload):
        data = schemas.RejectIn().load(payload)
        return schemas.GoodDeedOut().dump(good_deeds.reject(self.db, self.clock.now(), deed_id, data))

    @api
    def get_good_deed(self, deed_id):
        return schemas.GoodDeedOut().dump(good_deeds.get(self.db, deed_id))

    @api
    def list_good_deeds(self, query=None):
        found = good_deeds.find(self.db, _query(schemas.GoodDeedQuery(), query))
        return schemas.GoodDeedOut(many=True).dump(found)

    # ---- deadlines ---------------------------------------------------------------------------
    @timer(interval=ESCALATION_INTERVAL)
    def escalate(self):
        """Committed by the Database provider when the worker ends without error."""
        escalation.escalate_overdue(self.db, self.policy, self.clock.now())

    @api
    def escalate_overdue(self):
        """The same sweep on demand (operators, demo): returns what was escalated."""
        return escalation.escalate_overdue(self.db, self.policy, self.clock.now())
