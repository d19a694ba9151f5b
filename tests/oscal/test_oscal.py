"""OSCAL exports: the catalog and a system's approved results validate with compliance-trestle
(built from its models, and read back by its parser to the same document); without the extra,
a clear 501; trestle is never imported at start-up."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from trestle.core.parser import parse_dict

from app.controls.catalog import ControlCatalog
from tests.conftest import Org, project_root
from tests.factories import create_system
from tests.portfolio.conftest import CLASSIFICATION, classify

ClientFactory = Callable[[str | None], httpx.AsyncClient]


def round_trip(document: dict[str, Any], root: str, model: str) -> Any:
    """trestle's parser reads the document back, and writes out what it read."""
    parsed = parse_dict(document[root], model)
    assert parsed.oscal_dict() == document
    return parsed


async def test_the_catalog_is_an_oscal_catalog(client: httpx.AsyncClient, app: Any) -> None:
    answered = await client.get("/v1/controls/oscal-catalog")
    assert answered.status_code == 200, answered.text
    document = answered.json()
    catalog = round_trip(document, "catalog", "trestle.oscal.catalog.Catalog")
    controls: ControlCatalog = app.state.catalog.controls
    assert [g.id for g in catalog.groups] == list(controls.frameworks)
    exported = [c for g in catalog.groups for c in g.controls]
    assert len(exported) == len(controls)
    assert len({c.id for c in exported}) == len(exported)
    policy = next(c for c in exported if c.id == "iso-42001_A.2.2")
    props = {p.name: p.value for p in policy.props}
    assert props["label"] == "ISO/IEC 42001 A.2.2"
    assert props["control-id"] == "iso-42001:A.2.2"
    assert policy.parts[0].name == "statement"
    # Crosswalk links point at controls of the same document.
    targets = {link.href.lstrip("#") for c in exported for link in c.links or []}
    assert targets <= {c.id for c in exported}
    assert targets


async def test_approved_results_are_oscal_assessment_results(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    url = f"/v1/ai-systems/{system['id']}/oscal-assessment-results"
    before = await client.get(url)
    assert before.status_code == 409
    assert before.json()["type"].endswith("no-approved-results")
    approved = await classify(writer, reviewer, system["id"])
    rounds = (await client.get(f"/v1/assessments/{approved['id']}/rounds")).json()["items"]
    scored = rounds[-1]["result"]
    required = [*scored["obligations"], *scored["controls"]]
    control = scored["controls"][0]["id"]
    recorded = await client.post(
        "/v1/control-records", json={"control_id": control, "status": "implemented"}
    )
    assert recorded.status_code == 201, recorded.text

    answered = await client.get(url)
    assert answered.status_code == 200, answered.text
    document = answered.json()
    results = round_trip(
        document, "assessment-results", "trestle.oscal.assessment_results.AssessmentResults"
    )
    (result,) = results.results
    assert (
        result.title == f"{CLASSIFICATION}@{approved['questionnaire']['version']}: tier high_risk"
    )
    assert {p.name: p.value for p in result.props}["tier"] == "high_risk"
    assert len(result.findings) == len(required)
    states = {f.target.target_id: f.target.status.state.value for f in result.findings}
    assert states[control.replace(":", "_")] == "satisfied"
    assert sum(1 for s in states.values() if s == "satisfied") == 1
    (observation,) = result.observations
    assert all(
        f.related_observations[0].observation_uuid == observation.uuid for f in result.findings
    )
    selected = result.reviewed_controls.control_selections[0].include_controls
    assert {s.control_id for s in selected} == {r["id"].replace(":", "_") for r in required}


async def test_another_organisations_system_is_not_found(
    make_client: ClientFactory, make_org: Callable[[str], Org], client: httpx.AsyncClient
) -> None:
    system = (await create_system(client)).json()
    stranger = make_client(make_org("other").admin_key)
    answered = await stranger.get(f"/v1/ai-systems/{system['id']}/oscal-assessment-results")
    assert answered.status_code == 404


async def test_without_trestle_the_export_is_a_clear_501(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "trestle.oscal", None)  # as if not installed
    answered = await client.get("/v1/controls/oscal-catalog")
    assert answered.status_code == 501
    problem = answered.json()
    assert problem["type"].endswith("oscal-not-installed")
    assert "[oscal]" in problem["detail"]


def test_start_up_does_not_import_trestle() -> None:
    probe = (
        "import sys\n"
        "from app.main import create_app\n"
        "create_app()\n"
        "print('trestle' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "", "APP_DATABASE_URL": "sqlite:///:memory:"},
    )
    assert done.stdout.strip().splitlines()[-1] == "False"
