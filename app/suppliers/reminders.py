"""Reminders to suppliers: one a few days before the due date, one once it is overdue.

Run from cron (`python -m app suppliers remind`) or as a loop (`--loop SECONDS`). Each reminder
is claimed with a conditional UPDATE and queued in the outbox in one transaction, so runs that
overlap (two cron jobs, two instances) queue it once; the outbox worker sends and retries it.
This is a job, not a request service: it owns its transactions.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, AssessmentStatus
from app.audit import service as audit
from app.audit.service import Actor
from app.controls.i18n import text_in
from app.db import transaction, utcnow
from app.delivery import service as outbox
from app.delivery.mail import Mailer
from app.organizations.models import Organization
from app.questionnaires.catalog import Catalog, QuestionnaireNotFoundError
from app.settings import Settings
from app.suppliers.mail import reminder_email
from app.suppliers.models import Invitation, VendorRequest

logger = logging.getLogger("app.suppliers.reminders")
REMINDER_ACTOR = Actor(key_id=None, name="reminders")
# A request sent within the reminder window gets no "due soon" reminder on its first day.
_GRACE = timedelta(days=1)


@dataclass
class ReminderReport:
    due_soon: int = 0
    overdue: int = 0
    failed: int = 0
    mail_enabled: bool = True


def _candidates(
    session: Session, *, now: datetime, days_before: int
) -> list[tuple[uuid.UUID, str]]:
    """(request id, kind) of every reminder due now; kind is `due_soon` or `overdue`."""
    today = now.date()
    active = sa.exists(
        select(Invitation.id).where(
            col(Invitation.request_id) == col(VendorRequest.id),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > now,
            col(Invitation.created_at) <= now - _GRACE,
        )
    )
    base = (
        select(VendorRequest.id)
        .join(Assessment, col(Assessment.id) == col(VendorRequest.assessment_id))
        .where(Assessment.status == AssessmentStatus.DRAFT.value, active)
    )
    due_soon = session.exec(
        base.where(
            col(VendorRequest.due_soon_reminded_at).is_(None),
            col(VendorRequest.due_date) >= today,
            col(VendorRequest.due_date) <= today + timedelta(days=days_before),
        )
    ).all()
    overdue = session.exec(
        base.where(
            col(VendorRequest.overdue_reminded_at).is_(None),
            col(VendorRequest.due_date) < today,
        )
    ).all()
    return [(i, "due_soon") for i in due_soon] + [(i, "overdue") for i in overdue]


def _title(catalog: Catalog | None, assessment: Assessment) -> str:
    if catalog is not None:
        try:
            version = catalog.get(assessment.questionnaire_key, assessment.questionnaire_version)
            return text_in(dict(version.model.title), "en")
        except QuestionnaireNotFoundError:
            pass
    return assessment.questionnaire_key


def _send_one(
    engine: Engine,
    settings: Settings,
    catalog: Catalog | None,
    request_id: uuid.UUID,
    kind: str,
    now: datetime,
) -> bool:
    """Claim, queue (the outbox sends it after the commit) and record one reminder."""
    column: Any = (
        VendorRequest.due_soon_reminded_at
        if kind == "due_soon"
        else VendorRequest.overdue_reminded_at
    )
    with transaction(engine, write=True) as session:
        claimed = session.connection().execute(
            sa.update(VendorRequest)
            .where(col(VendorRequest.id) == request_id, col(column).is_(None))
            .values({column.key: now})
        )
        if claimed.rowcount != 1:
            session.rollback()
            return False
        request = session.get(VendorRequest, request_id)
        assessment = session.get(Assessment, request.assessment_id) if request else None
        org = session.get(Organization, request.organization_id) if request else None
        if request is None or assessment is None or org is None:
            session.rollback()
            return False
        subject, body = reminder_email(
            organization=org.name,
            questionnaire_title=_title(catalog, assessment),
            due_date=request.due_date,
            overdue=kind == "overdue",
        )
        outbox.enqueue_email(
            session,
            settings=settings,
            organization_id=request.organization_id,
            purpose=f"supplier_reminder_{kind}",
            to=request.recipient_email,
            subject=subject,
            body=body,
        )
        audit.record_change(
            session,
            "supplier_request",
            request,
            f"reminded_{kind}",
            actor=REMINDER_ACTOR,
            after={"recipient": request.recipient_email, "due_date": str(request.due_date)},
        )
        return True


def send_reminders(
    engine: Engine,
    settings: Settings,
    *,
    catalog: Catalog | None = None,
    mailer: Mailer | None = None,
    now: datetime | None = None,
) -> ReminderReport:
    """Send every reminder that is due; each request gets each kind at most once."""
    mailer = mailer or Mailer.from_settings(settings)
    report = ReminderReport(mail_enabled=mailer.enabled)
    if not mailer.enabled:
        logger.warning("reminders skipped: e-mail is off (set APP_SMTP_HOST)")
        return report
    now = now or utcnow()
    with Session(engine) as session:
        due = _candidates(session, now=now, days_before=settings.reminder_days_before_due)
    for request_id, kind in due:
        sent = _send_one(engine, settings, catalog, request_id, kind, now)
        if not sent:
            continue
        if kind == "due_soon":
            report.due_soon += 1
        else:
            report.overdue += 1
    return report
