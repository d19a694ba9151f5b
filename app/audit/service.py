"""Append to and verify the hash-chained audit log of an organisation."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import rfc8785
import sqlalchemy as sa
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, SQLModel, col, select

from app.actor import Actor as Actor  # re-exported: services import it from here
from app.audit.models import AuditEvent
from app.db import utcnow
from app.organizations.models import Organization
from app.pagination import decode_seq_cursor, encode_seq_cursor

GENESIS = "0" * 64


_CHAINED = (
    "organization_id",
    "seq",
    "occurred_at",
    "actor_key_id",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "prev_hash",
)


def _digest(row: dict[str, Any]) -> str:
    """SHA-256 of the RFC 8785 form of an event's chained fields (everything but id and hash)."""
    payload = {name: row[name] for name in _CHAINED}
    payload["organization_id"] = str(row["organization_id"])
    payload["occurred_at"] = row["occurred_at"].isoformat()
    payload["actor_key_id"] = str(row["actor_key_id"]) if row["actor_key_id"] else None
    # A person is chained by id (never name or e-mail), and only where there is one, so events
    # written before people existed keep their hashes.
    if row.get("actor_user_id") is not None:
        payload["actor_user_id"] = str(row["actor_user_id"])
    return hashlib.sha256(rfc8785.dumps(payload)).hexdigest()


def _chained_fields(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in (*_CHAINED, "actor_user_id")}


@dataclass(frozen=True)
class Entry:
    """One change to append to an organisation's audit log."""

    organization_id: uuid.UUID
    actor: Actor
    action: str
    entity_type: str
    entity_id: uuid.UUID | str
    before: Any = None
    after: Any = None


def record(
    session: Session,
    *,
    organization_id: uuid.UUID,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one event in the caller's transaction (it commits or rolls back with the change)."""
    record_many(
        session, [Entry(organization_id, actor, action, entity_type, entity_id, before, after)]
    )


_PENDING = "app.audit.pending"


def record_many(session: Session, entries: list[Entry]) -> None:
    """Append events in the caller's transaction, in the order given, chained per organisation.

    They are written when the transaction commits (and dropped when it rolls back): the lock that
    orders an organisation's chain is then held for the append and the commit only, not for the
    rest of the request, so concurrent writes of one organisation do not queue behind each other's
    work.
    """
    if not entries:
        return
    if not session.in_transaction():
        session.begin()  # so that a rollback or close before any SQL still drops them
    session.info.setdefault(_PENDING, []).extend(entries)


@sa.event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    entries: list[Entry] | None = session.info.pop(_PENDING, None)
    if entries:
        _append(session, entries)


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction ended without a commit: nothing happened
        session.info.pop(_PENDING, None)


_EVENTS = SQLModel.metadata.tables[str(AuditEvent.__tablename__)]
_ORGANIZATIONS = SQLModel.metadata.tables[str(Organization.__tablename__)]
# Built once: appending runs under the chain's lock, so it does as little as it can.
# FOR NO KEY UPDATE, because the foreign-key checks of the change being audited hold FOR KEY
# SHARE on the same row, and FOR UPDATE would deadlock two such transactions.
_LOCK_ORGANIZATIONS = (
    sa.select(_ORGANIZATIONS.c.id)
    .where(_ORGANIZATIONS.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(_ORGANIZATIONS.c.id)
    .with_for_update(key_share=True)
)
# Only the link is read: loading the whole last event would decode its JSON for nothing.
_LAST_EVENT = (
    sa.select(_EVENTS.c.seq, _EVENTS.c.hash)
    .where(_EVENTS.c.organization_id == sa.bindparam("organization_id"))
    .order_by(_EVENTS.c.seq.desc())
    .limit(1)
)


def _append(session: Session, entries: list[Entry]) -> None:
    session.flush()  # the audited changes first: the lock below is then held for the least time
    connection = session.connection()
    organization_ids = sorted({entry.organization_id for entry in entries})
    # Appends of one organisation are serialised by a row lock on PostgreSQL, taken in a fixed
    # order so that two transactions never wait for each other crosswise; SQLite write
    # transactions are serialised already (BEGIN IMMEDIATE).
    if connection.dialect.name != "sqlite":
        connection.execute(_LOCK_ORGANIZATIONS, {"ids": organization_ids}).all()
    heads: dict[uuid.UUID, tuple[int, str]] = {}
    for organization_id in organization_ids:
        last = connection.execute(_LAST_EVENT, {"organization_id": organization_id}).first()
        heads[organization_id] = (last[0], last[1]) if last else (0, GENESIS)
    rows = []
    for entry in entries:
        seq, prev_hash = heads[entry.organization_id]
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "organization_id": entry.organization_id,
            "seq": seq + 1,
            "occurred_at": utcnow(),
            "actor_key_id": entry.actor.key_id,
            "actor_user_id": entry.actor.user_id,
            "actor": entry.actor.name,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": str(entry.entity_id),
            "before": entry.before,
            "after": entry.after,
            "prev_hash": prev_hash,
        }
        row["hash"] = _digest(row)
        heads[entry.organization_id] = (row["seq"], row["hash"])
        rows.append(row)
    # Plain rows and one INSERT for all, past the ORM: objects would cost more than the insert.
    connection.execute(_EVENTS.insert(), rows)


def list_events(
    session: Session,
    *,
    organization_id: uuid.UUID,
    entity_type: str | None,
    entity_id: str | None,
    action: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AuditEvent], str | None]:
    """Events oldest first (the order of the chain)."""
    statement = select(AuditEvent).where(AuditEvent.organization_id == organization_id)
    if entity_type:
        statement = statement.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        statement = statement.where(AuditEvent.entity_id == entity_id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    if cursor:
        statement = statement.where(AuditEvent.seq > decode_seq_cursor(cursor))
    rows = list(session.exec(statement.order_by(col(AuditEvent.seq)).limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_seq_cursor(rows[limit - 1].seq)


@dataclass(frozen=True)
class Verification:
    valid: bool
    events: int
    head_hash: str
    first_broken_seq: int | None
    problem: str | None


def verify(session: Session, *, organization_id: uuid.UUID) -> Verification:
    """Recompute the chain: every hash, every link, and no gap in the sequence."""
    previous = GENESIS
    expected_seq = 1
    count = 0
    statement = (
        select(AuditEvent)
        .where(AuditEvent.organization_id == organization_id)
        .order_by(col(AuditEvent.seq))
        .execution_options(yield_per=1000)
    )
    events = session.exec(statement)
    try:
        for event in events:
            count += 1
            problem = None
            if event.seq != expected_seq:
                problem = (
                    f"sequence jumps from {expected_seq - 1} to {event.seq}: events are missing"
                )
            elif event.prev_hash != previous:
                problem = "the link to the previous event is broken"
            elif _digest(_chained_fields(event)) != event.hash:
                problem = "the event's content does not match its hash: it was altered"
            if problem is not None:
                return Verification(False, count, previous, event.seq, problem)
            previous = event.hash
            expected_seq += 1
    finally:
        events.close()
    return Verification(True, count, previous, None, None)
