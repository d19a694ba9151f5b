"""Append to and verify the hash-chained audit log of an organisation."""

from __future__ import annotations

import hashlib
import hmac
import uuid
import weakref
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, SQLModel, col, select

from app.actor import Actor as Actor  # re-exported: services import it from here
from app.audit.models import AuditCheckpoint, AuditEvent
from app.auth import Caller
from app.canonical import canonical_hash
from app.db import Owned, utcnow
from app.organizations.models import AUDIT_GENESIS, Organization
from app.pagination import decode_seq_cursor, encode_seq_cursor
from app.settings import Settings, get_settings

GENESIS = AUDIT_GENESIS


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
    return canonical_hash(payload)


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


def record_change(
    session: Session,
    entity_type: str,
    entity: Owned,
    change: str,
    *,
    actor: Actor,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append the event `<entity_type>.<change>` about `entity`, in its organisation's log."""
    record(
        session,
        organization_id=entity.organization_id,
        actor=actor,
        action=f"{entity_type}.{change}",
        entity_type=entity_type,
        entity_id=entity.id,
        before=before,
        after=after,
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
_CHECKPOINTS = SQLModel.metadata.tables[str(AuditCheckpoint.__tablename__)]
_ORGANIZATIONS = SQLModel.metadata.tables[str(Organization.__tablename__)]
# Built once: appending runs under the chain's lock, so it does as little as it can.
_HEADS = (
    sa.select(
        _ORGANIZATIONS.c.id, _ORGANIZATIONS.c.audit_head_seq, _ORGANIZATIONS.c.audit_head_hash
    )
    .where(_ORGANIZATIONS.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(_ORGANIZATIONS.c.id)
)
# FOR NO KEY UPDATE, because the foreign-key checks of the change being audited hold FOR KEY
# SHARE on the same row, and FOR UPDATE would deadlock two such transactions.
_LOCK_HEADS = _HEADS.with_for_update(key_share=True)
_MOVE_HEAD = (
    sa.update(_ORGANIZATIONS)
    .where(_ORGANIZATIONS.c.id == sa.bindparam("organization"))
    .values(audit_head_seq=sa.bindparam("head_seq"), audit_head_hash=sa.bindparam("head_hash"))
)


@dataclass(frozen=True)
class CheckpointPolicy:
    """How checkpoints are written: every `interval` events, signed with `key` when there is one."""

    key: bytes | None
    interval: int

    @classmethod
    def of(cls, settings: Settings) -> CheckpointPolicy:
        key = settings.audit_checkpoint_key
        return cls(
            key.get_secret_value().encode() if key is not None else None,
            settings.audit_checkpoint_interval,
        )


_POLICIES: weakref.WeakKeyDictionary[Engine, CheckpointPolicy] = weakref.WeakKeyDictionary()


def configure(engine: Engine, policy: CheckpointPolicy) -> None:
    """Use `policy` for appends and verifications through `engine` (the app does at start-up)."""
    _POLICIES[engine] = policy


def policy_for(engine: Engine) -> CheckpointPolicy:
    """The engine's policy; an engine nobody configured follows the process settings."""
    policy = _POLICIES.get(engine)
    if policy is None:
        policy = _POLICIES[engine] = CheckpointPolicy.of(get_settings())
    return policy


def sign(key: bytes, organization_id: uuid.UUID, seq: int, event_hash: str) -> str:
    message = f"audit-checkpoint:{organization_id}:{seq}:{event_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _append(session: Session, entries: list[Entry]) -> None:
    session.flush()  # the audited changes first: the lock below is then held for the least time
    connection = session.connection()
    organization_ids = sorted({entry.organization_id for entry in entries})
    # Appends of one organisation are serialised by a row lock on PostgreSQL, taken in a fixed
    # order so that two transactions never wait for each other crosswise; SQLite write
    # transactions are serialised already (BEGIN IMMEDIATE). The head is read from the locked
    # row, not from the last event, so that events deleted from the end stay missing.
    locking = connection.dialect.name != "sqlite"
    heads: dict[uuid.UUID, tuple[int, str]] = {
        row[0]: (row[1], row[2])
        for row in connection.execute(_LOCK_HEADS if locking else _HEADS, {"ids": organization_ids})
    }
    policy = policy_for(connection.engine)
    rows = []
    checkpoints = []
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
        if row["seq"] % policy.interval == 0:
            checkpoints.append(
                {
                    "id": uuid.uuid4(),
                    "organization_id": entry.organization_id,
                    "seq": row["seq"],
                    "hash": row["hash"],
                    "created_at": row["occurred_at"],
                    "signature": sign(policy.key, entry.organization_id, row["seq"], row["hash"])
                    if policy.key is not None
                    else None,
                }
            )
    # Plain rows and one INSERT for all, past the ORM: objects would cost more than the insert.
    connection.execute(_EVENTS.insert(), rows)
    connection.execute(
        _MOVE_HEAD,
        [
            {"organization": organization_id, "head_seq": seq, "head_hash": head_hash}
            for organization_id, (seq, head_hash) in heads.items()
        ],
    )
    if checkpoints:
        connection.execute(_CHECKPOINTS.insert(), checkpoints)


def list_events(
    session: Session,
    *,
    caller: Caller,
    entity_type: str | None,
    entity_id: str | None,
    action: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AuditEvent], str | None]:
    """Events newest first (the reverse of the chain's order), as every list is; the cursor
    names the last event of the page before, and the next page holds those written before it."""
    statement = select(AuditEvent).where(AuditEvent.organization_id == caller.organization_id)
    if entity_type:
        statement = statement.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        statement = statement.where(AuditEvent.entity_id == entity_id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    if cursor:
        statement = statement.where(AuditEvent.seq < decode_seq_cursor(cursor))
    rows = list(session.exec(statement.order_by(col(AuditEvent.seq).desc()).limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_seq_cursor(rows[limit - 1].seq)


def list_checkpoints(
    session: Session, *, caller: Caller, cursor: str | None, limit: int
) -> tuple[list[AuditCheckpoint], str | None]:
    """Checkpoints oldest first (the order of the chain), for keeping a copy elsewhere."""
    statement = select(AuditCheckpoint).where(
        AuditCheckpoint.organization_id == caller.organization_id
    )
    if cursor:
        statement = statement.where(AuditCheckpoint.seq > decode_seq_cursor(cursor))
    rows = list(session.exec(statement.order_by(col(AuditCheckpoint.seq)).limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_seq_cursor(rows[limit - 1].seq)


@dataclass(frozen=True)
class Verification:
    valid: bool
    full: bool
    events: int
    from_seq: int
    expected_head_seq: int
    found_head_seq: int
    head_hash: str
    first_broken_seq: int | None
    problem: str | None
    checkpoints: Literal["signed", "unsigned"]
    checkpoint: AuditCheckpoint | None


_HEAD = sa.select(_ORGANIZATIONS.c.audit_head_seq, _ORGANIZATIONS.c.audit_head_hash).where(
    _ORGANIZATIONS.c.id == sa.bindparam("organization_id")
)
_LAST_EVENT = (
    sa.select(_EVENTS.c.seq)
    .where(_EVENTS.c.organization_id == sa.bindparam("organization_id"))
    .order_by(_EVENTS.c.seq.desc())
    .limit(1)
)
_EVENTS_FROM = (
    sa.select(_EVENTS)
    .where(
        _EVENTS.c.organization_id == sa.bindparam("organization_id"),
        _EVENTS.c.seq >= sa.bindparam("from_seq"),
    )
    .order_by(_EVENTS.c.seq)
    .execution_options(yield_per=1000)
)


def _checkpoints(
    session: Session, organization_id: uuid.UUID, *, full: bool, signed_only: bool
) -> list[AuditCheckpoint]:
    """Every checkpoint (full), or only the latest one, where verification starts."""
    statement = select(AuditCheckpoint).where(AuditCheckpoint.organization_id == organization_id)
    if signed_only:
        statement = statement.where(col(AuditCheckpoint.signature).is_not(None))
    if full:
        return list(session.exec(statement.order_by(col(AuditCheckpoint.seq))).all())
    latest = session.exec(statement.order_by(col(AuditCheckpoint.seq).desc()).limit(1)).first()
    return [latest] if latest is not None else []


def _forged_checkpoint(
    key: bytes | None, organization_id: uuid.UUID, checkpoints: list[AuditCheckpoint]
) -> int | None:
    """The seq of the first checkpoint whose signature does not match it (with a key set)."""
    if key is None:
        return None
    for checkpoint in checkpoints:
        if checkpoint.signature is None:
            continue
        signature = sign(key, organization_id, checkpoint.seq, checkpoint.hash)
        if not hmac.compare_digest(signature, checkpoint.signature):
            return checkpoint.seq
    return None


def _event_problem(
    row: dict[str, Any], expected_seq: int, previous: str | None, expected_hashes: dict[int, str]
) -> str | None:
    """What is wrong with one event read in order, if anything."""
    seq = row["seq"]
    if seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {seq}: events are missing"
    if previous is not None and row["prev_hash"] != previous:
        return "the link to the previous event is broken"
    if _digest(row) != row["hash"]:
        return "the event's content does not match its hash: it was altered"
    if seq in expected_hashes and expected_hashes[seq] != row["hash"]:
        return f"the event does not match the checkpoint taken at seq {seq}: the log was rewritten"
    return None


def _ending_problem(
    *,
    count: int,
    from_seq: int,
    found: int,
    head_seq: int,
    head_hash: str,
    last_hash: str | None,
) -> tuple[int, str] | None:
    """Where and how the events read end away from the head the appends recorded, if they do."""
    if count == 0 and from_seq > 1:
        return from_seq, (
            f"the event at the checkpoint (seq {from_seq}) and all after it are missing"
        )
    if found < head_seq:
        return found + 1, (
            f"the log ends at seq {found} but its head is seq {head_seq}: "
            f"events {found + 1} to {head_seq} are missing"
        )
    if found > head_seq:
        return head_seq + 1, (
            f"the head is seq {head_seq} but the log goes on to seq {found}: "
            "events were added outside the service"
        )
    if head_seq > 0 and last_hash != head_hash:
        return head_seq, (
            f"the event at seq {head_seq} does not match the head recorded when it was "
            "appended: the log was rewritten"
        )
    return None


def _walk(
    connection: Connection,
    params: dict[str, uuid.UUID],
    from_seq: int,
    expected_hashes: dict[int, str],
) -> tuple[int, str | None, tuple[int, str] | None]:
    """Read the events from `from_seq` on: how many, the last good hash, the first broken one.

    From a checkpoint, the first event's link is covered by its hash, which the checkpoint holds.
    """
    previous: str | None = GENESIS if from_seq == 1 else None
    expected_seq = from_seq
    count = 0
    rows = connection.execute(_EVENTS_FROM, {**params, "from_seq": from_seq})
    try:
        for row in rows.mappings():
            count += 1
            problem = _event_problem(dict(row), expected_seq, previous, expected_hashes)
            if problem is not None:
                return count, previous, (row["seq"], problem)
            previous = row["hash"]
            expected_seq += 1
    finally:
        rows.close()
    return count, previous, None


def verify(session: Session, *, caller: Caller, full: bool = False) -> Verification:
    """Check the chain from the latest checkpoint (or, `full`, from the first event) to the head.

    Every event read is checked: its hash, its link to the one before, no gap in the sequence,
    and the hash of each checkpoint it passes. The last event must be the head recorded on the
    organisation by the append, so events deleted from the end are reported missing. With a key
    configured, only signed checkpoints are trusted, and a signature that does not match the
    checkpoint makes the log invalid: a rewrite before it cannot recompute it.
    """
    organization_id = caller.organization_id
    connection = session.connection()
    policy = policy_for(connection.engine)
    params = {"organization_id": organization_id}
    head_seq, head_hash = connection.execute(_HEAD, params).one()
    last = connection.execute(_LAST_EVENT, params).scalar()
    found_head_seq = int(last) if last is not None else 0
    checkpoints = _checkpoints(
        session, organization_id, full=full, signed_only=policy.key is not None
    )
    status: Literal["signed", "unsigned"] = "signed" if policy.key is not None else "unsigned"
    latest = checkpoints[-1] if checkpoints else None
    from_seq = 1 if full or latest is None else latest.seq

    def result(
        count: int, previous: str, broken: int | None = None, problem: str | None = None
    ) -> Verification:
        return Verification(
            valid=problem is None,
            full=full,
            events=count,
            from_seq=from_seq,
            expected_head_seq=head_seq,
            found_head_seq=found_head_seq,
            head_hash=previous,
            first_broken_seq=broken,
            problem=problem,
            checkpoints=status,
            checkpoint=latest,
        )

    forged = _forged_checkpoint(policy.key, organization_id, checkpoints)
    if forged is not None:
        return result(
            0,
            GENESIS,
            forged,
            f"the checkpoint at seq {forged} does not carry a valid signature: "
            "it was forged or altered",
        )
    expected_hashes = {checkpoint.seq: checkpoint.hash for checkpoint in checkpoints}

    if latest is not None and latest.seq > head_seq:
        return result(
            0,
            GENESIS,
            head_seq + 1,
            f"the head is seq {head_seq} but a checkpoint was taken at seq {latest.seq}: "
            "the log was cut back",
        )

    count, previous, broken_at = _walk(connection, params, from_seq, expected_hashes)
    if broken_at is not None:
        return result(count, previous or GENESIS, *broken_at)
    ending = _ending_problem(
        count=count,
        from_seq=from_seq,
        found=from_seq + count - 1,
        head_seq=head_seq,
        head_hash=head_hash,
        last_hash=previous,
    )
    if ending is not None:
        broken, problem = ending
        return result(count, previous or GENESIS, broken, problem)
    return result(count, previous or GENESIS)
