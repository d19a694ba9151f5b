"""A vendor request takes a questionnaire about an AI system, never an organisation-level one."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine

from tests.conftest import count_rows
from tests.suppliers.conftest import create_supplier, send_request


async def test_an_organisation_level_questionnaire_is_422_and_sends_nothing(
    procurement: httpx.AsyncClient, admin: httpx.AsyncClient, engine: Engine
) -> None:
    supplier = await create_supplier(procurement, admin)
    response = await send_request(procurement, supplier, questionnaire_key="aims-readiness")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/questionnaire-subject"
    assert "'organization'" in problem["detail"]
    assert problem["errors"][0]["pointer"] == "/questionnaire_key"
    assert count_rows(engine, "assessments") == 0
    assert count_rows(engine, "vendor_requests") == 0
