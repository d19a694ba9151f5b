"""An evidence upload and the submit of the same request at the same time.

Without a lock on the assessment, PostgreSQL lets the upload read the draft status while the
submit is still open and add its file after the answers were submitted. The submit's transaction
is held open while the upload starts, as two tabs of the supplier portal can.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.errors import ConflictError
from app.settings import Settings
from app.suppliers import portal_service
from app.suppliers.evidence import EvidenceStore, StagedFile
from tests.concurrency import Write, overlapping_writes
from tests.conftest import count_rows
from tests.suppliers.conftest import (
    Inbox,
    create_supplier,
    scenario_answers,
    send_request,
    token_from,
)

pytestmark = pytest.mark.asyncio


def submitting(app: FastAPI, token: str, revision: int) -> Write:
    def write(session: Session) -> None:
        access = portal_service.open_invitation(session, token)
        portal_service.portal_submit(
            session, app.state.catalog, access=access, if_match=f'"r{revision}"'
        )

    return write


def uploading(app: FastAPI, settings: Settings, token: str) -> Write:
    def write(session: Session) -> None:
        store = EvidenceStore(settings.evidence_dir)
        content = b"late evidence\n"
        path = store.incoming() / uuid.uuid4().hex
        path.write_bytes(content)
        staged = StagedFile(path, len(content), hashlib.sha256(content).hexdigest())
        try:
            access = portal_service.open_invitation(session, token)
            portal_service.add_evidence(
                session,
                app.state.catalog,
                access=access,
                store=store,
                staged=staged,
                filename="late.txt",
                content_type="text/plain",
                item_id=None,
            )
        finally:
            staged.discard()

    return write


async def test_an_upload_during_the_submit_waits_and_is_refused(
    engine: Engine,
    supplier_app: FastAPI,
    portal_settings: Settings,
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    portal: Callable[[str], httpx.AsyncClient],
    inbox: Inbox,
) -> None:
    supplier = await create_supplier(procurement, admin)
    await send_request(procurement, supplier)
    token = token_from(inbox.messages[-1])
    saved = await portal(token).patch(
        "/v1/supplier-portal/answers",
        json={"answers": scenario_answers()},
        headers={"If-Match": '"r1"'},
    )
    assert saved.status_code == 200, saved.text

    waited, error = overlapping_writes(
        engine,
        submitting(supplier_app, token, saved.json()["revision"]),
        uploading(supplier_app, portal_settings, token),
    )
    assert waited, "the upload did not wait for the submit"
    assert isinstance(error, ConflictError), error
    assert error.type.endswith("assessment-not-draft")
    assert count_rows(engine, "supplier_evidence") == 0
