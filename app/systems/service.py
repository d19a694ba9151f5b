"""The AI-system inventory: create, read, update, list, retire. Services flush, never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller
from app.db import contains_text, get_for_change, get_owned, matching
from app.errors import ConflictError, ProblemType
from app.pagination import fetch_page
from app.systems.models import AISystem, SystemStatus
from app.systems.schemas import AISystemCreate, AISystemPublic, AISystemUpdate


@dataclass(frozen=True)
class SystemFilters:
    status: SystemStatus | None = SystemStatus.ACTIVE
    lifecycle_stage: str | None = None
    sourcing: str | None = None
    business_unit: str | None = None
    owner: str | None = None
    tag: str | None = None
    region: str | None = None
    q: str | None = None


def snapshot(system: AISystem) -> dict[str, Any]:
    """The system as the API shows it, for the audit log."""
    return AISystemPublic.model_validate(system, from_attributes=True).model_dump(mode="json")


def _audit(
    session: Session, system: AISystem, actor: Actor, action: str, before: dict[str, Any] | None
) -> None:
    audit.record_change(
        session, "ai_system", system, action, actor=actor, before=before, after=snapshot(system)
    )


def create_system(session: Session, *, caller: Caller, data: AISystemCreate) -> AISystem:
    system = AISystem(
        organization_id=caller.organization_id,
        **caller.actor.created_by(),
        **data.model_dump(mode="json"),
    )
    session.add(system)
    session.flush()
    _audit(session, system, caller.actor, "created", None)
    return system


def get_system(
    session: Session, *, caller: Caller, system_id: uuid.UUID, for_update: bool = False
) -> AISystem:
    """The caller's system, or 404 — also when it belongs to another organisation."""
    return system_of_organization(session, caller.organization_id, system_id, for_update=for_update)


def system_of_organization(
    session: Session, organization_id: uuid.UUID, system_id: uuid.UUID, *, for_update: bool = False
) -> AISystem:
    """The organisation's system, or 404; for reads on behalf of another record of it (an
    assessment's system), not of a caller. `for_update`: see `db.get_owned`."""
    return get_owned(
        session, AISystem, system_id, organization_id, "AI system", for_update=for_update
    )


def update_system(
    session: Session,
    *,
    caller: Caller,
    system_id: uuid.UUID,
    data: AISystemUpdate,
    if_match: str | None,
) -> AISystem:
    system = get_for_change(
        session, AISystem, system_id, caller.organization_id, "AI system", if_match
    )
    if system.status == SystemStatus.RETIRED:
        raise ConflictError(
            "A retired AI system cannot be changed.", type=ProblemType.SYSTEM_RETIRED
        )
    before = snapshot(system)
    changes = data.model_dump(mode="json", exclude_unset=True)
    changed = False
    for field, value in changes.items():
        if getattr(system, field) != value:
            setattr(system, field, value)  # JSON lists are reassigned, never mutated in place
            changed = True
    if changed:
        system.touch()
        session.add(system)
        session.flush()
        _audit(session, system, caller.actor, "updated", before)
    return system


def retire_system(
    session: Session,
    *,
    caller: Caller,
    system_id: uuid.UUID,
    if_match: str | None,
) -> AISystem:
    system = get_for_change(
        session, AISystem, system_id, caller.organization_id, "AI system", if_match
    )
    if system.status == SystemStatus.RETIRED:
        raise ConflictError("This AI system is retired already.", type=ProblemType.SYSTEM_RETIRED)
    before = snapshot(system)
    system.status = SystemStatus.RETIRED.value
    system.touch()
    system.retired_at = system.updated_at
    session.add(system)
    session.flush()
    _audit(session, system, caller.actor, "retired", before)
    return system


def _json_list_contains(column: Any, value: str, dialect: str) -> sa.ColumnElement[bool]:
    if dialect == "postgresql":
        return sa.cast(column, sa.dialects.postgresql.JSONB).contains([value])
    # SQLite: look inside the JSON array with json_each.
    each = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == value))


def list_systems(
    session: Session,
    *,
    caller: Caller,
    filters: SystemFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[AISystem], str | None]:
    dialect = session.get_bind().dialect.name
    statement = select(AISystem).where(
        AISystem.organization_id == caller.organization_id,
        *matching(
            AISystem, filters, "status", "lifecycle_stage", "sourcing", "business_unit", "owner"
        ),
    )
    if filters.tag is not None:
        statement = statement.where(_json_list_contains(col(AISystem.tags), filters.tag, dialect))
    if filters.region is not None:
        statement = statement.where(
            _json_list_contains(col(AISystem.deployment_regions), filters.region, dialect)
        )
    if filters.q:
        statement = statement.where(contains_text(AISystem.name, filters.q))
    return fetch_page(session, statement, AISystem, cursor=cursor, limit=limit)
