"""The whole procurement flow over HTTP, with the invitation e-mailed through a real SMTP server."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.delivery.models import OutboxMessage
from app.settings import Settings
from tests.conftest import count_rows
from tests.suppliers.conftest import (
    Inbox,
    create_supplier,
    evidence_files,
    scenario_answers,
    send_request,
    to_submitted,
    token_from,
)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def if_match(revision: int) -> dict[str, str]:
    return {"If-Match": f'"r{revision}"'}


async def test_supplier_answers_through_its_link_and_procurement_decides(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
    portal_settings: Settings,
    engine: Engine,
) -> None:
    # Procurement registers the supplier and sends the questionnaire.
    supplier = await create_supplier(procurement, admin)
    assert supplier["contacts"][0]["email"] == "dana@acme-ai.example"
    assert len(supplier["products"][0]["system_ids"]) == 1
    assert supplier["tier"] is None
    assert supplier["standing"] is None
    created = await send_request(procurement, supplier)
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["delivery"] == "queued"
    assert request["link"] is None  # it goes by e-mail; the API never shows it then
    # Queued in the request's transaction: the link rests only encrypted, never in clear.
    with Session(engine) as session:
        queued = session.get(OutboxMessage, uuid.UUID(request["message_id"]))
        assert queued is not None
        assert queued.status == "pending"
        assert queued.secret_ciphertext is not None
        assert "inv_" not in queued.secret_ciphertext
        assert "inv_" not in queued.body
    assert request["questionnaire"]["key"] == "ai-supplier"
    assert request["status"] == "open"
    assert request["invitation"]["state"] == "active"

    # The e-mail arrives at the SMTP server and carries the link.
    [mail] = inbox.messages
    assert mail["To"] == "dana@acme-ai.example"
    assert "Please answer before our contract review." in mail.get_body().get_content()  # type: ignore[union-attr]
    token = token_from(mail)
    assert token.startswith("inv_")
    state = await procurement.get(f"/v1/outbox/messages/{request['message_id']}")
    assert state.status_code == 200, state.text
    assert state.json()["status"] == "sent"
    assert state.json()["attempts"] == 1
    with Session(engine) as session:
        sent = session.get(OutboxMessage, uuid.UUID(request["message_id"]))
        assert sent is not None
        assert sent.secret_ciphertext is None
    assert len(token) >= 4 + 43
    supplier_client = portal(token)

    # The supplier opens the link: the request and its questionnaire, nothing of the scoring.
    opened = await supplier_client.get("/v1/supplier-portal")
    assert opened.status_code == 200, opened.text
    view = opened.json()
    assert view["organization"] == "Acme"
    assert view["supplier"] == "Acme AI GmbH"
    assert view["status"] == "open"
    assert view["read_only"] is False
    assert "tier" not in view
    questionnaire = (await supplier_client.get("/v1/supplier-portal/questionnaire")).json()
    assert questionnaire["key"] == "ai-supplier"
    assert questionnaire["sections"]
    assert "scoring" not in questionnaire

    # Saves a draft (autosave rules of assessments: If-Match, 412 on a stale one).
    answers = scenario_answers()
    first_half = dict(list(answers.items())[:10])
    saved = await supplier_client.patch(
        "/v1/supplier-portal/answers",
        json={"answers": first_half},
        headers=if_match(view["revision"]),
    )
    assert saved.status_code == 200, saved.text
    stale = await supplier_client.patch(
        "/v1/supplier-portal/answers", json={"answers": answers}, headers=if_match(view["revision"])
    )
    assert stale.status_code == 412
    missing = await supplier_client.patch("/v1/supplier-portal/answers", json={"answers": answers})
    assert missing.status_code == 428
    saved = await supplier_client.patch(
        "/v1/supplier-portal/answers",
        json={"answers": answers},
        headers=if_match(saved.json()["revision"]),
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["progress"]["complete"] is True

    # Uploads evidence: SHA-256 recorded, the bytes under the evidence folder.
    uploaded = await supplier_client.post(
        "/v1/supplier-portal/evidence",
        params={"filename": "../ISO 42001 certificate.pdf", "item_id": "aims_status"},
        content=PDF,
        headers={"Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    assert evidence["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert evidence["size_bytes"] == len(PDF)
    assert evidence["filename"] == "ISO 42001 certificate.pdf"
    stored = evidence_files(portal_settings.evidence_dir)
    assert [p.read_bytes() for p in stored if p.name == evidence["id"]] == [PDF]

    # Submits.
    submitted = await supplier_client.post(
        "/v1/supplier-portal/submit", headers=if_match(saved.json()["revision"])
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["read_only"] is True

    # Procurement sees answers, evidence, the derived tier and the contractual controls.
    seen = await procurement.get(f"/v1/supplier-requests/{request['id']}")
    assert seen.status_code == 200
    body = seen.json()
    assert body["status"] == "submitted"
    assert body["answers"] == answers
    assert body["tier"] == "low"
    assert {c["id"] for c in body["controls"]} >= {"iso-42001:A.10.2", "iso-42001:A.10.3"}
    assert [e["id"] for e in body["evidence"]] == [evidence["id"]]
    download = await procurement.get(
        f"/v1/supplier-requests/{request['id']}/evidence/{evidence['id']}/content"
    )
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"

    # Procurement asks to clarify one question.
    clarify = await procurement.post(
        f"/v1/supplier-requests/{request['id']}/review",
        json={
            "decision": "request_clarification",
            "comment": "One point to clarify.",
            "item_comments": {"incident_notice_hours": "24 h is too slow for us; can you do 12?"},
        },
        headers={"If-Match": seen.headers["ETag"]},
    )
    assert clarify.status_code == 200, clarify.text
    assert clarify.json()["status"] == "clarification_requested"

    # The supplier sees the comment and answers again.
    reopened = (await supplier_client.get("/v1/supplier-portal")).json()
    assert reopened["status"] == "clarification_requested"
    assert reopened["outcome"] is None
    assert reopened["review_comments"] == {
        "incident_notice_hours": "24 h is too slow for us; can you do 12?"
    }
    assert reopened["answers"] == answers
    answered = await supplier_client.patch(
        "/v1/supplier-portal/answers",
        json={"answers": {"incident_notice_hours": 12}},
        headers=if_match(reopened["revision"]),
    )
    assert answered.status_code == 200, answered.text
    resubmitted = await supplier_client.post(
        "/v1/supplier-portal/submit", headers=if_match(answered.json()["revision"])
    )
    assert resubmitted.status_code == 200, resubmitted.text

    # Procurement accepts; the supplier's tier is set.
    current = await procurement.get(f"/v1/supplier-requests/{request['id']}")
    accepted = await procurement.post(
        f"/v1/supplier-requests/{request['id']}/review",
        json={"decision": "accept"},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    profile = (await procurement.get(f"/v1/suppliers/{supplier['id']}")).json()
    assert profile["tier"] == "low"
    assert profile["standing"]["tier_label"] == "Low supplier risk"
    assert profile["standing"]["request_id"] == request["id"]
    assert profile["standing"]["review_due_at"] is not None
    assert {c["id"] for c in profile["standing"]["controls"]} >= {"iso-42001:A.10.2"}
    [entry] = profile["history"]
    assert entry["status"] == "accepted"
    assert entry["tier"] == "low"
    listed = (await procurement.get("/v1/suppliers")).json()["items"]
    assert [(s["id"], s["tier"]) for s in listed] == [(supplier["id"], "low")]

    # The link now opens only the read-only view of what was submitted.
    closed = await supplier_client.get("/v1/supplier-portal")
    assert closed.status_code == 200
    closed_view = closed.json()
    assert closed_view["status"] == "closed"
    assert closed_view["outcome"] == "accepted"
    assert closed_view["read_only"] is True
    assert closed_view["answers"]["incident_notice_hours"] == 12
    assert "tier" not in closed_view
    revision = closed_view["revision"]
    blocked: list[httpx.Response] = [
        await supplier_client.patch(
            "/v1/supplier-portal/answers",
            json={"answers": {"incident_notice_hours": 1}},
            headers=if_match(revision),
        ),
        await supplier_client.post("/v1/supplier-portal/submit", headers=if_match(revision)),
        await supplier_client.post(
            "/v1/supplier-portal/evidence",
            params={"filename": "late.pdf"},
            content=PDF,
            headers={"Content-Type": "application/pdf"},
        ),
        await supplier_client.delete(f"/v1/supplier-portal/evidence/{evidence['id']}"),
    ]
    for response in blocked:
        assert response.status_code == 409, response.text
        assert response.json()["type"] == "/problems/request-closed"
    assert count_rows(engine, "supplier_evidence") == 1
    for path in ("/v1/ai-systems", "/v1/suppliers", f"/v1/supplier-requests/{request['id']}"):
        assert (await supplier_client.get(path)).status_code == 401

    # Everything is in the audit log.
    events = (await admin.get("/v1/audit-events", params={"limit": 200})).json()["items"]
    actions = {e["action"] for e in events}
    assert {
        "supplier.created",
        "supplier_request.created",
        "supplier_request.invitation_issued",
        "assessment.answers_saved",
        "supplier_request.evidence_added",
        "supplier_request.submitted",
        "supplier_request.request_clarification",
        "supplier_request.accept",
        "assessment.approved",
    } <= actions
    assert any(e["actor"] == "supplier contact <dana@acme-ai.example>" for e in events)
    assert not any(token in str(e) for e in events)


async def test_rejection_closes_the_link_and_sets_no_tier(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
) -> None:
    supplier, request, client = await to_submitted(
        procurement, admin, portal, inbox, scenario_answers("undisclosed_model_critical")
    )
    seen = await procurement.get(f"/v1/supplier-requests/{request['id']}")
    assert seen.json()["tier"] == "critical"
    no_comment = await procurement.post(
        f"/v1/supplier-requests/{request['id']}/review",
        json={"decision": "reject"},
        headers={"If-Match": seen.headers["ETag"]},
    )
    assert no_comment.status_code == 422
    clarify_nothing = await procurement.post(
        f"/v1/supplier-requests/{request['id']}/review",
        json={"decision": "request_clarification", "comment": "?"},
        headers={"If-Match": seen.headers["ETag"]},
    )
    assert clarify_nothing.status_code == 422
    assert clarify_nothing.json()["errors"][0]["pointer"] == "/item_comments"
    rejected = await procurement.post(
        f"/v1/supplier-requests/{request['id']}/review",
        json={"decision": "reject", "comment": "Undisclosed model origin."},
        headers={"If-Match": seen.headers["ETag"]},
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    profile = (await procurement.get(f"/v1/suppliers/{supplier['id']}")).json()
    assert profile["tier"] is None
    assert profile["history"][0]["status"] == "rejected"
    view = (await client.get("/v1/supplier-portal")).json()
    assert view["status"] == "closed"
    assert view["outcome"] == "rejected"
    resend = await procurement.post(f"/v1/supplier-requests/{request['id']}/invitation")
    assert resend.status_code == 409


async def test_supplier_answers_cannot_be_changed_through_the_assessment_api(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
) -> None:
    _, request, _ = await to_submitted(
        procurement, admin, portal, inbox, scenario_answers("undisclosed_model_critical")
    )
    assessment_id = request["assessment_id"]
    current = await admin.get(f"/v1/assessments/{assessment_id}")
    assert current.status_code == 200
    etag = {"If-Match": current.headers["ETag"]}
    approve = await admin.post(
        f"/v1/assessments/{assessment_id}/review", json={"decision": "approve"}, headers=etag
    )
    assert approve.status_code == 409
    assert approve.json()["type"] == "/problems/supplier-assessment"
    seen = (await procurement.get(f"/v1/supplier-requests/{request['id']}")).json()
    assert seen["status"] == "submitted"
