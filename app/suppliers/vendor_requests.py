"""Vendor requests and their invitations: send a questionnaire to a supplier contact, resend or
revoke the link, review the answers. Services flush, never commit.

A vendor request's answers are an assessment of the supplier (``Assessment.supplier_id``): the
draft, autosave, submit and review rules are those of `app.assessments.service`.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.assessments import queries as assessment_queries
from app.assessments import service as assessments
from app.assessments.migration import MigrationPlan, plan_migration
from app.assessments.models import Assessment, AssessmentRound, AssessmentStatus, Decision
from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller, hash_key
from app.controls.i18n import text_in
from app.db import get_owned, utcnow
from app.delivery import service as outbox
from app.delivery.mail import Mailer
from app.errors import (
    ConflictError,
    InvalidFieldError,
    NotFoundError,
    ProblemType,
)
from app.organizations import service as organizations
from app.pagination import finish_page, keyset_page
from app.questionnaires.catalog import Catalog, QuestionnaireVersion
from app.settings import Settings
from app.suppliers import events
from app.suppliers.mail import invitation_email
from app.suppliers.models import (
    Evidence,
    Invitation,
    Supplier,
    SupplierContact,
    SupplierProduct,
    VendorRequest,
)
from app.suppliers.schemas import (
    Delivery,
    InvitationState,
    ProcurementDecision,
    RequestCreate,
    RequestStatus,
    Resend,
)
from app.suppliers.service import get_supplier
from app.views import attributes
from app.webhooks import service as webhooks

TOKEN_PREFIX = "inv_"  # noqa: S105 - never `aas_`: an invitation must not look like an API key
PORTAL_PATH = "/supplier-portal"

_DECISIONS = {
    ProcurementDecision.ACCEPT: Decision.APPROVE,
    ProcurementDecision.REJECT: Decision.REJECT,
    ProcurementDecision.REQUEST_CLARIFICATION: Decision.REQUEST_CHANGES,
}


# --- tokens ---------------------------------------------------------------------------------


def new_token() -> str:
    """An invitation token: 256 random bits, shown once."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def invitation_link(settings: Settings, token: str) -> str:
    """The web app's portal page; the token rides in the fragment, which browsers never send."""
    return f"{settings.public_base_url.rstrip('/')}{PORTAL_PATH}#token={token}"


def expiry_for(due_date: date, settings: Settings) -> datetime:
    """The end (UTC) of the day `invitation_valid_days_after_due` days after the due date."""
    last_day = due_date + timedelta(days=settings.invitation_valid_days_after_due)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC)


# --- vendor requests ------------------------------------------------------------------------


def request_status(assessment: Assessment) -> RequestStatus:
    if assessment.status == AssessmentStatus.APPROVED:
        return RequestStatus.ACCEPTED
    if assessment.status == AssessmentStatus.REJECTED:
        return RequestStatus.REJECTED
    if assessment.status == AssessmentStatus.SUBMITTED:
        return RequestStatus.SUBMITTED
    return RequestStatus.CLARIFICATION_REQUESTED if assessment.round > 1 else RequestStatus.OPEN


def is_decided(assessment: Assessment) -> bool:
    return assessment.status in (AssessmentStatus.APPROVED, AssessmentStatus.REJECTED)


def is_overdue(request: VendorRequest, assessment: Assessment) -> bool:
    return assessment.status == AssessmentStatus.DRAFT and request.due_date < utcnow().date()


def invitation_state(invitation: Invitation, now: datetime | None = None) -> InvitationState:
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.expires_at <= (now or utcnow()):
        return InvitationState.EXPIRED
    return InvitationState.ACTIVE


@dataclass(frozen=True)
class Issued:
    """A new invitation: its delivery, and the link when no e-mail carried it (shown once)."""

    invitation: Invitation
    delivery: Delivery
    link: str | None
    message_id: uuid.UUID | None = None


def _title(version: QuestionnaireVersion) -> str:
    return text_in(dict(version.model.title), "en")


