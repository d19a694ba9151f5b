"""Subscriptions (admin only, per organisation) and events written to the outbox in the caller's
transaction: nothing is sent for a change that rolls back, and the worker sends after commit."""

from __future__ import annotations

import base64
import json
import os
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth import Caller
from app.concurrency import check_if_match
from app.db import OUTBOX_QUEUED, get_owned, utcnow
from app.delivery.crypto import WEBHOOK_SECRETS, seal
from app.delivery.models import OutboxMessage
from app.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    ProblemType,
    field_problem,
)
from app.pagination import fetch_page
from app.settings import Settings
from app.webhooks import safety
from app.webhooks.events import DATA_MODELS, PING
from app.webhooks.models import WebhookAttempt, WebhookEpisode, WebhookSubscription
from app.webhooks.schemas import WebhookSubscriptionCreate, WebhookSubscriptionUpdate

KIND = "webhook"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def _envelope(event_type: str, data: dict[str, Any]) -> str:
    model = DATA_MODELS[event_type]
    checked = model.model_validate(data).model_dump(mode="json")
    body = {"type": event_type, "timestamp": utcnow().isoformat(), "data": checked}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def _queue(
    session: Session, subscription: WebhookSubscription, event_type: str, webhook_id: str, body: str
) -> OutboxMessage:
    message = OutboxMessage(
        organization_id=subscription.organization_id,
        kind=KIND,
        subscription_id=subscription.id,
        purpose=event_type,
        recipient=subscription.url[:320],
        subject=webhook_id,
        body=body,
        status="pending",
    )
    session.add(message)
    session.info[OUTBOX_QUEUED] = True
    return message


def emit(
    session: Session, organization_id: uuid.UUID, event_type: str, data: dict[str, Any]
) -> int:
    """Queue `event_type` for every enabled subscription of the organisation that asked for it.

    Written in the caller's transaction; returns how many deliveries were queued.
    """
    body = _envelope(event_type, data)
    subscriptions = session.exec(
        select(WebhookSubscription).where(
            WebhookSubscription.organization_id == organization_id,
            col(WebhookSubscription.enabled).is_(True),
        )
    ).all()
    webhook_id = f"msg_{uuid.uuid4().hex}"
    queued = [
        _queue(session, s, event_type, webhook_id, body)
        for s in subscriptions
        if event_type in s.event_types
    ]
    session.flush()
    return len(queued)


def emit_once(
    session: Session,
    organization_id: uuid.UUID,
    event_type: str,
    *,
    subject_id: uuid.UUID,
    episode: str,
    data: dict[str, Any],
) -> bool:
    """Emit unless this (event, subject, episode) was emitted before; two racing writers collide
    on the unique key and one of them rolls back."""
    seen = session.exec(
        select(WebhookEpisode.id).where(
            WebhookEpisode.event_type == event_type,
            WebhookEpisode.subject_id == subject_id,
            WebhookEpisode.episode == episode,
        )
    ).first()
    if seen is not None:
        return False
    session.add(
        WebhookEpisode(
            organization_id=organization_id,
            event_type=event_type,
            subject_id=subject_id,
            episode=episode,
        )
    )
    session.flush()
    emit(session, organization_id, event_type, data)
    return True


# --- subscriptions ------------------------------------------------------------------------------


def _check_url(settings: Settings, url: str) -> None:
    found = safety.problems(url, settings)
    if found:
        raise InvalidRequestError(
            ProblemType.WEBHOOK_URL_REFUSED,
            f"The webhook URL {found[0]}.",
            errors=[field_problem("/url", problem) for problem in found],
        )


def _view(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "url": subscription.url,
        "event_types": list(subscription.event_types),
        "description": subscription.description,
        "enabled": subscription.enabled,
    }


