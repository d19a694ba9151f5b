"""Control implementation records, the Statement of Applicability v2 and the dossier."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.auth import Role, Scope
from app.main import create_app
from app.people import service as people_service
from app.settings import Settings
from tests.conftest import Org, count_rows, fixture_operator
from tests.factories import create_system
from tests.portfolio.conftest import classify

CONTROL = "iso-42001:A.2.2"
EXCLUDED = "iso-42001:A.10.4"


def person(engine: Engine, org_id: uuid.UUID, email: str, name: str) -> uuid.UUID:
    with Session(engine) as session:
        user = people_service.create_user(
            session,
            caller=fixture_operator(org_id),
            email=email,
            display_name=name,
            role=Role.ASSESSOR,
        )
        session.commit()
        return user.id


async def put(
    client: httpx.AsyncClient, control_id: str, body: dict[str, Any], etag: str | None = None
) -> httpx.Response:
    """Create the record (no ETag given) or change it (with If-Match, possibly empty)."""
    if etag is None:
        return await client.post("/v1/control-records", json={"control_id": control_id, **body})
    headers = {"If-Match": etag} if etag else {}
    return await client.patch(f"/v1/control-records/{control_id}", json=body, headers=headers)


async def test_records_are_created_changed_with_if_match_filtered_and_audited(
    client: httpx.AsyncClient, engine: Engine, org: Org
) -> None:
    owner = person(engine, org.id, "olga@example.com", "Olga Owner")
    created = await put(
        client,
        CONTROL,
        {
            "status": "planned",
            "owner_user_id": str(owner),
            "target_date": "2020-01-01",
            "links": [{"url": "https://wiki.example/policy", "title": "AI policy"}],
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"r1"'
    assert created.headers["Location"] == f"/v1/control-records/{CONTROL}"
    record = created.json()
    assert record["owner_name"] == "Olga Owner"
    assert record["applicability"] == "derived"
    assert record["overdue"] is True
    assert record["ref"].startswith("ISO/IEC 42001 A.")

    # A change needs If-Match; a stale one is 412.
    assert (await put(client, CONTROL, {"status": "implemented"}, "")).status_code == 428
    again = await put(client, CONTROL, {"status": "implemented"})
    assert again.status_code == 409
    assert (await put(client, CONTROL, {"status": "implemented"}, '"r9"')).status_code == 412
    changed = await put(client, CONTROL, {"status": "implemented"}, '"r1"')
    assert changed.status_code == 200
    assert changed.json()["revision"] == 2
    assert changed.json()["overdue"] is False

    listed = (await client.get("/v1/control-records", params={"status": "implemented"})).json()
    assert [r["control_id"] for r in listed["items"]] == [CONTROL]
    assert (await client.get("/v1/control-records", params={"overdue": True})).json()["items"] == []
    assert (await client.get("/v1/control-records", params={"owner_user_id": str(owner)})).json()[
        "items"
    ][0]["control_id"] == CONTROL
    audit = (await client.get("/v1/audit-events", params={"entity_type": "control_record"})).json()
    actions = sorted(e["action"] for e in audit["items"])
    assert actions == ["control_record.created", "control_record.updated"]


async def test_bad_records_are_422_and_store_nothing(
    client: httpx.AsyncClient,
    engine: Engine,
    make_org: Callable[[str], Org],
    make_client: Callable[[str | None], httpx.AsyncClient],
    make_key: Callable[..., str],
) -> None:
    no_reason = await put(client, EXCLUDED, {"applicability": "excluded"})
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["pointer"] == "/justification"
    blank = await put(client, EXCLUDED, {"applicability": "excluded", "justification": "  "})
    assert blank.status_code == 422
    unknown = await put(client, "iso-42001:A.99.9", {"status": "planned"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["pointer"] == "/control_id"
    assert (await client.get("/v1/control-records/iso-42001:A.99.9")).status_code == 422
    other = make_org("globex")
    outsider = person(engine, other.id, "eve@globex.example", "Eve")
    foreign = await put(client, CONTROL, {"owner_user_id": str(outsider)})
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "/owner_user_id"
    # Null is no value for a field that cannot be empty: leave it out to keep the value.
    null = await put(client, CONTROL, {"applicability": None})
    assert null.status_code == 422
    assert null.json()["errors"][0]["pointer"] == "/applicability"
    assert count_rows(engine, "control_records") == 0

    # Another organisation's record is a 404.
    assert (await put(client, CONTROL, {"status": "planned"})).status_code == 201
    stranger = make_client(make_key(Scope.ADMIN, organization_id=other.id))
    assert (await stranger.get(f"/v1/control-records/{CONTROL}")).status_code == 404
    assert (await stranger.get("/v1/control-records")).json()["items"] == []


async def test_a_soa_row_reflects_an_implementation_record_and_an_exclusions_justification(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    engine: Engine,
    org: Org,
) -> None:
    system = (await create_system(client, name="Screener")).json()
    await classify(writer, reviewer, system["id"])
    statement = (await client.get("/v1/statement-of-applicability/v2")).json()
    rows = {r["id"]: r for r in statement["controls"]}
    assert len(rows) == 38
    required = [i for i, r in rows.items() if r["applicable"]]
    assert required, "a high-risk classification requires Annex A controls"
    first = rows[required[0]]
    assert first["decided_by"] == "derived"
    assert "Screener" in first["justification"]
    assert first["required_by"][0]["obligations"], "the obligations the control serves"
    assert first["status"] is None

    owner = person(engine, org.id, "olga@example.com", "Olga Owner")
    await put(client, required[0], {"status": "implemented", "owner_user_id": str(owner)})
    reason = "We train no models; <b>no</b> data for development."
    excluded = await put(client, EXCLUDED, {"applicability": "excluded", "justification": reason})
    assert excluded.status_code == 201, excluded.text

    again = (await client.get("/v1/statement-of-applicability/v2")).json()
    rows = {r["id"]: r for r in again["controls"]}
    assert rows[required[0]]["status"] == "implemented"
    assert rows[required[0]]["owner_name"] == "Olga Owner"
    assert rows[EXCLUDED]["applicable"] is False
    assert rows[EXCLUDED]["decided_by"] == "person"
    assert reason in rows[EXCLUDED]["justification"]
    assert again["implemented_count"] == 1
    # Reproducible: the same records give the same statement.
    assert (await client.get("/v1/statement-of-applicability/v2")).json()["digest"] == again[
        "digest"
    ]
    assert again["digest"] != statement["digest"]

    as_csv = await client.get("/v1/statement-of-applicability/v2", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    by_id = {r["id"]: r for r in csv.DictReader(io.StringIO(as_csv.text))}
    assert by_id[EXCLUDED]["applicable"] == "no"
    assert reason in by_id[EXCLUDED]["justification"]
    assert by_id[required[0]]["status"] == "implemented"

    page = await client.get("/v1/statement-of-applicability/v2", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;no&lt;/b&gt;" in page.text
    assert "<b>no</b>" not in page.text


async def test_the_dossier_renders_with_names_and_escapes_hostile_text(
    client: httpx.AsyncClient,
    writer: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
) -> None:
    hostile = '<script>alert("x")</script>'
    system = (await create_system(client, name=f"Screener {hostile}", owner="Ann O'Wner")).json()
    await classify(writer, reviewer, system["id"])
    response = await client.get(f"/v1/ai-systems/{system['id']}/dossier")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<script>" not in html
    assert "Screener &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Ann O&#39;Wner" in html
    assert "high_risk" in html
    assert "eu-ai-act:deployer.human-oversight" in html or "Art. 26" in html
    assert "@media print" in html


async def test_evidence_files_are_kept_with_their_sha256_and_shown_in_the_soa(
    settings: Settings, engine: Engine, org: Org, tmp_path: Path
) -> None:
    evidence_app = create_app(settings.model_copy(update={"evidence_dir": tmp_path}), engine=engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=evidence_app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {org.admin_key}"},
    ) as client:
        url = f"/v1/control-records/{CONTROL}/evidence"
        content = b"Policy approved by the board on 2026-11-01.\n"
        missing = await client.post(
            url,
            params={"filename": "policy.txt"},
            content=content,
            headers={"Content-Type": "text/plain"},
        )
        assert missing.status_code == 404  # no record yet
        assert (await put(client, CONTROL, {"status": "implemented"})).status_code == 201
        wrong = await client.post(
            url,
            params={"filename": "policy.pdf"},
            content=content,
            headers={"Content-Type": "application/pdf"},
        )
        assert wrong.status_code == 415
        uploaded = await client.post(
            url,
            params={"filename": "policy.txt"},
            content=content,
            headers={"Content-Type": "text/plain"},
        )
        assert uploaded.status_code == 201, uploaded.text
        evidence = uploaded.json()
        assert evidence["sha256"] == hashlib.sha256(content).hexdigest()
        assert evidence["size_bytes"] == len(content)
        record = await client.get(f"/v1/control-records/{CONTROL}")
        assert record.headers["ETag"] == '"r2"'
        assert [e["id"] for e in record.json()["evidence"]] == [evidence["id"]]
        stored = [await p.read_bytes() async for p in anyio.Path(tmp_path).rglob(evidence["id"])]
        assert stored == [content]
        download = await client.get(f"{url}/{evidence['id']}/content")
        assert download.status_code == 200
        assert download.content == content
        assert download.headers["Repr-Digest"].startswith("sha-256=:")
        other = await client.get(
            f"/v1/control-records/iso-42001:A.3.2/evidence/{evidence['id']}/content"
        )
        assert other.status_code == 404
        statement = (await client.get("/v1/statement-of-applicability/v2")).json()
        [row] = [r for r in statement["controls"] if r["id"] == CONTROL]
        assert row["evidence"][0]["sha256"] == evidence["sha256"]
        assert count_rows(engine, "control_evidence") == 1
