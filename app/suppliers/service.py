"""Suppliers, vendor requests, invitations and the supplier portal. Services flush, never commit.

A vendor request's answers are an assessment of the supplier (``Assessment.supplier_id``): the
draft, autosave, submit and review rules are those of `app.assessments.service`, reached by the
supplier through its invitation acting as a `Caller` without a key.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.assessments import service as assessments
from app.assessments.migration import MigrationPlan, plan_migration
from app.assessments.models import Assessment, AssessmentRound, AssessmentStatus, Decision
from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Principal, hash_key
from app.concurrency import check_if_match
from app.controls.i18n import text_in
from app.db import contains_text, record_aside, utcnow
from app.delivery import service as outbox
from app.delivery.mail import Mailer
from app.errors import AppError, ConflictError, NotFoundError
from app.organizations import service as organizations
from app.pagination import finish_page, keyset_page
from app.questionnaires.catalog import Catalog, QuestionnaireVersion
from app.settings import Settings
from app.suppliers import events
from app.suppliers.evidence import EvidenceStore, StagedFile, clean_filename
from app.suppliers.mail import invitation_email
from app.suppliers.models import (
    Evidence,
    Invitation,
    Supplier,
    SupplierContact,
    SupplierProduct,
    SupplierProductSystem,
    VendorRequest,
)
from app.suppliers.schemas import (
    ContactCreate,
    ContactUpdate,
    Delivery,
    InvitationState,
    PortalStatus,
    ProcurementDecision,
    ProductCreate,
    ProductUpdate,
    RequestCreate,
    RequestStatus,
    Resend,
    SupplierCreate,
    SupplierUpdate,
)
from app.systems.models import AISystem
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


# --- suppliers ------------------------------------------------------------------------------


def _snapshot(supplier: Supplier) -> dict[str, Any]:
    return {
        "name": supplier.name,
        "website": supplier.website,
        "country": supplier.country,
        "description": supplier.description,
        "revision": supplier.revision,
    }


def _check_systems(
    session: Session, organization_id: uuid.UUID, system_ids: Sequence[uuid.UUID], pointer: str
) -> None:
    if not system_ids:
        return
    found = set(
        session.exec(
            select(AISystem.id).where(
                AISystem.organization_id == organization_id, col(AISystem.id).in_(system_ids)
            )
        ).all()
    )
    missing = [(i, s) for i, s in enumerate(system_ids) if s not in found]
    if missing:
        raise AppError(
            status=422,
            type="unknown-ai-system",
            title="Invalid request",
            detail="Products name AI systems that are not in the inventory.",
            errors=[
                {"pointer": f"{pointer}/{i}", "detail": f"no AI system {s}"} for i, s in missing
            ],
        )


def _add_contact(
    session: Session, supplier: Supplier, data: ContactCreate, actor: Actor
) -> SupplierContact:
    email = data.email.lower()
    exists = session.exec(
        select(SupplierContact.id).where(
            SupplierContact.supplier_id == supplier.id, SupplierContact.email == email
        )
    ).first()
    if exists is not None:
        raise ConflictError(
            f"{email} is a contact of this supplier already.", type="contact-exists"
        )
    contact = SupplierContact(
        organization_id=supplier.organization_id,
        supplier_id=supplier.id,
        name=data.name,
        email=email,
        role=data.role,
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        organization_id=supplier.organization_id,
        actor=actor,
        action="supplier.contact_added",
        entity_type="supplier",
        entity_id=supplier.id,
        after={"contact_id": str(contact.id), "name": contact.name, "email": contact.email},
    )
    return contact


def _add_product(
    session: Session, supplier: Supplier, data: ProductCreate, actor: Actor
) -> SupplierProduct:
    product = SupplierProduct(
        organization_id=supplier.organization_id,
        supplier_id=supplier.id,
        name=data.name,
        description=data.description,
    )
    session.add(product)
    session.flush()
    for system_id in dict.fromkeys(data.system_ids):
        session.add(
            SupplierProductSystem(
                product_id=product.id,
                system_id=system_id,
                organization_id=supplier.organization_id,
            )
        )
    session.flush()
    audit.record(
        session,
        organization_id=supplier.organization_id,
        actor=actor,
        action="supplier.product_added",
        entity_type="supplier",
        entity_id=supplier.id,
        after={
            "product_id": str(product.id),
            "name": product.name,
            "system_ids": [str(s) for s in dict.fromkeys(data.system_ids)],
        },
    )
    return product


def create_supplier(
    session: Session, *, organization_id: uuid.UUID, data: SupplierCreate, actor: Actor
) -> Supplier:
    emails = [c.email.lower() for c in data.contacts]
    duplicates = [i for i, e in enumerate(emails) if e in emails[:i]]
    if duplicates:
        raise AppError(
            status=422,
            type="duplicate-contact",
            title="Invalid request",
            detail="Each contact e-mail address appears once.",
            errors=[{"pointer": f"/contacts/{i}/email", "detail": "repeated"} for i in duplicates],
        )
    for p, product in enumerate(data.products):
        _check_systems(session, organization_id, product.system_ids, f"/products/{p}/system_ids")
    supplier = Supplier(
        organization_id=organization_id,
        name=data.name,
        website=data.website,
        country=data.country,
        description=data.description,
        created_by_key_id=actor.key_id,
        created_by_user_id=actor.user_id,
    )
    session.add(supplier)
    session.flush()
    audit.record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="supplier.created",
        entity_type="supplier",
        entity_id=supplier.id,
        after=_snapshot(supplier),
    )
    for contact in data.contacts:
        _add_contact(session, supplier, contact, actor)
    for product in data.products:
        _add_product(session, supplier, product, actor)
    return supplier


def get_supplier(
    session: Session,
    *,
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID,
    for_update: bool = False,
) -> Supplier:
    """The supplier, or 404 — also when it belongs to another organisation; `for_update` locks
    the row until the transaction ends (see `systems.service.get_system`)."""
    supplier = session.get(
        Supplier, supplier_id, with_for_update=for_update or None, populate_existing=for_update
    )
    if supplier is None or supplier.organization_id != organization_id:
        raise NotFoundError("supplier", supplier_id)
    return supplier


def update_supplier(
    session: Session,
    *,
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID,
    data: SupplierUpdate,
    if_match: str | None,
    actor: Actor,
) -> Supplier:
    supplier = _supplier_for_change(session, organization_id, supplier_id, if_match)
    changes = data.model_dump(exclude_unset=True)
    _not_null(changes, "name")
    before = _snapshot(supplier)
    changed = False
    for field, value in changes.items():
        if getattr(supplier, field) != value:
            setattr(supplier, field, value)
            changed = True
    if changed:
        _supplier_changed(session, supplier)
        audit.record(
            session,
            organization_id=organization_id,
            actor=actor,
            action="supplier.updated",
            entity_type="supplier",
            entity_id=supplier.id,
            before=before,
            after=_snapshot(supplier),
        )
    return supplier


def add_contact(
    session: Session,
    *,
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID,
    data: ContactCreate,
    actor: Actor,
) -> SupplierContact:
    supplier = get_supplier(session, organization_id=organization_id, supplier_id=supplier_id)
    return _add_contact(session, supplier, data, actor)


def add_product(
    session: Session,
    *,
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID,
    data: ProductCreate,
    actor: Actor,
) -> SupplierProduct:
    supplier = get_supplier(session, organization_id=organization_id, supplier_id=supplier_id)
    _check_systems(session, organization_id, data.system_ids, "/system_ids")
    return _add_product(session, supplier, data, actor)


def _supplier_for_change(
    session: Session, organization_id: uuid.UUID, supplier_id: uuid.UUID, if_match: str | None
) -> Supplier:
    """The supplier whose contacts or products change: they are part of its record, so a change
    needs its ETag and moves its revision on."""
    supplier = get_supplier(
        session, organization_id=organization_id, supplier_id=supplier_id, for_update=True
    )
    check_if_match(if_match, supplier.revision)
    return supplier


def _supplier_changed(session: Session, supplier: Supplier) -> None:
    supplier.revision += 1
    supplier.updated_at = utcnow()
    session.add(supplier)
    session.flush()


def _not_null(changes: dict[str, Any], *fields: str) -> None:
    for field in fields:
        if field in changes and changes[field] is None:
            raise _field_error(f"/{field}", f"{field} cannot be null: it must keep a value")


def _contact_of(session: Session, supplier: Supplier, contact_id: uuid.UUID) -> SupplierContact:
    contact = session.get(SupplierContact, contact_id)
    if contact is None or contact.supplier_id != supplier.id:
        raise NotFoundError("contact", contact_id)
    return contact


def _contact_view(contact: SupplierContact) -> dict[str, Any]:
    return {
        "contact_id": str(contact.id),
        "name": contact.name,
        "email": contact.email,
        "role": contact.role,
    }


def update_contact(
    session: Session,
    *,
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID,
    contact_id: uuid.UUID,
    data: ContactUpdate,
    if_match: str | None,
    actor: Actor,
) -> Supplier:
    supplier = _supplier_for_change(session, organization_id, supplier_id, if_match)
    contact = _contact_of(session, supplier, contact_id)
    changes = data.model_dump(exclude_unset=True)
    _not_null(changes, "name", "email")
    if changes.get("email") is not None:
        changes["email"] = changes["email"].lower()
        taken = session.exec(
            select(SupplierContact.id).where(
                SupplierContact.supplier_id == supplier.id,
                SupplierContact.email == changes["email"],
                SupplierContact.id != contact.id,
            )
        ).first()
        if taken is not None:
            raise ConflictError(
                f"{changes['email']} is a contact of this supplier already.",
                type="contact-exists",
            )
    before = _contact_view(contact)
    for field, value in changes.items():
        setattr(contact, field, value)
    if _contact_view(contact) == before:
        return supplier
    session.add(contact)
    _supplier_changed(session, supplier)
    audit.record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="supplier.contact_updated",
        entity_type="supplier",
        entity_id=supplier.id,
        before=before,
        after=_contact_view(contact),
    )
    return supplier


def remove_contact(
    session: Session,
    *,
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID,
    contact_id: uuid.UUID,
    if_match: str | None,
    actor: Actor,
) -> Supplier:
    supplier = _supplier_for_change(session, organization_id, supplier_id, if_match)
    contact = _contact_of(session, supplier, contact_id)
    requests = session.exec(
        select(sa.func.count())
        .select_from(VendorRequest)
        .where(VendorRequest.contact_id == contact.id)
    ).one()
    if requests:
        raise ConflictError(
            f"{contact.email} received {requests} questionnaire request(s), which keep naming "
            "them; change the contact's details instead.",
            type="contact-in-use",
        )
    before = _contact_view(contact)
    session.delete(contact)
    _supplier_changed(session, supplier)
    audit.record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="supplier.contact_removed",
        entity_type="supplier",
        entity_id=supplier.id,
        before=before,
    )
    return supplier


def _product_of(session: Session, supplier: Supplier, product_id: uuid.UUID) -> SupplierProduct:
    product = session.get(SupplierProduct, product_id)
    if product is None or product.supplier_id != supplier.id:
        raise NotFoundError("product", product_id)
    return product


def _linked_systems(session: Session, product: SupplierProduct) -> list[uuid.UUID]:
    return sorted(
        session.exec(
            select(SupplierProductSystem.system_id).where(
                SupplierProductSystem.product_id == product.id
            )
        ).all(),
        key=str,
    )


def _product_view(product: SupplierProduct, system_ids: list[uuid.UUID]) -> dict[str, Any]:
    return {
        "product_id": str(product.id),
        "name": product.name,
        "description": product.description,
        "system_ids": [str(s) for s in system_ids],
    }


def update_product(
    session: Session,
    *,
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID,
    product_id: uuid.UUID,
    data: ProductUpdate,
    if_match: str | None,
    actor: Actor,
) -> Supplier:
    supplier = _supplier_for_change(session, organization_id, supplier_id, if_match)
    product = _product_of(session, supplier, product_id)
    changes = data.model_dump(exclude_unset=True)
    _not_null(changes, "name", "system_ids")
    linked = _linked_systems(session, product)
    before = _product_view(product, linked)
    wanted = linked
    if "system_ids" in changes:
        wanted = sorted(dict.fromkeys(data.system_ids or []), key=str)
        _check_systems(session, organization_id, wanted, "/system_ids")
    for field in ("name", "description"):
        if field in changes:
            setattr(product, field, changes[field])
    if _product_view(product, wanted) == before:
        return supplier
    for system_id in set(linked) - set(wanted):
        link = session.get(SupplierProductSystem, (product.id, system_id))
        if link is not None:
            session.delete(link)
    for system_id in [s for s in wanted if s not in set(linked)]:
        session.add(
            SupplierProductSystem(
                product_id=product.id, system_id=system_id, organization_id=organization_id
            )
        )
    session.add(product)
    _supplier_changed(session, supplier)
    audit.record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="supplier.product_updated",
        entity_type="supplier",
        entity_id=supplier.id,
        before=before,
        after=_product_view(product, wanted),
    )
    return supplier


def remove_product(
    session: Session,
    *,
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID,
    product_id: uuid.UUID,
    if_match: str | None,
    actor: Actor,
) -> Supplier:
    """Remove a product and its links to AI systems; requests about it stay, without the link."""
    supplier = _supplier_for_change(session, organization_id, supplier_id, if_match)
    product = _product_of(session, supplier, product_id)
    before = _product_view(product, _linked_systems(session, product))
    session.execute(
        sa.update(VendorRequest)
        .where(col(VendorRequest.product_id) == product.id)
        .values(product_id=None)
    )
    session.execute(
        sa.delete(SupplierProductSystem).where(col(SupplierProductSystem.product_id) == product.id)
    )
    session.delete(product)
    _supplier_changed(session, supplier)
    audit.record(
        session,
        organization_id=organization_id,
        actor=actor,
        action="supplier.product_removed",
        entity_type="supplier",
        entity_id=supplier.id,
        before=before,
    )
    return supplier


def contacts(session: Session, supplier: Supplier) -> list[SupplierContact]:
    return list(
        session.exec(
            select(SupplierContact)
            .where(SupplierContact.supplier_id == supplier.id)
            .order_by(col(SupplierContact.created_at), col(SupplierContact.id))
        ).all()
    )


def products(session: Session, supplier: Supplier) -> list[tuple[SupplierProduct, list[uuid.UUID]]]:
    found = list(
        session.exec(
            select(SupplierProduct)
            .where(SupplierProduct.supplier_id == supplier.id)
            .order_by(col(SupplierProduct.created_at), col(SupplierProduct.id))
        ).all()
    )
    links = session.exec(
        select(SupplierProductSystem).where(
            col(SupplierProductSystem.product_id).in_([p.id for p in found])
        )
    ).all()
    systems: dict[uuid.UUID, list[uuid.UUID]] = {}
    for link in links:
        systems.setdefault(link.product_id, []).append(link.system_id)
    return [(p, sorted(systems.get(p.id, []), key=str)) for p in found]


def list_suppliers(
    session: Session,
    *,
    organization_id: uuid.UUID,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Supplier], str | None]:
    statement = select(Supplier).where(Supplier.organization_id == organization_id)
    if q:
        statement = statement.where(contains_text(Supplier.name, q))
    statement = keyset_page(
        statement, created_col=Supplier.created_at, id_col=Supplier.id, cursor=cursor, limit=limit
    )
    return finish_page(list(session.exec(statement).all()), limit)


@dataclass(frozen=True)
class SupplierStanding:
    """The latest accepted answers of a supplier: its current tier and controls."""

    assessment: Assessment
    accepted: AssessmentRound
    request: VendorRequest | None


def standing(session: Session, supplier_id: uuid.UUID) -> SupplierStanding | None:
    row = session.exec(
        select(Assessment, AssessmentRound)
        .join(
            AssessmentRound,
            sa.and_(
                col(AssessmentRound.assessment_id) == col(Assessment.id),
                col(AssessmentRound.round) == col(Assessment.round),
            ),
        )
        .where(
            Assessment.supplier_id == supplier_id,
            Assessment.status == AssessmentStatus.APPROVED.value,
        )
        .order_by(col(Assessment.decided_at).desc(), col(Assessment.id).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    assessment, accepted = row
    request = session.exec(
        select(VendorRequest).where(VendorRequest.assessment_id == assessment.id)
    ).first()
    return SupplierStanding(assessment, accepted, request)


def current_tiers(session: Session, supplier_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each supplier's tier from its latest accepted answers (for lists)."""
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


