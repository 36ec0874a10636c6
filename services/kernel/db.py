"""Database plumbing: engines, the per-service declarative base, and the kernel's own tables.

Each service owns one database. Its models subclass the ``Base`` that :func:`make_base`
returns; the kernel's tables (outbox, processed events) live in ``kernel_metadata`` and are
created by every service's migrations beside its own.
"""
from __future__ import annotations

import io
import threading
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import (Column, DateTime, Index, Integer, MetaData, String, Table, Text,
                        create_engine, event, select)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .errors import KINDS, NotFound, invalid

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


kernel_metadata = MetaData(naming_convention=NAMING)

outbox_table = Table(
    "kernel_outbox", kernel_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("event_type", String(128), nullable=False),
    Column("exchange", String(128), nullable=False),
    Column("routing_key", String(128), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
)
# The relay's next rows, through an index of the unpublished rows only: confirmed rows kept for
# a while (OUTBOX_RETENTION_HOURS) never slow the search for the next ones. (No index on
# published_at itself: the planner took it, then sorted; pruning scans once a minute instead.)
PENDING_ONLY = outbox_table.c.published_at.is_(None)
Index("ix_kernel_outbox_pending", outbox_table.c.id,
      postgresql_where=PENDING_ONLY, sqlite_where=PENDING_ONLY)

processed_table = Table(
    "kernel_processed_events", kernel_metadata,
    Column("event_id", String(64), primary_key=True),
    Column("consumer", String(200), primary_key=True),
    Column("event_type", String(128), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, default=utcnow),
)


requests_table = Table(
    "kernel_requests", kernel_metadata,
    # "key:<Idempotency-Key>:<method>" for a client's key, "rpc:<correlation id>" for a broker
    # redelivery of the same request message
    Column("request_key", String(300), primary_key=True),
    Column("method", String(200), nullable=False),
    Column("digest", String(64), nullable=True),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow, index=True),
)


def make_base():
    """A fresh declarative base for one service's models."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING)

    return Base


def normalise_url(url: str) -> str:
    """PostgreSQL always goes through pg8000: pure Python, so eventlet can green its socket."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "pg8000":
        parsed = parsed.set(drivername="postgresql+pg8000")
    return parsed.render_as_string(hide_password=False)


SQLITE_WRITE_WAIT = 30.0  # seconds, like SQLite's own busy timeout
_WRITES = {"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"}


def _serialise_sqlite_writers(engine: Engine) -> None:
    """One writing transaction at a time, waited for in Python rather than inside SQLite.

    SQLite's busy timeout sleeps in C: under eventlet it freezes every green thread of the
    process — the outbox relay included — for as long as another worker holds the write lock
    (say, while it waits on an RPC). A green semaphore makes the other writers yield instead.
    """
    lock = threading.Semaphore(1)

    def release(conn):
        if conn.info.pop("cocreate_write_lock", False):
            lock.release()

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn, cursor, statement, parameters, context, executemany):
        if conn.info.get("cocreate_write_lock"):
            return
        words = statement.lstrip().split(None, 1)
        if words and words[0].upper() in _WRITES:
            if not lock.acquire(timeout=SQLITE_WRITE_WAIT):
                raise TimeoutError(f"database is locked: no write turn within {SQLITE_WRITE_WAIT}s")
            conn.info["cocreate_write_lock"] = True

    event.listen(engine, "commit", release)
    event.listen(engine, "rollback", release)

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_conn, record):  # a connection given back mid-transaction
        if record.info.pop("cocreate_write_lock", False):
            lock.release()


