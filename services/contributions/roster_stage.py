"""The staging store of a roster import: the file's checked rows on disk, not in Python.

Pass 1 of an import reads the file row by row, checks each row alone and spills it here; the
checks that need several rows (the same resident twice, a household's hamlet and hub on every
row, one head per household, hubs that are party households) are SQL over this table, and pass 2
streams the households back in batches to write them. It is a private temporary SQLite database
(SQLite deletes it when the connection closes; its page cache is bounded), so an import's memory
does not grow with the roster. Rows hold no ID or phone number in clear: only their keyed hashes,
masks and the vault's ciphertexts.
"""
from __future__ import annotations

import sqlite3
from typing import Iterator

# one staged row = one resident, in file order (line = the row as Excel numbers it)
ROW_COLUMNS = ("line", "household_id", "resident_id", "hamlet_id", "hub", "size", "note", "name",
               "is_head", "party", "category", "cadre", "sex", "digest", "id_masked", "id_enc",
               "phone_hash", "phone_masked", "phone_enc")
# what pass 2 reads of a resident (household_id first), in this order
RESIDENT = ("household_id", "name", "is_head", "party", "category", "cadre", "sex", "digest",
            "id_masked", "id_enc", "phone_hash", "phone_masked", "phone_enc", "line", "resident_id")
FLUSH = 2000


