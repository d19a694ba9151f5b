"""The supplier portal's service: what an invitation token opens, and the supplier's answers
and evidence through it, acting as a `Caller` without a key. Services flush, never commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import sqlalchemy as sa
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.assessments import service as assessments
from app.assessments.models import Assessment, AssessmentStatus
from app.audit import service as audit
from app.auth import Operator, hash_key
from app.db import record_aside, transaction, utcnow
from app.errors import (
    AppError,
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    ProblemType,
)
from app.questionnaires.catalog import Catalog
from app.suppliers import events
from app.suppliers.evidence import EvidenceStore, StagedFile, Upload, clean_filename, receive
from app.suppliers.models import (
    Evidence,
    Invitation,
    VendorRequest,
)
from app.suppliers.schemas import (
    InvitationState,
    PortalStatus,
)
from app.suppliers.vendor_requests import TOKEN_PREFIX, invitation_state, is_decided
from app.webhooks import service as webhooks

# --- the supplier portal --------------------------------------------------------------------


@dataclass(frozen=True)
class PortalAccess:
    """What an invitation token opens: one request, its assessment, acting as its contact."""

    request: VendorRequest
    assessment: Assessment
    caller: Operator  # the supplier's contact: no key, one organisation, one request


def unknown_invitation() -> AppError:
    # One answer for unknown, expired and revoked tokens: nothing tells them apart.
    return NotFoundError(
        detail="This invitation link is unknown, expired or replaced; ask its sender for a new one."
    )


def open_invitation(session: Session, token: str, *, read_only: bool = False) -> PortalAccess:
    """The request a token opens, or the same 404 for an unknown, expired or revoked token; the
    first use of the link is recorded (`read_only`: the request is a read)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise unknown_invitation()
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == hash_key(token))
    ).first()
    now = utcnow()
    if invitation is None or invitation_state(invitation, now) != InvitationState.ACTIVE:
        raise unknown_invitation()
    request = session.get(VendorRequest, invitation.request_id)
    assessment = session.get(Assessment, request.assessment_id) if request else None
    if request is None or assessment is None:
        raise unknown_invitation()
    if invitation.first_opened_at is None:
        record_aside(
            session,
            sa.update(Invitation)
            .where(col(Invitation.id) == invitation.id, col(Invitation.first_opened_at).is_(None))
            .values(first_opened_at=now),
            read_only=read_only,
            what="the first use of an invitation link",
        )
    return PortalAccess(
        request=request,
        assessment=assessment,
        caller=Operator(
            request.organization_id, f"supplier contact <{invitation.recipient_email}>"
        ),
    )


def portal_status(assessment: Assessment) -> PortalStatus:
    if is_decided(assessment):
        return PortalStatus.CLOSED
    if assessment.status == AssessmentStatus.SUBMITTED:
        return PortalStatus.SUBMITTED
    if assessment.round > 1:
        return PortalStatus.CLARIFICATION_REQUESTED
    return PortalStatus.OPEN


def portal_outcome(assessment: Assessment) -> Literal["accepted", "rejected"] | None:
    """What the supplier is told of the decision: accepted or rejected (never the tier)."""
    if assessment.status == AssessmentStatus.APPROVED:
        return "accepted"
    if assessment.status == AssessmentStatus.REJECTED:
        return "rejected"
    return None


def _ensure_open(access: PortalAccess) -> None:
    if is_decided(access.assessment):
        raise ConflictError(
            "This request is decided; the link now only shows what was submitted.",
            type=ProblemType.REQUEST_CLOSED,
        )


class _SupplierWrite(TypedDict):
    """The keywords that name the supplier's own assessment to the assessments service."""

    caller: Operator
    assessment_id: uuid.UUID
    subject: assessments.Subject


def _open_assessment(access: PortalAccess) -> _SupplierWrite:
    """Whose write to which assessment, through the supplier's API; 409 once it is decided."""
    _ensure_open(access)
    return _SupplierWrite(
        caller=access.caller,
        assessment_id=access.assessment.id,
        subject=assessments.Subject.SUPPLIER,
    )


def ensure_writable(session: Session, access: PortalAccess) -> None:
    """Answers and evidence change only while the request is an open draft.

    The assessment is locked and read again first (FOR SHARE on PostgreSQL; SQLite serialises
    write transactions already): a submit running at the same time holds FOR UPDATE, so the
    change waits for it and then sees the submitted status instead of landing after it.
    """
    session.get(
        Assessment,
        access.assessment.id,
        with_for_update={"read": True},
        populate_existing=True,
    )
    _ensure_open(access)
    if access.assessment.status != AssessmentStatus.DRAFT:
        raise ConflictError(
            "The answers are submitted and wait for review; nothing can change now.",
            type=ProblemType.ASSESSMENT_NOT_DRAFT,
        )


