"""四出共建 the contributions service: nameko entrypoints only; the logic is in the domain modules."""
from __future__ import annotations

import base64
import binascii
import logging

from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy

from services.kernel import batches
from services.kernel.errors import ValidationFailed
from services.kernel.nameko_ext import Caller, Clock, Database, Policy, api, on_event

from . import (actors, demolitions, exports, funding, identity, ledger, participation, projects,
               recording, roster, roster_views, schemas, views)

log = logging.getLogger(__name__)


class PersonalDataVault(DependencyProvider):
    """The 身份证号/phone key, loaded when the container starts: production without
    COCREATE_PII_KEY stops here with a clear message, not at the first roster import."""

    def setup(self):
        from services.kernel import config as kconfig
        self.loaded = identity.vault(kconfig.data_dir(self.container.config))

    def get_dependency(self, worker_ctx):
        return self.loaded


class ContributionsService:
    name = "contributions"
    places = staticmethod(roster.places)  # for the scope guard (kernel Api)
    caller = Caller()  # who asks (services.kernel.identity); None for the platform's own calls
    db = Database()
    policy = Policy()            # the policy port: decide(area, facts), params(area)
    scoring = RpcProxy("scoring")  # points and rankings for the exports
    clock = Clock()
    vault = PersonalDataVault()

    # -- roster 花名册 ---------------------------------------------------------------------

    @api
    def import_roster(self, payload):
        """Import a roster file (CSV text or base64 of a .csv/.xlsx): all rows or none."""
        data = schemas.RosterImportIn().load(payload or {})
        if data["content"] is not None:
            raw = data["content"].encode("utf-8")
        else:
            try:
                raw = base64.b64decode(data["content_base64"], validate=True)
            except (binascii.Error, ValueError):
                raise ValidationFailed.from_messages({"content_base64": ["not base64"]}) from None
        actors.import_roster(self.caller)
        return roster.import_file(self.db, data["filename"], raw, self.clock, self.policy,
                                  options=roster.Options.of(data), apply=not data["check"],
                                  vault=self.vault, may_write_villages=actors.roster_villages(self.caller))

    @api
    def announce_roster(self, payload=None):
        """Announce a village's roster again (``household.registered``), for the services whose
        registers started after it was imported; a cadre of the village, or the platform."""
        data = schemas.AnnounceIn().load(payload or {})
        actors.import_roster(self.caller)
        actors.roster_villages(self.caller)([data["village_id"]])
        return {"village_id": data["village_id"], "households_announced": roster.announce(self.db, data["village_id"])}

    @api
    def get_household(self, household_id):
        view = actors.private_view(self.caller, schemas.HouseholdOut().dump(
            roster_views.household_view(self.db, household_id)))
        return roster_views.reveal(self.db, self.vault, view, actors.revealed(self.caller, view))

    @api
    def list_households(self, query=None):
        q = schemas.HouseholdQuery().load(query or {})
        return [actors.private_view(self.caller, h)
                for h in roster_views.list_households(self.db, q["hamlet_id"], q["limit"], q["offset"], self.caller)]

    @api
    def get_hamlet(self, hamlet_id):
        return schemas.HamletOut().dump(roster_views.hamlet_view(self.db, hamlet_id))

    @api
    def export_table(self, kind, query=None):
        """A table for the paper board or the county: households, contributions or accounts."""
        q = schemas.ExportQuery().load(query or {})
        return exports.table(self.db, kind, q["village_id"], scoring=self.scoring, period=q["period"])

    # -- ledger 四出 -------------------------------------------------------------------------

    @api(actor={"recorded_by": "subject"})
    def record_contribution(self, payload):
        data = schemas.ContributionIn().load(payload or {})
        actors.record(self.caller, data)
        return views.entry(self.db, recording.record(self.db, self.policy, self.clock.now(), data))

    @api(actor={"recorded_by": "subject"})
    def record_batch(self, payload):
        """A work day's labour list or a month's contributions in one command: all rows or none."""
        schema = schemas.BatchIn()
        data = schema.load(payload or {})
        rows, lines = data["entries"], None
        if rows is None:
            rows, lines = batches.uploaded_rows(data["filename"], data["content_base64"], schemas.BATCH_COLUMNS)
        rows = batches.load_rows(schemas.ContributionIn(), rows, "entries", lines, extra=schema.common(data))
        for row in rows:
            actors.record(self.caller, row)
        return recording.record_batch(self.db, self.policy, self.clock.now(), rows, lines, data["recorded_by"])

    @api(actor={"recorded_by": "subject"})
    def reverse_contribution(self, entry_id, payload=None):
        data = schemas.ReversalIn().load(payload or {})
        return views.entry(self.db, recording.reverse(self.db, self.policy, self.clock.now(), entry_id,
                                                      data["reason"], data["recorded_by"]))

    @api
    def get_contribution(self, entry_id):
        return views.entry(self.db, ledger.get(self.db, entry_id))

    @api
    def list_contributions(self, query=None):
        return views.entries(self.db, schemas.ContributionQuery().load(query or {}), self.caller)

    @api
    def contribution_totals(self, query=None):
        return exports.totals(self.db, schemas.TotalsQuery().load(query or {}))

    # -- projects and funding 出资 -------------------------------------------------------------

    @api
    def register_project(self, payload):
        data = schemas.ProjectIn().load(payload or {})
        project = projects.register_project(self.db, self.clock.now(), data)
        return projects.progress(self.db, project.id)

    @api
    def get_project(self, project_id):
        return projects.progress(self.db, project_id)

    @api
    def list_projects(self, query=None):
        return projects.listing(self.db, schemas.ProjectQuery().load(query or {}))

    @api
    def open_funding_round(self, payload):
        data = schemas.RoundIn().load(payload or {})
        funding_round = funding.open_round(self.db, self.clock.now(), data)
        return funding.round_view(self.db, funding_round.id)

    @api
    def get_funding_round(self, round_id):
        return funding.round_view(self.db, round_id)

    @api
    def submit_funding_request(self, round_id, payload):
        data = schemas.FundingRequestIn().load(payload or {})
        return funding.request_view(funding.submit_request(self.db, self.clock.now(), round_id, data))

    @api
    def close_funding_round(self, round_id, payload=None):
        data = schemas.CloseRoundIn().load(payload or {})
        funding.close_round(self.db, self.policy, self.clock.now(), round_id, data["override"])
        return funding.round_view(self.db, round_id)

    @on_event("funding_round.allocated")
    def on_funding_round_allocated(self, event):
        """参与优先: the rules service ranked the round; apply its money."""
        funding.apply_allocation(self.db, self.policy, self.clock.now(), event.data)

    # -- participation 参与率 ------------------------------------------------------------------

    @api
    def get_participation(self, hamlet_id, query=None):
        q = schemas.ParticipationQuery().load(query or {})
        return schemas.ParticipationOut().dump(
            participation.view(self.db, self.policy, hamlet_id, q["period"], self.clock.now()))

    @on_event("meeting.held")
    def on_meeting_held(self, event):
        participation.attendance_event(self.db, self.policy, "meeting", event.data)

    @on_event("co_management.counted")
    def on_co_management_counted(self, event):
        participation.co_management_counted(self.db, self.policy, event.data)

    @on_event("motion.urgency_changed")
    def on_motion_urgency_changed(self, event):
        funding.urgency_changed(self.db, event.data)

    @on_event("activity.held")
    def on_activity_held(self, event):
        participation.attendance_event(self.db, self.policy, "activity", event.data)

    # -- demolitions 四个一律 --------------------------------------------------------------------

    @api(actor={"recorded_by": "subject"})
    def register_demolition(self, payload):
        data = schemas.DemolitionIn().load(payload or {})
        demolition, _salvage = demolitions.register(self.db, self.policy, self.clock.now(), data)
        return views.demolition(self.db, demolition)

    @api
    def get_demolition(self, demolition_id):
        return views.demolition(self.db, demolitions.get(self.db, demolition_id))

    @api
    def list_demolitions(self, query=None):
        q = schemas.HamletFilter().load(query or {})
        return [views.demolition(self.db, d) for d in demolitions.listing(
            self.db, q["hamlet_id"], limit=q["limit"], offset=q["offset"])]

    @api
    def claim_compensation(self, demolition_id, payload=None):
        """Always answered by the demolition rule's refusal (PolicyRefused, HTTP 422)."""
        data = schemas.CompensationIn().load(payload or {})
        demolitions.claim_compensation(self.db, self.policy, demolition_id, data)

    @api(actor={"listed_by": "subject"})
    def list_structure(self, payload):
        data = schemas.StructureIn().load(payload or {})
        return schemas.StructureOut().dump(demolitions.list_structure(self.db, self.policy, self.clock.now(), data))

    @api
    def get_structure(self, structure_id):
        return schemas.StructureOut().dump(demolitions.get_structure(self.db, structure_id))

    @api
    def list_structures(self, query=None):
        q = schemas.StructureQuery().load(query or {})
        return schemas.StructureOut(many=True).dump(demolitions.structures(self.db, q, self.caller))

    @api(actor={"assigned_by": "subject"})
    def assign_parcel(self, parcel_id, payload):
        data = schemas.ParcelAssignIn().load(payload or {})
        return schemas.ParcelOut().dump(demolitions.assign_parcel(self.db, self.clock.now(), parcel_id, data))

    @api
    def list_parcels(self, query=None):
        q = schemas.HamletFilter().load(query or {})
        return schemas.ParcelOut(many=True).dump(demolitions.parcels(self.db, q["hamlet_id"], limit=q["limit"], offset=q["offset"]))