def _audit(
    session: Session,
    caller: Caller,
    subscription: WebhookSubscription,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record_change(
        session, "webhook", subscription, action, actor=caller.actor, before=before, after=after
    )


def create_subscription(
    session: Session, settings: Settings, *, caller: Caller, data: WebhookSubscriptionCreate
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned this once; kept encrypted)."""
    _check_url(settings, data.url)
    secret = new_secret()
    subscription = WebhookSubscription(
        organization_id=caller.organization_id,
        url=data.url,
        event_types=[e.value for e in data.event_types],
        description=data.description,
        enabled=data.enabled,
        secret_ciphertext=seal(settings, secret, WEBHOOK_SECRETS),
        **caller.actor.created_by(),
    )
    session.add(subscription)
    session.flush()
    _audit(session, caller, subscription, "created", None, _view(subscription))
    return subscription, secret


def get_subscription(
    session: Session, *, caller: Caller, subscription_id: uuid.UUID
) -> WebhookSubscription:
    """The subscription, or 404 (also when it is another organisation's)."""
    return get_owned(
        session, WebhookSubscription, subscription_id, caller.organization_id, "webhook"
    )


def list_subscriptions(
    session: Session, *, caller: Caller, cursor: str | None, limit: int
) -> tuple[list[WebhookSubscription], str | None]:
    """Newest first (by creation time, then id)."""
    return fetch_page(
        session,
        select(WebhookSubscription).where(
            WebhookSubscription.organization_id == caller.organization_id
        ),
        WebhookSubscription,
        cursor=cursor,
        limit=limit,
    )


def _for_change(
    session: Session, caller: Caller, subscription_id: uuid.UUID, if_match: str | None
) -> WebhookSubscription:
    subscription = get_subscription(session, caller=caller, subscription_id=subscription_id)
    check_if_match(if_match, subscription.revision)
    return subscription


def update_subscription(
    session: Session,
    settings: Settings,
    *,
    caller: Caller,
    subscription_id: uuid.UUID,
    data: WebhookSubscriptionUpdate,
    if_match: str | None,
) -> WebhookSubscription:
    subscription = _for_change(session, caller, subscription_id, if_match)
    if data.url is not None:
        _check_url(settings, data.url)
    before = _view(subscription)
    changes = data.model_dump(mode="json", exclude_unset=True)
    for field, value in changes.items():
        setattr(subscription, field, value)  # the JSON list is reassigned, never mutated
    if _view(subscription) == before:
        return subscription
    subscription.touch()
    session.add(subscription)
    session.flush()
    _audit(session, caller, subscription, "updated", before, _view(subscription))
    return subscription


def delete_subscription(
    session: Session, *, caller: Caller, subscription_id: uuid.UUID, if_match: str | None
) -> None:
    """Deleted with its deliveries and their log; deliveries under way are not sent."""
    subscription = _for_change(session, caller, subscription_id, if_match)
    _audit(session, caller, subscription, "deleted", _view(subscription), None)
    session.delete(subscription)
    session.flush()


def rotate_secret(
    session: Session,
    settings: Settings,
    *,
    caller: Caller,
    subscription_id: uuid.UUID,
    overlap: timedelta,
    if_match: str | None,
) -> tuple[WebhookSubscription, str]:
    """A new secret; the current one keeps signing beside it for `overlap` (then it is gone)."""
    subscription = _for_change(session, caller, subscription_id, if_match)
    secret = new_secret()
    now = utcnow()
    if overlap > timedelta(0):
        subscription.previous_secret_ciphertext = subscription.secret_ciphertext
        subscription.previous_secret_expires_at = now + overlap
    else:
        subscription.previous_secret_ciphertext = None
        subscription.previous_secret_expires_at = None
    subscription.secret_ciphertext = seal(settings, secret, WEBHOOK_SECRETS)
    subscription.touch()
    session.add(subscription)
    session.flush()
    after = {"overlap_until": (now + overlap).isoformat() if overlap else None}
    _audit(session, caller, subscription, "secret_rotated", None, after)
    return subscription, secret


# --- deliveries ---------------------------------------------------------------------------------


def ping(session: Session, *, caller: Caller, subscription_id: uuid.UUID) -> OutboxMessage:
    """Queue a `webhook.ping` to this subscription (enabled or not, whatever its event types)."""
    subscription = get_subscription(session, caller=caller, subscription_id=subscription_id)
    body = _envelope(PING, {"subscription_id": subscription.id})
    message = _queue(session, subscription, PING, f"msg_{uuid.uuid4().hex}", body)
    session.flush()
    return message


def list_deliveries(
    session: Session,
    *,
    caller: Caller,
    subscription_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> tuple[list[OutboxMessage], str | None]:
    """Newest first (by creation time, then id)."""
    get_subscription(session, caller=caller, subscription_id=subscription_id)
    return fetch_page(
        session,
        select(OutboxMessage).where(
            OutboxMessage.organization_id == caller.organization_id,
            OutboxMessage.subscription_id == subscription_id,
        ),
        OutboxMessage,
        cursor=cursor,
        limit=limit,
    )


def get_delivery(
    session: Session,
    *,
    caller: Caller,
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
) -> tuple[OutboxMessage, list[WebhookAttempt]]:
    """A delivery with its attempt log (the first attempt first), or 404."""
    get_subscription(session, caller=caller, subscription_id=subscription_id)
    message = session.get(OutboxMessage, delivery_id)
    if message is None or message.subscription_id != subscription_id:
        raise NotFoundError("delivery", delivery_id)
    attempts = session.exec(
        select(WebhookAttempt)
        .where(WebhookAttempt.message_id == message.id)
        .order_by(col(WebhookAttempt.attempt), col(WebhookAttempt.started_at))
    ).all()
    return message, list(attempts)


def redeliver(
    session: Session, *, caller: Caller, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> OutboxMessage:
    """Queue the same message again (same `webhook-id` and payload) as a new delivery."""
    original, _ = get_delivery(
        session,
        caller=caller,
        subscription_id=subscription_id,
        delivery_id=delivery_id,
    )
    if original.status in ("pending", "sending"):
        raise ConflictError(
            "This delivery is still under way; redeliver it once it is sent or dead.",
            type=ProblemType.DELIVERY_UNDER_WAY,
        )
    subscription = get_subscription(session, caller=caller, subscription_id=subscription_id)
    message = _queue(session, subscription, original.purpose, original.subject, original.body)
    session.flush()
    audit.record_change(
        session,
        "webhook",
        subscription,
        "redelivered",
        actor=caller.actor,
        after={"delivery_id": str(original.id), "new_delivery_id": str(message.id)},
    )
    return message


def signing_secrets_of(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The ciphertexts of the secrets that sign now: the current one, and the old one in overlap."""
    sealed = [subscription.secret_ciphertext]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_ciphertext and expires is not None and expires > now:
        sealed.append(subscription.previous_secret_ciphertext)
    return sealed
