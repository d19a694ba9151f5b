"""Evidence uploads: size and type limits, content checks, nothing stored on refusal."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.settings import Settings
from tests.conftest import count_rows
from tests.suppliers.conftest import (
    EVIDENCE_LIMIT,
    Inbox,
    create_supplier,
    evidence_files,
    send_request,
    token_from,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
async def supplier_client(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
) -> httpx.AsyncClient:
    supplier = await create_supplier(procurement, admin)
    await send_request(procurement, supplier)
    return portal(token_from(inbox.messages[-1]))


async def _upload(
    client: httpx.AsyncClient,
    content: bytes | AsyncIterator[bytes],
    content_type: str,
    filename: str = "evidence",
) -> httpx.Response:
    return await client.post(
        "/v1/supplier-portal/evidence",
        params={"filename": filename},
        content=content,
        headers={"Content-Type": content_type},
    )


async def _chunks(total: int, size: int = 8192) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"a" * piece


@pytest.mark.parametrize("declared_length", [True, False], ids=["content-length", "chunked"])
async def test_an_upload_over_the_limit_is_413_and_stores_nothing(
    declared_length: bool,
    supplier_client: httpx.AsyncClient,
    portal_settings: Settings,
    engine: Engine,
) -> None:
    before = evidence_files(portal_settings.evidence_dir)
    body: bytes | AsyncIterator[bytes] = (
        b"a" * (EVIDENCE_LIMIT + 1) if declared_length else _chunks(EVIDENCE_LIMIT * 3)
    )
    response = await _upload(supplier_client, body, "text/plain", "big.txt")
    assert response.status_code == 413, response.text
    assert response.json()["type"] == "/problems/payload-too-large"
    assert evidence_files(portal_settings.evidence_dir) == before
    assert count_rows(engine, "supplier_evidence") == 0
    # Exactly the limit is fine.
    ok = await _upload(supplier_client, b"a" * EVIDENCE_LIMIT, "text/plain", "limit.txt")
    assert ok.status_code == 201, ok.text
    assert count_rows(engine, "supplier_evidence") == 1


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"MZ\x90\x00 windows program", "application/x-msdownload"),
        (b"<html><script>alert(1)</script></html>", "text/html"),
        (b"%PDF-1.7", ""),
        (PNG, "application/pdf"),  # declared one type, is another
        (b"%PDF-1.7 not a picture", "image/png"),
        (
            b"PK\x03\x04 not really a zip",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (b"{not json", "application/json"),
        (b"binary\x00text", "text/csv"),
    ],
)
async def test_a_file_of_another_type_is_415_and_stores_nothing(
    content: bytes,
    content_type: str,
    supplier_client: httpx.AsyncClient,
    portal_settings: Settings,
    engine: Engine,
) -> None:
    before = evidence_files(portal_settings.evidence_dir)
    response = await _upload(supplier_client, content, content_type)
    assert response.status_code == 415, response.text
    assert response.json()["type"] == "/problems/unsupported-media-type"
    assert evidence_files(portal_settings.evidence_dir) == before
    assert count_rows(engine, "supplier_evidence") == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0 jpeg", "image/jpeg"),
        (_docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b'{"policy": true}', "application/json; charset=utf-8"),
        ("name,value\nÄrger,1\n".encode(), "text/csv"),
    ],
)
async def test_allowed_types_are_accepted(
    content: bytes, content_type: str, supplier_client: httpx.AsyncClient
) -> None:
    response = await _upload(supplier_client, content, content_type)
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == content_type.split(";")[0]


async def test_evidence_can_be_removed_while_the_draft_is_open(
    supplier_client: httpx.AsyncClient, portal_settings: Settings, engine: Engine
) -> None:
    before = evidence_files(portal_settings.evidence_dir)
    uploaded = (await _upload(supplier_client, b"notes", "text/plain", "notes.txt")).json()
    assert len(evidence_files(portal_settings.evidence_dir)) == len(before) + 1
    empty = await _upload(supplier_client, b"", "text/plain")
    assert empty.status_code == 422
    unknown_item = await supplier_client.post(
        "/v1/supplier-portal/evidence",
        params={"filename": "x.txt", "item_id": "no_such_question"},
        content=b"x",
        headers={"Content-Type": "text/plain"},
    )
    assert unknown_item.status_code == 422
    removed = await supplier_client.delete(f"/v1/supplier-portal/evidence/{uploaded['id']}")
    assert removed.status_code == 204
    assert evidence_files(portal_settings.evidence_dir) == before
    assert count_rows(engine, "supplier_evidence") == 0
    again = await supplier_client.delete(f"/v1/supplier-portal/evidence/{uploaded['id']}")
    assert again.status_code == 404


async def test_a_download_carries_the_digest_and_a_lost_file_is_a_409(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
    portal_settings: Settings,
) -> None:
    supplier = await create_supplier(procurement, admin)
    request = (await send_request(procurement, supplier)).json()
    client = portal(token_from(inbox.messages[-1]))
    uploaded = (await _upload(client, b"our policy", "text/plain", "policy.txt")).json()
    url = f"/v1/supplier-requests/{request['id']}/evidence/{uploaded['id']}/content"

    download = await procurement.get(url)
    assert download.status_code == 200
    assert download.content == b"our policy"
    digest = base64.b64encode(hashlib.sha256(b"our policy").digest()).decode()
    assert download.headers["Repr-Digest"] == f"sha-256=:{digest}:"
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    for path in evidence_files(portal_settings.evidence_dir):
        path.unlink()
    lost = await procurement.get(url)
    assert lost.status_code == 409
    assert lost.json()["type"] == "/problems/evidence-missing"


async def test_the_report_of_a_suppliers_answers_names_it_and_lists_its_evidence(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
) -> None:
    supplier = await create_supplier(procurement, admin, name="Acme <AI> GmbH")
    request = (await send_request(procurement, supplier)).json()
    client = portal(token_from(inbox.messages[-1]))
    uploaded = await _upload(client, b"our policy", "text/plain", "policy.txt")
    assert uploaded.status_code == 201, uploaded.text

    report = await admin.get(f"/v1/assessments/{request['assessment_id']}/report.html")
    assert report.status_code == 200, report.text
    page = report.text
    assert "AI risk and impact assessment: Acme &lt;AI&gt; GmbH" in page
    assert "<dt>Name</dt><dd>Acme &lt;AI&gt; GmbH</dd>" in page
    assert "<h3>Evidence files</h3>" in page
    assert "policy.txt" in page
    assert hashlib.sha256(b"our policy").hexdigest() in page