def portal_save(
    session: Session,
    catalog: Catalog,
    *,
    access: PortalAccess,
    changes: dict[str, Any],
    if_match: str | None,
) -> Assessment:
    return assessments.save_answers(
        session, catalog, **_open_assessment(access), changes=changes, if_match=if_match
    )


def portal_submit(
    session: Session, catalog: Catalog, *, access: PortalAccess, if_match: str | None
) -> Assessment:
    assessment = assessments.submit(
        session, catalog, **_open_assessment(access), as_of=None, if_match=if_match
    )
    audit.record_change(
        session,
        "supplier_request",
        access.request,
        "submitted",
        actor=access.caller.actor,
        after={"round": assessment.round, "tier": assessment.tier},
    )
    submitted = events.data(access.request, assessment)
    webhooks.emit(session, access.request.organization_id, "vendor_request.submitted", submitted)
    return assessment


def add_evidence(
    session: Session,
    catalog: Catalog,
    *,
    access: PortalAccess,
    store: EvidenceStore,
    staged: StagedFile,
    filename: str,
    content_type: str,
    item_id: str | None,
) -> Evidence:
    """Record an accepted upload and move its bytes into place (removed again on rollback)."""
    ensure_writable(session, access)
    if item_id is not None:
        version = assessments.pinned_version(catalog, access.assessment)
        if item_id not in version.program.items:
            raise InvalidParameterError(
                "item_id",
                f"{version.ref} has no question '{item_id}'.",
                type=ProblemType.UNKNOWN_ITEM,
                reason="no such question",
            )
    evidence = Evidence(
        organization_id=access.request.organization_id,
        request_id=access.request.id,
        item_id=item_id,
        round=access.assessment.round,
        filename=clean_filename(filename),
        content_type=content_type,
        size_bytes=staged.size,
        sha256=staged.sha256,
        storage_key="",
        uploaded_by=access.caller.actor.name,
    )
    evidence.storage_key = store.key_for(evidence.organization_id, evidence.request_id, evidence.id)
    session.add(evidence)
    session.flush()
    audit.record_change(
        session,
        "supplier_request",
        access.request,
        "evidence_added",
        actor=access.caller.actor,
        after={
            "evidence_id": str(evidence.id),
            "filename": evidence.filename,
            "content_type": evidence.content_type,
            "size_bytes": evidence.size_bytes,
            "sha256": evidence.sha256,
            "item_id": item_id,
        },
    )
    store.accept(staged, evidence.storage_key)
    key = evidence.storage_key
    # The file is in place before the commit; a rollback takes it away again.
    sa.event.listen(session, "after_rollback", lambda _s: store.remove(key), once=True)
    return evidence


def _check_upload(engine: Engine, token: str) -> None:
    # A write transaction: the first use of a link records first_opened_at.
    with transaction(engine, write=True) as session:
        ensure_writable(session, open_invitation(session, token))


async def upload_evidence(
    engine: Engine,
    catalog: Catalog,
    store: EvidenceStore,
    *,
    token: str,
    upload: Upload,
    limit: int,
    filename: str,
    item_id: str | None,
) -> Evidence:
    """Take an evidence file through an invitation link: the link is checked first, then the
    bytes stream in with no transaction open, then one short write transaction records them
    (the bytes move into place with it and are removed again if it rolls back)."""
    await run_in_threadpool(_check_upload, engine, token)
    staged, media_type = await receive(store, upload, limit=limit)

    def record() -> Evidence:
        with transaction(engine, write=True) as session:
            return add_evidence(
                session,
                catalog,
                access=open_invitation(session, token),
                store=store,
                staged=staged,
                filename=filename,
                content_type=media_type,
                item_id=item_id,
            )

    try:
        return await run_in_threadpool(record)
    finally:
        staged.discard()  # gone already when accepted (moved into place)


def delete_evidence(
    session: Session, *, access: PortalAccess, store: EvidenceStore, evidence_id: uuid.UUID
) -> None:
    """Remove a file the supplier attached to the draft (the bytes go once the change commits)."""
    ensure_writable(session, access)
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.request_id != access.request.id:
        raise NotFoundError("evidence", evidence_id)
    if evidence.round != access.assessment.round:
        raise ConflictError(
            "Evidence of an earlier round is part of what was submitted; it stays.",
            type=ProblemType.EVIDENCE_SUBMITTED,
        )
    key = evidence.storage_key
    session.delete(evidence)
    session.flush()
    audit.record_change(
        session,
        "supplier_request",
        access.request,
        "evidence_removed",
        actor=access.caller.actor,
        before={"evidence_id": str(evidence_id), "filename": evidence.filename},
    )
    sa.event.listen(session, "after_commit", lambda _s: store.remove(key), once=True)
