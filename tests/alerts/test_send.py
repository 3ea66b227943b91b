"""`send_alerts`: each channel's request exactly, retries with backoff, final failures, audit
rows, and no secret in any message."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest
import respx
from django.core import mail
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook

from faraday_admin.alerts import services
from faraday_admin.alerts.models import AlertDelivery, Channel, Scope
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core import roles
from tests.alerts.conftest import (
    CONNECTION_ID,
    HOOK_SECRET,
    HOOK_URL,
    SLACK_URL,
    TEAMS_URL,
    change,
    record_creation,
    user_with_email,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_mode")]
ERROR = "Faraday could not reach the host of this connection."
LINK = f"http://testserver/connections/{CONNECTION_ID}/"


@pytest.fixture
def shared(alert_settings):
    alert_settings.ALERTS_SLACK_WEBHOOK_URL = SLACK_URL
    alert_settings.ALERTS_TEAMS_WEBHOOK_URL = TEAMS_URL
    alert_settings.ALERTS_WEBHOOK_URL = HOOK_URL
    alert_settings.ALERTS_WEBHOOK_SECRET = HOOK_SECRET
    return alert_settings


@pytest.fixture
def router():
    with respx.mock(assert_all_called=False) as router:
        yield router


def _broke(creator):
    record_creation(creator)
    return services.alert_for_status_change(change=change("error", message=ERROR))


def test_email_goes_to_the_creator_with_the_whole_message(alert_settings, creator, clock):
    _broke(creator)

    result = services.alerts_send()

    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    [message] = mail.outbox
    assert message.to == ["creator@example.com"]
    assert message.subject == "Connection Shop database stopped working"
    assert f"Faraday said: {ERROR}" in message.body
    assert "Who can fix it: your IT team." in message.body
    assert message.body.endswith(f"Open the connection: {LINK}")
    assert AlertDelivery.objects.get().state == AlertDelivery.State.SENT
    row = AuditEntry.objects.get(action=Action.ALERT_SEND)
    assert row.outcome == Outcome.SUCCESS
    assert row.faraday_connection_id == CONNECTION_ID
    assert row.actor_username == "alerts (automatic)"
    assert row.detail_text == "Email to creator@example.com: stopped working"
    assert services.alerts_send().sent == 0  # sent once, never again
    assert len(mail.outbox) == 1


def test_each_shared_channel_gets_its_own_request(shared, router, creator, clock):
    slack = router.post(SLACK_URL).respond(200, text="ok")
    teams = router.post(TEAMS_URL).respond(202)
    hook = router.post(HOOK_URL).respond(204)
    alert = _broke(creator)

    assert services.alerts_send().sent == 4

    slack_body = json.loads(slack.calls.last.request.content)
    assert slack_body["text"].startswith("✕ Connection Shop database stopped working.\n")
    assert slack_body["text"].endswith(f"<{LINK}|Open the connection>")
    assert slack_body["blocks"][1]["elements"][0]["url"] == LINK
    card = json.loads(teams.calls.last.request.content)["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open the connection", "url": LINK}
    ]
    assert {"type": "TextBlock", "text": f"Faraday said: {ERROR}", "wrap": True} in card["content"][
        "body"
    ]

    request = hook.calls.last.request
    event = json.loads(request.content)
    assert event["type"] == "connection.errored"
    assert event["data"] == {
        "connection_id": CONNECTION_ID,
        "connection_name": "Shop database",
        "connection_type": "postgres",
        "status": "error",
        "faraday_said": ERROR,
        "who_can_fix": "your IT team",
        "what_to_check": event["data"]["what_to_check"],
        "status_changes": 1,
        "url": LINK,
    }
    delivery = AlertDelivery.objects.get(channel=Channel.WEBHOOK)
    assert request.headers["webhook-id"] == f"alert_{alert.pk}_{delivery.pk}"
    # The standardwebhooks package verifies it, and so does the spec's HMAC written out here.
    Webhook(HOOK_SECRET).verify(request.content, dict(request.headers))
    key = base64.b64decode(HOOK_SECRET.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode()
    expected = base64.b64encode(hmac.new(key, signed + request.content, hashlib.sha256).digest())
    assert request.headers["webhook-signature"] == "v1," + expected.decode()


def test_a_failed_send_is_retried_with_backoff_then_given_up_and_audited(
    shared, router, creator, clock
):
    shared.ALERTS_TEAMS_WEBHOOK_URL = shared.ALERTS_WEBHOOK_URL = ""
    services.email_preference_save(user=creator, scope=Scope.NONE)
    slack = router.post(SLACK_URL).respond(503)
    _broke(creator)

    assert services.alerts_send().retrying == 1
    delivery = AlertDelivery.objects.get()
    assert delivery.state == AlertDelivery.State.PENDING
    assert delivery.next_attempt_at == clock.at + timedelta(minutes=1)
    assert delivery.last_error == "the receiver answered HTTP 503"
    assert services.alerts_send().sent == 0  # not due yet
    assert slack.call_count == 1

    clock.advance(minutes=1)
    assert services.alerts_send().retrying == 1
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == clock.at + timedelta(minutes=2)
    assert not AuditEntry.objects.filter(action=Action.ALERT_SEND).exists()

    clock.advance(minutes=2)
    assert services.alerts_send().failed == 1  # the third of ALERTS_MAX_ATTEMPTS = 3
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (AlertDelivery.State.FAILED, 3)
    row = AuditEntry.objects.get(action=Action.ALERT_SEND)
    assert row.outcome == Outcome.NOT_DELIVERED
    assert row.detail_text == (
        "Slack: stopped working; gave up after 3 attempt(s): the receiver answered HTTP 503"
    )
    clock.advance(hours=2)
    assert services.alerts_send().failed == 0
    assert slack.call_count == 3


def test_a_retry_that_succeeds_is_audited_once_as_delivered(shared, router, creator, clock):
    shared.ALERTS_TEAMS_WEBHOOK_URL = shared.ALERTS_WEBHOOK_URL = ""
    services.email_preference_save(user=creator, scope=Scope.NONE)
    router.post(SLACK_URL).mock(side_effect=[httpx.ConnectError("down"), httpx.Response(200)])
    _broke(creator)

    assert services.alerts_send().retrying == 1
    clock.advance(minutes=1)
    assert services.alerts_send().sent == 1

    [row] = AuditEntry.objects.filter(action=Action.ALERT_SEND)
    assert (row.outcome, row.detail_text) == (Outcome.SUCCESS, "Slack: stopped working")


def test_a_refusal_no_retry_can_help_is_given_up_at_once(shared, router, creator, clock):
    shared.ALERTS_SLACK_WEBHOOK_URL = shared.ALERTS_TEAMS_WEBHOOK_URL = ""
    shared.ALERTS_WEBHOOK_SECRET = "not-a-whsec-key"
    services.email_preference_save(user=creator, scope=Scope.NONE)
    hook = router.post(HOOK_URL).respond(200)
    _broke(creator)

    assert services.alerts_send().failed == 1
    assert hook.call_count == 0
    assert AuditEntry.objects.get(action=Action.ALERT_SEND).detail_text.endswith(
        "ALERTS_WEBHOOK_SECRET is missing or not a whsec_ key"
    )


def test_a_sender_that_died_mid_send_leaves_the_row_to_another_after_its_lease(
    alert_settings, creator, clock
):
    _broke(creator)
    AlertDelivery.objects.update(
        state=AlertDelivery.State.SENDING, lease_until=clock.at + timedelta(minutes=5), attempts=1
    )

    assert services.alerts_send().sent == 0
    clock.advance(minutes=6)
    assert services.alerts_send().sent == 1
    assert len(mail.outbox) == 1


def test_the_command_reports_what_it_did(alert_settings, creator, clock, capsys):
    _broke(creator)

    call_command("send_alerts")

    assert capsys.readouterr().out.strip() == "Sent 1, will retry 0, gave up on 0."


def test_no_secret_reaches_a_message_an_audit_row_or_the_settings_page(
    shared, router, creator, clock, client
):
    """Canaries: the webhook secret, the Slack and Teams URL tokens, and a password typed into a
    connection (which only Faraday's own words could ever carry, and they don't)."""
    canaries = ["CANARY", "Q0FOQVJZ"]
    for url in (SLACK_URL, TEAMS_URL, HOOK_URL):
        router.post(url).respond(200)
    _broke(creator)
    services.alert_for_status_change(change=change("ready", "error", at=clock.at))
    clock.advance(minutes=20)
    services.alerts_send()
    admin = user_with_email(roles.ADMIN, "boss")
    client.force_login(admin)

    sent = [call.request.content.decode() for call in router.calls]
    sent += [message.body + message.subject for message in mail.outbox]
    sent += [f"{row.detail_text} {row.options}" for row in AuditEntry.objects.all()]
    sent += [AlertDelivery.objects.values_list("last_error", flat=True).first() or ""]
    pages = [client.get(url).content.decode() for url in ("/settings/", "/alerts/")]
    assert len(sent) > 8
    for canary in canaries:
        assert not [text for text in sent if canary in text]
        assert not [page for page in pages if canary in page]
    assert "https://hooks.slack.com/…1234" in pages[0]
