"""Test data made the way a client makes it: AI systems, incidents, answer sets read from the
shipped golden scenarios, and the steps of an assessment (start, save, submit, review) over the
HTTP API; questionnaire files written to a scratch catalog and the questionnaire routes alone over
a catalog; a clock to move by hand; outbox e-mail."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from app.auth import Principal, get_principal
from app.controls.router import router as controls_router
from app.db import transaction
from app.delivery import service as outbox
from app.errors import install_error_handlers
from app.questionnaires import lock as lock_module
from app.questionnaires.catalog import (
    Catalog,
    CatalogError,
    load_catalog,
    load_catalog_with_problems,
)
from app.questionnaires.router import router as questionnaires_router
from app.settings import Settings

ROOT: Final = Path(__file__).resolve().parents[1]
QUESTIONNAIRES: Final = ROOT / "questionnaires"
KEY: Final = "ai-use-triage"
TRIAGE_FILE: Final = f"{KEY}/1.0.0.json"


# -- AI systems ---------------------------------------------------------------------------------


def system_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "CV screener",
        "purpose": "Ranks incoming job applications for recruiters.",
        "owner": "Head of Talent",
        "business_unit": "HR",
        "lifecycle_stage": "deployment",
        "deployment_regions": ["DE", "FR"],
        "sourcing": "bought",
        "tags": ["hr", "recruiting"],
    }
    body.update(overrides)
    return body


async def create_system(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    response = await client.post("/v1/ai-systems", json=system_body(**overrides))
    assert response.status_code == 201, response.text
    return response


# -- Incidents ----------------------------------------------------------------------------------

# 2026-10-14 is a Wednesday, 2026-10-16 a Friday.
WED: Final = "2026-10-14T10:30:00Z"
FRI: Final = "2026-10-16T16:00:00Z"
HIGH_RISK_PROVIDER: Final[dict[str, Any]] = {
    "serious": True,
    "harms": ["health"],
    "high_risk_obligations_apply": True,
    "role": "provider",
}


def incident_body(system_id: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "system_id": system_id,
        "title": "Triage model sent a patient home",
        "description": "The model scored a stroke patient as low urgency.",
        "occurred_at": "2026-10-14T08:00:00Z",
        "aware_at": WED,
        "affected": "One patient of the emergency department.",
        "people_involved": ["Dr Ada Example"],
        "triage": HIGH_RISK_PROVIDER,
        "corrective_actions": [{"action": "Suspend automatic triage", "owner": "Head of ED"}],
        "evidence_links": ["https://tickets.example/INC-1"],
    }
    data.update(overrides)
    return data


async def new_system_id(client: httpx.AsyncClient) -> str:
    return str((await create_system(client)).json()["id"])


async def record_incident(client: httpx.AsyncClient, sid: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/incidents", json=incident_body(sid, **overrides))
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/incidents/{response.json()['id']}"
    assert response.headers["ETag"] == '"r1"'
    return dict(response.json())


def clocks(incident: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """An incident's deadline clocks by id."""
    return {c["id"]: c for c in incident["deadlines"]["clocks"]}


# -- answers from the golden scenarios ------------------------------------------------------------


@cache
def _scenarios(key: str, version: str) -> tuple[dict[str, Any], ...]:
    path = QUESTIONNAIRES / key / f"{version}.scenarios.json"
    return tuple(json.loads(path.read_text(encoding="utf-8"))["scenarios"])


def scenario(key: str, version: str, which: str | int = 0) -> dict[str, Any]:
    """A golden scenario shipped beside a questionnaire version, by id or position (a copy)."""
    scenarios = _scenarios(key, version)
    found = (
        scenarios[which]
        if isinstance(which, int)
        else next(s for s in scenarios if s["id"] == which)
    )
    return json.loads(json.dumps(found))  # type: ignore[no-any-return]


def scenario_answers(key: str, version: str, which: str | int = 0) -> dict[str, Any]:
    """The answers of a golden scenario."""
    answers: dict[str, Any] = scenario(key, version, which)["answers"]
    return answers


