"""Database engine and the request-scoped session that owns the one transaction of a request."""

from __future__ import annotations

import logging
import select
import threading
import time
import uuid
import weakref
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlmodel import Field, Session, SQLModel
from starlette.concurrency import run_in_threadpool

from app.concurrency import check_if_match
from app.errors import NotFoundError

logger = logging.getLogger("app.db")

# Constraint names are deterministic so that migrations can name what they drop.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A JSON column that is JSONB on PostgreSQL and JSON text on SQLite.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin), so pysqlite must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    # A write request takes SQLite's write lock up front (BEGIN IMMEDIATE): two writers then
    # queue on busy_timeout instead of one failing with "database is locked" half-way through.
    # Straight to the driver: BEGIN returns no rows, and every request of the service sends one,
    # so it skips SQLAlchemy's statement machinery (a tenth of a small read's time).
    immediate = connection.get_execution_options().get(WRITE_TRANSACTION, False)
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("BEGIN on a connection that is closed")
    driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN").close()


WRITE_TRANSACTION = "app_write_transaction"
OUTBOX_QUEUED = "app_outbox_queued"
AFTER_TRANSACTION = "app_after_transaction"

# SQLite has one writer at a time and its busy handler retries with growing sleeps, so under load
# an unlucky request can wait seconds. Write requests of one process queue on a lock instead.
_SQLITE_WRITER_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = (
    weakref.WeakKeyDictionary()
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READS_ONLY = "__app_reads_only__"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def reads_only(endpoint: Endpoint) -> Endpoint:
    """Mark a route whose method is not a read (POST) but that stores nothing (evaluate): its
    transaction is a read one, so it neither waits for nor takes SQLite's write lock."""
    setattr(endpoint, _READS_ONLY, True)
    return endpoint


def is_read_request(request: Request) -> bool:
    """Whether a request only reads: a read method, or a route marked with `reads_only`."""
    return request.method in READ_METHODS or getattr(
        request.scope.get("endpoint"), _READS_ONLY, False
    )


def normalise_url(url: str) -> sa.URL:
    """Parse a database URL; plain ``postgresql://`` and ``postgres://`` mean psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    sa_url = sa.make_url(url)
    if sa_url.drivername == "postgresql":
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    return sa_url


def create_db_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets its folder created and safe pragmas."""
    sa_url = normalise_url(url)
    if sa_url.get_backend_name() == "sqlite":
        database = sa_url.database
        in_memory = database is None or database in ("", ":memory:")
        if database and not in_memory:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Connections are kept, not opened per request: an overflow connection is closed when
        # it comes back, and under load each new one paid for its pragmas (WAL mode among them).
        # The most connections open at once is as before (three times `pool_size`).
        pool: dict[str, int] = {} if in_memory else {"pool_size": pool_size * 3, "max_overflow": 0}
        engine = sa.create_engine(
            sa_url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            **pool,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        _SQLITE_WRITER_LOCKS[engine] = threading.Lock()
        return engine
    # As many connections at most as before (twice `pool_size`), all kept once opened: a
    # PostgreSQL connection takes milliseconds to open, and overflow connections were opened and
    # closed again for every burst of requests. No ping on every checkout: see `_liveness_check`.
    engine = sa.create_engine(sa_url, echo=echo, pool_size=pool_size * 2, max_overflow=0)
    sa.event.listen(engine, "checkin", _note_checkin)
    sa.event.listen(engine, "checkout", _liveness_check(engine.dialect))
    return engine


# A connection back in the pool for longer than this is pinged before it is handed out again.
PING_AFTER_IDLE_SECONDS = 30.0
_CHECKED_IN_AT = "app_checked_in_at"


def _note_checkin(dbapi_connection: Any, record: Any) -> None:
    if dbapi_connection is not None:  # None: the connection was invalidated
        record.info[_CHECKED_IN_AT] = time.monotonic()


def _liveness_check(dialect: sa.Dialect) -> Callable[[Any, Any, Any], None]:
    """The pool's checkout check: hand out only a live connection, without a round trip for one
    just used.

    A ping on every checkout (`pool_pre_ping`) was a round trip of every request. A server that
    ends a connection (a restart, `pg_terminate_backend`, `idle_session_timeout`) tells the
    client and closes the socket, so an idle connection whose socket has something to read is
    dead: that check is a system call. Only a connection idle for long, which a network could
    have dropped silently, is pinged. Raising `DisconnectionError` makes the pool replace the
    connection and try again (SQLAlchemy's "pessimistic" disconnect handling).
    """

    def check_alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is None:  # opened for this checkout
            return
        if _server_has_spoken(dialect, dbapi_connection):
            raise DisconnectionError("the server closed the connection while it was in the pool")
        if time.monotonic() - checked_in_at > PING_AFTER_IDLE_SECONDS:
            try:
                dialect.do_ping(dbapi_connection)
            except dialect.loaded_dbapi.Error as exc:
                raise DisconnectionError("the ping of an idle connection failed") from exc

    return check_alive


def _server_has_spoken(dialect: sa.Dialect, dbapi_connection: Any) -> bool:
    """Whether the server sent anything (or closed) on a connection that is idle: it sends
    nothing unasked (the service LISTENs to no channel) but its last words before it ends the
    connection."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return False  # not psycopg: the ping after a long idle time is all there is
    try:
        socket = pgconn.socket
    except dialect.loaded_dbapi.Error:  # closed already
        return True
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return bool(poller.poll(0))


@contextmanager
def ahead_of_the_transaction(session: Session) -> Iterator[None]:
    """Run the block's statements each on its own (autocommit) if the session's transaction has
    not begun on the server yet (PostgreSQL; elsewhere, and once it has begun, in it as usual).

    For a read request's key or session lookup: when it is the request's only statement (the
    questionnaire routes) the request then sends neither BEGIN nor COMMIT; a later statement
    begins the transaction as before (psycopg sends BEGIN before the first statement of a
    connection that is not in autocommit mode). It reads what a first statement of the
    transaction would: under READ COMMITTED every statement reads its own snapshot.
    """
    connection = session.connection()
    driver: Any = connection.connection.driver_connection
    if not _idle_on_server(driver) or driver.autocommit:
        yield
        return
    driver.autocommit = True  # no round trip: psycopg only changes how it starts statements
    try:
        yield
    finally:
        if _idle_on_server(driver):
            driver.autocommit = False
        elif not driver.closed:
            # A statement cut short: never let what follows run outside a transaction.
            connection.invalidate()


@contextmanager
def command_engine(url: str) -> Iterator[Engine]:
    """The engine of one command-line command: its connections close when the command ends."""
    import app.tables  # noqa: F401  (every table known: foreign keys cross packages)

    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def command_session(url: str) -> Iterator[Session]:
    """A session of one command-line command over its own engine (see `command_engine`)."""
    with command_engine(url) as engine, Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Session]:
    """One session and one transaction: committed on success, rolled back on error.

    A write transaction takes SQLite's write lock up front and queues on this process's writer
    lock first (see `_sqlite_begin`); on PostgreSQL the rows it changes are locked as it goes.
    """
    writer_lock = _SQLITE_WRITER_LOCKS.get(engine) if write else None
    if writer_lock is not None:
        writer_lock.acquire()
    session = Session(engine, expire_on_commit=False)
    try:
        with session:
            if write:
                session.connection(execution_options={WRITE_TRANSACTION: True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if writer_lock is not None:
            writer_lock.release()
        _run_after_transaction(session)


def after_transaction(session: Session, step: Callable[[], None]) -> None:
    """Run `step` once the session's transaction has ended, committed or rolled back, and its
    locks are released: bookkeeping that must outlive a rollback (a failed sign-in counts)."""
    session.info.setdefault(AFTER_TRANSACTION, []).append(step)


def _run_after_transaction(session: Session) -> None:
    for step in session.info.pop(AFTER_TRANSACTION, []):
        try:
            step()
        except Exception:
            logger.warning("a step after the transaction failed", exc_info=True)


async def get_session(request: Request) -> AsyncGenerator[Session, None]:
    """One session and one transaction per request: committed on success, rolled back on error.

    A read request's session is made on the event loop (that opens no connection: the first
    query does, in the thread of the dependency or route that makes it), and on SQLite it is
    ended there too (a read transaction's commit waits for nothing and touches no disk). Writes,
    and every end of a transaction on a database across a network, run in the thread pool.
    """
    engine: Engine = request.app.state.engine
    write = not is_read_request(request)
    scope = transaction(engine, write=write)
    session = await run_in_threadpool(scope.__enter__) if write else scope.__enter__()
    try:
        yield session
    except BaseException as exc:
        ending = (type(exc), exc, exc.__traceback__)
        if _ends_on_loop(session, engine, write=write):
            scope.__exit__(*ending)
        else:
            await run_in_threadpool(scope.__exit__, *ending)
        raise
    if _ends_on_loop(session, engine, write=write):
        scope.__exit__(None, None, None)
    else:
        await run_in_threadpool(scope.__exit__, None, None, None)
    if session.info.get(OUTBOX_QUEUED):
        # Committed: the in-process worker (if any) sends now rather than at its next poll.
        worker = getattr(request.app.state, "outbox_worker", None)
        if worker is not None:
            worker.wake()


def _ends_on_loop(session: Session, engine: Engine, *, write: bool) -> bool:
    """Whether a request's transaction can end without leaving the event loop: a read that wrote
    nothing and has no steps to run after it, on SQLite, or on PostgreSQL when no transaction
    is open on the server (its only statement was the key lookup): ending it sends nothing."""
    return (
        not write
        and not session.info.get(_WROTE)
        and not session.info.get(AFTER_TRANSACTION)
        and (engine.dialect.name == "sqlite" or not _open_on_server(session))
    )


def _open_on_server(session: Session) -> bool:
    """Whether ending the session's transaction needs the server: changes to flush, or a
    transaction open there (a connection that is not psycopg's counts as open)."""
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    return not _idle_on_server(session.connection().connection.driver_connection)


def _idle_on_server(driver: Any) -> bool:
    """Whether a psycopg connection has no transaction open on the server (False for another
    driver: SQLite's, which is not asked)."""
    status = getattr(getattr(driver, "info", None), "transaction_status", None)
    return status is not None and status.name == "IDLE"


_WROTE = "app_wrote"


@sa.event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _note_statement(state: Any) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True


# scope="function": the commit runs before the response is sent, so a failed commit is an error
# response and never a 200 for a write that was lost.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite hands back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def record_aside(session: Session, statement: sa.Executable, *, read_only: bool, what: str) -> None:
    """A small bookkeeping write (when a key or link was last used) made by a request.

    A write request makes it in its own transaction, which holds the write lock already. A read
    request makes it in a short transaction of its own, best effort, so that it stays a read: on
    SQLite a read transaction that starts writing can fail with "database is locked".
    """
    if not read_only:
        session.execute(statement)
        return
    try:
        with session.get_bind().engine.begin() as connection:
            connection.execute(statement)
    except SQLAlchemyError:
        logger.warning("could not record %s", what, exc_info=True)


def contains_text(column: Any, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains", with `%`, `_` and `\\` in `text` matched literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition: sa.ColumnElement[bool] = column.ilike(f"%{escaped}%", escape="\\")
    return condition


def matching(model: type[SQLModel], filters: object, *fields: str) -> list[sa.ColumnElement[bool]]:
    """A condition for each of `fields` that `filters` sets (not None): the model's column of
    that name equals it (an enum by its value). For list filters: `select(...).where(*...)`."""
    return [
        getattr(model, field) == (value.value if isinstance(value, Enum) else value)
        for field in fields
        if (value := getattr(filters, field)) is not None
    ]


def utcnow() -> datetime:
    """Now, in UTC, to the microsecond."""
    return datetime.now(UTC)


class Owned(Protocol):
    """A row that belongs to one organisation."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def organization_id(self) -> uuid.UUID: ...


_Row = TypeVar("_Row", bound=Owned)


def get_owned(
    session: Session,
    model: type[_Row],
    row_id: uuid.UUID,
    organization_id: uuid.UUID,
    what: str,
    *,
    for_update: bool = False,
) -> _Row:
    """The row, or 404 — also when it belongs to another organisation.

    `for_update` locks the row until the transaction ends (PostgreSQL; SQLite serialises write
    transactions already), so that a concurrent change waits and is checked against this one.
    """
    row = session.get(
        model, row_id, with_for_update=for_update or None, populate_existing=for_update
    )
    if row is None or row.organization_id != organization_id:
        raise NotFoundError(what, row_id)
    return row


class OwnedRevised(Owned, Protocol):
    """A row of one organisation that changes under ETags."""

    @property
    def revision(self) -> int: ...


_Changing = TypeVar("_Changing", bound=OwnedRevised)


def get_for_change(
    session: Session,
    model: type[_Changing],
    row_id: uuid.UUID,
    organization_id: uuid.UUID,
    what: str,
    if_match: str | None,
) -> _Changing:
    """The row a write changes: 404 as `get_owned`, locked until the transaction ends, then
    checked against If-Match (428 without one, 412 when it names an older revision)."""
    row = get_owned(session, model, row_id, organization_id, what, for_update=True)
    check_if_match(if_match, row.revision)
    return row


class OrganizationRow(SQLModel):
    """The columns of a row of one organisation: its own id, and the organisation it belongs to
    (and is deleted with)."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")


class Created(OrganizationRow):
    """The columns of a row of one organisation that keeps when it was created and who created it
    (an API key, a person, or neither)."""

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_key_id: uuid.UUID | None = Field(default=None)
    created_by_user_id: uuid.UUID | None = Field(default=None)


class Revised(Created):
    """The columns of a record of one organisation that changes under ETags: its revision (the
    ETag) and when it was last changed, with when and by whom it was created."""

    revision: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def touch(self) -> None:
        """The record changed: its revision (the ETag) moves on, `updated_at` is now."""
        self.revision += 1
        self.updated_at = utcnow()


class StoredFile(OrganizationRow):
    """The columns of an uploaded file of one organisation whose bytes live in an evidence store
    under `storage_key`."""

    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size_bytes: int = Field(sa_type=sa.BigInteger)
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
