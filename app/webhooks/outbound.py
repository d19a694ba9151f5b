"""The outbox worker's webhook side: what a claimed row sends, and the log of each attempt."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.delivery.crypto import WEBHOOK_SECRETS, SecretUnreadable, unseal
from app.delivery.models import OutboxMessage
from app.settings import Settings
from app.views import attributes
from app.webhooks.models import WebhookAttempt, WebhookSubscription
from app.webhooks.sender import Outcome, WebhookCall
from app.webhooks.service import signing_secrets_of


def call_for(
    session: Session, settings: Settings, message: OutboxMessage, now: datetime
) -> WebhookCall | str:
    """The call a claimed row makes, read inside the claim; or why it can never be made."""
    subscription = (
        session.get(WebhookSubscription, message.subscription_id)
        if message.subscription_id is not None
        else None
    )
    if subscription is None:
        return "the subscription is gone"
    if not subscription.enabled and message.purpose != "webhook.ping":
        return "the subscription is disabled"
    try:
        secrets = tuple(
            unseal(settings, sealed, WEBHOOK_SECRETS)
            for sealed in signing_secrets_of(subscription, now)
        )
    except SecretUnreadable as exc:
        return f"the signing secret cannot be read: {exc}"
    return WebhookCall(
        url=subscription.url, webhook_id=message.subject, payload=message.body, secrets=secrets
    )


def record_attempt(
    session: Session, message: OutboxMessage, attempt: int, outcome: Outcome
) -> None:
    if message.organization_id is None:  # webhooks always belong to an organisation
        return
    session.add(
        WebhookAttempt(
            organization_id=message.organization_id,
            message_id=message.id,
            attempt=attempt,
            **attributes(
                outcome, "started_at", "duration_ms", "status_code", "error", "response_prefix"
            ),
        )
    )
