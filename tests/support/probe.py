"""A consumer service used to prove delivery guarantees: it counts what it applies.

``Applied`` rows are the effect; a unique key on (event_id) would hide a double effect, so
there is none: a second application would show as a second row.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import make_base
from services.kernel.nameko_ext import Database, api, on_event

Base = make_base()

FAIL_MARK = "fail-always"
FAIL_ONCE_MARK = "fail-until-told"


class Applied(Base):
    __tablename__ = "probe_applied"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    deed_code: Mapped[str] = mapped_column(String(64))


class Switch(Base):
    __tablename__ = "probe_switch"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)


class ProbeService:
    name = "probe"
    db = Database(metadata=Base.metadata)

    @on_event("good_deed.verified")
    def apply(self, event):
        code = event.data["deed_code"]
        if code == FAIL_MARK:
            raise RuntimeError("the probe refuses this deed")
        if code == FAIL_ONCE_MARK and self.db.get(Switch, "healed") is None:
            raise RuntimeError("the probe is not healed yet")
        if code.startswith("slow"):
            import time
            time.sleep(0.05)
        self.db.add(Applied(event_id=event.id, deed_code=code))

    @api
    def heal(self):
        self.db.add(Switch(name="healed"))

    @api
    def applied(self):
        rows = self.db.execute(select(Applied.event_id, func.count()).group_by(Applied.event_id)).all()
        return {event_id: count for event_id, count in rows}