def history(session: Session, supplier_id: uuid.UUID) -> list[tuple[VendorRequest, Assessment]]:
    rows = session.exec(
        select(VendorRequest, Assessment)
        .join(Assessment, col(Assessment.id) == col(VendorRequest.assessment_id))
        .where(VendorRequest.supplier_id == supplier_id)
        .order_by(col(VendorRequest.created_at).desc(), col(VendorRequest.id).desc())
    ).all()
    return [(r, a) for r, a in rows]


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
    supplier: Supplier,
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
        created_by_key_id=actor.key_id,
        created_by_user_id=actor.user_id,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        organization_id=request.organization_id,
        actor=actor,
        action="supplier_request.invitation_issued",
        entity_type="supplier_request",
        entity_id=request.id,
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


def _last_accepted(session: Session, supplier_id: uuid.UUID, key: str) -> Assessment | None:
    return session.exec(
        select(Assessment)
        .where(
            Assessment.supplier_id == supplier_id,
            Assessment.questionnaire_key == key,
            Assessment.status == AssessmentStatus.APPROVED.value,
        )
        .order_by(col(Assessment.decided_at).desc(), col(Assessment.id).desc())
        .limit(1)
    ).first()


def _field_error(pointer: str, detail: str, type_: str = "validation-error") -> AppError:
    return AppError(
        status=422,
        type=type_,
        title="Invalid request",
        detail=detail,
        errors=[{"pointer": pointer, "detail": detail}],
    )


