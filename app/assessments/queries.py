"""Reading assessments: lists, standings, rounds and review comments; nothing here writes.

Other domains (suppliers, portfolio) read assessment data through these functions rather than
querying the assessment tables themselves.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, AssessmentRound, AssessmentStatus, SubjectKind
from app.auth import Caller
from app.db import matching, utcnow
from app.pagination import (
    decode_cursor,
    decode_seq_cursor,
    encode_cursor,
    encode_seq_cursor,
    finish_page,
    keyset_page,
)
from app.systems import service as systems_service
from app.systems.models import AISystem, SystemStatus


def with_decided_round() -> Any:
    """Assessments joined with their latest round (the one approved, for an approved one)."""
    return select(Assessment, AssessmentRound).join(
        AssessmentRound,
        sa.and_(
            col(AssessmentRound.assessment_id) == col(Assessment.id),
            col(AssessmentRound.round) == col(Assessment.round),
        ),
    )


def current_with_round(
    session: Session, *, organization_id: uuid.UUID, system_id: uuid.UUID | None, keys: set[str]
) -> dict[str, tuple[Assessment, AssessmentRound]]:
    """The current approved assessment of each of `keys` for one system (None: the
    organisation's own, subject 'organization'), with its approved round."""
    if not keys:
        return {}
    subject = (
        Assessment.system_id == system_id
        if system_id is not None
        else Assessment.subject == SubjectKind.ORGANIZATION.value
    )
    rows = session.exec(
        with_decided_round().where(
            Assessment.organization_id == organization_id,
            subject,
            col(Assessment.questionnaire_key).in_(sorted(keys)),
            col(Assessment.is_current).is_(True),
        )
    ).all()
    return {a.questionnaire_key: (a, r) for a, r in rows}


def find_round(session: Session, assessment: Assessment, number: int) -> AssessmentRound | None:
    return session.exec(
        select(AssessmentRound).where(
            AssessmentRound.assessment_id == assessment.id, AssessmentRound.round == number
        )
    ).first()


def rounds_page(
    session: Session, assessment: Assessment, *, cursor: str | None, limit: int
) -> tuple[list[AssessmentRound], str | None]:
    """Submitted rounds in round order (the first round first), a page at a time."""
    statement = select(AssessmentRound).where(AssessmentRound.assessment_id == assessment.id)
    if cursor is not None:
        statement = statement.where(AssessmentRound.round > decode_seq_cursor(cursor))
    found = list(session.exec(statement.order_by(col(AssessmentRound.round)).limit(limit + 1)))
    if len(found) <= limit:
        return found, None
    return found[:limit], encode_seq_cursor(found[limit - 1].round)


def review_comments(session: Session, assessment: Assessment) -> dict[str, str]:
    """The comments on questions of the round before, while the draft answers them."""
    if assessment.status != AssessmentStatus.DRAFT or assessment.round == 1:
        return {}
    earlier = find_round(session, assessment, assessment.round - 1)
    return dict(earlier.item_comments) if earlier else {}


@dataclass(frozen=True)
class AssessmentFilters:
    subject: str | None = None
    system_id: uuid.UUID | None = None
    questionnaire_key: str | None = None
    status: AssessmentStatus | None = None
    tier: str | None = None
    current: bool | None = None
    overdue: bool | None = None


class UuidText(sa.types.TypeDecorator[str]):
    """A UUID column read as its text (`str(uuid)`) without making a UUID object of it: what a list
    shows of its ids. SQLite hands back the 32 hex digits it stores, PostgreSQL a UUID."""

    impl = sa.String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and len(value) == 32:
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _id_text(column: Any) -> Any:
    return sa.type_coerce(column, UuidText()).label(column.key)


class Listed(NamedTuple):
    """A row of a list of assessments: the columns its summary shows (the ids as text) and the
    name of its subject, read in one query without loading the assessment (nor its answers)."""

    id: str
    subject: str
    system_id: str | None
    supplier_id: str | None
    incident_id: str | None
    subject_name: str | None
    questionnaire_key: str
    questionnaire_version: str
    content_hash: str
    status: str
    round: int
    tier: str | None
    is_current: bool
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime


# The name of an assessment's subject in lists, a scalar subquery correlated with `Assessment` for
# each kind of subject named elsewhere: suppliers sit above assessments, so the app factory
# installs theirs (an AI system's is read here).
_subject_names: dict[str, Any] = {}


def install_subject_name(kind: SubjectKind, name: Any) -> None:
    """Called by the app factory: lists name an assessment of `kind` by `name`."""
    _subject_names[kind.value] = name
    _listed_columns.cache_clear()


@functools.cache
def _listed_columns() -> tuple[Any, ...]:
    """The columns of `Listed`, in its order (built once: they are the same for every page)."""
    # The subject's name as one scalar expression, not joins: PostgreSQL evaluates it for the
    # rows of the page only (joined, it joined every matching row before sorting and cutting,
    # 5x slower when overdue); one expression, so its cost always defers it past the sort.
    names = [
        select(AISystem.name)
        .where(col(AISystem.id) == col(Assessment.system_id))
        .scalar_subquery(),
        *_subject_names.values(),
    ]
    subject_name = sa.func.coalesce(*names) if len(names) > 1 else names[0]
    a = Assessment
    return (
        _id_text(col(a.id)),
        col(a.subject),
        _id_text(col(a.system_id)),
        _id_text(col(a.supplier_id)),
        _id_text(col(a.incident_id)),
        subject_name.label("subject_name"),
        *(col(c) for c in (a.questionnaire_key, a.questionnaire_version, a.content_hash)),
        *(col(c) for c in (a.status, a.round, a.tier, a.is_current, a.due_at)),
        col(a.created_at),
        col(a.updated_at),
    )


def list_assessments(
    session: Session,
    *,
    caller: Caller,
    filters: AssessmentFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[Listed], str | None]:
    statement: Any = sa.select(*_listed_columns()).where(
        col(Assessment.organization_id) == caller.organization_id,
        *matching(
            Assessment, filters, "subject", "system_id", "questionnaire_key", "status", "tier"
        ),
    )
    if filters.current is not None:
        statement = statement.where(col(Assessment.is_current).is_(filters.current))
    if filters.overdue is not None:
        now = utcnow()
        if filters.overdue:
            statement = statement.where(
                col(Assessment.is_current).is_(True), col(Assessment.due_at) < now
            )
        else:
            statement = statement.where(
                sa.or_(
                    col(Assessment.is_current).is_(False),
                    col(Assessment.due_at).is_(None),
                    col(Assessment.due_at) >= now,
                )
            )
    statement = keyset_page(statement, Assessment, cursor=cursor, limit=limit)
    rows = [Listed._make(row) for row in session.connection().execute(statement).all()]
    return finish_page(rows, limit)


def standing(
    session: Session, *, caller: Caller, system_id: uuid.UUID
) -> list[tuple[Assessment, AssessmentRound]]:
    """The current approved assessments of a system with their approved rounds."""
    systems_service.get_system(session, caller=caller, system_id=system_id)
    rows = session.exec(
        with_decided_round()
        .where(
            Assessment.organization_id == caller.organization_id,
            Assessment.system_id == system_id,
            col(Assessment.is_current).is_(True),
        )
        .order_by(col(Assessment.questionnaire_key))
    ).all()
    return [(a, r) for a, r in rows]


def overdue_systems(
    session: Session, *, caller: Caller, cursor: str | None, limit: int
) -> tuple[list[tuple[AISystem, list[Assessment]]], str | None]:
    """Systems with at least one current assessment past its due date, most overdue first
    (earliest due date, then system id), a page at a time."""
    overdue = (
        Assessment.organization_id == caller.organization_id,
        col(Assessment.is_current).is_(True),
        col(Assessment.due_at) < utcnow(),
        AISystem.status == SystemStatus.ACTIVE.value,
    )
    # The `limit` most overdue systems are chosen in SQL, not after loading every overdue row.
    first_due = sa.func.min(Assessment.due_at).label("first_due")
    grouped_by_system = (
        select(col(Assessment.system_id).label("system_id"), first_due)
        .join(AISystem, col(AISystem.id) == col(Assessment.system_id))
        .where(*overdue)
        .group_by(col(Assessment.system_id))
        .subquery()
    )
    most_overdue = select(grouped_by_system.c.system_id, grouped_by_system.c.first_due)
    if cursor is not None:
        after_due, after_id = decode_cursor(cursor)
        most_overdue = most_overdue.where(
            sa.or_(
                grouped_by_system.c.first_due > after_due,
                sa.and_(
                    grouped_by_system.c.first_due == after_due,
                    grouped_by_system.c.system_id > after_id,
                ),
            )
        )
    chosen = list(
        session.exec(
            most_overdue.order_by(
                grouped_by_system.c.first_due, grouped_by_system.c.system_id
            ).limit(limit + 1)
        ).all()
    )
    next_cursor = None
    if len(chosen) > limit:
        chosen = chosen[:limit]
        last_id, last_due = chosen[-1]
        next_cursor = encode_cursor(last_due, last_id)
    order = {system_id: index for index, (system_id, _) in enumerate(chosen)}
    rows = session.exec(
        select(AISystem, Assessment)
        .join(Assessment, col(Assessment.system_id) == col(AISystem.id))
        .where(*overdue, col(AISystem.id).in_(list(order)))
        .order_by(col(Assessment.due_at))
    ).all()
    grouped: dict[uuid.UUID, tuple[AISystem, list[Assessment]]] = {}
    for system, assessment in sorted(rows, key=lambda row: order[row[0].id]):
        grouped.setdefault(system.id, (system, []))[1].append(assessment)
    return list(grouped.values()), next_cursor


# --- a supplier's assessments (read by app.suppliers) -----------------------------------------


def supplier_standing(
    session: Session, supplier_id: uuid.UUID
) -> tuple[Assessment, AssessmentRound] | None:
    """A supplier's latest approved assessment with its approved round, if any."""
    row = session.exec(
        with_decided_round()
        .where(
            Assessment.supplier_id == supplier_id,
            Assessment.status == AssessmentStatus.APPROVED.value,
        )
        .order_by(col(Assessment.decided_at).desc(), col(Assessment.id).desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def supplier_tiers(session: Session, supplier_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each supplier's tier from its latest approved assessment (for lists)."""
    if not supplier_ids:
        return {}
    rows = session.exec(
        select(Assessment.supplier_id, Assessment.tier, Assessment.decided_at)
        .where(
            col(Assessment.supplier_id).in_(supplier_ids),
            Assessment.status == AssessmentStatus.APPROVED.value,
        )
        .order_by(col(Assessment.decided_at))
    ).all()
    tiers: dict[uuid.UUID, str] = {}
    for supplier_id, tier, _ in rows:  # ascending: the latest decision wins
        if supplier_id is not None and tier is not None:
            tiers[supplier_id] = tier
    return tiers


def last_approved_of_supplier(
    session: Session, *, supplier_id: uuid.UUID, questionnaire_key: str
) -> Assessment | None:
    """The supplier's latest approved answers to one questionnaire (to prefill a new request)."""
    return session.exec(
        select(Assessment)
        .where(
            Assessment.supplier_id == supplier_id,
            Assessment.questionnaire_key == questionnaire_key,
            Assessment.status == AssessmentStatus.APPROVED.value,
        )
        .order_by(col(Assessment.decided_at).desc(), col(Assessment.id).desc())
        .limit(1)
    ).first()


def by_ids(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Assessment]:
    """Assessments by id (the caller has checked they are its organisation's)."""
    if not ids:
        return {}
    found = session.exec(select(Assessment).where(col(Assessment.id).in_(list(ids)))).all()
    return {a.id: a for a in found}