def _savepoints_inside_transactions(engine: Engine) -> None:
    """A SAVEPOINT (``session.begin_nested()``) always nests in the session's transaction.

    The sqlite3 driver opens a transaction only before its first INSERT/UPDATE/DELETE. A
    SAVEPOINT before any of them opened one of its own, and its RELEASE committed it there and
    then: a rating sheet's points were committed even when the sheet then failed, and every such
    RELEASE was a commit of its own (an fsync). The driver's transaction is begun first instead.
    """
    @event.listens_for(engine, "before_cursor_execute")
    def _begin_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SAVEPOINT") and not conn.connection.dbapi_connection.in_transaction:
            cursor.execute("BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets the outbox relay read while a worker writes; FKs are off by default.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        _serialise_sqlite_writers(engine)
        _savepoints_inside_transactions(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        # Many rows in one INSERT ... VALUES (...), (...) (pages of 1,000, under PostgreSQL's
        # parameter limit) where pg8000 would otherwise send one statement per row: the outbox's
        # emit_many, points and ledger entries written in bulk.
        engine.dialect.use_insertmanyvalues_wo_returning = True
        if engine.dialect.driver == "pg8000":
            _remember_pg8000_statements()
    return engine


_STATEMENT_CACHE_MAX_CHARS = 20_000


def _remember_pg8000_statements() -> None:
    """pg8000 rewrites each statement's ``%s`` into ``$1``... by walking its text character by
    character in Python, on every execution: ~1 ms for a typical ORM statement, the largest single
    cost of the quarter's services on PostgreSQL. SQLAlchemy sends the same few hundred texts
    over and over, so the rewrite of each (for the positional styles, where it depends on the
    text alone) is remembered; long one-off texts are rewritten as before."""
    import functools

    import pg8000.dbapi
    import pg8000.legacy

    original = pg8000.dbapi.convert_paramstyle
    if getattr(original, "remembers", False):
        return

    @functools.lru_cache(maxsize=1024)
    def rewritten(style: str, query: str) -> str:
        return original(style, query, ())[0]

    def convert_paramstyle(style, query, args):
        if style in ("format", "numeric", "qmark") and len(query) <= _STATEMENT_CACHE_MAX_CHARS:
            return rewritten(style, query), args
        return original(style, query, args)

    convert_paramstyle.remembers = True
    convert_paramstyle.original = original
    convert_paramstyle.cache_info = rewritten.cache_info
    pg8000.dbapi.convert_paramstyle = convert_paramstyle
    pg8000.legacy.convert_paramstyle = convert_paramstyle


WROTE_KEY = "cocreate_wrote"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that remember whether they wrote anything (``wrote(session)``): the RPC layer
    stores a request's answer only when it had an effect."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)

    @event.listens_for(factory, "after_flush")
    def _flushed(session, _context):
        session.info[WROTE_KEY] = True

    @event.listens_for(factory, "do_orm_execute")
    def _executed(state):
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[WROTE_KEY] = True

    @event.listens_for(factory, "after_commit")
    @event.listens_for(factory, "after_rollback")
    def _ended(session):
        session.info.pop(WROTE_KEY, None)

    return factory


def wrote(session: Session) -> bool:
    return bool(session.info.get(WROTE_KEY))


def get_or_404(session: Session, model, ident, kind: str, *, lock: bool = False, refresh: bool = False):
    """The row with primary key ``ident``, or NotFound naming it. ``lock`` takes it FOR UPDATE
    (on PostgreSQL); ``lock`` and ``refresh`` re-read it rather than trust the session's copy."""
    row = None if ident is None else session.get(
        model, ident, populate_existing=lock or refresh, with_for_update=True if lock else None)
    if row is None:
        raise NotFound.of(kind, ident)
    return row


def insert_rows(session: Session, table, rows: list[dict], batch: int = 1000) -> None:
    """Many new rows of one table, fast on both databases. Rows may leave out columns (stored
    NULL, or their Python-side default when no row names the column).

    SQLite gets one executemany (its C driver loops). PostgreSQL gets one ``COPY`` per call:
    pg8000 is pure Python and rewrites a statement's text character by character, and SQLAlchemy
    compiles a multi-row INSERT ... VALUES anew for each size, a bind parameter per value (the
    county quarter spent more CPU there than in all its own work). Each value goes through its
    column type's bind processing first (money to fen, JSON to text), exactly as an INSERT would
    send it; a table or value COPY's text format cannot carry takes a multi-row INSERT per
    ``batch`` instead. A constraint violated raises SQLAlchemy's IntegrityError either way.
    Pending ORM objects are flushed first (parents before their children)."""
    if not rows:
        return
    table = getattr(table, "__table__", table)
    keys = set().union(*rows)
    rows = [row if len(row) == len(keys) else {k: row.get(k) for k in keys} for row in rows]
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(table.insert(), rows)
        return
    if bind.dialect.driver == "pg8000" and _copy(session, bind.dialect, table, keys, rows):
        return
    for start in range(0, len(rows), batch):
        session.execute(table.insert().values(rows[start:start + batch]))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str | None:
    """A value in COPY's text format, or None when COPY cannot carry it as such."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return None


def _copy(session: Session, dialect, table, keys: set, rows: list[dict]) -> bool:
    """``COPY table FROM STDIN`` of ``rows``; False (nothing done) where COPY cannot carry them."""
    columns, fill = [], {}
    for column in table.columns:
        if column.name in keys:
            columns.append(column)
        elif column.default is not None:  # the INSERT would compute it: only a constant here
            if not column.default.is_scalar:
                return False
            fill[column.name] = column.default.arg
    columns += [table.columns[name] for name in fill]
    processors = [column.type._cached_bind_processor(dialect) for column in columns]
    names = [column.name for column in columns]
    lines = []
    for row in rows:
        texts = []
        for name, process in zip(names, processors):
            value = row[name] if name in row else fill[name]
            text = _copy_text(process(value) if process is not None else value)
            if text is None:
                return False
            texts.append(text)
        lines.append("\t".join(texts))
    session.flush()
    preparer = dialect.identifier_preparer
    statement = (f"COPY {preparer.format_table(table)} ({', '.join(preparer.quote(n) for n in names)}) "
                 "FROM STDIN")
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(statement, stream=io.BytesIO(("\n".join(lines) + "\n").encode()))
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy would raise it (IntegrityError...)
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()
    return True


def one_of(session: Session, column, keys: list):
    """``column IN keys`` for many keys: on PostgreSQL ``= ANY(array)``, one parameter rather
    than one per key (pg8000 rewrites the SQL text character by character per statement)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY
        return column == any_(bindparam(None, list(keys), type_=ARRAY(column.type)))
    return column.in_(list(keys))


def upsert_many(session: Session, model, key: str, rows: list[dict]) -> dict:
    """A read model fed by a batch event: the stored rows in one query, the changed attributes
    set, the new rows added, and no flush until the caller's (not one per row). Returns the
    objects by ``key``."""
    column = getattr(model, key)
    found: dict = {}
    keys = sorted({row[key] for row in rows})
    for start in range(0, len(keys), 500):
        for obj in session.scalars(select(model).where(column.in_(keys[start:start + 500]))):
            found[getattr(obj, key)] = obj
    with session.no_autoflush:
        for row in rows:
            obj = found.get(row[key])
            if obj is None:
                obj = found[row[key]] = model(**row)
                session.add(obj)
            else:
                for name, value in row.items():
                    if getattr(obj, name) != value:
                        setattr(obj, name, value)
    return found


def known(session: Session, model, ident, field: str, kind: str):
    """The row an id in a command names, or a 400 naming the field: a command may only refer to
    what exists (a household, resident, hamlet or village on the roster)."""
    row = None if ident is None else session.get(model, ident)
    if row is None:
        name = KINDS.get(kind, kind)
        raise invalid(field, f"{name} {ident} 不存在（花名册上没有这个{name}）")
    return row


def listing(session: Session, model, query: dict, filters, newest_first, stmt=None) -> list:
    """A page (``query["limit"]``, ``query["offset"]``) of ``model`` rows equal to each given
    filter of ``query``, newest first, then by id."""
    stmt = select(model) if stmt is None else stmt
    for name in filters:
        if query.get(name) is not None:
            stmt = stmt.where(getattr(model, name) == query[name])
    stmt = stmt.order_by(newest_first.desc(), model.id)
    return list(session.scalars(stmt.limit(query["limit"]).offset(query["offset"])))


def create_all(engine: Engine, *metadatas: MetaData) -> None:
    """Tests and tools only: services create their schema through Alembic migrations."""
    for metadata in (kernel_metadata, *metadatas):
        metadata.create_all(engine)