def _revoke_live(session: Session, request: VendorRequest, now: datetime) -> list[Invitation]:
    """Revoke the request's invitations that still open it; the ones revoked."""
    live = list(
        session.exec(
            select(Invitation).where(
                Invitation.request_id == request.id, col(Invitation.revoked_at).is_(None)
            )
        ).all()
    )
    for invitation in live:
        invitation.revoked_at = now
        session.add(invitation)
    return live


def _issue_invitation(
    session: Session,
    *,
    settings: Settings,
    mailer: Mailer,
    request: VendorRequest,
    version: QuestionnaireVersion,
    actor: Actor,
) -> Issued:
    """Revoke the request's live invitations, make a new token, and e-mail its link."""
    now = utcnow()
    live = _revoke_live(session, request, now)
    token = new_token()
    link = invitation_link(settings, token)
    expires_at = expiry_for(request.due_date, settings)
    delivery = Delivery.NOT_CONFIGURED
    message_id: uuid.UUID | None = None
    if mailer.enabled:
        org = organizations.get_organization(session, organization_id=request.organization_id)
        supplier = get_owned(
            session, Supplier, request.supplier_id, request.organization_id, "supplier"
        )
        subject, body = invitation_email(
            organization=org.name,
            supplier=supplier.name,
            questionnaire_title=_title(version),
            due_date=request.due_date,
            message=request.message,
            link=outbox.SECRET,
            expires=(expires_at - timedelta(days=1)).date(),
        )
        # Sent by the outbox worker after the commit; the link rests encrypted until then.
        message = outbox.enqueue_email(
            session,
            settings=settings,
            organization_id=request.organization_id,
            purpose="supplier_invitation",
            to=request.recipient_email,
            subject=subject,
            body=body,
            secret=link,
        )
        message_id = message.id
        delivery = Delivery.QUEUED
    invitation = Invitation(
        organization_id=request.organization_id,
        request_id=request.id,
        token_hash=hash_key(token),
        recipient_email=request.recipient_email,
        expires_at=expires_at,
        delivery=delivery.value,
        **actor.created_by(),
    )
    session.add(invitation)
    session.flush()
    audit.record_change(
        session,
        "supplier_request",
        request,
        "invitation_issued",
        actor=actor,
        before={"revoked_invitations": [str(o.id) for o in live]} if live else None,
        after={
            "invitation_id": str(invitation.id),
            "recipient": invitation.recipient_email,
            "expires_at": expires_at.isoformat(),
            "delivery": delivery.value,
        },
    )
    shown = None if delivery == Delivery.QUEUED else link
    return Issued(invitation, delivery, shown, message_id)


@dataclass(frozen=True)
class CreatedRequest:
    request: VendorRequest
    assessment: Assessment
    issued: Issued
    prefill: MigrationPlan | None


def _recipient(session: Session, supplier: Supplier, data: RequestCreate) -> SupplierContact:
    """The contact a new request goes to, once its product and due date are the supplier's and
    still ahead; 422 naming the field otherwise."""
    contact = session.get(SupplierContact, data.contact_id)
    if contact is None or contact.supplier_id != supplier.id:
        raise InvalidFieldError(
            "/contact_id", "not a contact of this supplier", type=ProblemType.UNKNOWN_CONTACT
        )
    if data.product_id is not None:
        product = session.get(SupplierProduct, data.product_id)
        if product is None or product.supplier_id != supplier.id:
            raise InvalidFieldError(
                "/product_id", "not a product of this supplier", type=ProblemType.UNKNOWN_PRODUCT
            )
    if data.due_date < utcnow().date():
        raise InvalidFieldError("/due_date", "the due date is in the past")
    return contact


def _prefill(
    session: Session,
    catalog: Catalog,
    supplier: Supplier,
    version: QuestionnaireVersion,
    data: RequestCreate,
) -> tuple[Assessment | None, MigrationPlan | None]:
    """The accepted answers a new request starts from, moved to its version (when asked for)."""
    if not data.prefill_from_last_accepted:
        return None, None
    source = assessment_queries.last_approved_of_supplier(
        session, supplier_id=supplier.id, questionnaire_key=version.key
    )
    if source is None:
        raise InvalidFieldError(
            "/prefill_from_last_accepted",
            f"the supplier has no accepted answers to {version.key} to start from",
            type=ProblemType.NOTHING_TO_PREFILL,
        )
    return source, plan_migration(
        assessments.pinned_version(catalog, source), version, source.answers
    )


