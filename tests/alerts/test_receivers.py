"""The two signed receivers: Faraday's events (registered from Settings, sent by the simulator)
and the demo receiver of the alerts webhook. Bad signatures, stale timestamps and replays are
refused; the simulator's own signed events are accepted and acted on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from django.core.management import call_command
from django.test import Client
from standardwebhooks.webhooks import Webhook

from faraday_admin.alerts.channels import demo_receiver_secret
from faraday_admin.alerts.models import (
    Alert,
    AlertDelivery,
    DemoReceivedAlert,
    FaradayWebhookEndpoint,
)
from faraday_admin.alerts.services import received_webhooks_prune
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core import crypto, roles
from faraday_admin.history.models import StatusChange
from faraday_admin.history.services import sweep_run
from faraday_admin.simulator.engine import break_connection, seed_demo_data
from faraday_admin.simulator.models import SimulatedWebhookEndpoint, SimulatedWebhookEvent
from tests.alerts.conftest import record_creation, user_with_email

pytestmark = pytest.mark.django_db
FARADAY_HOOK = "/alerts/faraday-webhook/"
DEMO_HOOK = "/alerts/demo-receiver/hook/"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _signed(body: bytes, *, secret=SECRET, msg_id="msg_1", at=None) -> dict[str, str]:
    at = at or datetime.now(tz=UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def _event(resource_id="5e0dfa56-2d52-4c06-a870-bc79c71e86a3", resource_type="connections"):
    return json.dumps(
        {
            "timestamp": "2026-12-04T09:00:00Z",
            "type": "resource.errored",
            "data": {"account_id": "a", "resource_id": resource_id, "resource_type": resource_type},
        }
    ).encode()


def _post(url, body, headers):
    return Client().post(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def registered(db):
    return FaradayWebhookEndpoint.objects.create(
        endpoint_id="ep-1",
        url="http://testserver/alerts/faraday-webhook/",
        encrypted_secret=crypto.encrypt(SECRET),
    )


@pytest.fixture
def refreshed(monkeypatch):
    """The connection ids the receiver asked history to read again."""
    calls = []
    monkeypatch.setattr(
        "faraday_admin.alerts.views.connection_refresh",
        lambda *, connection_id: calls.append(connection_id),
    )
    return calls


def test_a_signed_event_triggers_a_read_of_that_connection(registered, refreshed):
    body = _event()
    response = _post(FARADAY_HOOK, body, _signed(body))

    assert response.status_code == 200
    assert refreshed == ["5e0dfa56-2d52-4c06-a870-bc79c71e86a3"]


def test_svix_named_headers_are_accepted_too(registered, refreshed):
    body = _event()
    headers = {k.replace("webhook-", "svix-"): v for k, v in _signed(body).items()}

    assert _post(FARADAY_HOOK, body, headers).status_code == 200
    assert len(refreshed) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: ({**h, "webhook-signature": "v1,AAAA" + h["webhook-signature"][7:]}, b),
        lambda h, b: (h, b.replace(b"errored", b"ready_with_update")),
        lambda h, b: ({**h, "webhook-id": "msg_other"}, b),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
        lambda h, b: ({**h, "webhook-timestamp": "soon"}, b),
    ],
    ids=["wrong-signature", "changed-body", "changed-id", "no-signature", "bad-timestamp"],
)
def test_a_delivery_whose_signature_does_not_check_out_is_refused(registered, refreshed, tamper):
    body = _event()
    headers, sent = tamper(_signed(body), body)

    response = _post(FARADAY_HOOK, sent, headers)

    assert response.status_code == 401
    assert refreshed == []


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_timestamp_outside_five_minutes_is_refused(registered, refreshed, minutes):
    body = _event()
    at = datetime.now(tz=UTC) + timedelta(minutes=minutes)

    response = _post(FARADAY_HOOK, body, _signed(body, at=at))

    assert response.status_code == 401
    assert "timestamp" in response.json()["error"]
    assert refreshed == []


def test_a_replayed_delivery_is_refused(registered, refreshed):
    body = _event()
    headers = _signed(body, msg_id="msg_once")

    assert _post(FARADAY_HOOK, body, headers).status_code == 200
    replay = _post(FARADAY_HOOK, body, headers)

    assert replay.status_code == 409
    assert replay.json() == {"error": "this webhook-id was received already"}
    assert len(refreshed) == 1


def test_without_a_registered_endpoint_nothing_is_accepted(db, refreshed):
    body = _event()
    assert _post(FARADAY_HOOK, body, _signed(body)).status_code == 404
    assert refreshed == []


def test_an_event_for_another_resource_is_accepted_and_not_acted_on(registered, refreshed):
    body = _event(resource_type="datasets")
    assert _post(FARADAY_HOOK, body, _signed(body)).status_code == 200
    assert refreshed == []


def test_when_faraday_cannot_be_read_the_delivery_may_come_again(
    registered, live_mode, faraday_unreachable
):
    body = _event()
    headers = _signed(body, msg_id="msg_retry")

    first = _post(FARADAY_HOOK, body, headers)
    assert first.status_code == 503
    assert _post(FARADAY_HOOK, body, headers).status_code == 503  # not counted as a replay


@pytest.fixture
def faraday_unreachable():
    with respx.mock(assert_all_called=False) as router:
        router.route(host="api.faraday.test").mock(side_effect=httpx.ConnectError("refused"))
        yield router


# ---- the whole path in demo mode -------------------------------------------------------------


def test_register_break_and_receive_the_simulators_event_end_to_end(network):
    """Settings registers the app with the (simulated) Faraday; "break this connection" makes
    the simulator send its signed event to the app, which reads the connection at once,
    records the change and queues the alert; send_alerts delivers it to the demo receiver."""
    seed_demo_data()
    admin = user_with_email(roles.ADMIN, "boss")
    browser = Client()
    browser.force_login(admin)
    sweep_run()  # first sight of every demo connection
    postgres = StatusChange.objects.get(connection_type="postgres")
    record_creation(admin, connection_id=postgres.faraday_connection_id)

    assert browser.post("/alerts/faraday-webhook/register/").status_code == 302
    stored = FaradayWebhookEndpoint.objects.get()
    simulated = SimulatedWebhookEndpoint.objects.get()
    assert stored.url == simulated.url == "http://testserver/alerts/faraday-webhook/"
    assert crypto.decrypt(stored.encrypted_secret) == simulated.secret
    assert simulated.secret not in stored.encrypted_secret
    assert AuditEntry.objects.get(action=Action.WEBHOOK_REGISTER).outcome == Outcome.SUCCESS

    response = browser.post(f"/alerts/demo-break/{postgres.faraday_connection_id}/")
    assert response.status_code == 302
    assert SimulatedWebhookEvent.objects.get().delivered_at is not None
    broke = StatusChange.objects.get(
        faraday_connection_id=postgres.faraday_connection_id, to_status="error"
    )
    assert broke.from_status == "ready"
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.BROKE
    assert sorted(AlertDelivery.objects.values_list("channel", "recipient")) == [
        ("email", "boss@example.com"),
        ("webhook", ""),
    ]

    call_command("send_alerts")
    received = DemoReceivedAlert.objects.get()
    assert received.event_type == "connection.errored"
    assert received.connection_name == postgres.connection_name
    assert received.link == f"http://testserver/connections/{postgres.faraday_connection_id}/"
    page = browser.get("/alerts/demo-receiver/").content.decode()
    assert f'href="{received.link}"' in page
    assert "Who can fix it: your IT team." in page


def test_the_demo_receiver_refuses_unsigned_and_replayed_posts(alert_settings):
    body = json.dumps({"type": "connection.errored", "data": {}, "text": "hi"}).encode()
    headers = _signed(body, secret=demo_receiver_secret(), msg_id="alert_1_1")
    assert _post(DEMO_HOOK, body, {}).status_code == 401
    assert _post(DEMO_HOOK, body, _signed(body, msg_id="alert_1_1")).status_code == 401
    assert _post(DEMO_HOOK, body, headers).status_code == 200
    assert _post(DEMO_HOOK, body, headers).status_code == 409
    assert DemoReceivedAlert.objects.count() == 1


def test_the_sweep_alone_finds_a_break_and_the_creator_hears_of_it(alert_settings, mailoutbox):
    """No webhook registered: the sweep is the safety net."""
    seed_demo_data()
    creator = user_with_email(roles.ONBOARDER, "olga")
    sweep_run()
    postgres = StatusChange.objects.get(connection_type="postgres")
    record_creation(creator, connection_id=postgres.faraday_connection_id)
    break_connection(postgres.faraday_connection_id)

    sweep_run()
    call_command("send_alerts")

    [message] = mailoutbox
    assert message.to == ["olga@example.com"]
    assert message.subject == f"Connection {postgres.connection_name} stopped working"
    assert "broken on purpose in demo mode" in message.body


def test_webhook_ids_are_forgotten_once_too_old_to_replay(registered, refreshed, clock):
    body = _event()
    headers = _signed(body, msg_id="msg_old")
    assert _post(FARADAY_HOOK, body, headers).status_code == 200

    clock.advance(minutes=59)
    assert received_webhooks_prune() == 0
    clock.advance(minutes=2)
    assert received_webhooks_prune() == 1