def create_request(
    session: Session,
    catalog: Catalog,
    *,
    settings: Settings,
    mailer: Mailer,
    principal: Principal,
    supplier_id: uuid.UUID,
    data: RequestCreate,
) -> CreatedRequest:
    """Send a questionnaire to a supplier contact: a draft assessment and an invitation."""
    supplier = get_supplier(
        session, organization_id=principal.organization_id, supplier_id=supplier_id
    )
    contact = session.get(SupplierContact, data.contact_id)
    if contact is None or contact.supplier_id != supplier.id:
        raise _field_error("/contact_id", "not a contact of this supplier", "unknown-contact")
    if data.product_id is not None:
        product = session.get(SupplierProduct, data.product_id)
        if product is None or product.supplier_id != supplier.id:
            raise _field_error("/product_id", "not a product of this supplier", "unknown-product")
    if data.due_date < utcnow().date():
        raise _field_error("/due_date", "the due date is in the past")
    version = assessments.resolve_version(
        catalog, data.questionnaire_key, data.questionnaire_version
    )
    plan: MigrationPlan | None = None
    answers: dict[str, Any] = {}
    source: Assessment | None = None
    if data.prefill_from_last_accepted:
        source = _last_accepted(session, supplier.id, version.key)
        if source is None:
            raise _field_error(
                "/prefill_from_last_accepted",
                f"the supplier has no accepted answers to {version.key} to start from",
                "nothing-to-prefill",
            )
        plan = plan_migration(assessments.pinned_version(catalog, source), version, source.answers)
        answers = dict(plan.answers)
    assessment = assessments.create_supplier_assessment(
        session, caller=principal, supplier_id=supplier.id, version=version, answers=answers
    )
    request = VendorRequest(
        organization_id=principal.organization_id,
        supplier_id=supplier.id,
        contact_id=contact.id,
        product_id=data.product_id,
        assessment_id=assessment.id,
        recipient_email=contact.email,
        message=data.message,
        due_date=data.due_date,
        prefilled_from_assessment_id=source.id if source else None,
        created_by_key_id=principal.key_id,
        created_by_user_id=principal.user_id,
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        organization_id=principal.organization_id,
        actor=principal.actor,
        action="supplier_request.created",
        entity_type="supplier_request",
        entity_id=request.id,
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
        supplier=supplier,
        version=version,
        actor=principal.actor,
    )
    return CreatedRequest(request, assessment, issued, plan)