# A bought CV pre-screening tool (the triage's `cv_screening_vendor` scenario, 2.0.0) with most
# of the decisions automated: tier "full".
CV_SCREENING: Final[dict[str, Any]] = {
    **scenario_answers(KEY, "2.0.0", "cv_screening_vendor"),
    "automation_share": 60.0,
}


# -- the steps of an assessment -------------------------------------------------------------------


def if_match(resource: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"r{resource["revision"]}"'}


async def start(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, answers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A draft of the triage questionnaire for a new AI system."""
    system = (await create_system(client)).json()
    response = await writer.post(
        "/v1/assessments",
        json={"system_id": system["id"], "questionnaire_key": KEY, "answers": answers or {}},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def save(
    writer: httpx.AsyncClient, assessment: dict[str, Any], answers: dict[str, Any]
) -> httpx.Response:
    return await writer.patch(
        f"/v1/assessments/{assessment['id']}/answers",
        json={"answers": answers},
        headers=if_match(assessment),
    )


async def submit(writer: httpx.AsyncClient, assessment: dict[str, Any]) -> httpx.Response:
    return await writer.post(
        f"/v1/assessments/{assessment['id']}/submit",
        headers=if_match(assessment),
        json={"as_of": "2026-11-27"},
    )


async def review(
    reviewer: httpx.AsyncClient, assessment: dict[str, Any], **body: Any
) -> httpx.Response:
    return await reviewer.post(
        f"/v1/assessments/{assessment['id']}/review", json=body, headers=if_match(assessment)
    )


# -- questionnaire files in a scratch catalog -----------------------------------------------------


def questionnaire_app(catalog: Catalog) -> FastAPI:
    """The questionnaire and control routes alone over `catalog`, for a reader of one organisation
    (no database needed)."""
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(questionnaires_router)
    app.include_router(controls_router)
    app.state.catalog = catalog
    app.dependency_overrides[get_principal] = lambda: Principal(
        organization_id=uuid.uuid4(), key_id=uuid.uuid4(), key_name="t", scopes=frozenset({"read"})
    )
    return app


def read_questionnaire(root: Path, name: str = TRIAGE_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / name).read_text())
    return data


def write_questionnaire(root: Path, data: Any, name: str = TRIAGE_FILE) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def catalog_errors(root: Path) -> list[str]:
    """Every problem loading the catalog under `root` (which must not load)."""
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    return [str(p) for p in info.value.problems]


def catalog_with_a_second_version(
    root: Path,
    key: str,
    v2: Callable[[dict[str, Any]], dict[str, Any]],
    v2_scenarios: Callable[[str], dict[str, Any]],
) -> Catalog:
    """The control catalog and `key` 1.0.0 as shipped, with a 2.0.0 made from them, locked."""
    shutil.copytree(QUESTIONNAIRES / "controls", root / "controls")
    (root / key).mkdir()
    v1 = json.loads((QUESTIONNAIRES / key / "1.0.0.json").read_text())
    scenarios = (QUESTIONNAIRES / key / "1.0.0.scenarios.json").read_text()
    (root / key / "1.0.0.json").write_text(json.dumps(v1))
    (root / key / "1.0.0.scenarios.json").write_text(scenarios)
    (root / key / "2.0.0.json").write_text(json.dumps(v2(v1)))
    (root / key / "2.0.0.scenarios.json").write_text(json.dumps(v2_scenarios(scenarios)))
    catalog, _ = load_catalog_with_problems(root)
    lock_module.update_lock(catalog)
    return load_catalog(root)


# -- time and the outbox ---------------------------------------------------------------------


class Clock:
    """A monotonic clock the test moves by hand (`clock.now += 60`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def queue_email(
    engine: Engine,
    settings: Settings,
    *,
    subject: str = "Hello",
    body: str = "Hi",
    secret: str | None = None,
) -> uuid.UUID:
    """One e-mail to dana@example.com in the outbox, committed."""
    with transaction(engine, write=True) as session:
        message = outbox.enqueue_email(
            session,
            settings=settings,
            organization_id=None,
            purpose="test",
            to="dana@example.com",
            subject=subject,
            body=body,
            secret=secret,
        )
        return message.id
