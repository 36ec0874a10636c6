"""Who may do what in proposals, beyond the route's roles (services.kernel.identity).

- 定: a meeting's attendance and its votes' tallies are recorded by a cadre of the meeting's
  village, checked before the request is even read.
A call without a Principal is the platform's own (the gateway always sends one).
"""
from __future__ import annotations

from services.kernel.identity import VILLAGE_CADRE, Principal, require


def tally(actor: Principal | None, meeting) -> None:
    if actor is None:
        return
    require(actor, {"village": meeting.village_id}, roles=(VILLAGE_CADRE,), what="登记表决结果")
