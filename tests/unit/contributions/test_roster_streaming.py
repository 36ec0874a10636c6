"""A county roster is streamed: read row by row, staged on disk, written in batches.

Structural, not timed: every row the reader yields is a weakly referenced object, and the
importer must have let go of all but the last couple of rows whenever the reader is asked for the
next one; the writes come in one batch per 1,000 households. (Speed and memory are measured in
``bench/roster_import.py``.)"""
from __future__ import annotations

import csv
import gc
import io
import weakref

from sqlalchemy import event, func, select

from services.contributions import models, roster, roster_stage
from services.kernel import spreadsheet

from tests.support.rosters import HEADERS, county

OPTIONS = roster.Options(town_id="t-xx", village_id="v-big", town_name="xx镇", village_name="大村")
HOUSEHOLDS = 2500


class Cell(str):
    """A cell's text that can be watched (a plain str cannot be weakly referenced)."""


def big_roster() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["大村农户花名册"])
    writer.writerow(HEADERS)
    for index, h in enumerate(county(HOUSEHOLDS, hamlets=6), start=1):
        writer.writerow([index, h.hamlet, h.name, h.sex, h.id_number, h.size, h.party, h.category, h.phone, h.note])
    return out.getvalue().encode()


def test_rows_are_read_lazily_and_none_is_kept(session, clock, policy, monkeypatch):
    """No cell text the reader yields outlives the staging store's small write buffer: a
    checker that kept names, notes or ids per row (a plan of dicts) would keep them all."""
    monkeypatch.setattr(roster_stage, "FLUSH", 100)
    read = spreadsheet.rows
    watched: list[list[weakref.ref]] = []  # per row, its cells
    most_alive = 0

    def alive() -> int:
        return sum(any(ref() is not None for ref in cells) for cells in watched)

    def watching(source):
        nonlocal most_alive
        for line, values in read(source):
            if len(watched) % 100 == 0:
                most_alive = max(most_alive, alive())  # (reference counting frees rows at once)
            row = [Cell(v) for v in values]
            watched.append([weakref.ref(c) for c in row])
            yield line, row

    monkeypatch.setattr(spreadsheet, "rows", watching)
    result = roster.import_file(session, "大村.csv", big_roster(), clock, policy, options=OPTIONS)
    session.commit()
    assert result["created"]["households"] == HOUSEHOLDS
    assert len(watched) == HOUSEHOLDS + 2  # the reader was read to the end, once
    # the rows of the header search, one write buffer, the row in hand: not 2,500 rows
    assert most_alive <= roster.HEADER_SEARCH_ROWS + 100 + 2, most_alive
    gc.collect()
    # afterwards only what the report names: the first row of each way of writing a 组别 (6 here)
    assert alive() <= 6, alive()
    # what was read went to the staging store and came back from it: every household is stored
    assert session.scalar(select(func.count()).select_from(models.Household)) == HOUSEHOLDS


def test_households_and_residents_are_written_in_batches(engine, session, clock, policy):
    writes: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT INTO HOUSEHOLD ", "INSERT INTO RESIDENT ")):
            writes.append(statement.split()[2].lower())

    try:
        roster.import_file(session, "大村.csv", big_roster(), clock, policy, options=OPTIONS)
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", _seen)
    batches = -(-HOUSEHOLDS // roster.BATCH)
    assert writes.count("household") == batches and writes.count("resident") == batches, writes


def test_the_staging_store_is_gone_after_the_import(session, clock, policy, monkeypatch):
    stages = []
    original = roster.Stage

    def recording():
        stage = original()
        stages.append(stage)
        return stage

    monkeypatch.setattr(roster, "Stage", recording)
    roster.import_file(session, "大村.csv", big_roster(), clock, policy, options=OPTIONS, apply=False)
    assert len(stages) == 1
    try:
        stages[0].db.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001  sqlite3.ProgrammingError: closed
        assert "closed" in str(exc)
    else:
        raise AssertionError("the staging store is still open")
