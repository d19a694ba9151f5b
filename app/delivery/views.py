"""The delivery state of a queued message, read from its row for the API."""

from datetime import datetime
from typing import TypedDict

from app.delivery.models import OutboxMessage
from app.delivery.schemas import MessageStatus


class Progress(TypedDict):
    """Where a message is on its way, as every view of a queued message shows it."""

    status: MessageStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def progress(message: OutboxMessage) -> Progress:
    """The message's progress; only a pending message has a next attempt."""
    status = MessageStatus(message.status)
    pending = status == MessageStatus.PENDING
    return Progress(
        status=status,
        attempts=message.attempts,
        next_attempt_at=message.next_attempt_at if pending else None,
        last_error=message.last_error,
        created_at=message.created_at,
        sent_at=message.sent_at,
    )
