"""Reading the delivery state of an organisation's queued messages."""

import uuid

from app.delivery import service, views
from app.delivery.schemas import OutboxMessagePublic
from app.errors import problem_responses
from app.route_helpers import CallerAccess
from app.routing import AUTHENTICATED, problem_router

router = problem_router(AUTHENTICATED, prefix="/v1/outbox/messages", tags=["delivery"])


@router.get(
    "/{message_id}",
    responses=problem_responses(404),
    summary="Get the delivery state of a queued e-mail (attempts, last error, sent or dead)",
)
def get_outbox_message(message_id: uuid.UUID, access: CallerAccess) -> OutboxMessagePublic:
    message = service.get_message(**access, message_id=message_id)
    return OutboxMessagePublic(
        id=message.id,
        kind=message.kind,
        purpose=message.purpose,
        recipient=message.recipient,
        **views.progress(message),
    )
