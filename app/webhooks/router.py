"""HTTP layer of webhook subscriptions and their deliveries (admin only)."""

import json
import uuid
from datetime import timedelta
from typing import Any

from fastapi import Response, status
from fastapi.responses import JSONResponse

from app.concurrency import LOCATION_HEADER, etag_response, with_etag
from app.delivery.models import OutboxMessage
from app.delivery.views import progress
from app.deps import SettingsDep
from app.errors import problem_responses
from app.idempotency import Created, IdempotencyDep
from app.pagination import Page
from app.route_helpers import (
    AdminAccess,
    AdminChange,
    AdminListing,
    creation,
    from_row,
    page_of,
)
from app.routing import AUTHENTICATED, problem_router
from app.webhooks import service
from app.webhooks.models import WebhookSubscription
from app.webhooks.schemas import (
    WebhookAttemptPublic,
    WebhookDeliveryDetail,
    WebhookDeliveryPublic,
    WebhookSecretRotation,
    WebhookSubscriptionCreate,
    WebhookSubscriptionCreated,
    WebhookSubscriptionPublic,
    WebhookSubscriptionUpdate,
)

router = problem_router(AUTHENTICATED, prefix="/v1/webhooks", tags=["webhooks"])


WRITE_ERRORS = problem_responses(404, 409, 412, 428)
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Queued: follow the delivery at Location.",
        "headers": {"Location": LOCATION_HEADER},
    }
}


_view = from_row(WebhookSubscriptionPublic)


def _public(subscription: WebhookSubscription, response: Response) -> WebhookSubscriptionPublic:
    return with_etag(response, subscription.revision, _view(subscription))


def _delivery(message: OutboxMessage, subscription_id: uuid.UUID) -> WebhookDeliveryPublic:
    return WebhookDeliveryPublic(
        id=message.id,
        subscription_id=subscription_id,
        webhook_id=message.subject,
        event_type=message.purpose,
        **progress(message),
    )


def _accepted(message: OutboxMessage, subscription_id: uuid.UUID) -> Created:
    location = f"/v1/webhooks/{subscription_id}/deliveries/{message.id}"
    return 202, _delivery(message, subscription_id), {"Location": location}


@router.post(
    "",
    summary="Subscribe a URL to events (the signing secret is returned this once)",
    description=(
        "The URL must be https (http only where `APP_WEBHOOK_ALLOW_HTTP` is set) and may not be "
        "a private, loopback, link-local, multicast or reserved address (422 "
        "`/problems/webhook-url-refused`); names are resolved and checked again at each "
        "delivery. No Idempotency-Key: a replay would have to keep the secret in clear."
    ),
    **creation(WebhookSubscriptionCreated),
)
def create_webhook(
    body: WebhookSubscriptionCreate, response: Response, access: AdminAccess, settings: SettingsDep
) -> WebhookSubscriptionCreated:
    subscription, secret = service.create_subscription(**access, settings=settings, data=body)
    public = _public(subscription, response)
    response.headers["Location"] = f"/v1/webhooks/{subscription.id}"
    return WebhookSubscriptionCreated(**public.model_dump(), secret=secret)


@router.get(
    "",
    responses=problem_responses(400),
    summary="List the organisation's webhook subscriptions",
    description="Newest first (by creation time, then id).",
)
def list_webhooks(listing: AdminListing) -> Page[WebhookSubscriptionPublic]:
    return page_of(service.list_subscriptions(**listing), _view)


@router.get(
    "/{webhook_id}",
    responses={**problem_responses(404), **etag_response(200)},
    summary="Get one webhook subscription (with its ETag; never its secret)",
)
def get_webhook(
    webhook_id: uuid.UUID, response: Response, access: AdminAccess
) -> WebhookSubscriptionPublic:
    subscription = service.get_subscription(**access, subscription_id=webhook_id)
    return _public(subscription, response)


@router.patch(
    "/{webhook_id}",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Change a webhook subscription: URL, events, description, enabled (needs If-Match)",
)
def update_webhook(
    webhook_id: uuid.UUID,
    body: WebhookSubscriptionUpdate,
    response: Response,
    change: AdminChange,
    settings: SettingsDep,
) -> WebhookSubscriptionPublic:
    subscription = service.update_subscription(
        **change, settings=settings, subscription_id=webhook_id, data=body
    )
    return _public(subscription, response)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=WRITE_ERRORS,
    summary="Delete a webhook subscription with its delivery log (needs If-Match)",
)
def delete_webhook(webhook_id: uuid.UUID, change: AdminChange) -> Response:
    service.delete_subscription(**change, subscription_id=webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    responses={**WRITE_ERRORS, **etag_response(200)},
    summary="Make a new signing secret (returned this once); the old one signs too for a while",
    description=(
        "During `overlap_seconds` every message carries two signatures in `webhook-signature` "
        "(one per secret, space separated, as Standard Webhooks allows), so a receiver verifying "
        "with either secret accepts it; afterwards only the new secret signs."
    ),
)
def rotate_webhook_secret(
    webhook_id: uuid.UUID,
    body: WebhookSecretRotation,
    response: Response,
    change: AdminChange,
    settings: SettingsDep,
) -> WebhookSubscriptionCreated:
    overlap = timedelta(seconds=body.overlap_seconds)
    subscription, secret = service.rotate_secret(
        **change, settings=settings, subscription_id=webhook_id, overlap=overlap
    )
    public = _public(subscription, response)
    return WebhookSubscriptionCreated(**public.model_dump(), secret=secret)


@router.post(
    "/{webhook_id}/ping",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryPublic,
    responses={**problem_responses(404), **ACCEPTED},
    summary="Queue a signed `webhook.ping` to the subscription's URL; follow its delivery",
)
def ping_webhook(
    webhook_id: uuid.UUID, access: AdminAccess, idempotency: IdempotencyDep
) -> JSONResponse:
    def create() -> Created:
        return _accepted(service.ping(**access, subscription_id=webhook_id), webhook_id)

    return idempotency.run(**access, body=None, create=create)


@router.get(
    "/{webhook_id}/deliveries",
    responses=problem_responses(400, 404),
    summary="List a subscription's deliveries (the delivery log)",
    description="Newest first (by creation time, then id).",
)
def list_webhook_deliveries(
    webhook_id: uuid.UUID, listing: AdminListing
) -> Page[WebhookDeliveryPublic]:
    found = service.list_deliveries(**listing, subscription_id=webhook_id)
    return page_of(found, lambda message: _delivery(message, webhook_id))


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    responses=problem_responses(404),
    summary="Get one delivery with its payload and every attempt (status code, duration)",
)
def get_webhook_delivery(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, access: AdminAccess
) -> WebhookDeliveryDetail:
    message, attempts = service.get_delivery(
        **access, subscription_id=webhook_id, delivery_id=delivery_id
    )
    return WebhookDeliveryDetail(
        **_delivery(message, webhook_id).model_dump(),
        payload=json.loads(message.body),
        attempt_log=[
            WebhookAttemptPublic.model_validate(a, from_attributes=True) for a in attempts
        ],
    )


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryPublic,
    responses={**problem_responses(404, 409), **ACCEPTED},
    summary="Send a sent or dead delivery again, as a new delivery with the same `webhook-id`",
)
def redeliver_webhook(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, access: AdminAccess, idempotency: IdempotencyDep
) -> JSONResponse:
    def create() -> Created:
        message = service.redeliver(**access, subscription_id=webhook_id, delivery_id=delivery_id)
        return _accepted(message, webhook_id)

    return idempotency.run(**access, body=None, create=create)