def create_request(
    session: Session,
    catalog: Catalog,
    *,
    settings: Settings,
    mailer: Mailer,
    caller: Caller,
    supplier_id: uuid.UUID,
    data: RequestCreate,
) -> CreatedRequest:
    """Send a questionnaire to a supplier contact: a draft assessment and an invitation."""
    supplier = get_supplier(session, caller=caller, supplier_id=supplier_id)
    contact = _recipient(session, supplier, data)
    version = assessments.resolve_version(
        catalog, data.questionnaire_key, data.questionnaire_version
    )
    source, plan = _prefill(session, catalog, supplier, version, data)
    answers: dict[str, Any] = dict(plan.answers) if plan else {}
    assessment = assessments.create_supplier_assessment(
        session, caller=caller, supplier_id=supplier.id, version=version, answers=answers
    )
    request = VendorRequest(
        organization_id=caller.organization_id,
        supplier_id=supplier.id,
        contact_id=contact.id,
        assessment_id=assessment.id,
        recipient_email=contact.email,
        **attributes(data, "product_id", "message", "due_date"),
        prefilled_from_assessment_id=source.id if source else None,
        **caller.actor.created_by(),
    )
    session.add(request)
    session.flush()
    audit.record_change(
        session,
        "supplier_request",
        request,
        "created",
        actor=caller.actor,
        after={
            "supplier_id": str(supplier.id),
            "recipient": contact.email,
            "questionnaire": version.ref,
            "due_date": data.due_date.isoformat(),
            "assessment_id": str(assessment.id),
            "prefilled_from": str(source.id) if source else None,
            "prefill_dropped": plan.dropped if plan else None,
            "prefill_to_answer": plan.to_answer if plan else None,
        },
    )
    issued = _issue_invitation(
        session,
        settings=settings,
        mailer=mailer,
        request=request,
        version=version,
        actor=caller.actor,
    )
    return CreatedRequest(request, assessment, issued, plan)


def get_request(
    session: Session, *, caller: Caller, request_id: uuid.UUID
) -> tuple[VendorRequest, Assessment]:
    request = session.get(VendorRequest, request_id)
    if request is None or request.organization_id != caller.organization_id:
        raise NotFoundError("supplier request", request_id)
    assessment = session.get(Assessment, request.assessment_id)
    if assessment is None:  # the FK forbids it; guards a hand-edited database
        raise NotFoundError("supplier request", request_id)
    return request, assessment


def current_invitation(session: Session, request: VendorRequest) -> Invitation | None:
    return session.exec(
        select(Invitation)
        .where(Invitation.request_id == request.id)
        .order_by(col(Invitation.created_at).desc(), col(Invitation.id).desc())
        .limit(1)
    ).first()


def list_requests(
    session: Session,
    *,
    caller: Caller,
    supplier_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[VendorRequest, Assessment, str]], str | None]:
    """A page of requests with their assessments and the supplier's name, newest first."""
    statement = (
        select(VendorRequest, Assessment, col(Supplier.name))
        .join(Assessment, col(Assessment.id) == col(VendorRequest.assessment_id))
        .join(Supplier, col(Supplier.id) == col(VendorRequest.supplier_id))
        .where(VendorRequest.organization_id == caller.organization_id)
    )
    if supplier_id is not None:
        statement = statement.where(VendorRequest.supplier_id == supplier_id)
    statement = keyset_page(statement, VendorRequest, cursor=cursor, limit=limit)
    rows = [(r, a, name) for r, a, name in session.exec(statement).all()]
    kept, next_cursor = finish_page([r for r, _, _ in rows], limit)
    return rows[: len(kept)], next_cursor


