"""Writes for alerts: queueing messages (with their outbox rows, in the caller's transaction),
delivering the outbox, preferences, and Faraday's webhook (registering it, receiving events).

Queueing runs inside the transaction that records the status change (history's signals), so an
alert exists exactly when its change does. Delivery happens later (`manage.py send_alerts`):
rows are claimed first (row locks, SKIP LOCKED on PostgreSQL; a conditional update elsewhere),
so two senders never send one row twice, and every delivery or final failure is audited.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from faraday_admin.alerts import channels, selectors, signing
from faraday_admin.alerts.messages import alert_text
from faraday_admin.alerts.models import (
    Alert,
    AlertDelivery,
    Channel,
    DemoReceivedAlert,
    EmailPreference,
    FaradayWebhookEndpoint,
    ReceivedWebhook,
    Scope,
    SharedChannelPreference,
)
from faraday_admin.audit.details import Detail
from faraday_admin.audit.models import Action, Outcome
from faraday_admin.audit.services import audit_record, outcome_for_error
from faraday_admin.core import crypto
from faraday_admin.core.upstream import get_faraday_client
from faraday_admin.faraday_client import (
    WEBHOOK_EVENT_TYPES,
    BadResponse,
    FaradayError,
    NotFound,
)

logger = logging.getLogger(__name__)

STILL_IN_ERROR_AFTER = timedelta(hours=24)
# Longer than any one send may take (timeouts are 10 s): a row claimed this long ago by a
# sender that died is free to claim again.
LEASE = timedelta(minutes=5)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
AUDIT_ACTOR = "alerts (automatic)"


# ---- queueing ------------------------------------------------------------------------------


def _collapse_window() -> timedelta:
    return timedelta(minutes=settings.ALERTS_COLLAPSE_MINUTES)


def _add_deliveries(alert: Alert) -> None:
    rows = [
        AlertDelivery(alert=alert, channel=Channel.EMAIL, recipient=address)
        for address in selectors.email_recipients(connection_id=alert.faraday_connection_id)
    ]
    rows += [
        AlertDelivery(alert=alert, channel=setup.channel, recipient="")
        for setup in selectors.shared_recipients(connection_id=alert.faraday_connection_id)
    ]
    for row in rows:
        row.next_attempt_at = alert.send_after
    AlertDelivery.objects.bulk_create(rows)


# Its own transaction when called alone; a savepoint in the caller's (history's) otherwise.
@transaction.atomic
def _queue(
    *,
    kind: Alert.Kind,
    connection_id: str,
    connection_name: str,
    connection_type: str,
    status_message: str,
    changed_at: datetime,
    error_since: datetime | None = None,
) -> Alert:
    """A new alert with its outbox rows, or, while the connection's last alert still waits for
    the flapping window, that alert brought up to date (one more status change counted)."""
    now = timezone.now()
    alerts = Alert.objects.filter(faraday_connection_id=connection_id)
    held = alerts.filter(send_after__gt=now).select_for_update().first()
    if held is not None and kind != Alert.Kind.STILL_IN_ERROR:
        held.kind = kind
        held.connection_name = connection_name[:255]
        held.status_message = status_message
        held.changed_at = changed_at
        held.error_since = None
        held.transitions += 1
        held.save()
        return held
    last = alerts.order_by("-send_after").first()
    send_after = max(now, last.send_after + _collapse_window()) if last else now
    alert = Alert.objects.create(
        faraday_connection_id=connection_id,
        connection_name=connection_name[:255],
        connection_type=connection_type[:64],
        kind=kind,
        status_message=status_message,
        changed_at=changed_at,
        error_since=error_since,
        send_after=send_after,
    )
    _add_deliveries(alert)
    return alert


def _last_told(connection_id: str) -> str | None:
    return (
        Alert.objects.filter(faraday_connection_id=connection_id)
        .order_by("-created_at", "-id")
        .values_list("kind", flat=True)
        .first()
    )


def alert_for_status_change(*, change) -> Alert | None:
    """Queue the alert a recorded status change calls for (history's StatusChange), if any:
    into error from another status (not first sight) is "stopped working"; ready after people
    were told it broke is "works again". Call inside the transaction that recorded it."""
    # Cheapest test first: a sweep's first sight of 1,000 connections sends 1,000 changes.
    if change.to_status == "error" and change.from_status not in ("", "error"):
        kind = Alert.Kind.BROKE
    elif (
        change.to_status == "ready"
        and change.from_status
        and _last_told(change.faraday_connection_id)
        in (Alert.Kind.BROKE, Alert.Kind.STILL_IN_ERROR)
    ):
        kind = Alert.Kind.RECOVERED
    else:
        return None
    return _queue(
        kind=kind,
        connection_id=change.faraday_connection_id,
        connection_name=change.connection_name,
        connection_type=change.connection_type,
        status_message=change.status_message if kind == Alert.Kind.BROKE else "",
        changed_at=change.observed_at,
    )


def alert_for_still_in_error(
    *,
    connection_id: str,
    connection_name: str,
    connection_type: str,
    since: datetime,
    status_message: str,
    observed_at: datetime,
) -> Alert | None:
    """Queue "still in error after 24 hours" once per stretch in error (`since`); None before
    24 hours or when it was queued already."""
    if observed_at - since < STILL_IN_ERROR_AFTER:
        return None
    if Alert.objects.filter(
        faraday_connection_id=connection_id, kind=Alert.Kind.STILL_IN_ERROR, error_since=since
    ).exists():
        return None
    try:  # _queue's own savepoint: a racing sweep's row must not undo the caller
        return _queue(
            kind=Alert.Kind.STILL_IN_ERROR,
            connection_id=connection_id,
            connection_name=connection_name,
            connection_type=connection_type,
            status_message=status_message,
            changed_at=observed_at,
            error_since=since,
        )
    except IntegrityError:
        return None


# ---- delivering ----------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _due(now: datetime):
    return AlertDelivery.objects.filter(
        Q(state=AlertDelivery.State.PENDING)
        | Q(state=AlertDelivery.State.SENDING, lease_until__lt=now),
        next_attempt_at__lte=now,
    ).order_by("next_attempt_at", "id")


def _claim(now: datetime, limit: int) -> list[int]:
    """Mark up to `limit` due rows as being sent by this sender; returns their ids."""
    claim = {
        "state": AlertDelivery.State.SENDING,
        "lease_until": now + LEASE,
        "attempts": F("attempts") + 1,
    }
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(
                _due(now).select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
            )
            AlertDelivery.objects.filter(pk__in=ids).update(**claim)
        return ids
    # No SKIP LOCKED (SQLite): each row is taken by an update that only matches it unchanged.
    claimed = []
    for pk, attempts in _due(now).values_list("pk", "attempts")[:limit]:
        if _due(now).filter(pk=pk, attempts=attempts).update(**claim):
            claimed.append(pk)
    return claimed


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX)


def _audit_delivery(delivery: AlertDelivery, *, outcome: Outcome, detail: Detail) -> None:
    alert = delivery.alert
    audit_record(
        actor=None,
        actor_label=AUDIT_ACTOR,
        action=Action.ALERT_SEND,
        outcome=outcome,
        connection_type=alert.connection_type,
        connection_name=alert.connection_name,
        faraday_connection_id=alert.faraday_connection_id,
        detail=detail,
    )


def _where(delivery: AlertDelivery) -> str:
    label = Channel(delivery.channel).label
    return f"{label} to {delivery.recipient}" if delivery.recipient else label


def _deliver(delivery: AlertDelivery, result: SendResult) -> None:
    alert = delivery.alert
    text = alert_text(alert)
    what = f"{_where(delivery)}: {alert.get_kind_display().lower()}"
    try:
        if delivery.channel == Channel.EMAIL:
            channels.send_email(text, delivery.recipient)
        else:
            setup = next(
                (s for s in channels.shared_channel_setups() if s.channel == delivery.channel),
                None,
            )
            if setup is None:
                raise channels.DeliveryFailed("the channel is no longer configured", retry=False)
            channels.send_shared(setup, alert, text, msg_id=f"alert_{alert.pk}_{delivery.pk}")
    except channels.DeliveryFailed as failure:
        now = timezone.now()
        final = not failure.retry or delivery.attempts >= settings.ALERTS_MAX_ATTEMPTS
        with transaction.atomic():
            AlertDelivery.objects.filter(pk=delivery.pk).update(
                state=AlertDelivery.State.FAILED if final else AlertDelivery.State.PENDING,
                next_attempt_at=now + _backoff(delivery.attempts),
                lease_until=None,
                last_error=failure.reason[:255],
            )
            if final:
                _audit_delivery(
                    delivery,
                    outcome=Outcome.NOT_DELIVERED,
                    detail=Detail(
                        "alert_given_up",
                        {"what": what, "attempts": delivery.attempts, "reason": failure.reason},
                    ),
                )
        if final:
            result.failed += 1
        else:
            result.retrying += 1
        return
    with transaction.atomic():
        AlertDelivery.objects.filter(pk=delivery.pk).update(
            state=AlertDelivery.State.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
        )
        _audit_delivery(
            delivery, outcome=Outcome.SUCCESS, detail=Detail("alert_sent", {"what": what})
        )
    result.sent += 1


def alerts_send(*, limit: int = 100) -> SendResult:
    """Deliver the due outbox rows (what `manage.py send_alerts` does). A failed send is tried
    again after 1, 2, 4 … minutes (at most an hour apart), and given up after
    ALERTS_MAX_ATTEMPTS tries or at once when retrying can't help."""
    result = SendResult()
    ids = _claim(timezone.now(), limit)
    for delivery in AlertDelivery.objects.filter(pk__in=ids).select_related("alert"):
        _deliver(delivery, result)
    return result


# ---- preferences ---------------------------------------------------------------------------


def email_preference_save(*, user: AbstractBaseUser, scope: Scope) -> EmailPreference:
    preference, _ = EmailPreference.objects.update_or_create(user=user, defaults={"scope": scope})
    return preference


def shared_channel_preference_save(
    *, actor: AbstractBaseUser, channel: Channel, scope: Scope
) -> SharedChannelPreference:
    if channel not in channels.SHARED_CHANNELS:
        raise ValueError(f"{channel} is not a shared channel")
    preference, _ = SharedChannelPreference.objects.update_or_create(
        channel=channel, defaults={"scope": scope, "updated_by": actor}
    )
    return preference


# ---- Faraday's webhook ---------------------------------------------------------------------


class NoPublicUrl(Exception):
    """APP_PUBLIC_URL isn't set, so Faraday would have nowhere to send its events."""


class WebhookRefused(Exception):
    """An incoming delivery this app won't act on; `reason` is safe to answer with."""

    def __init__(self, reason: str, *, status: int):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def faraday_webhook_url() -> str:
    return channels.public_url(reverse("alerts:faraday-webhook"))


def faraday_webhook_register(*, actor: AbstractBaseUser) -> FaradayWebhookEndpoint:
    """Register this app's receiver with Faraday for its two events and keep the endpoint's
    secret, encrypted. Replaces an earlier registration here (not the one at Faraday).

    Raises NoPublicUrl (audited as rejected), or the client's FaradayError (audited); an answer
    without a secret is a BadResponse.
    """
    url = faraday_webhook_url()
    if not url:
        audit_record(
            actor=actor,
            action=Action.WEBHOOK_REGISTER,
            outcome=Outcome.REJECTED,
            detail=Detail("no_public_url"),
        )
        raise NoPublicUrl
    try:
        endpoint = get_faraday_client().create_webhook_endpoint(
            url=url, enabled_events=WEBHOOK_EVENT_TYPES
        )
        if not endpoint.secret or not signing.is_valid_secret(endpoint.secret):
            raise BadResponse("the new webhook endpoint came without a whsec_ secret")
    except FaradayError as error:
        audit_record(
            actor=actor,
            action=Action.WEBHOOK_REGISTER,
            outcome=outcome_for_error(error),
            error=error,
            detail=Detail("webhook_endpoint", {"url": url}),
        )
        raise
    with transaction.atomic():
        stored, _ = FaradayWebhookEndpoint.objects.update_or_create(
            pk=FaradayWebhookEndpoint.SINGLETON_ID,
            defaults={
                "endpoint_id": endpoint.id,
                "url": url,
                "encrypted_secret": crypto.encrypt(endpoint.secret),
                "created_by": actor,
            },
        )
        audit_record(
            actor=actor,
            action=Action.WEBHOOK_REGISTER,
            outcome=Outcome.SUCCESS,
            detail=Detail("webhook_endpoint", {"endpoint": endpoint.id, "url": url}),
        )
    return stored


def faraday_webhook_remove(*, actor: AbstractBaseUser) -> bool:
    """Delete the endpoint at Faraday (already gone counts as done) and here. Returns False
    when none was registered. Raises the client's FaradayError (audited; nothing removed)."""
    stored = selectors.faraday_webhook()
    if stored is None:
        return False
    try:
        get_faraday_client().delete_webhook_endpoint(stored.endpoint_id)
    except NotFound:
        pass
    except FaradayError as error:
        audit_record(
            actor=actor,
            action=Action.WEBHOOK_REMOVE,
            outcome=outcome_for_error(error),
            error=error,
            detail=Detail("webhook_endpoint", {"endpoint": stored.endpoint_id}),
        )
        raise
    with transaction.atomic():
        stored.delete()
        audit_record(
            actor=actor,
            action=Action.WEBHOOK_REMOVE,
            outcome=Outcome.SUCCESS,
            detail=Detail("webhook_endpoint", {"endpoint": stored.endpoint_id}),
        )
    return True


# Deliveries older than the 5-minute timestamp tolerance are refused anyway, so their ids need
# not be kept longer than this to refuse a replay.
REPLAY_MEMORY = timedelta(hours=1)


def received_webhooks_prune() -> int:
    """Forget webhook-ids too old to be replayed (see REPLAY_MEMORY); returns how many."""
    cutoff = timezone.now() - REPLAY_MEMORY
    deleted, _ = ReceivedWebhook.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def _accept_once(source: str, webhook_id: str) -> None:
    try:
        with transaction.atomic():
            ReceivedWebhook.objects.create(source=source, webhook_id=webhook_id[:255])
    except IntegrityError:
        raise WebhookRefused("this webhook-id was received already", status=409) from None


def _json_object(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except ValueError:
        raise WebhookRefused("the body is not JSON", status=400) from None
    if not isinstance(data, dict):
        raise WebhookRefused("the body is not a JSON object", status=400)
    return data


def faraday_event_receive(*, headers, body: bytes, refresh) -> str | None:
    """Act on one delivery from Faraday: verify it (signature, timestamp, replay), then for a
    connection's event read that connection at once with `refresh(connection_id=…)` (history's
    connection_refresh). Returns the connection id acted on, or None for another resource.

    Raises WebhookRefused; the refresh's FaradayError passes through with the delivery not
    counted as received, so Faraday's retry is welcome.
    """
    stored = selectors.faraday_webhook()
    secret = crypto.decrypt(stored.encrypted_secret) if stored else None
    if not secret:
        raise WebhookRefused("no Faraday webhook is registered here", status=404)
    try:
        webhook_id = signing.verify(secret=secret, headers=headers, body=body)
    except signing.SignatureRefused as refused:
        raise WebhookRefused(refused.reason, status=401) from None
    event = _json_object(body)
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    resource_id = data.get("resource_id")
    with transaction.atomic():
        _accept_once("faraday", webhook_id)
        if data.get("resource_type") != "connections" or not isinstance(resource_id, str):
            return None
        refresh(connection_id=resource_id)
    return resource_id


def demo_receiver_record(*, headers, body: bytes) -> DemoReceivedAlert:
    """The demo receiver: verify an alerts webhook delivery like any receiver should, and keep
    it for the page. Raises WebhookRefused."""
    try:
        webhook_id = signing.verify(
            secret=channels.demo_receiver_secret(), headers=headers, body=body
        )
    except signing.SignatureRefused as refused:
        raise WebhookRefused(refused.reason, status=401) from None
    event = _json_object(body)
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    with transaction.atomic():
        _accept_once("demo", webhook_id)
        link = data.get("url") if isinstance(data.get("url"), str) else ""
        return DemoReceivedAlert.objects.create(
            webhook_id=webhook_id[:255],
            event_type=str(event.get("type", ""))[:40],
            connection_name=str(data.get("connection_name", ""))[:255],
            text=str(event.get("text", "")),
            link=link[:500] if link.startswith(("http://", "https://")) else "",
        )