class Stage:
    def __init__(self):
        # "" = a private on-disk temporary database, removed when closed
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4000;
            PRAGMA temp_store=FILE;
            BEGIN;
            CREATE TABLE rows (line INTEGER PRIMARY KEY, household_id TEXT NOT NULL,
                resident_id TEXT NOT NULL, hamlet_id TEXT NOT NULL, hub TEXT, size INTEGER, note TEXT,
                name TEXT NOT NULL, is_head INTEGER NOT NULL, party INTEGER NOT NULL, category TEXT,
                cadre INTEGER NOT NULL, sex TEXT, digest TEXT, id_masked TEXT, id_enc TEXT,
                phone_hash TEXT, phone_masked TEXT, phone_enc TEXT, dup INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE people (digest TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID;
        """)
        self.pending: list[tuple] = []
        self.staged = 0

    def close(self) -> None:
        self.db.close()

    # -- pass 1 ---------------------------------------------------------------------------------

    def first_line_of_person(self, digest: str, line: int) -> int | None:
        """The line an ID number was first met on, or None (and it is remembered at ``line``)."""
        if self.db.execute("INSERT OR IGNORE INTO people VALUES (?, ?)", (digest, line)).rowcount:
            return None
        return self.db.execute("SELECT line FROM people WHERE digest = ?", (digest,)).fetchone()[0]

    def add(self, row: tuple) -> None:
        self.pending.append(row)
        self.staged += 1
        if len(self.pending) >= FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            marks = ",".join("?" * len(ROW_COLUMNS))
            self.db.executemany(f"INSERT INTO rows ({','.join(ROW_COLUMNS)}) VALUES ({marks})", self.pending)
            self.pending.clear()

    # -- cross-row checks -----------------------------------------------------------------------

    def settle(self) -> None:
        """After pass 1: indexes, later rows of a resident marked, and one row per household."""
        self.flush()
        self._script("""
            DROP TABLE people;
            CREATE INDEX rows_household ON rows (household_id, line);
            CREATE INDEX rows_resident ON rows (resident_id, line);
            CREATE TABLE resident_first AS
                SELECT resident_id, MIN(line) AS first FROM rows GROUP BY resident_id HAVING COUNT(*) > 1;
            UPDATE rows SET dup = 1 WHERE line > coalesce(
                (SELECT first FROM resident_first f WHERE f.resident_id = rows.resident_id), line);
            CREATE TABLE households (id TEXT PRIMARY KEY, first INTEGER NOT NULL, hamlet_id TEXT NOT NULL,
                hub TEXT, note TEXT, size INTEGER, head_line INTEGER, party INTEGER NOT NULL);
            INSERT INTO households
                SELECT f.id, f.first, r.hamlet_id, r.hub, r.note,
                    (SELECT s.size FROM rows s WHERE s.household_id = f.id AND s.size IS NOT NULL
                     ORDER BY s.line DESC LIMIT 1),
                    (SELECT MIN(h.line) FROM rows h WHERE h.household_id = f.id AND h.is_head AND NOT h.dup),
                    coalesce((SELECT MAX(p.party) FROM rows p WHERE p.household_id = f.id AND NOT p.dup), 0)
                FROM (SELECT household_id AS id, MIN(line) AS first FROM rows GROUP BY household_id) f
                JOIN rows r ON r.line = f.first;
            CREATE UNIQUE INDEX households_first ON households (first);
            CREATE TABLE stored_hubs (id TEXT PRIMARY KEY, party INTEGER NOT NULL)
        """)

    def _script(self, script: str) -> None:
        # statement by statement: executescript would commit the open transaction first
        for statement in script.split(";"):
            if statement.strip():
                self.db.execute(statement)

    def counts(self) -> tuple[int, int]:
        """(households, residents) the file names."""
        return (self.db.execute("SELECT count(*) FROM households").fetchone()[0],
                self.db.execute("SELECT count(*) FROM rows WHERE NOT dup").fetchone()[0])

    def resident_duplicates(self) -> Iterator[tuple]:
        """(line, resident id, first line) of every later row of a resident."""
        return self.db.execute("""SELECT r.line, r.resident_id, f.first FROM rows r
            JOIN resident_first f ON f.resident_id = r.resident_id WHERE r.line > f.first""")

    def household_disagreements(self, hubs: bool) -> Iterator[tuple]:
        """(line, first line, 'hamlet' | 'hub') where a household's row says other than its first."""
        query = """SELECT r.line, h.first, 'hamlet' FROM rows r JOIN households h ON h.id = r.household_id
                   WHERE r.line != h.first AND r.hamlet_id != h.hamlet_id"""
        if hubs:
            query += """ UNION ALL SELECT r.line, h.first, 'hub' FROM rows r
                   JOIN households h ON h.id = r.household_id
                   WHERE r.line != h.first AND r.hub IS NOT h.hub"""
        return self.db.execute(query + " ORDER BY 1, 3")

    def second_heads(self) -> Iterator[tuple]:
        """(line, the household head's line) of every further head of a household."""
        return self.db.execute("""SELECT r.line, h.head_line FROM rows r JOIN households h
            ON h.id = r.household_id WHERE r.is_head AND NOT r.dup AND r.line != h.head_line""")

    def headless(self) -> Iterator[tuple]:
        return self.db.execute("SELECT first FROM households WHERE head_line IS NULL ORDER BY first")

    def hubs_elsewhere(self) -> Iterator[str]:
        """Hubs the file names but does not list: they must be on the stored roster."""
        for (hub,) in self.db.execute("""SELECT DISTINCT h.hub FROM households h WHERE h.hub IS NOT NULL
                AND h.hub != h.id AND NOT EXISTS (SELECT 1 FROM households o WHERE o.id = h.hub)
                ORDER BY h.hub""").fetchall():
            yield hub

    def stored_hubs(self, found: dict[str, bool]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO stored_hubs VALUES (?, ?)",
                            [(k, int(v)) for k, v in found.items()])

    def hub_problems(self) -> Iterator[tuple]:
        """(line, hub, 'unknown' | 'not_party') for each household whose hub is no party household."""
        return self.db.execute("""SELECT h.first, h.hub,
                CASE WHEN o.id IS NULL AND s.id IS NULL THEN 'unknown' ELSE 'not_party' END
            FROM households h LEFT JOIN households o ON o.id = h.hub LEFT JOIN stored_hubs s ON s.id = h.hub
            WHERE h.hub IS NOT NULL AND h.hub != h.id AND NOT coalesce(o.party, s.party, 0)
            ORDER BY h.first""")

    def people(self, size: int = 500) -> Iterator[list[tuple]]:
        """(digest, resident id, line) of every resident with an ID number, in batches."""
        cursor = self.db.execute("SELECT digest, resident_id, line FROM rows WHERE digest IS NOT NULL AND NOT dup")
        while batch := cursor.fetchmany(size):
            yield batch

    # -- pass 2 ---------------------------------------------------------------------------------

    def households(self, size: int) -> Iterator[tuple[list[tuple], list[tuple]]]:
        """Households in file order, ``size`` at a time: ([(id, hamlet, hub, size, note, head's
        name)], [their residents as RESIDENT, in file order])."""
        after = -1
        while True:
            chunk = self.db.execute("""SELECT h.id, h.hamlet_id, h.hub, h.size, h.note, r.name, h.first
                FROM households h JOIN rows r ON r.line = h.head_line
                WHERE h.first > ? ORDER BY h.first LIMIT ?""", (after, size)).fetchall()
            if not chunk:
                return
            after = chunk[-1][6]
            ids = [c[0] for c in chunk]
            residents = []
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                residents += self.db.execute(
                    f"SELECT {','.join(RESIDENT)} FROM rows WHERE household_id IN ({','.join('?' * len(part))})"
                    " AND NOT dup ORDER BY line", part).fetchall()
            residents.sort(key=lambda r: r[13])
            yield [c[:6] for c in chunk], residents