def get_request(
    session: Session, *, organization_id: uuid.UUID, request_id: uuid.UUID
) -> tuple[VendorRequest, Assessment]:
    request = session.get(VendorRequest, request_id)
    if request is None or request.organization_id != organization_id:
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
    organization_id: uuid.UUID,
    supplier_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[VendorRequest, Assessment, str]], str | None]:
    """A page of requests with their assessments and the supplier's name, newest first."""
    statement = (
        select(VendorRequest, Assessment, col(Supplier.name))
        .join(Assessment, col(Assessment.id) == col(VendorRequest.assessment_id))
        .join(Supplier, col(Supplier.id) == col(VendorRequest.supplier_id))
        .where(VendorRequest.organization_id == organization_id)
    )
    if supplier_id is not None:
        statement = statement.where(VendorRequest.supplier_id == supplier_id)
    statement = keyset_page(
        statement,
        created_col=VendorRequest.created_at,
        id_col=VendorRequest.id,
        cursor=cursor,
        limit=limit,
    )
    rows = [(r, a, name) for r, a, name in session.exec(statement).all()]
    kept, next_cursor = finish_page([r for r, _, _ in rows], limit)
    return rows[: len(kept)], next_cursor


def resend_invitation(
    session: Session,
    catalog: Catalog,
    *,
    settings: Settings,
    mailer: Mailer,
    principal: Principal,
    request_id: uuid.UUID,
    data: Resend,
) -> tuple[VendorRequest, Assessment, Issued]:
    """A new token (the old one dies), e-mailed again; optionally a new due date or message."""
    request, assessment = get_request(
        session, organization_id=principal.organization_id, request_id=request_id
    )
    if is_decided(assessment):
        raise ConflictError(
            "The request is decided; send a new request instead.", type="request-decided"
        )
    if data.due_date is not None and data.due_date != request.due_date:
        if data.due_date < utcnow().date():
            raise _field_error("/due_date", "the due date is in the past")
        request.due_date = data.due_date
        request.due_soon_reminded_at = None
        request.overdue_reminded_at = None
    if data.message is not None:
        request.message = data.message
    contact = session.get(SupplierContact, request.contact_id)
    if contact is not None:  # the contact's address may have been corrected since
        request.recipient_email = contact.email
    if expiry_for(request.due_date, settings) <= utcnow():
        raise _field_error("/due_date", "the invitation would expire at once; set a new due date")
    request.updated_at = utcnow()
    session.add(request)
    session.flush()
    supplier = get_supplier(
        session, organization_id=principal.organization_id, supplier_id=request.supplier_id
    )
    issued = _issue_invitation(
        session,
        settings=settings,
        mailer=mailer,
        request=request,
        supplier=supplier,
        version=assessments.pinned_version(catalog, assessment),
        actor=principal.actor,
    )
    return request, assessment, issued


