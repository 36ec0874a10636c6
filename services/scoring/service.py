"""ScoringService "scoring": 双向共评 two-way evaluation and the 清洁日 inspections of 三线共管.

Entrypoints only: parse, call a domain module, dump. Numbers come from the ``rules`` service
through the policy port (``policy.decide`` / ``policy.params``).
"""
from __future__ import annotations

from nameko.rpc import RpcProxy

from services.kernel import batches
from services.kernel.nameko_ext import Caller, Clock, Database, Policy, api, on_event

from . import (actors, assessments, households, inspections, ledger, parked, rankings, ratings, reviews,
               schemas, sources, supermarket)


def _query(schema, query):
    return schema().load(dict(query or {}))


class ScoringService:
    name = "scoring"
    places = staticmethod(households.places)  # for the scope guard (kernel Api)
    db = Database()
    policy = Policy()   # the policy port: the published rules in-process, kept current
    proposals = RpcProxy("proposals")   # 半年评议: was the reviewing meeting held, with quorum
    clock = Clock()
    caller = Caller()      # who asks (services.kernel.identity); None for the platform's own calls

    # -- bus ------------------------------------------------------------------------------

    @on_event("household.registered")
    def on_household_registered(self, event):
        sources.household_registered(self.db, event.data, self.clock.now())

    @on_event("households.registered")
    def on_households_registered(self, event):
        sources.households_registered(self.db, event.data, self.clock.now())

    @on_event("points.decided")
    def on_points_decided(self, event):
        sources.points_decided(self.db, self.policy, event.data, self.clock.now())

    @on_event("contribution.recorded")
    def on_contribution_recorded(self, event):
        sources.contribution_recorded(self.db, self.policy, event.data, self.clock.now())

    @on_event("contribution.batch_recorded")
    def on_contribution_batch_recorded(self, event):
        sources.contribution_batch_recorded(self.db, self.policy, event.data, self.clock.now())

    @on_event("project.registered")
    def on_project_registered(self, event):
        reviews.project_registered(self.db, event.data)

    @on_event("review.due")
    def on_review_due(self, event):
        reviews.open_scheduled(self.db, event.data, False, self.clock.now())

    @on_event("review.overdue")
    def on_review_overdue(self, event):
        reviews.open_scheduled(self.db, event.data, True, self.clock.now())

    # -- points ledger 乡风文明积分 ------------------------------------------------------------

    @api(actor={"recorded_by": "subject"})
    def record_points(self, payload):
        data = schemas.PointsIn().load(payload or {})
        household = households.named(self.db, data["household_id"], resident_id=data["resident_id"])
        entry = ledger.record(self.db, self.policy, household_id=household.household_id,
                              resident_id=data["resident_id"], hamlet_id=household.hamlet_id,
                              deed_code=data["deed_code"], source=data["source"],
                              reason=f"{data['reason']} (by {data['recorded_by']})", now=self.clock.now())
        return schemas.EntryOut().dump(entry)

    @api(actor={"cadre_id": "subject"})
    def approve_points(self, payload):
        data = schemas.ApproveIn().load(payload or {})
        actors.decide_points(self.db, self.caller, [ledger.get(self.db, e).household_id for e in data["entry_ids"]])
        entries = ledger.approve(self.db, data["entry_ids"], data["cadre_id"], self.clock.now())
        return schemas.EntryOut(many=True).dump(entries)

    @api(actor={"cadre_id": "subject"})
    def reject_points(self, entry_id, payload):
        data = schemas.RejectIn().load(payload or {})
        actors.decide_points(self.db, self.caller, [ledger.get(self.db, entry_id).household_id], "驳回积分")
        return schemas.EntryOut().dump(ledger.reject(self.db, entry_id, data["cadre_id"], data["reason"],
                                                     self.clock.now()))

    @api(actor={"by": "subject"})
    def revoke_points(self, entry_id, payload):
        data = schemas.RevokeIn().load(payload or {})
        actors.decide_points(self.db, self.caller, [ledger.get(self.db, entry_id).household_id], "撤销积分")
        return schemas.EntryOut().dump(ledger.revoke(self.db, entry_id, data["by"], data["reason"],
                                                     self.clock.now()))

    @api
    def get_entry(self, entry_id):
        return schemas.EntryOut().dump(ledger.get(self.db, entry_id))

    @api
    def list_entries(self, query=None):
        return schemas.EntryOut(many=True).dump(ledger.list_entries(self.db, **_query(schemas.EntriesQuery, query), caller=self.caller))

    @api
    def get_balance(self, household_id):
        return actors.locate(self.db, ledger.balance_of(self.db, household_id))

    @api
    def get_household(self, household_id):
        return schemas.HouseholdOut().dump(households.get(self.db, household_id))

    # -- 爱心超市 love supermarket --------------------------------------------------------------

    @api
    def add_goods(self, payload):
        data = schemas.GoodsIn().load(payload or {})
        return schemas.GoodsOut().dump(supermarket.add_goods(self.db, data, self.clock.now()))

    @api
    def list_goods(self, query=None):
        data = _query(schemas.VillageQuery, query)
        return schemas.GoodsOut(many=True).dump(supermarket.list_goods(
            self.db, data["village_id"], limit=data["limit"], offset=data["offset"]))

    @api
    def get_goods(self, goods_id):
        return schemas.GoodsOut().dump(supermarket.get_goods(self.db, goods_id))

    @api(actor={"recorded_by": "subject"})
    def record_donation(self, payload):
        data = schemas.DonationIn().load(payload or {})
        return schemas.DonationOut().dump(supermarket.record_donation(self.db, data, self.clock.now()))

    @api
    def list_donations(self, query=None):
        data = _query(schemas.VillageQuery, query)
        return {"village_id": data["village_id"],
                "total_money": str(supermarket.money_total(self.db, data["village_id"])),
                "donations": schemas.DonationOut(many=True).dump(
                    supermarket.list_donations(self.db, data["village_id"], limit=data["limit"],
                                              offset=data["offset"]))}

    @api
    def request_redemption(self, payload):
        data = schemas.RedemptionIn().load(payload or {})
        actors.redeem(self.caller, data["household_id"])
        return actors.locate(self.db, schemas.RedemptionOut().dump(
            supermarket.request_redemption(self.db, self.policy, data, self.clock.now())))

    @api(actor={"handled_by": "subject"})
    def complete_redemption(self, redemption_id, payload):
        data = schemas.HandleIn().load(payload or {})
        return actors.locate(self.db, schemas.RedemptionOut().dump(
            supermarket.complete(self.db, redemption_id, data["handled_by"], self.clock.now())))

    @api(actor={"by": "subject"})
    def cancel_redemption(self, redemption_id, payload):
        data = schemas.CancelIn().load(payload or {})
        actors.cancel_redemption(self.db, self.caller, supermarket.get_redemption(self.db, redemption_id).household_id)
        return actors.locate(self.db, schemas.RedemptionOut().dump(
            supermarket.cancel(self.db, redemption_id, data["by"], data["reason"], self.clock.now())))

    @api
    def get_redemption(self, redemption_id):
        return actors.locate(self.db, schemas.RedemptionOut().dump(supermarket.get_redemption(self.db, redemption_id)))

    @api
    def list_redemptions(self, query=None):
        return actors.locate(self.db, schemas.RedemptionOut(many=True).dump(
            supermarket.list_redemptions(self.db, **_query(schemas.RedemptionsQuery, query))))

    # -- 清洁日 cleaning day ---------------------------------------------------------------------

    @api(actor={"inspector_household_id": "household"})
    def record_inspection(self, payload):
        data = schemas.InspectionIn().load(payload or {})
        return schemas.InspectionOut().dump(inspections.record(self.db, self.policy, data, self.clock.now()))

    @api
    def list_inspections(self, query=None):
        return schemas.InspectionOut(many=True).dump(
            inspections.list_inspections(self.db, **_query(schemas.InspectionsQuery, query)))

    # -- ratings and titles 评星评优 --------------------------------------------------------------

    @api(actor={"rated_by": "subject"})
    def rate_household(self, payload):
        data = schemas.RatingIn().load(payload or {})
        return actors.locate(self.db, schemas.RatingOut().dump(ratings.rate(self.db, self.policy, data, self.clock.now())))

    @api(actor={"rated_by": "subject"})
    def rate_sheet(self, payload):
        """A hamlet's quarterly rating sheet in one command: all rows or none."""
        data = schemas.RatingSheetIn().load(payload or {})
        actors.rate_sheet(self.db, self.caller, data["hamlet_id"])
        rows, lines = data["ratings"], None
        if rows is None:
            rows, lines = batches.uploaded_rows(data["filename"], data["content_base64"], schemas.SHEET_COLUMNS)
        data["ratings"] = batches.load_rows(schemas.SheetRowIn(), rows, "ratings", lines)
        if lines:
            for row, line in zip(data["ratings"], lines):
                row["line"] = line
        return actors.locate(self.db, ratings.rate_sheet(self.db, self.policy, data, self.clock.now()))

    @api(actor={"closed_by": "subject"})
    def close_quarter(self, payload):
        data = schemas.CloseIn().load(payload or {})
        closed = ratings.close_quarter(self.db, self.policy, data["village_id"], data["quarter"], data["closed_by"],
                                       self.clock.now())
        return {"village_id": data["village_id"], "quarter": data["quarter"], "period": closed["period"],
                "award_every": closed["award_every"], "titles_version": closed["titles_version"],
                "titles": actors.locate(self.db, schemas.TitleOut(many=True).dump(closed["titles"])),
                "parked": actors.locate(self.db, schemas.ParkedOut(many=True).dump(closed["parked"]))}

    @api
    def list_titles(self, query=None):
        return actors.locate(self.db, schemas.TitleOut(many=True).dump(ratings.list_titles(self.db, **_query(schemas.TitlesQuery, query))))

    @api
    def list_parked(self, query=None):
        return actors.locate(self.db, schemas.ParkedOut(many=True).dump(
            parked.list_parked(self.db, **_query(schemas.ParkedQuery, query))))

    # -- 党员评议 party-member assessment ---------------------------------------------------------

    @api(actor={"assessed_by": "subject"})
    def assess_party_member(self, payload):
        data = schemas.AssessmentIn().load(payload or {})
        return actors.locate(self.db, schemas.AssessmentOut().dump(assessments.assess(self.db, self.policy, data, self.clock.now())))

    @api
    def list_assessments(self, query=None):
        data = _query(schemas.AssessmentsQuery, query)
        actors.read_village(self.caller, data["village_id"])
        return {"half_year": data["half_year"],
                "assessments": actors.own_or_branch(self.caller, actors.locate(self.db, schemas.AssessmentOut(
                    many=True).dump(assessments.list_assessments(self.db, **data)))),
                "not_yet_assessed": schemas.HouseholdOut(many=True).dump(
                    assessments.unassessed_households(self.db, data["half_year"], data["village_id"])[:data["limit"]])}

    # -- 大家评 reviews ---------------------------------------------------------------------------

    def _review(self, review):
        out = schemas.ReviewOut().dump(review)
        out["verdicts"] = [reviews.verdict_dict(v) for v in reviews.verdicts(self.db, review.review_id)]
        out["opinions"] = schemas.OpinionOut(many=True).dump(reviews.opinions(self.db, review_id=review.review_id))
        return out

    @api(actor={"opened_by": "subject"})
    def open_review(self, payload):
        data = schemas.ReviewIn().load(payload or {})
        return self._review(reviews.open_review(self.db, self.policy, data, self.clock.now()))

    @api
    def get_review(self, review_id):
        return self._review(reviews.get_review(self.db, review_id))

    @api
    def list_reviews(self, query=None):
        return [self._review(r) for r in reviews.find_reviews(self.db, **_query(schemas.ReviewsQuery, query))]

    @api(actor={"recorded_by": "subject"})
    def record_verdict(self, review_id, payload):
        data = schemas.VerdictIn().load(payload or {})
        return self._review(reviews.record_verdict(self.db, self.policy, self.proposals.meeting_quorum,
                                                   review_id, data, self.clock.now()))

    @api(actor={"raised_by": "subject"}, reach="village")
    def add_opinion(self, review_id, payload):
        data = schemas.OpinionIn().load(payload or {})
        return schemas.OpinionOut().dump(reviews.add_opinion(self.db, review_id, data, self.clock.now()))

    @api(actor={"answered_by": "subject"})
    def answer_opinion(self, opinion_id, payload):
        data = schemas.AnswerIn().load(payload or {})
        return schemas.OpinionOut().dump(reviews.answer_opinion(self.db, opinion_id, data, self.clock.now()))

    @api(actor={"done_by": "subject"})
    def carry_out_opinion(self, opinion_id, payload):
        data = schemas.CarryOutIn().load(payload or {})
        return schemas.OpinionOut().dump(reviews.carry_out_opinion(self.db, opinion_id, data, self.clock.now()))

    @api
    def list_opinions(self, query=None):
        return schemas.OpinionOut(many=True).dump(reviews.opinions(self.db, **_query(schemas.OpinionsQuery, query)))

    # -- 最美垸落 most beautiful hamlet -------------------------------------------------------------

    @api
    def apply_beautiful_hamlet(self, payload):
        data = schemas.HamletApplyIn().load(payload or {})
        return schemas.ApplicationOut().dump(reviews.apply_hamlet(self.db, data, self.clock.now()))

    @api(actor={"assessed_by": "subject"})
    def record_hamlet_scores(self, application_id, payload):
        data = schemas.ScoresIn().load(payload or {})
        return schemas.ApplicationOut().dump(reviews.record_scores(self.db, self.policy, application_id, data))

    @api
    def record_hamlet_survey(self, application_id, payload):
        data = schemas.SurveyIn().load(payload or {})
        return schemas.ApplicationOut().dump(reviews.record_survey(self.db, application_id, data))

    @api(actor={"decided_by": "subject"})
    def decide_beautiful_hamlet(self, application_id, payload):
        data = schemas.DecideIn().load(payload or {})
        return schemas.ApplicationOut().dump(
            reviews.decide_hamlet(self.db, self.policy, application_id, data["decided_by"], self.clock.now()))

    @api
    def get_hamlet_application(self, application_id):
        return schemas.ApplicationOut().dump(reviews.get_application(self.db, application_id))

    @api
    def list_hamlet_applications(self, query=None):
        return schemas.ApplicationOut(many=True).dump(
            reviews.list_applications(self.db, **_query(schemas.ApplicationsQuery, query)))

    # -- 排行榜 rankings for the public board ----------------------------------------------------

    @api
    def rankings(self, query=None):
        data = _query(schemas.RankingsQuery, query)
        return rankings.board(self.db, data["level"], data["period"], village_id=data["village_id"],
                              hamlet_id=data["hamlet_id"], limit=data["limit"])
