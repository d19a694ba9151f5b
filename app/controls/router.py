"""HTTP routes of the control catalog: list (filter by framework, cursor pages) and get by id."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel, Field

from app.auth import Scope, require_scope
from app.controls.catalog import ControlCatalog
from app.controls.i18n import pick_language
from app.controls.models import Control
from app.errors import NotFoundError, problem_responses
from app.pagination import Page, PageDep, invalid_cursor
from app.routing import AUTHENTICATED_READ, problem_router

AcceptLanguage = Annotated[str | None, Header(description="Preferred languages (RFC 9110).")]
# Every route reads: the caller needs the `read` scope.
router = problem_router(
    AUTHENTICATED_READ,
    prefix="/v1/controls",
    tags=["controls"],
    dependencies=[Depends(require_scope(Scope.READ))],
)


async def get_control_catalog(request: Request) -> ControlCatalog:
    """The control catalog: ``app.state.controls`` or the questionnaire catalog's."""
    controls = getattr(request.app.state, "controls", None)
    if controls is None:
        controls = request.app.state.catalog.controls
    if not isinstance(controls, ControlCatalog):
        raise RuntimeError("no control catalog on app.state")
    return controls


ControlCatalogDep = Annotated[ControlCatalog, Depends(get_control_catalog)]


class CrosswalkLinkOut(BaseModel):
    """A mapping to or from another control."""

    from_: str = Field(serialization_alias="from")
    to: str
    kind: str
    note: str | None


class ControlOut(BaseModel):
    """A control, EU AI Act obligation or framework category."""

    id: str
    framework: str
    ref: str
    title: str
    summary: str | None
    group: str | None
    roles: list[str] | None
    applies_from: dict[str, date | None] | None
    confidence: str | None
    level: Literal["must", "should", "could"] = Field(
        description="must: a legal requirement; should: good practice; could: optional "
        "(the ICO AI and data protection risk toolkit's grades)."
    )


class ControlDetailOut(ControlOut):
    """A control with its crosswalk links."""

    crosswalk: list[CrosswalkLinkOut]


def _language(accept_language: str | None, control: Control) -> str:
    return pick_language(accept_language, control.title)


def _out(control: Control, accept_language: str | None) -> ControlOut:
    lang = _language(accept_language, control)
    return ControlOut(
        id=control.id,
        framework=control.framework,
        ref=control.ref,
        title=control.title.get(lang) or control.title["en"],
        summary=(control.summary.get(lang) or control.summary["en"]) if control.summary else None,
        group=control.group,
        roles=list(control.roles) if control.roles is not None else None,
        applies_from=control.applies_from.as_mapping() if control.applies_from else None,
        confidence=control.confidence,
        level=control.binding,
    )


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid_cursor() from exc


def _encode(control_id: str) -> str:
    return base64.urlsafe_b64encode(control_id.encode()).decode().rstrip("=")


@router.get("", responses=problem_responses(400))
def list_controls(
    controls: ControlCatalogDep,
    window: PageDep,
    framework: Annotated[
        Literal["iso-42001", "eu-ai-act", "nist-ai-rmf"] | None,
        Query(description="Only controls of this framework."),
    ] = None,
    accept_language: AcceptLanguage = None,
) -> Page[ControlOut]:
    """Controls in catalog order, optionally of one framework."""
    rows = controls.list_controls(framework)
    cursor, limit = window["cursor"], window["limit"]
    start = 0
    if cursor is not None:
        after = _decode(cursor)
        ids = [c.id for c in rows]
        if after not in ids:
            raise invalid_cursor()
        start = ids.index(after) + 1
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    return Page[ControlOut](
        items=[_out(c, accept_language) for c in page],
        next_cursor=_encode(page[-1].id) if more and page else None,
    )


@router.get("/{control_id}", responses=problem_responses(404))
def get_control(
    control_id: str,
    controls: ControlCatalogDep,
    accept_language: AcceptLanguage = None,
) -> ControlDetailOut:
    """One control with its crosswalk links."""
    control = controls.get(control_id)
    if control is None:
        raise NotFoundError("control", control_id)
    base = _out(control, accept_language)
    links = [
        CrosswalkLinkOut(from_=link.from_, to=link.to, kind=link.kind, note=link.note)
        for link in controls.crosswalk(control_id)
    ]
    return ControlDetailOut(**base.model_dump(), crosswalk=links)
