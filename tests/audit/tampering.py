"""What an attacker with the database's superuser can do to the audit log, for the tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from app.audit.service import _digest
from app.tables import metadata

EVENTS = metadata.tables["audit_events"]
CHECKPOINTS = metadata.tables["audit_checkpoints"]
ORGANIZATIONS = metadata.tables["organizations"]


@contextmanager
def tampering(engine: Engine) -> Iterator[Connection]:
    """A transaction in which the append-only triggers do not fire (PostgreSQL: as superuser)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        yield connection


def rewrite(
    engine: Engine,
    organization_id: uuid.UUID,
    seq: int,
    change: Callable[[dict[str, Any]], None],
    *,
    move_head: bool,
    checkpoints: bool,
) -> None:
    """Change the event at `seq` and recompute every later hash and link. `move_head` rewrites
    the organisation's head too, `checkpoints` the checkpoints' hashes (not their signatures:
    those need the key, which the attacker does not have)."""
    with tampering(engine) as connection:
        rows = [
            dict(row)
            for row in connection.execute(
                sa.select(EVENTS)
                .where(EVENTS.c.organization_id == organization_id, EVENTS.c.seq >= seq)
                .order_by(EVENTS.c.seq)
            ).mappings()
        ]
        previous: str | None = None
        for row in rows:
            if row["seq"] == seq:
                change(row)
            if previous is not None:
                row["prev_hash"] = previous
            row["hash"] = previous = _digest(row)
            connection.execute(
                EVENTS.update()
                .where(EVENTS.c.id == row["id"])
                .values(actor=row["actor"], prev_hash=row["prev_hash"], hash=row["hash"])
            )
            if checkpoints:
                connection.execute(
                    CHECKPOINTS.update()
                    .where(
                        CHECKPOINTS.c.organization_id == organization_id,
                        CHECKPOINTS.c.seq == row["seq"],
                    )
                    .values(hash=row["hash"])
                )
        if move_head and previous is not None:
            connection.execute(
                ORGANIZATIONS.update()
                .where(ORGANIZATIONS.c.id == organization_id)
                .values(audit_head_hash=previous)
            )


def delete_events(engine: Engine, organization_id: uuid.UUID, *, from_seq: int) -> None:
    with tampering(engine) as connection:
        connection.execute(
            EVENTS.delete().where(
                EVENTS.c.organization_id == organization_id, EVENTS.c.seq >= from_seq
            )
        )
