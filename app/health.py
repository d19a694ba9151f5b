"""Liveness and readiness probes for load balancers and orchestrators."""

from typing import Literal

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from app.deps import EngineDep
from app.errors import AppError, ProblemType, problem_response, problem_responses
from app.migrate import current_revisions
from app.routing import problem_router

router = problem_router(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]
    migrations: Literal["at head"]


@router.get("/healthz", summary="Process alive")
def get_health() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses=problem_responses(503),
    summary="Database reachable and migrations at head",
)
def get_readiness(request: Request, engine: EngineDep) -> Readiness | JSONResponse:
    heads: set[str] = request.app.state.migration_heads
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = current_revisions(connection)
    except SQLAlchemyError:
        return problem_response(
            request,
            AppError(
                status=503,
                type=ProblemType.DATABASE_UNAVAILABLE,
                detail="The database cannot be reached.",
            ),
        )
    if current != heads:
        return problem_response(
            request,
            AppError(
                status=503,
                type=ProblemType.MIGRATIONS_PENDING,
                detail=f"The database is at {sorted(current) or 'no revision'}, the code expects "
                f"{sorted(heads)}; run `python -m app migrate`.",
            ),
        )
    return Readiness(status="ready", database="ok", migrations="at head")
