"""Faraday's webhook events, simulated: endpoints, events due when a check ends, and delivery.

Events are signed per the Standard Webhooks spec with an HMAC written out here, on purpose not
with the library the app verifies with: the simulator is an independent check of the app.
Nothing is sent by itself: `deliver_due_events` sends what is due (demo actions and
`send_alerts` call it in demo mode; tests call it with an in-process transport).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from django.db.models import F

from faraday_admin.simulator import lifecycle
from faraday_admin.simulator.models import (
    SimulatedConnection,
    SimulatedWebhookEndpoint,
    SimulatedWebhookEvent,
)

logger = logging.getLogger(__name__)

ERRORED = "resource.errored"
READY_WITH_UPDATE = "resource.ready_with_update"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# After this many failed sends an event is dropped, as Faraday gives up on a dead endpoint.
MAX_ATTEMPTS = 5


def new_secret() -> str:
    """A signing secret as Faraday makes one: `whsec_` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks: v1, then base64 HMAC-SHA256 of "id.timestamp.body" under the
    base64-decoded secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _schedule(connection_id: str, event_type: str, due_at: datetime) -> int:
    endpoints = [
        endpoint
        for endpoint in SimulatedWebhookEndpoint.objects.filter(status="enabled")
        if event_type in endpoint.enabled_events
    ]
    for endpoint in endpoints:
        SimulatedWebhookEvent.objects.create(
            id=f"msg_{uuid.uuid4().hex}",
            endpoint=endpoint,
            type=event_type,
            resource_id=connection_id,
            due_at=due_at,
        )
    return len(endpoints)


def cycle_started(connection: SimulatedConnection, cycle_seconds: float) -> None:
    """A check began: replace the connection's events not sent yet with the one its end will
    bring (errored or ready), due when the check ends."""
    SimulatedWebhookEvent.objects.filter(resource_id=str(connection.id), delivered_at=None).delete()
    ends = connection.cycle_started_at + timedelta(seconds=cycle_seconds * lifecycle.PHASES[-1][1])
    outcome = lifecycle.snapshot(connection, ends, cycle_seconds).status
    _schedule(str(connection.id), ERRORED if outcome == "error" else READY_WITH_UPDATE, ends)


def connection_broke(connection: SimulatedConnection) -> None:
    """The demo broke the connection: an errored event is due at once."""
    SimulatedWebhookEvent.objects.filter(resource_id=str(connection.id), delivered_at=None).delete()
    _schedule(str(connection.id), ERRORED, connection.broken_at)


def _body(event: SimulatedWebhookEvent, account_id: str) -> bytes:
    return json.dumps(
        {
            "timestamp": event.due_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "type": event.type,
            "data": {
                "account_id": account_id,
                "resource_id": event.resource_id,
                "resource_type": "connections",
            },
        }
    ).encode()


def deliver_due_events(
    http: httpx.Client, *, account_id: str, clock: Callable[[], datetime]
) -> int:
    """POST every due event to its endpoint, signed; returns how many were accepted (2xx).

    Each event is claimed with a conditional update first, so two callers never both send it.
    A failed send is tried again on a later call, up to MAX_ATTEMPTS.
    """
    at = clock()
    due = SimulatedWebhookEvent.objects.filter(
        delivered_at=None, due_at__lte=at, attempts__lt=MAX_ATTEMPTS, endpoint__status="enabled"
    ).select_related("endpoint")
    accepted = 0
    for event in due:
        claimed = SimulatedWebhookEvent.objects.filter(
            pk=event.pk, delivered_at=None, attempts=event.attempts
        ).update(attempts=F("attempts") + 1)
        if not claimed:
            continue
        body = _body(event, account_id)
        # Signed with the wall clock at sending, whatever the engine's clock says: receivers
        # check the timestamp against their own clock.
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": event.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(event.endpoint.secret, event.id, timestamp, body),
        }
        try:
            response = http.post(event.endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            logger.warning("simulator event %s not delivered: %s", event.id, type(exc).__name__)
            continue
        if response.is_success:
            SimulatedWebhookEvent.objects.filter(pk=event.pk).update(delivered_at=at)
            accepted += 1
        else:
            logger.warning(
                "simulator event %s refused with HTTP %s", event.id, response.status_code
            )
    return accepted
