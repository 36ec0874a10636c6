"""Who may do what in contributions, beyond the route's roles (services.kernel.identity).

- 出资: money from a grant (向上争一点) or a sponsor (能人帮一点) is recorded by town staff.
- 花名册: a roster is imported by a cadre of the village(s) its rows name.
- Personal data: a household's residents, their relations (the 1+10 links) and party
  categories are for the household itself and for the cadres and supervisors of its village.
- Personal numbers (身份证号, 联系电话) are shown masked (``420***********003X``,
  ``138****1111``) except: the household itself sees its own numbers whole; its village's
  cadres see the phone whole (to reach the household), the 身份证号 masked. Supervisors, a
  hub household, anyone else and the platform's own calls see masks (or, per the rule above,
  no residents at all). Numbers are never in events, logs, exports or the board.
A call without a Principal is the platform's own (the gateway always sends one).
"""
from __future__ import annotations

from services.kernel.identity import (SUPERVISOR, TOWN_STAFF, VILLAGE_CADRE, Forbidden, Principal,
                                      require)


TOWN_MONEY = ("grant", "sponsor")
PERSONAL = ("residents", "linked_household_ids", "hub_household_id", "party_member")


def record(actor: Principal | None, data: dict) -> None:
    if actor is None:
        return
    if data.get("kind") == "money" and data.get("source") in TOWN_MONEY and actor.role != TOWN_STAFF:
        raise Forbidden({"message": "上级补助和能人捐资由镇干部登记 (grant and sponsor money is recorded by town staff)",
                         "role": actor.role, "allowed_roles": [TOWN_STAFF]})


def import_roster(actor: Principal | None) -> None:
    if actor is None:
        return
    require(actor, roles=(VILLAGE_CADRE,), what="导入花名册")


def roster_villages(actor: Principal | None):
    """The check a roster import runs on the villages its file names, before writing."""
    def check(villages: list[str]) -> None:
        outside = sorted(v for v in villages if actor is not None and not actor.covers({"village": v}))
        if outside:
            raise Forbidden({"message": f"花名册含本村以外的村：{', '.join(outside)} (rows of other villages)",
                             "villages": outside})
    return check


def private_view(actor: Principal | None, view: dict) -> dict:
    """The household as this caller may see it: personal fields only for the household itself
    and its village's cadres and supervisors."""
    if actor is None or _may_see_private(actor, view):
        return view
    return {k: v for k, v in view.items() if k not in PERSONAL}


ID_NUMBER, PHONE = "id_number", "phone"


def revealed(actor: Principal | None, view: dict) -> frozenset[str]:
    """Which personal numbers of this household the caller sees whole (see the module's rule)."""
    if actor is None or "residents" not in view:
        return frozenset()
    own = (view.get("household_id") == actor.own_household
           or (view.get("household_id") in actor.ids("household") and actor.role != "hub_household"))
    if own:
        return frozenset({ID_NUMBER, PHONE})
    if actor.role == VILLAGE_CADRE and actor.covers({"village": view.get("village_id")}):
        return frozenset({PHONE})
    return frozenset()


def _may_see_private(actor: Principal, view: dict) -> bool:
    if view.get("household_id") in actor.ids("household") and actor.role != "hub_household":
        return True
    if view.get("household_id") == actor.own_household:
        return True
    return actor.role in (VILLAGE_CADRE, SUPERVISOR) and actor.covers({"village": view.get("village_id")})
