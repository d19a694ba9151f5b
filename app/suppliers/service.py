"""Suppliers with their contacts and products. Services flush, never commit.

Vendor requests and invitations are in `vendor_requests`, what an invitation opens in
`portal_service`; a supplier's assessment data is read through `app.assessments.service`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.assessments import queries as assessment_queries
from app.assessments.models import Assessment, AssessmentRound
from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller
from app.db import contains_text, get_for_change, get_owned
from app.errors import (
    ConflictError,
    InvalidFieldError,
    InvalidRequestError,
    NotFoundError,
    ProblemType,
    field_problem,
)
from app.pagination import fetch_page
from app.suppliers.models import (
    Supplier,
    SupplierContact,
    SupplierProduct,
    SupplierProductSystem,
    VendorRequest,
)
from app.suppliers.schemas import (
    ContactCreate,
    ContactUpdate,
    ProductCreate,
    ProductUpdate,
    SupplierCreate,
    SupplierUpdate,
)
from app.systems.models import AISystem
from app.views import attributes

# --- suppliers ------------------------------------------------------------------------------


def _snapshot(supplier: Supplier) -> dict[str, Any]:
    return attributes(supplier, "name", "website", "country", "description", "revision")


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
        raise InvalidRequestError(
            ProblemType.UNKNOWN_AI_SYSTEM,
            "Products name AI systems that are not in the inventory.",
            errors=[field_problem(f"{pointer}/{i}", f"no AI system {s}") for i, s in missing],
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
            f"{email} is a contact of this supplier already.", type=ProblemType.CONTACT_EXISTS
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
    audit.record_change(
        session,
        "supplier",
        supplier,
        "contact_added",
        actor=actor,
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
    audit.record_change(
        session,
        "supplier",
        supplier,
        "product_added",
        actor=actor,
        after={
            "product_id": str(product.id),
            "name": product.name,
            "system_ids": [str(s) for s in dict.fromkeys(data.system_ids)],
        },
    )
    return product


def create_supplier(session: Session, *, caller: Caller, data: SupplierCreate) -> Supplier:
    emails = [c.email.lower() for c in data.contacts]
    duplicates = [i for i, e in enumerate(emails) if e in emails[:i]]
    if duplicates:
        raise InvalidRequestError(
            ProblemType.DUPLICATE_CONTACT,
            "Each contact e-mail address appears once.",
            errors=[field_problem(f"/contacts/{i}/email", "repeated") for i in duplicates],
        )
    for p, product in enumerate(data.products):
        _check_systems(
            session, caller.organization_id, product.system_ids, f"/products/{p}/system_ids"
        )
    supplier = Supplier(
        organization_id=caller.organization_id,
        **attributes(data, "name", "website", "country", "description"),
        **caller.actor.created_by(),
    )
    session.add(supplier)
    session.flush()
    audit.record_change(
        session, "supplier", supplier, "created", actor=caller.actor, after=_snapshot(supplier)
    )
    for contact in data.contacts:
        _add_contact(session, supplier, contact, caller.actor)
    for product in data.products:
        _add_product(session, supplier, product, caller.actor)
    return supplier


def get_supplier(
    session: Session,
    *,
    caller: Caller,
    supplier_id: uuid.UUID,
    for_update: bool = False,
) -> Supplier:
    """The supplier, or 404 — also when it belongs to another organisation; `for_update` locks
    the row until the transaction ends (see `db.get_owned`)."""
    return get_owned(
        session, Supplier, supplier_id, caller.organization_id, "supplier", for_update=for_update
    )


def update_supplier(
    session: Session,
    *,
    caller: Caller,
    supplier_id: uuid.UUID,
    data: SupplierUpdate,
    if_match: str | None,
) -> Supplier:
    supplier = _supplier_for_change(session, caller, supplier_id, if_match)
    changes = data.model_dump(exclude_unset=True)
    _not_null(changes, "name")
    before = _snapshot(supplier)
    changed = False
    for field, value in changes.items():
        if getattr(supplier, field) != value:
            setattr(supplier, field, value)
            changed = True
    if changed:
        _record_change(
            session, caller, supplier, "updated", before=before, after=_snapshot(supplier)
        )
    return supplier


def add_contact(
    session: Session,
    *,
    caller: Caller,
    supplier_id: uuid.UUID,
    data: ContactCreate,
) -> SupplierContact:
    supplier = get_supplier(session, caller=caller, supplier_id=supplier_id)
    return _add_contact(session, supplier, data, caller.actor)


def add_product(
    session: Session,
    *,
    caller: Caller,
    supplier_id: uuid.UUID,
    data: ProductCreate,
) -> SupplierProduct:
    supplier = get_supplier(session, caller=caller, supplier_id=supplier_id)
    _check_systems(session, caller.organization_id, data.system_ids, "/system_ids")
    return _add_product(session, supplier, data, caller.actor)


def _supplier_for_change(
    session: Session, caller: Caller, supplier_id: uuid.UUID, if_match: str | None
) -> Supplier:
    """The supplier whose contacts or products change: they are part of its record, so a change
    needs its ETag and moves its revision on."""
    return get_for_change(
        session, Supplier, supplier_id, caller.organization_id, "supplier", if_match
    )


def _record_change(
    session: Session,
    caller: Caller,
    supplier: Supplier,
    change: str,
    *,
    before: dict[str, Any],
    after: dict[str, Any] | None = None,
) -> None:
    """The supplier's record changed: its revision moves on and the audit log says how."""
    _supplier_changed(session, supplier)
    audit.record_change(
        session, "supplier", supplier, change, actor=caller.actor, before=before, after=after
    )