def revoke_invitation(
    session: Session, *, principal: Principal, request_id: uuid.UUID
) -> tuple[VendorRequest, Assessment]:
    request, assessment = get_request(
        session, organization_id=principal.organization_id, request_id=request_id
    )
    live = _revoke_live(session, request, utcnow())
    session.flush()
    if live:
        audit.record(
            session,
            organization_id=request.organization_id,
            actor=principal.actor,
            action="supplier_request.invitation_revoked",
            entity_type="supplier_request",
            entity_id=request.id,
            after={"revoked_invitations": [str(i.id) for i in live]},
        )
    return request, assessment


def review_request(
    session: Session,
    catalog: Catalog,
    *,
    principal: Principal,
    request_id: uuid.UUID,
    decision: ProcurementDecision,
    comment: str | None,
    item_comments: dict[str, str],
    if_match: str | None,
) -> tuple[VendorRequest, Assessment]:
    """Accept, reject, or ask for clarification on specific questions (reopens the draft)."""
    request, _ = get_request(
        session, organization_id=principal.organization_id, request_id=request_id
    )
    if decision == ProcurementDecision.REQUEST_CLARIFICATION and not item_comments:
        raise _field_error("/item_comments", "name the questions to clarify, with what is unclear")
    assessment = assessments.review(
        session,
        catalog,
        caller=principal,
        assessment_id=request.assessment_id,
        subject=assessments.Subject.SUPPLIER,
        decision=_DECISIONS[decision],
        comment=comment,
        item_comments=item_comments,
        if_match=if_match,
    )
    audit.record(
        session,
        organization_id=request.organization_id,
        actor=principal.actor,
        action=f"supplier_request.{decision.value}",
        entity_type="supplier_request",
        entity_id=request.id,
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
    session: Session, *, organization_id: uuid.UUID, request_id: uuid.UUID, evidence_id: uuid.UUID
) -> Evidence:
    get_request(session, organization_id=organization_id, request_id=request_id)
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.request_id != request_id:
        raise NotFoundError("evidence", evidence_id)
    return evidence


