"""Lists of assessments are encoded from the columns they read (`views.summary_page`), not through
`AssessmentSummary`: every page must be byte for byte what the declared response model,
`Page[AssessmentSummary]` built from the whole rows as before, would have given."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import Engine
from sqlmodel import Session

from app.assessments import queries, views
from app.assessments.models import Assessment, AssessmentStatus, SubjectKind
from app.assessments.schemas import AssessmentSummary
from app.auth import Principal, Scope
from app.pagination import Page
from app.suppliers.models import Supplier
from app.systems.models import AISystem
from tests.conftest import Org

MODEL = TypeAdapter(Page[AssessmentSummary])
# Names that JSON must escape or that are not ASCII, as a person may type them.
SYSTEM_NAME = 'Système « CV » "screener" \\ tab\there\u2028 and \x01, emoji \U0001f600'
SUPPLIER_NAME = "Fournisseur </script> \u00e9\u00e8 \n newline"


def _seed(engine: Engine, org: Org) -> None:
    """Assessments of every subject, status and schedule, some times with no microseconds."""
    now = datetime.now(UTC)
    with Session(engine) as session:
        system = AISystem(
            organization_id=org.id,
            name=SYSTEM_NAME,
            purpose="p",
            owner="o",
            lifecycle_stage="production",
            deployment_regions=[],
            sourcing="bought",
            tags=[],
        )
        supplier = Supplier(organization_id=org.id, name=SUPPLIER_NAME)
        session.add_all([system, supplier])
        session.flush()
        pin: dict[str, Any] = {
            "questionnaire_key": "eu-ai-act-classification",
            "questionnaire_version": "1.0.0",
            "content_hash": "ab" * 32,
        }
        whole_second = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
        kinds: list[dict[str, Any]] = [
            {"system_id": system.id},
            {"system_id": system.id, "status": AssessmentStatus.SUBMITTED.value, "round": 2},
            {
                "system_id": system.id,
                "status": AssessmentStatus.APPROVED.value,
                "tier": "high_risk",
                "is_current": True,
                "due_at": whole_second,  # overdue
            },
            {
                "system_id": system.id,
                "status": AssessmentStatus.APPROVED.value,
                "tier": "minimal",
                "is_current": True,
                "due_at": now + timedelta(days=400),
            },
            {
                "system_id": system.id,
                "status": AssessmentStatus.APPROVED.value,
                "tier": "minimal",
                "due_at": whole_second,  # past due but not current: not overdue
            },
            {"subject": SubjectKind.SUPPLIER.value, "supplier_id": supplier.id},
            {
                "subject": SubjectKind.SUPPLIER.value,
                "supplier_id": supplier.id,
                "status": AssessmentStatus.REJECTED.value,
            },
            {"subject": SubjectKind.ORGANIZATION.value},
        ]
        for index, kind in enumerate(kinds):
            created = whole_second if index % 3 == 0 else now - timedelta(seconds=index)
            session.add(
                Assessment(
                    organization_id=org.id,
                    created_at=created,
                    updated_at=created,
                    **pin,
                    **kind,
                )
            )
        session.commit()


def _as_the_model_gives(
    session: Session, rows: list[queries.Listed], next_cursor: str | None
) -> bytes:
    """The page as it was made before: whole rows, `AssessmentSummary`, the model's encoding."""
    items = []
    for row in rows:
        found = session.get(Assessment, uuid.UUID(row.id))
        assert found is not None
        system = session.get(AISystem, found.system_id) if found.system_id else None
        supplier = session.get(Supplier, found.supplier_id) if found.supplier_id else None
        items.append(
            views.assessment_summary(
                found, system.name if system else None, supplier.name if supplier else None
            )
        )
    return MODEL.dump_json(Page(items=items, next_cursor=next_cursor))


# The app factory installs how lists name a supplier (suppliers sit above assessments).
@pytest.mark.usefixtures("app")
def test_every_page_encodes_as_the_model_would(engine: Engine, org: Org) -> None:
    _seed(engine, org)
    caller = Principal(org.id, frozenset({Scope.ADMIN}), key_id=None, key_name="test")
    pages = 0
    with Session(engine) as session:
        for filters in (
            queries.AssessmentFilters(),
            queries.AssessmentFilters(overdue=True),
            queries.AssessmentFilters(subject=SubjectKind.SUPPLIER.value),
        ):
            cursor: str | None = None
            while True:
                rows, next_cursor = queries.list_assessments(
                    session, caller=caller, filters=filters, cursor=cursor, limit=3
                )
                body = views.summary_page(rows, next_cursor).body
                assert body == _as_the_model_gives(session, rows, next_cursor)
                pages += 1
                if next_cursor is None:
                    break
                cursor = next_cursor
    assert pages == 5  # 3 pages of 8, 1 overdue, 1 of suppliers


def test_ids_read_as_text_are_the_uuids_text() -> None:
    """SQLite hands back the 32 hex digits it stores, PostgreSQL a UUID; both read as `str`."""
    value = uuid.uuid4()
    text = queries.UuidText()
    for stored in (value.hex, value, str(value)):
        assert text.process_result_value(stored, dialect=None) == str(value)  # type: ignore[arg-type]
    assert text.process_result_value(None, dialect=None) is None  # type: ignore[arg-type]
