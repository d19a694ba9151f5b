"""The ISO/IEC 42001 Statement of Applicability over HTTP, as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import Org
from tests.factories import CV_SCREENING, KEY, create_system, review, submit

NOT_REQUIRED = "not required by any current approved assessment"
# Building it ourselves brings other controls: the development and design rules fire.
IN_HOUSE = {
    **CV_SCREENING,
    "our_role": "develop",
    "supplier_name": None,
    "places_general_model": False,
}


async def assess(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient | None,
    *,
    system_name: str,
    answers: dict[str, Any],
) -> dict[str, Any]:
    """An assessment of a new system, submitted, and approved when a reviewer is given."""
    system = (await create_system(client, name=system_name)).json()
    created = await writer.post(
        "/v1/assessments",
        json={
            "system_id": system["id"],
            "questionnaire_key": KEY,
            "answers": {k: v for k, v in answers.items() if v is not None},
        },
    )
    assert created.status_code == 201, created.text
    assessment: dict[str, Any] = (await submit(writer, created.json())).json()
    if reviewer is not None:
        approved = await review(reviewer, assessment, decision="approve")
        assert approved.status_code == 200, approved.text
        assessment = approved.json()
    return assessment


async def iso_controls_of(writer: httpx.AsyncClient, assessment: dict[str, Any]) -> dict[str, Any]:
    """The ISO/IEC 42001 controls the assessment's stored result requires, with their rules."""
    [found] = (await writer.get(f"/v1/assessments/{assessment['id']}/rounds")).json()["items"]
    return {
        c["id"]: c["required_by"]
        for c in found["result"]["controls"]
        if c["id"].startswith("iso-42001:")
    }


async def annex_a_ids(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/v1/controls", params={"framework": "iso-42001", "limit": 200})
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


async def test_every_annex_a_control_is_listed_and_approved_assessments_mark_theirs(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    screener = await assess(
        client, writer, reviewer, system_name="CV screener", answers=CV_SCREENING
    )
    # Submitted but not approved: what it would require does not count yet.
    pending = await assess(client, writer, None, system_name="In-house ranker", answers=IN_HOUSE)
    expected = await iso_controls_of(writer, screener)
    pending_only = set(await iso_controls_of(writer, pending)) - set(expected)
    assert expected, "the approved assessment requires Annex A controls"
    assert pending_only, "the pending one would require other controls"

    response = await client.get("/v1/statement-of-applicability")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    statement = response.json()
    controls = statement["controls"]
    assert len(controls) == 38
    assert [c["id"] for c in controls] == await annex_a_ids(client)
    assert statement["assessments_considered"] == 1
    assert statement["required_count"] == len(expected)

    by_id = {c["id"]: c for c in controls}
    assert {i for i, c in by_id.items() if c["required"]} == set(expected)
    for control_id, rules in expected.items():
        entry = by_id[control_id]
        assert entry["ref"].startswith("ISO/IEC 42001 A.")
        assert entry["title"]
        [requirer] = entry["required_by"]
        assert requirer["system_name"] == "CV screener"
        assert requirer["system_id"] == screener["system_id"]
        assert requirer["assessment_id"] == screener["id"]
        assert requirer["tier"] == "full"
        assert requirer["rules"] == rules
        assert "CV screener" in entry["justification"]
    for control_id in pending_only:
        assert by_id[control_id]["required"] is False
        assert by_id[control_id]["required_by"] == []
        assert by_id[control_id]["justification"] == NOT_REQUIRED

    # Approving the pending assessment makes its controls required, by its system.
    await review(reviewer, pending, decision="approve")
    after = {
        c["id"]: c for c in (await client.get("/v1/statement-of-applicability")).json()["controls"]
    }
    for control_id in pending_only:
        assert [r["system_name"] for r in after[control_id]["required_by"]] == ["In-house ranker"]


async def test_csv_has_one_row_per_control_and_is_injection_safe(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    screener = await assess(
        client, writer, reviewer, system_name='=HYPERLINK("x")', answers=CV_SCREENING
    )
    expected = await iso_controls_of(writer, screener)

    by_query = await client.get("/v1/statement-of-applicability", params={"format": "csv"})
    by_accept = await client.get("/v1/statement-of-applicability", headers={"Accept": "text/csv"})
    for response in (by_query, by_accept):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"].startswith("attachment")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert len(rows) == 38
        required = {r["id"]: r for r in rows if r["required"] == "yes"}
        assert set(required) == set(expected)
        for control_id, rules in expected.items():
            cell = required[control_id]["required_by"]
            assert cell.startswith("'=HYPERLINK"), "a formula-like system name is neutralised"
            assert screener["id"] in cell
            assert all(rule in cell for rule in rules)
        assert {r["justification"] for r in rows if r["required"] == "no"} == {NOT_REQUIRED}

    as_json = await client.get(
        "/v1/statement-of-applicability", params={"format": "json"}, headers={"Accept": "text/csv"}
    )
    assert as_json.headers["content-type"] == "application/json"
    assert len(as_json.json()["controls"]) == 38


async def test_only_this_organisations_active_systems_count(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    screener = await assess(
        client, writer, reviewer, system_name="CV screener", answers=CV_SCREENING
    )
    outsider = make_client(make_org("globex").admin_key)
    theirs = (await outsider.get("/v1/statement-of-applicability")).json()
    assert len(theirs["controls"]) == 38
    assert theirs["required_count"] == 0
    assert all(c["justification"] == NOT_REQUIRED for c in theirs["controls"])

    ours = (await client.get("/v1/statement-of-applicability")).json()
    assert ours["required_count"] > 0

    # A retired system is no longer operated: its controls stop counting.
    system = (await client.get(f"/v1/ai-systems/{screener['system_id']}")).json()
    retired = await client.post(
        f"/v1/ai-systems/{system['id']}/retire", headers={"If-Match": f'"r{system["revision"]}"'}
    )
    assert retired.status_code == 200, retired.text
    after = (await client.get("/v1/statement-of-applicability")).json()
    assert after["required_count"] == 0
    assert after["assessments_considered"] == 0
