"""The OpenAPI document's `webhooks` section: one entry per event, its body the signed envelope."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import FastAPI, Header, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from app.webhooks.events import DATA_MODELS, PING

SIGNING = (
    "Signed per the Standard Webhooks specification: `webhook-id` (kept by retries and "
    "redeliveries; deduplicate on it), `webhook-timestamp` (Unix seconds of the attempt) and "
    "`webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per secret, space "
    "separated; two during a secret rotation). Answer 2xx within the timeout; anything else, a "
    "redirect included, is retried with exponential backoff."
)


def _envelope(event_type: str) -> type[BaseModel]:
    title = "".join(part.title() for part in event_type.replace(".", "_").split("_")) + "Event"
    data_model = DATA_MODELS[event_type]
    model: type[BaseModel] = create_model(
        title,
        __config__=ConfigDict(title=title),
        type=(Literal[event_type], Field(description="The event type.")),  # type: ignore[arg-type]
        timestamp=(datetime, Field(description="When the event happened (RFC 3339, UTC).")),
        data=(data_model, Field(description=data_model.__doc__)),
    )
    model.__doc__ = f"The body of a `{event_type}` webhook."
    return model


def _register(app: FastAPI, event_type: str) -> None:
    body_model = _envelope(event_type)

    def receive(
        body: Any,
        webhook_id: str = Header(alias="webhook-id"),
        webhook_timestamp: str = Header(alias="webhook-timestamp"),
        webhook_signature: str = Header(alias="webhook-signature"),
    ) -> Response:
        return Response(status_code=204)

    receive.__annotations__["body"] = body_model
    description = (DATA_MODELS[event_type].__doc__ or "") + "\n\n" + SIGNING
    app.webhooks.post(
        event_type,
        operation_id=f"webhook_{event_type.replace('.', '_')}",
        summary=f"{event_type}",
        description=description,
        status_code=204,
        tags=["webhooks"],
    )(receive)


def install_webhook_docs(app: FastAPI) -> None:
    for event_type in DATA_MODELS:
        _register(app, event_type)


__all__ = ["PING", "install_webhook_docs"]
