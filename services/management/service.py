"""The management service: 三线共管 co-management over RPC. Entrypoints only: parse, call, dump."""
from __future__ import annotations


from services.kernel.nameko_ext import Clock, Database, Policy, api, on_event

from . import (everyone, facilities, linkage, mediation, overview, participation, register, routing,
               schemas, supervision)


def _query(schema, query):
    return schema.load(query or {})


class ManagementService:
    name = "management"
    places = staticmethod(linkage.places)  # for the scope guard (kernel Api)
    db = Database()
    policy = Policy()               # the policy port: decide(area, facts), params(area)
    clock = Clock()

    # ---- the bus -------------------------------------------------------------------------
    @on_event("report.filed")
    def on_report_filed(self, event):
        routing.route(self.db, self.policy, self.clock.now(), event.data)

    @on_event("report.assigned")
    def on_report_assigned(self, event):
        routing.assigned(self.db, event.data)

    @on_event("report.resolved")
    def on_report_resolved(self, event):
        routing.resolved(self.db, self.policy, event.data)

    @on_event("report.confirmed")
    def on_report_confirmed(self, event):
        routing.confirmed(self.db, event.data)

    @on_event("report.escalated")
    def on_report_escalated(self, event):
        routing.escalated(self.db, event.data)

    @on_event("household.registered")
    def on_household_registered(self, event):
        linkage.household_registered(self.db, self.clock.now(), event.data)

    @on_event("households.registered")
    def on_households_registered(self, event):
        linkage.households_registered(self.db, self.clock.now(), event.data)

    @on_event("motion.transitioned")
    def on_motion_transitioned(self, event):
        facilities.project_built(self.db, self.clock.now(), event.data)

    # ---- 组织领管 bodies, areas, posts ---------------------------------------------------
    @api
    def register_body(self, payload):
        data = schemas.BodyIn().load(payload)
        return schemas.BodyOut().dump(register.register_body(self.db, self.clock.now(), data))

    @api
    def award_plaque(self, body_id, payload):
        data = schemas.ByIn().load(payload)
        return schemas.BodyOut().dump(register.award_plaque(self.db, self.clock.now(), body_id, data))

    @api
    def get_body(self, body_id):
        return schemas.BodyOut().dump(register.get_body(self.db, body_id))

    @api
    def list_bodies(self, query=None):
        return schemas.BodyOut(many=True).dump(register.find_bodies(self.db, _query(schemas.BodyQuery(), query)))

    @api
    def register_area(self, payload):
        data = schemas.AreaIn().load(payload)
        return schemas.AreaOut().dump(register.register_area(self.db, data))

    @api
    def list_areas(self, query=None):
        return schemas.AreaOut(many=True).dump(register.find_areas(self.db, _query(schemas.AreaQuery(), query)))

    @api
    def area_responsible(self, area_id):
        """Who is responsible for this road or public area."""
        return schemas.ResponsibleOut().dump(register.responsible_for_area(self.db, area_id))

    @api
    def register_post(self, payload):
        data = schemas.PostIn().load(payload)
        return schemas.PostOut().dump(register.register_post(self.db, self.clock.now(), data))

    @api
    def get_post(self, post_id):
        return schemas.PostOut().dump(register.get_post(self.db, post_id))

    @api
    def list_posts(self, query=None):
        return schemas.PostOut(many=True).dump(register.find_posts(self.db, _query(schemas.PostQuery(), query)))

    @api
    def post_workload(self, post_id):
        load = routing.workload(self.db, post_id, self.clock.now())
        return schemas.WorkloadOut().dump({**load, "duty_days": len(register.duty_days(self.db, post_id))})

    @api
    def log_duty(self, post_id, payload):
        data = schemas.DutyIn().load(payload)
        return schemas.DutyOut().dump(register.log_duty(self.db, self.policy, self.clock.now(), post_id, data))

    @api
    def list_assignments(self, query=None):
        found = routing.find(self.db, _query(schemas.AssignmentQuery(), query))
        return schemas.AssignmentOut(many=True).dump(found)

    # ---- 管护 facilities -----------------------------------------------------------------
    @api
    def register_facility(self, payload):
        data = schemas.FacilityIn().load(payload)
        return schemas.FacilityOut().dump(facilities.register(self.db, self.clock.now(), data))

    @api
    def get_facility(self, facility_id):
        return schemas.FacilityDetailOut().dump(facilities.detail(self.db, facility_id))

    @api
    def list_facilities(self, query=None):
        found = facilities.find(self.db, _query(schemas.FacilityQuery(), query))
        return schemas.FacilityOut(many=True).dump(found)

    @api
    def name_caretakers(self, facility_id, payload):
        data = schemas.CaretakersIn().load(payload)
        return schemas.FacilityOut().dump(facilities.name_caretakers(self.db, facility_id, data))

    @api
    def add_upkeep_task(self, facility_id, payload):
        data = schemas.TaskIn().load(payload)
        return schemas.TaskOut().dump(facilities.add_task(self.db, facility_id, data))

    @api
    def complete_upkeep_task(self, task_id, payload):
        data = schemas.NoteIn().load(payload)
        return schemas.TaskOut().dump(facilities.complete_task(self.db, self.clock.now(), task_id, data))

    @api
    def report_fault(self, facility_id, payload):
        data = schemas.FaultIn().load(payload)
        return schemas.FaultOut().dump(facilities.report_fault(self.db, self.clock.now(), facility_id, data))

    @api
    def fix_fault(self, fault_id, payload):
        data = schemas.NoteIn().load(payload)
        return schemas.FaultOut().dump(facilities.fix_fault(self.db, self.clock.now(), fault_id, data))

    # ---- 1+10 党员联户 -------------------------------------------------------------------
    @api
    def form_party_group(self, payload):
        data = schemas.GroupIn().load(payload)
        return schemas.GroupOut().dump(linkage.form_group(self.db, data))

    @api
    def elect_hub(self, payload):
        data = schemas.HubIn().load(payload)
        return schemas.HubOut().dump(linkage.elect_hub(self.db, self.clock.now(), data))

    @api
    def link_households(self, hub_id, payload):
        data = schemas.LinkIn().load(payload)
        return schemas.LinkOut(many=True).dump(linkage.link(self.db, self.clock.now(), hub_id, data))

    @api
    def get_hub(self, hub_id):
        return schemas.HubDetailOut().dump({"hub": linkage.get_hub(self.db, hub_id),
                                            "households": linkage.linked_households(self.db, hub_id)})

    @api
    def household_responsible(self, household_id):
        """Who answers for this household: 党支部 → 党小组 → 中心户 and its party member."""
        return schemas.HouseholdResponsibleOut().dump(linkage.responsible_for(self.db, household_id))

    @api
    def linkage_coverage(self, hamlet_id):
        return schemas.CoverageOut().dump(linkage.coverage(self.db, self.policy, hamlet_id))

    @api
    def log_visit(self, hub_id, payload):
        data = schemas.VisitIn().load(payload)
        return schemas.VisitOut().dump(linkage.log_visit(self.db, self.policy, self.clock.now(), hub_id, data))

    @api
    def visits_due(self, hamlet_id):
        return schemas.VisitDueOut(many=True).dump(linkage.visits_due(self.db, self.policy, hamlet_id, self.clock.now()))

    @api
    def party_member_visits(self, party_member_id, query=None):
        data = _query(schemas.VisitQuery(), query)
        found = linkage.visits_of(self.db, party_member_id, data["since"], data["until"])
        return schemas.VisitOut(many=True).dump(found)

    # ---- 人居环境监督 supervision ---------------------------------------------------------
    @api
    def record_inspection(self, payload):
        data = schemas.InspectionIn().load(payload)
        inspection, orders = supervision.inspect(self.db, self.policy, self.clock.now(), data)
        return schemas.InspectionResultOut().dump({"inspection": inspection, "fix_orders": orders})

    @api
    def mark_fixed(self, order_id, payload):
        data = schemas.NoteIn().load(payload)
        return schemas.FixOrderOut().dump(supervision.mark_fixed(self.db, self.policy, self.clock.now(), order_id, data))

    @api
    def recheck_fix_order(self, order_id, payload):
        data = schemas.RecheckIn().load(payload)
        return schemas.FixOrderOut().dump(supervision.recheck(self.db, self.clock.now(), order_id, data))

    @api
    def list_fix_orders(self, query=None):
        found = supervision.find(self.db, _query(schemas.FixOrderQuery(), query), self.clock.now())
        return schemas.FixOrderOut(many=True).dump(found)

    @api
    def rate_environment(self, payload):
        data = schemas.RatingIn().load(payload)
        return schemas.RatingOut().dump(supervision.rate(self.db, self.policy, self.clock.now(), data))

    @api
    def list_ratings(self, query=None):
        found = supervision.find_ratings(self.db, _query(schemas.RatingQuery(), query))
        return schemas.RatingOut(many=True).dump(found)

    # ---- 全民共管 cleaning days and help ----------------------------------------------------
    @api
    def schedule_cleaning_days(self, payload):
        data = schemas.ScheduleIn().load(payload)
        return schemas.DayOut(many=True).dump(everyone.schedule(self.db, self.policy, data))

    @api
    def record_turnout(self, day_id, payload):
        data = schemas.TurnoutIn().load(payload)
        everyone.record_turnout(self.db, self.policy, self.clock.now(), day_id, data)
        return schemas.TurnoutOut().dump(everyone.turnout(self.db, self.policy, day_id))

    @api
    def cleaning_day_turnout(self, day_id):
        return schemas.TurnoutOut().dump(everyone.turnout(self.db, self.policy, day_id))

    @api
    def list_cleaning_days(self, query=None):
        found = everyone.find_days(self.db, _query(schemas.DayQuery(), query))
        return schemas.DayOut(many=True).dump(found)

    @api
    def call_for_help(self, payload):
        data = schemas.HelpCallIn().load(payload)
        return schemas.HelpCallOut().dump(everyone.call(self.db, self.clock.now(), data))

    @api
    def sign_up_to_help(self, call_id, payload):
        data = schemas.SignUpIn().load(payload)
        return schemas.HelpCallOut().dump(everyone.sign_up(self.db, self.clock.now(), call_id, data))

    @api
    def record_help_labour(self, call_id, payload):
        data = schemas.LabourIn().load(payload)
        return schemas.HelpCallOut().dump(everyone.record_labour(self.db, self.policy, self.clock.now(), call_id, data))

    @api
    def close_help_call(self, call_id, payload):
        schemas.ByIn().load(payload)
        return schemas.HelpCallOut().dump(everyone.close_call(self.db, call_id))

    @api
    def list_help_calls(self, query=None):
        return schemas.HelpCallOut(many=True).dump(everyone.find_calls(self.db, _query(schemas.CallQuery(), query)))

    # ---- 矛盾纠纷调解 mediation (parties and mediators only) ----------------------------------
    @api
    def open_mediation(self, payload):
        data = schemas.CaseIn().load(payload)
        return schemas.CaseOut().dump(mediation.open_case(self.db, self.clock.now(), data))

    @api
    def refer_mediation(self, case_id, payload):
        data = schemas.ReferIn().load(payload)
        return schemas.CaseOut().dump(mediation.refer(self.db, self.clock.now(), case_id, data))

    @api
    def conclude_mediation(self, case_id, payload):
        data = schemas.ConcludeIn().load(payload)
        return schemas.CaseOut().dump(mediation.conclude(self.db, self.clock.now(), case_id, data))

    @api
    def get_mediation(self, case_id, query=None):
        data = _query(schemas.ViewerQuery(), query)
        return schemas.CaseOut().dump(mediation.get(self.db, case_id, data["viewer"]))

    @api
    def list_mediations(self, query=None):
        data = _query(schemas.CaseQuery(), query)
        return schemas.CaseOut(many=True).dump(mediation.find(self.db, data["village_id"], data["viewer"]))

    # ---- the operator's view of a hamlet ---------------------------------------------------
    @api
    def hamlet_overview(self, hamlet_id):
        return schemas.HamletOut().dump(overview.hamlet(self.db, self.policy, hamlet_id, self.clock.now()))

    @api
    def hamlet_participation(self, hamlet_id):
        return schemas.ParticipationOut().dump(participation.hamlet_view(self.db, self.policy, hamlet_id,
                                                                         self.clock.now()))
