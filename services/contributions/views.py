"""What the API shows of ledger entries and demolitions (rows dumped, with their links)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from . import demolitions, ledger, models, schemas


def entry(session: Session, row: models.LedgerEntry) -> dict:
    """An entry with the id of the entry that reversed it, if any."""
    return {**schemas.ContributionOut().dump(row),
            "reversed_by": ledger.reversed_ids(session, [row.id]).get(row.id)}


def entries(session: Session, query: dict, caller=None) -> list[dict]:
    query = dict(query)
    rows = ledger.entries(session, query, query.pop("limit"), query.pop("offset"), caller)
    reversed_by = ledger.reversed_ids(session, [r.id for r in rows])
    return [{**schemas.ContributionOut().dump(r), "reversed_by": reversed_by.get(r.id)} for r in rows]


def demolition(session: Session, row: models.Demolition) -> dict:
    """A demolition with the ledger entries of what was salvaged from it."""
    return {**schemas.DemolitionOut().dump(row), "salvage_entry_ids": demolitions.salvage_of(session, row.id)}
