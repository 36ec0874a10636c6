import json

from sqlalchemy import select

from services.kernel.db import outbox_table


def emitted(session, name):
    rows = session.execute(select(outbox_table.c.body).where(outbox_table.c.event_type == name)
                           .order_by(outbox_table.c.id)).scalars()
    return [json.loads(body)["data"] for body in rows]