def resend_invitation(
    session: Session,
    catalog: Catalog,
    *,
    settings: Settings,
    mailer: Mailer,
    caller: Caller,
    request_id: uuid.UUID,
    data: Resend,
) -> tuple[VendorRequest, Assessment, Issued]:
    """A new token (the old one dies), e-mailed again; optionally a new due date or message."""
    request, assessment = get_request(session, caller=caller, request_id=request_id)
    if is_decided(assessment):
        raise ConflictError(
            "The request is decided; send a new request instead.", type=ProblemType.REQUEST_DECIDED
        )
    if data.due_date is not None and data.due_date != request.due_date:
        if data.due_date < utcnow().date():
            raise InvalidFieldError("/due_date", "the due date is in the past")
        request.due_date = data.due_date
        request.due_soon_reminded_at = None
        request.overdue_reminded_at = None
    if data.message is not None:
        request.message = data.message
    contact = session.get(SupplierContact, request.contact_id)
    if contact is not None:  # the contact's address may have been corrected since
        request.recipient_email = contact.email
    if expiry_for(request.due_date, settings) <= utcnow():
        raise InvalidFieldError(
            "/due_date", "the invitation would expire at once; set a new due date"
        )
    request.updated_at = utcnow()
    session.add(request)
    session.flush()
    issued = _issue_invitation(
        session,
        settings=settings,
        mailer=mailer,
        request=request,
        version=assessments.pinned_version(catalog, assessment),
        actor=caller.actor,
    )
    return request, assessment, issued


def revoke_invitation(
    session: Session, *, caller: Caller, request_id: uuid.UUID
) -> tuple[VendorRequest, Assessment]:
    request, assessment = get_request(session, caller=caller, request_id=request_id)
    live = _revoke_live(session, request, utcnow())
    session.flush()
    if live:
        audit.record_change(
            session,
            "supplier_request",
            request,
            "invitation_revoked",
            actor=caller.actor,
            after={"revoked_invitations": [str(i.id) for i in live]},
        )
    return request, assessment


def review_request(
    session: Session,
    catalog: Catalog,
    *,
    caller: Caller,
    request_id: uuid.UUID,
    decision: ProcurementDecision,
    comment: str | None,
    item_comments: dict[str, str],
    if_match: str | None,
) -> tuple[VendorRequest, Assessment]:
    """Accept, reject, or ask for clarification on specific questions (reopens the draft)."""
    request, _ = get_request(session, caller=caller, request_id=request_id)
    if decision == ProcurementDecision.REQUEST_CLARIFICATION and not item_comments:
        raise InvalidFieldError(
            "/item_comments", "name the questions to clarify, with what is unclear"
        )
    assessment = assessments.review(
        session,
        catalog,
        caller=caller,
        assessment_id=request.assessment_id,
        subject=assessments.Subject.SUPPLIER,
        decision=_DECISIONS[decision],
        comment=comment,
        item_comments=item_comments,
        if_match=if_match,
    )
    audit.record_change(
        session,
        "supplier_request",
        request,
        f"{decision.value}",
        actor=caller.actor,
        after={
            "decision": decision.value,
            "tier": assessment.tier,
            "comment": comment,
            "item_comments": dict(item_comments),
        },
    )
    decided = events.data(request, assessment, decision.value)
    webhooks.emit(session, request.organization_id, "vendor_request.decided", decided)
    return request, assessment


def latest_round(session: Session, assessment: Assessment) -> AssessmentRound | None:
    """The latest submitted round (the draft of a reopened request has none of its own yet)."""
    return session.exec(
        select(AssessmentRound)
        .where(AssessmentRound.assessment_id == assessment.id)
        .order_by(col(AssessmentRound.round).desc())
        .limit(1)
    ).first()


def evidence_of(session: Session, request: VendorRequest) -> list[Evidence]:
    return list(
        session.exec(
            select(Evidence)
            .where(Evidence.request_id == request.id)
            .order_by(col(Evidence.uploaded_at), col(Evidence.id))
        ).all()
    )


def get_evidence(
    session: Session, *, caller: Caller, request_id: uuid.UUID, evidence_id: uuid.UUID
) -> Evidence:
    get_request(session, caller=caller, request_id=request_id)
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.request_id != request_id:
        raise NotFoundError("evidence", evidence_id)
    return evidence
