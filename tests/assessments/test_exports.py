"""Exports of an assessment over HTTP: JSON export and re-import, CSV, printable HTML report."""

from __future__ import annotations

import copy
import csv
import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.assessments.models import Assessment
from app.auth import Scope
from tests.conftest import Org, count_rows
from tests.factories import CV_SCREENING, KEY, create_system, review, save, start, submit

TABLES = ("ai_systems", "assessments", "assessment_rounds", "audit_events", "idempotency_records")


async def approved_in_two_rounds(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> dict[str, Any]:
    """Submitted, sent back with comments, answered again, resubmitted and approved."""
    assessment = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    sent_back = await review(
        reviewer,
        assessment,
        decision="request_changes",
        comment="Check the numbers",
        item_comments={"people_affected": "Too low for all applicants"},
    )
    assessment = (await save(writer, sent_back.json(), {"people_affected": 50000})).json()
    assessment = (await submit(writer, assessment)).json()
    approved = await review(reviewer, assessment, decision="approve", comment="Fine")
    assert approved.status_code == 200, approved.text
    body: dict[str, Any] = approved.json()
    return body


async def export_of(client: httpx.AsyncClient, assessment_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/assessments/{assessment_id}/export.json")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def table_counts(engine: Engine) -> dict[str, int]:
    return {table: count_rows(engine, table) for table in TABLES}


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- JSON export and import ---------------------------------------------------------------------


async def test_export_holds_the_pin_the_system_and_every_round(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    assessment = await approved_in_two_rounds(client, writer, reviewer)
    response = await writer.get(f"/v1/assessments/{assessment['id']}/export.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment")
    document = response.json()

    questionnaire = (await client.get(f"/v1/questionnaires/{KEY}")).json()
    assert document["format"] == "ai-assessment-export"
    assert document["format_version"] == 1
    assert document["engine_version"]
    assert document["exported_at"]
    assert document["questionnaire"] == {
        "key": KEY,
        "version": questionnaire["version"],
        "content_hash": questionnaire["content_hash"],
        "logic_hash": questionnaire["logic_hash"],
    }
    assert document["system"]["name"] == "CV screener"
    assert document["system"]["purpose"].startswith("Ranks incoming job applications")
    assert document["status"] == "approved"
    assert document["tier"] == "full"
    assert document["answers"]["people_affected"] == 50000
    rounds = document["rounds"]
    assert [r["round"] for r in rounds] == [1, 2]
    assert [r["decision"] for r in rounds] == ["request_changes", "approve"]
    assert rounds[0]["item_comments"] == {"people_affected": "Too low for all applicants"}
    assert rounds[0]["answers"]["people_affected"] == 5000
    assert rounds[1]["result"]["trace"], "the full result travels with its trace"
    assert rounds[1]["decided_by"]


async def test_round_trip_into_another_organisation_reproduces_answers_rounds_and_tier(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    original = await approved_in_two_rounds(client, writer, reviewer)
    exported = await writer.get(f"/v1/assessments/{original['id']}/export.json")
    document = exported.json()
    listed = await writer.get(f"/v1/assessments/{original['id']}/rounds")
    original_rounds = listed.json()["items"]

    other = make_client(make_org("globex").admin_key)
    # The export's bytes, unchanged, are the import's body.
    response = await other.post(
        "/v1/assessments/import",
        content=exported.content,
        headers={"Content-Type": exported.headers["Content-Type"]},
    )
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["reproduced"] is True
    assert imported["reproduction"]["recomputed_tier"] == "full"
    assert imported["system_created"] is True
    assert imported["rounds"] == 2
    assert imported["assessment_id"] != original["id"]
    assert response.headers["Location"] == f"/v1/assessments/{imported['assessment_id']}"

    copy_ = (await other.get(response.headers["Location"])).json()
    assert copy_["answers"] == original["answers"]
    assert copy_["status"] == "approved"
    assert copy_["tier"] == "full"
    assert copy_["round"] == 2
    assert copy_["questionnaire"] == original["questionnaire"]
    assert copy_["is_current"] is True
    assert copy_["due_at"] == original["due_at"]
    rounds = (await other.get(f"/v1/assessments/{imported['assessment_id']}/rounds")).json()[
        "items"
    ]
    assert rounds == original_rounds, "answers, results, decisions and comments are kept as is"

    system = (await other.get(f"/v1/ai-systems/{imported['system_id']}")).json()
    assert system["name"] == "CV screener"
    assert system["id"] != original["system_id"]
    standing = (await other.get(f"/v1/ai-systems/{imported['system_id']}/standing")).json()
    assert [e["tier"] for e in standing["assessments"]] == ["full"]

    events = (
        await other.get(
            "/v1/audit-events",
            params={"entity_type": "assessment", "entity_id": imported["assessment_id"]},
        )
    ).json()["items"]
    assert [e["action"] for e in events] == ["assessment.imported"]
    assert events[0]["after"]["source_assessment_id"] == original["id"]
    assert (await other.get("/v1/audit-events/verify")).json()["valid"] is True

    # The copy exports again to the same content.
    again = await export_of(other, imported["assessment_id"])
    for key in ("rounds", "answers", "questionnaire", "status", "round", "tier", "due_at"):
        assert again[key] == document[key], key


async def test_a_draft_imports_into_an_existing_system_and_stays_a_draft(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    draft = await start(client, writer, {"use_case_name": "Chat helper", "uses_ai": "yes"})
    document = await export_of(writer, draft["id"])

    other = make_client(make_org("globex").admin_key)
    target = (await create_system(other, name="Imported target")).json()
    response = await other.post(
        "/v1/assessments/import", json=document, params={"system_id": target["id"]}
    )
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["system_id"] == target["id"]
    assert imported["system_created"] is False
    assert imported["reproduced"] is None, "nothing was submitted, so nothing to reproduce"
    copy_ = (await other.get(f"/v1/assessments/{imported['assessment_id']}")).json()
    assert copy_["status"] == "draft"
    assert copy_["answers"] == {"use_case_name": "Chat helper", "uses_ai": "yes"}
    # The imported draft is a working draft here: it can be answered and submitted.
    saved = await save(other, copy_, {"use_case_name": "Chat helper v2"})
    assert saved.status_code == 200, saved.text


async def test_a_recorded_tier_the_engine_does_not_reproduce_is_kept_and_reported(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    document = await export_of(writer, submitted["id"])
    # As if another engine had scored it 'light': consistent, but not what this engine says.
    document["tier"] = "light"
    document["rounds"][0]["tier"] = "light"
    document["rounds"][0]["result"]["tier"] = "light"

    other = make_client(make_org("globex").admin_key)
    response = await other.post("/v1/assessments/import", json=document)
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["reproduced"] is False
    assert imported["reproduction"]["recorded_tier"] == "light"
    assert imported["reproduction"]["recomputed_tier"] == "full"
    assert imported["tier"] == "light", "results are kept as recorded, never recomputed"
    [round_] = (await other.get(f"/v1/assessments/{imported['assessment_id']}/rounds")).json()[
        "items"
    ]
    assert round_["result"]["tier"] == "light"


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def _drop_rounds(document: dict[str, Any]) -> None:
    document["rounds"] = []


@pytest.mark.parametrize(
    ("mutate", "pointer"),
    [
        pytest.param(
            _set(["questionnaire", "content_hash"], "0" * 64),
            "/questionnaire/content_hash",
            id="tampered-content-hash",
        ),
        pytest.param(
            _set(["rounds", 0, "result", "questionnaire", "content_hash"], "f" * 64),
            "/rounds/0/result/questionnaire/content_hash",
            id="tampered-round-content-hash",
        ),
        pytest.param(
            _set(["questionnaire", "version"], "9.9.9"),
            "/questionnaire/version",
            id="unknown-version",
        ),
        pytest.param(
            _set(["rounds", 0, "answers", "uses_ai"], "maybe"),
            "/rounds/0/answers/uses_ai",
            id="invalid-round-answer",
        ),
        pytest.param(
            _set(["answers", "no_such_item"], 1), "/answers/no_such_item", id="unknown-item"
        ),
        pytest.param(_set(["rounds", 0, "tier"], "register_only"), "/rounds/0/tier", id="tier"),
        pytest.param(_drop_rounds, "/rounds", id="submitted-without-rounds"),
        pytest.param(_set(["format_version"], 2), "/format_version", id="format-version"),
        pytest.param(_set(["system", "name"], ""), "/system/name", id="malformed-system"),
        pytest.param(
            _set(["rounds", 0, "submitted_at"], "2026-01-01T10:00:00"),
            "/rounds/0/submitted_at",
            id="naive-timestamp",
        ),
    ],
)
async def test_a_bad_export_is_422_with_a_pointer_and_writes_nothing(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
    engine: Engine,
    mutate: Callable[[dict[str, Any]], None],
    pointer: str,
) -> None:
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    document = await export_of(writer, submitted["id"])
    other = make_client(make_org("globex").admin_key)
    before = table_counts(engine)

    tampered = copy.deepcopy(document)
    mutate(tampered)
    response = await other.post(
        "/v1/assessments/import", json=tampered, headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert pointer in [e.get("pointer") for e in response.json()["errors"]]
    assert table_counts(engine) == before

    # The untouched export imports fine, so the 422 was the tampering's doing.
    fine = await other.post("/v1/assessments/import", json=document)
    assert fine.status_code == 201, fine.text


async def test_import_into_another_organisations_system_is_404(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
    engine: Engine,
) -> None:
    draft = await start(client, writer, {"uses_ai": "yes"})
    document = await export_of(writer, draft["id"])
    other = make_client(make_org("globex").admin_key)
    before = table_counts(engine)
    response = await other.post(
        "/v1/assessments/import", json=document, params={"system_id": draft["system_id"]}
    )
    assert response.status_code == 404
    assert table_counts(engine) == before


async def test_import_needs_the_write_scope_and_replays_an_idempotent_retry(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    make_key: Callable[..., str],
    make_client: Callable[[str | None], httpx.AsyncClient],
    engine: Engine,
) -> None:
    draft = await start(client, writer, {"uses_ai": "yes"})
    document = await export_of(writer, draft["id"])
    reader = make_client(make_key(Scope.READ))
    denied = await reader.post("/v1/assessments/import", json=document)
    assert denied.status_code == 403

    # Review decisions come in only with the review scope: a writer alone cannot bring approvals.
    approved = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    await review(reviewer, approved, decision="approve")
    decided = await export_of(writer, approved["id"])
    before = table_counts(engine)
    refused = await writer.post("/v1/assessments/import", json=decided)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/insufficient-scope"
    assert table_counts(engine) == before

    headers = {"Idempotency-Key": "import-1"}
    first = await writer.post("/v1/assessments/import", json=document, headers=headers)
    assert first.status_code == 201, first.text
    retried = await writer.post("/v1/assessments/import", json=document, headers=headers)
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json()
    assert count_rows(engine, "assessments") == 3  # two originals and one copy


async def test_an_imported_submission_is_reviewed_by_someone_other_than_the_importer(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_key: Callable[..., str],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    document = await export_of(writer, submitted["id"])
    globex = make_org("globex")
    importer = make_client(globex.admin_key)
    imported = (await importer.post("/v1/assessments/import", json=document)).json()
    copy_ = (await importer.get(f"/v1/assessments/{imported['assessment_id']}")).json()
    assert copy_["status"] == "submitted"

    own = await review(importer, copy_, decision="approve")
    assert own.status_code == 403
    assert own.json()["type"] == "/problems/own-submission"
    other = make_client(make_key(Scope.ASSESSMENTS_REVIEW, organization_id=globex.id))
    approved = await review(other, copy_, decision="approve")
    assert approved.status_code == 200, approved.text


async def test_a_later_imported_approval_becomes_the_systems_current_one(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    first = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    await review(reviewer, first, decision="approve")
    first_export = await export_of(writer, first["id"])
    second = await writer.post(
        "/v1/assessments",
        json={"system_id": first["system_id"], "questionnaire_key": KEY, "answers": CV_SCREENING},
    )
    second_body = (await submit(writer, second.json())).json()
    await review(reviewer, second_body, decision="approve")
    second_export = await export_of(writer, second_body["id"])

    other = make_client(make_org("globex").admin_key)
    # The later approval arrives first; the earlier one must not displace it.
    later = (await other.post("/v1/assessments/import", json=second_export)).json()
    earlier = (
        await other.post(
            "/v1/assessments/import",
            json=first_export,
            params={"system_id": later["system_id"]},
        )
    ).json()
    assert later["is_current"] is True
    assert earlier["is_current"] is False
    standing = (await other.get(f"/v1/ai-systems/{later['system_id']}/standing")).json()
    assert [e["assessment_id"] for e in standing["assessments"]] == [later["assessment_id"]]


# -- CSV ----------------------------------------------------------------------------------------


async def test_csv_has_one_row_per_answer_with_question_text_and_labels(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    answers = {**CV_SCREENING, "our_role": "develop", "places_general_model": False}
    submitted = (await submit(writer, await start(client, writer, answers))).json()
    response = await writer.get(f"/v1/assessments/{submitted['id']}/export.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="assessment-{submitted["id"]}.csv"'
    )
    rows = parse_csv(response.text)
    assert len(rows) == len(answers)
    by_item = {row["item_id"]: row for row in rows}
    assert set(by_item) == set(answers)

    questionnaire = (await client.get(f"/v1/questionnaires/{KEY}")).json()
    texts = {i["id"]: i["text"] for s in questionnaire["sections"] for i in s["items"]}
    for row in rows:
        assert row["question"] == texts[row["item_id"]]
        assert row["round"] == "1"
        assert row["tier"] == "full"
        assert row["round_status"] == "submitted, awaiting review"
    assert by_item["uses_ai"]["answer"] == "yes"
    assert by_item["uses_ai"]["answer_label"] == "Yes"
    assert by_item["purpose_areas"]["answer"] == "employment"
    assert by_item["purpose_areas"]["answer_label"]
    assert by_item["purpose_areas"]["section_id"] == "role_and_use"
    assert by_item["people_affected"]["answer"] == "5000"
    assert by_item["people_affected"]["answer_label"] == ""
    assert by_item["interacts_with_people"]["answer"] == "false"
    assert by_item["interacts_with_people"]["answer_label"] == "No", "a boolean reads as yes / no"
    assert by_item["supplier_name"]["enabled"] == "no"
    assert by_item["supplier_name"]["ignored"] == "yes"
    assert by_item["use_case_name"]["enabled"] == "yes"

    german = await writer.get(
        f"/v1/assessments/{submitted['id']}/export.csv", headers={"Accept-Language": "de"}
    )
    assert german.headers["content-language"] == "de"
    german_rows = {r["item_id"]: r for r in parse_csv(german.text)}
    assert german_rows["use_case_name"]["question"] == "Name des Anwendungsfalls"
    assert german_rows["uses_ai"]["answer_label"] == "Ja"
    assert german_rows["interacts_with_people"]["answer_label"] == "Nein"


async def test_csv_lists_every_round_and_the_draft_in_progress(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, reviewer: httpx.AsyncClient
) -> None:
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    await review(reviewer, submitted, decision="request_changes", comment="Again")
    rows = parse_csv((await writer.get(f"/v1/assessments/{submitted['id']}/export.csv")).text)
    assert [r["round"] for r in rows] == ["1"] * len(CV_SCREENING) + ["2"] * len(CV_SCREENING)
    assert {r["round_status"] for r in rows if r["round"] == "1"} == {"changes requested"}
    assert all(r["round_status"].startswith("draft") for r in rows if r["round"] == "2")


async def test_csv_neutralises_formula_injection(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    hostile = {
        "use_case_name": '=HYPERLINK("http://evil.example","click")',
        "use_case_summary": "+1+cmd|' /C calc'!A0",
        "supplier_name": "@SUM(A1:A9)",
        "uses_ai": "yes",
        "our_role": "buy",
    }
    draft = await start(client, writer, hostile)
    response = await writer.get(f"/v1/assessments/{draft['id']}/export.csv")
    assert response.status_code == 200
    rows = {r["item_id"]: r for r in parse_csv(response.text)}
    assert rows["use_case_name"]["answer"] == "'" + hostile["use_case_name"]
    assert rows["use_case_summary"]["answer"] == "'" + hostile["use_case_summary"]
    assert rows["supplier_name"]["answer"] == "'" + hostile["supplier_name"]
    assert rows["uses_ai"]["answer"] == "yes", "harmless cells are left alone"
    for row in rows.values():
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


# -- HTML report --------------------------------------------------------------------------------


async def test_report_shows_tier_citations_history_and_escapes_user_text(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
) -> None:
    system = (await create_system(client, name="<script>alert('x')</script>")).json()
    created = await writer.post(
        "/v1/assessments",
        json={
            "system_id": system["id"],
            "questionnaire_key": KEY,
            "answers": {**CV_SCREENING, "use_case_summary": "Uses <b>bold</b> & <i>more</i>"},
        },
    )
    submitted = (await submit(writer, created.json())).json()
    await review(reviewer, submitted, decision="approve", comment="Looks <fine>")

    response = await writer.get(f"/v1/assessments/{submitted['id']}/report.html")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in response.headers["content-security-policy"]
    page = response.text
    assert "<script" not in page.lower(), "user text never becomes markup"
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "Uses &lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;more&lt;/i&gt;" in page
    assert "Looks &lt;fine&gt;" in page
    assert "http://" not in page, "no external assets"
    assert "https://" not in page, "no external assets"
    assert "<style>" in page
    assert "<link" not in page

    questionnaire = (await client.get(f"/v1/questionnaires/{KEY}")).json()
    assert questionnaire["content_hash"] in page
    assert questionnaire["logic_hash"] in page
    assert "Full assessment" in page  # the tier's label
    assert "EU AI Act Art. 4" in page  # the AI-literacy obligation's citation
    assert "ISO/IEC 42001 A.5.2" in page  # a required control's citation
    assert "annex_iii_area" in page  # a fired rule
    assert "needs_stakeholder_impact" in page  # a flag
    assert "HireRank" in page  # an answer
    assert "<h2>Trace</h2>" in page
    assert "<code>purpose_areas</code> = employment" in page  # a fact a rule read
    assert "approved" in page
    assert "DRAFT" not in page


async def test_report_of_a_draft_is_the_live_preview_marked_as_draft(
    client: httpx.AsyncClient, writer: httpx.AsyncClient
) -> None:
    draft = await start(client, writer, {"uses_ai": "yes", "purpose_areas": ["employment"]})
    response = await writer.get(
        f"/v1/assessments/{draft['id']}/report.html", headers={"Accept-Language": "de"}
    )
    assert response.status_code == 200, response.text
    page = response.text
    assert "DRAFT — not submitted" in page
    assert "annex_iii_area" in page
    assert "Vollständige Bewertung" in page  # the preview's tier, in German
    assert '<html lang="de">' in page
    assert "Undetermined rules" in page


# -- isolation ----------------------------------------------------------------------------------


async def test_another_organisations_assessment_is_404_on_every_export(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
) -> None:
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    intruder = make_client(make_org("globex").admin_key)
    for suffix in ("export.json", "export.csv", "report.html"):
        stolen = await intruder.get(f"/v1/assessments/{submitted['id']}/{suffix}")
        assert stolen.status_code == 404, suffix
        assert stolen.headers["content-type"] == "application/problem+json"
        missing = await writer.get(f"/v1/assessments/{uuid.uuid4()}/{suffix}")
        assert missing.status_code == 404, suffix
        own = await writer.get(f"/v1/assessments/{submitted['id']}/{suffix}")
        assert own.status_code == 200, suffix


async def test_a_suppliers_answers_export_without_a_system_and_import_into_a_named_one(
    client: httpx.AsyncClient, writer: httpx.AsyncClient, engine: Engine, org: Org
) -> None:
    supplier = await client.post("/v1/suppliers", json={"name": "HireRank GmbH"})
    assert supplier.status_code == 201, supplier.text
    pin = (await client.get("/v1/questionnaires/ai-supplier")).json()
    # A supplier's answers, as procurement's vendor requests create them.
    with Session(engine) as session:
        stored = Assessment(
            organization_id=org.id,
            supplier_id=uuid.UUID(supplier.json()["id"]),
            subject="supplier",
            questionnaire_key="ai-supplier",
            questionnaire_version=pin["version"],
            content_hash=pin["content_hash"],
        )
        session.add(stored)
        session.commit()
        assessment_id = str(stored.id)

    document = await export_of(writer, assessment_id)
    assert document["system"] is None
    assert document["supplier_id"] == supplier.json()["id"]
    report = await writer.get(f"/v1/assessments/{assessment_id}/report.html")
    assert report.status_code == 200, report.text
    assert "<h2>Supplier</h2>" in report.text
    assert "DRAFT — not submitted" in report.text
    assert (await writer.get(f"/v1/assessments/{assessment_id}/export.csv")).status_code == 200

    nowhere = await writer.post("/v1/assessments/import", json=document)
    assert nowhere.status_code == 422
    assert nowhere.json()["errors"][0]["parameter"] == "system_id"
    target = (await create_system(client, name="HireRank screener")).json()
    placed = await writer.post(
        "/v1/assessments/import", json=document, params={"system_id": target["id"]}
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["system_id"] == target["id"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"{",
        b"\xff\xfe",
        b"[]",
        b'{"rounds": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
    ids=range(6),
)
async def test_a_malformed_import_body_is_a_problem_document(
    writer: httpx.AsyncClient, engine: Engine, body: bytes
) -> None:
    before = table_counts(engine)
    response = await writer.post(
        "/v1/assessments/import", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert table_counts(engine) == before


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (["answers", "use_case_name"], "\ud800", "unstorable-text"),
        (["answers", "use_case_name"], "nul \u0000 inside", "unstorable-text"),
        (["answers", "people_affected"], 10**30, "unsafe-number"),
        (["answers", "\u0000"], 1, "unstorable-text"),
        (["system", "name"], "\u0000", "unstorable-text"),
        (["rounds", 0, "submitted_by"], "x" * 201, "validation-error"),
        (["rounds", 0, "result", "trace", 0, "facts"], "not a list", "validation-error"),
    ],
    ids=range(7),
)
async def test_hostile_values_inside_an_export_never_cause_a_500(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    engine: Engine,
    path: list[Any],
    value: Any,
    problem: str,
) -> None:
    submitted = (await submit(writer, await start(client, writer, CV_SCREENING))).json()
    document = await export_of(writer, submitted["id"])
    _set(path, value)(document)
    if path[0] == "answers":  # a submitted assessment's answers are its last round's
        _set(["rounds", 0, *path], value)(document)
    before = table_counts(engine)
    # Sent as escaped ASCII JSON: a lone surrogate cannot be encoded any other way.
    response = await writer.post(
        "/v1/assessments/import",
        content=json.dumps(document),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{problem}"
    assert table_counts(engine) == before