# --- the supplier portal --------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierCaller:
    """A supplier contact acting through an invitation: no key, one organisation, one request."""

    organization_id: uuid.UUID
    email: str
    key_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None

    @property
    def actor(self) -> Actor:
        return Actor(key_id=None, name=f"supplier contact <{self.email}>")


@dataclass(frozen=True)
class PortalAccess:
    """What an invitation token opens: one request, its assessment, acting as its contact."""

    request: VendorRequest
    assessment: Assessment
    caller: SupplierCaller


def unknown_invitation() -> AppError:
    # One answer for unknown, expired and revoked tokens: nothing tells them apart.
    return AppError(
        status=404,
        type="not-found",
        title="Not found",
        detail="This invitation link is unknown, expired or replaced; ask its sender for a new one.",  # noqa: E501
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
        caller=SupplierCaller(
            organization_id=request.organization_id, email=invitation.recipient_email
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
            type="request-closed",
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
            type="assessment-not-draft",
        )


def portal_save(
    session: Session,
    catalog: Catalog,
    *,
    access: PortalAccess,
    changes: dict[str, Any],
    if_match: str | None,
) -> Assessment:
    _ensure_open(access)
    return assessments.save_answers(
        session,
        catalog,
        caller=access.caller,
        assessment_id=access.assessment.id,
        subject=assessments.Subject.SUPPLIER,
        changes=changes,
        if_match=if_match,
    )


def portal_submit(
    session: Session, catalog: Catalog, *, access: PortalAccess, if_match: str | None
) -> Assessment:
    _ensure_open(access)
    assessment = assessments.submit(
        session,
        catalog,
        caller=access.caller,
        assessment_id=access.assessment.id,
        subject=assessments.Subject.SUPPLIER,
        as_of=None,
        if_match=if_match,
    )
    audit.record(
        session,
        organization_id=access.request.organization_id,
        actor=access.caller.actor,
        action="supplier_request.submitted",
        entity_type="supplier_request",
        entity_id=access.request.id,
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
            raise AppError(
                status=422,
                type="unknown-item",
                title="Invalid request",
                detail=f"{version.ref} has no question '{item_id}'.",
                errors=[{"parameter": "item_id", "detail": "no such question"}],
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
    audit.record(
        session,
        organization_id=evidence.organization_id,
        actor=access.caller.actor,
        action="supplier_request.evidence_added",
        entity_type="supplier_request",
        entity_id=access.request.id,
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
            type="evidence-submitted",
        )
    key = evidence.storage_key
    session.delete(evidence)
    session.flush()
    audit.record(
        session,
        organization_id=access.request.organization_id,
        actor=access.caller.actor,
        action="supplier_request.evidence_removed",
        entity_type="supplier_request",
        entity_id=access.request.id,
        before={"evidence_id": str(evidence_id), "filename": evidence.filename},
    )
    sa.event.listen(session, "after_commit", lambda _s: store.remove(key), once=True)
