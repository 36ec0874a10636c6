"""IdentityService "identity": API tokens and the geography their scopes resolve against.

Why a service of its own: tokens must be stored, and the gateway gets no database credentials.
Putting them in a domain service (say notifications) would give that service the power to mint
any identity and tie its uptime to every request; here the only table that can say who someone
is lives behind four RPCs. The gateway calls ``verify_token`` (with a cache of a second or two)
and ``resolve`` (for OIDC principals). Issuing and revoking are the operators' ``cocreate tokens``
commands, never HTTP routes.
"""
from __future__ import annotations

from services.kernel.clock import SystemClock
from services.kernel.errors import ValidationFailed
from services.kernel.identity import Principal
from services.kernel.nameko_ext import Database, api, on_event

from . import places, tokens


class IdentityService:
    name = "identity"
    db = Database()
    clock = SystemClock()  # tests swap in a FixedClock

    @on_event("household.registered")
    def on_household_registered(self, event):
        places.household_registered(self.db, event.data)

    @on_event("households.registered")
    def on_households_registered(self, event):
        places.households_registered(self.db, event.data)

    @api
    def issue_token(self, payload):
        payload = payload or {}
        row, token = tokens.issue(self.db, payload.get("name"), payload.get("role"), payload.get("scopes") or [],
                                  payload.get("expires_days", 365), self.clock.now(), payload.get("home"))
        return {**tokens.view(row, self.clock.now()), "token": token}

    @api
    def list_tokens(self):
        now = self.clock.now()
        return [tokens.view(row, now) for row in tokens.list_all(self.db)]

    @api
    def revoke_token(self, token_id):
        return tokens.view(tokens.revoke(self.db, token_id, self.clock.now()), self.clock.now())

    @api
    def verify_token(self, token):
        return tokens.verify(self.db, token, self.clock.now()).to_dict()

    @api
    def resolve(self, principal):
        try:
            parsed = Principal.from_dict(principal)
        except (KeyError, ValueError, TypeError) as exc:
            raise ValidationFailed.from_messages({"principal": [str(exc)]}) from None
        return places.resolve(self.db, parsed).to_dict()
