"""What the routes of several routers take and give alike: the session and the caller (with the
page a list asks for, or the If-Match a change is sent with) as the services take them, and a
page of views.

A route names what it needs once (`access: ReadAccess`, `change: AdminChange`) and hands it on
whole (`service.get_system(**access, system_id=system_id)`), as it does with `PageDep`.
"""

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Annotated, Any, TypedDict, TypeVar

from fastapi import Depends
from pydantic import BaseModel
from sqlmodel import Session

from app.auth import Principal, Scope, get_principal, require_scope
from app.concurrency import IfMatchHeader, etag_response
from app.db import SessionDep
from app.errors import problem_responses
from app.pagination import Page, PageDep

Row = TypeVar("Row")
View = TypeVar("View")
Model = TypeVar("Model", bound=BaseModel)

# What authenticates the caller: `get_principal`, or a `require_scope(...)` that also checks it.
CallerCheck = Callable[..., Principal | Awaitable[Principal]]


class Access(TypedDict):
    """The session and the caller, as every service takes them."""

    session: Session
    caller: Principal


class Listing(Access):
    """A list request, as the list services take it: with the page asked for."""

    cursor: str | None
    limit: int


class Change(Access):
    """A write of one resource, as the services that compare revisions take it: with If-Match."""

    if_match: str | None


def access_of(check: CallerCheck) -> Any:
    """The session and the caller that `check` authenticates."""

    async def access(session: SessionDep, caller: Annotated[Principal, Depends(check)]) -> Access:
        return Access(session=session, caller=caller)

    return Depends(access)


def listing_of(check: CallerCheck) -> Any:
    """The session, the caller that `check` authenticates and the page asked for."""

    async def listing(
        session: SessionDep, caller: Annotated[Principal, Depends(check)], page: PageDep
    ) -> Listing:
        return Listing(session=session, caller=caller, **page)

    return Depends(listing)


def change_of(check: CallerCheck) -> Any:
    """The session, the caller that `check` authenticates and the If-Match of the request."""

    async def change(
        session: SessionDep,
        caller: Annotated[Principal, Depends(check)],
        if_match: IfMatchHeader = None,
    ) -> Change:
        return Change(session=session, caller=caller, if_match=if_match)

    return Depends(change)


_read = require_scope(Scope.READ)
_admin = require_scope(Scope.ADMIN)
_systems_write = require_scope(Scope.SYSTEMS_WRITE)
_assessments_write = require_scope(Scope.ASSESSMENTS_WRITE)

ReadAccess = Annotated[Access, access_of(_read)]
ReadListing = Annotated[Listing, listing_of(_read)]
AdminAccess = Annotated[Access, access_of(_admin)]
AdminListing = Annotated[Listing, listing_of(_admin)]
AdminChange = Annotated[Change, change_of(_admin)]
SystemsWriteAccess = Annotated[Access, access_of(_systems_write)]
SystemsWriteChange = Annotated[Change, change_of(_systems_write)]
AssessmentsWriteAccess = Annotated[Access, access_of(_assessments_write)]
# Any signed-in person or API key, whatever its scopes.
CallerAccess = Annotated[Access, access_of(get_principal)]
CallerListing = Annotated[Listing, listing_of(get_principal)]


def page_of(found: tuple[Sequence[Row], str | None], view: Callable[[Row], View]) -> Page[View]:
    """The page of what a list service found (its rows and the next cursor), each row as `view`."""
    rows, next_cursor = found
    return Page(items=[view(row) for row in rows], next_cursor=next_cursor)


def from_row(model: type[Model]) -> Callable[[Any], Model]:
    """`model` read from a table row's attributes: the view of a row that needs nothing else."""
    return partial(model.model_validate, from_attributes=True)


def creation(view: type[BaseModel], *problems: int) -> dict[str, Any]:
    """What a route that creates a resource declares: 201 with `view`, the new resource's
    Location and ETag (as `app.idempotency.created` answers them), and its own `problems`."""
    return {
        "status_code": 201,
        "response_model": view,
        "responses": {**problem_responses(*problems), **etag_response(201, location=True)},
    }