def _supplier_changed(session: Session, supplier: Supplier) -> None:
    supplier.touch()
    session.add(supplier)
    session.flush()


def _not_null(changes: dict[str, Any], *fields: str) -> None:
    for field in fields:
        if field in changes and changes[field] is None:
            raise InvalidFieldError(f"/{field}", f"{field} cannot be null: it must keep a value")


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
    caller: Caller,
    supplier_id: uuid.UUID,
    contact_id: uuid.UUID,
    data: ContactUpdate,
    if_match: str | None,
) -> Supplier:
    supplier = _supplier_for_change(session, caller, supplier_id, if_match)
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
                type=ProblemType.CONTACT_EXISTS,
            )
    before = _contact_view(contact)
    for field, value in changes.items():
        setattr(contact, field, value)
    if _contact_view(contact) == before:
        return supplier
    session.add(contact)
    _record_change(
        session,
        caller,
        supplier,
        "contact_updated",
        before=before,
        after=_contact_view(contact),
    )
    return supplier


def remove_contact(
    session: Session,
    *,
    caller: Caller,
    supplier_id: uuid.UUID,
    contact_id: uuid.UUID,
    if_match: str | None,
) -> Supplier:
    supplier = _supplier_for_change(session, caller, supplier_id, if_match)
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
            type=ProblemType.CONTACT_IN_USE,
        )
    before = _contact_view(contact)
    session.delete(contact)
    _record_change(session, caller, supplier, "contact_removed", before=before)
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
    caller: Caller,
    supplier_id: uuid.UUID,
    product_id: uuid.UUID,
    data: ProductUpdate,
    if_match: str | None,
) -> Supplier:
    supplier = _supplier_for_change(session, caller, supplier_id, if_match)
    product = _product_of(session, supplier, product_id)
    changes = data.model_dump(exclude_unset=True)
    _not_null(changes, "name", "system_ids")
    linked = _linked_systems(session, product)
    before = _product_view(product, linked)
    wanted = linked
    if "system_ids" in changes:
        wanted = sorted(dict.fromkeys(data.system_ids or []), key=str)
        _check_systems(session, caller.organization_id, wanted, "/system_ids")
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
                product_id=product.id, system_id=system_id, organization_id=caller.organization_id
            )
        )
    session.add(product)
    _record_change(
        session,
        caller,
        supplier,
        "product_updated",
        before=before,
        after=_product_view(product, wanted),
    )
    return supplier


def remove_product(
    session: Session,
    *,
    caller: Caller,
    supplier_id: uuid.UUID,
    product_id: uuid.UUID,
    if_match: str | None,
) -> Supplier:
    """Remove a product and its links to AI systems; requests about it stay, without the link."""
    supplier = _supplier_for_change(session, caller, supplier_id, if_match)
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
    _record_change(session, caller, supplier, "product_removed", before=before)
    return supplier


Part = TypeVar("Part", SupplierContact, SupplierProduct)


def _parts(session: Session, kind: type[Part], supplier: Supplier) -> list[Part]:
    """The supplier's contacts or products, in the order they were added."""
    statement = select(kind).where(kind.supplier_id == supplier.id)
    return list(session.exec(statement.order_by(col(kind.created_at), col(kind.id))).all())


def contacts(session: Session, supplier: Supplier) -> list[SupplierContact]:
    return _parts(session, SupplierContact, supplier)


def products(session: Session, supplier: Supplier) -> list[tuple[SupplierProduct, list[uuid.UUID]]]:
    found = _parts(session, SupplierProduct, supplier)
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
    caller: Caller,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Supplier], str | None]:
    statement = select(Supplier).where(Supplier.organization_id == caller.organization_id)
    if q:
        statement = statement.where(contains_text(Supplier.name, q))
    return fetch_page(session, statement, Supplier, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class SupplierStanding:
    """The latest accepted answers of a supplier: its current tier and controls."""

    assessment: Assessment
    accepted: AssessmentRound
    request: VendorRequest | None


def standing(session: Session, supplier_id: uuid.UUID) -> SupplierStanding | None:
    found = assessment_queries.supplier_standing(session, supplier_id)
    if found is None:
        return None
    assessment, accepted = found
    request = session.exec(
        select(VendorRequest).where(VendorRequest.assessment_id == assessment.id)
    ).first()
    return SupplierStanding(assessment, accepted, request)


def current_tiers(session: Session, supplier_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each supplier's tier from its latest accepted answers (for lists)."""
    return assessment_queries.supplier_tiers(session, supplier_ids)


def history(session: Session, supplier_id: uuid.UUID) -> list[tuple[VendorRequest, Assessment]]:
    requests = session.exec(
        select(VendorRequest)
        .where(VendorRequest.supplier_id == supplier_id)
        .order_by(col(VendorRequest.created_at).desc(), col(VendorRequest.id).desc())
    ).all()
    found = assessment_queries.by_ids(session, [r.assessment_id for r in requests])
    return [(r, found[r.assessment_id]) for r in requests]
