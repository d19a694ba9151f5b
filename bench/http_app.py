"""The app under the HTTP benchmark: the real service plus a naive endpoint doing the same write.

The naive endpoint is what a first FastAPI + SQLModel tutorial writes: a new session per request,
load, merge, commit, refresh (``expire_on_commit`` left on), no validation, no audit, no
concurrency check. The benchmark compares the real autosave with it in the same process.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Body, FastAPI
from sqlmodel import Session

from app.assessments.models import Assessment
from app.main import create_app


def create_bench_app() -> FastAPI:
    app = create_app()
    engine = app.state.engine

    @app.patch("/bench/naive/assessments/{assessment_id}/answers", include_in_schema=False)
    def naive_autosave(
        assessment_id: uuid.UUID, body: dict[str, Any] = Body(...)
    ) -> dict[str, Any]:
        with Session(engine) as session:
            assessment = session.get(Assessment, assessment_id)
            if assessment is None:
                return {}
            assessment.answers = {**assessment.answers, **body["answers"]}
            assessment.revision += 1
            session.add(assessment)
            session.commit()
            session.refresh(assessment)
            return {
                "id": str(assessment.id),
                "revision": assessment.revision,
                "answers": assessment.answers,
            }

    # `async def`, as the plain FastAPI baseline of bench.http_read_bench: the difference between
    # the two is the service's middleware and nothing else.
    @app.get("/bench/bare", include_in_schema=False)
    async def bare() -> dict[str, str]:
        return {"status": "ok"}

    return app
