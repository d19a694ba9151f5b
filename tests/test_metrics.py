"""/metrics: off without a token, refused with a wrong one, parseable Prometheus text with one."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from app.db import transaction
from app.delivery import service as outbox
from app.delivery.models import OutboxMessage
from app.main import create_app
from app.settings import Settings
from tests.conftest import Org


async def test_metrics_need_the_token_and_parse(
    settings: Settings, engine: Engine, app: FastAPI, org: Org
) -> None:
    off = create_app(settings, engine=engine, catalog=app.state.catalog)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=off), base_url="http://t") as c:
        assert (await c.get("/metrics")).status_code == 404
    on = create_app(
        settings.model_copy(update={"metrics_token": SecretStr("scrape-me")}),
        engine=engine,
        catalog=app.state.catalog,
    )
    with transaction(engine, write=True) as session:
        queued = outbox.enqueue_email(
            session,
            settings=settings,
            organization_id=org.id,
            purpose="m",
            to="a@b.example",
            subject="s",
            body="b",
        )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=on), base_url="http://t") as c:
        system = await c.get(
            "/v1/ai-systems/00000000-0000-0000-0000-000000000000",
            headers={"Authorization": f"Bearer {org.admin_key}"},
        )
        assert system.status_code == 404
        assert (
            await c.get("/metrics", headers={"Authorization": "Bearer nope"})
        ).status_code == 404
        scraped = await c.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert scraped.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    requests = families["app_http_requests"].samples
    assert any(
        s.labels == {"method": "GET", "route": "/v1/ai-systems/{system_id}", "status": "404"}
        for s in requests
    )
    assert "app_http_request_duration_seconds" in families
    (depth,) = families["app_outbox_depth"].samples
    assert depth.value >= 1
    (age,) = families["app_outbox_oldest_age_seconds"].samples
    assert age.value >= 0
    with transaction(engine, write=True) as session:
        session.delete(session.get(OutboxMessage, queued.id))  # never sent by a later test
