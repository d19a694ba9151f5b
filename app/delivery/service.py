"""Writing messages to the outbox (inside the caller's transaction) and reading their state."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.auth import Caller
from app.db import OUTBOX_QUEUED
from app.delivery.crypto import seal
from app.delivery.models import OutboxMessage
from app.errors import NotFoundError
from app.settings import Settings

SECRET = "{secret}"  # noqa: S105  (a placeholder, not a password)


def enqueue_email(
    session: Session,
    *,
    settings: Settings,
    organization_id: uuid.UUID | None,
    purpose: str,
    to: str,
    subject: str,
    body: str,
    secret: str | None = None,
) -> OutboxMessage:
    """Queue one e-mail in the caller's transaction; the worker sends it only after the commit.

    `secret` (a link with a token) replaces `{secret}` in the body at sending time; until then
    it rests encrypted, and it is deleted once the message is sent or dead-lettered.
    """
    if secret is not None and SECRET not in body:
        raise ValueError("a secret needs a {secret} placeholder in the body")
    message = OutboxMessage(
        organization_id=organization_id,
        kind="email",
        purpose=purpose,
        recipient=to,
        subject=subject[:400],
        body=body,
        secret_ciphertext=seal(settings, secret) if secret is not None else None,
        status="pending",
    )
    session.add(message)
    session.flush()
    session.info[OUTBOX_QUEUED] = True
    return message


def get_message(session: Session, *, caller: Caller, message_id: uuid.UUID) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None or message.organization_id != caller.organization_id:
        raise NotFoundError("message", message_id)
    return message
