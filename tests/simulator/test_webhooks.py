"""The simulator's webhook endpoints and signed events, checked with the Standard Webhooks
library (the simulator signs with its own HMAC, so this is an independent check)."""

import json
import threading
import time

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from faraday_admin.simulator import engine
from faraday_admin.simulator.models import SimulatedWebhookEvent
from tests.payloads import postgres_options
from tests.simulator.conftest import Api

URL = "https://admin.example.com/alerts/faraday-webhook/"
EVENTS = ["resource.errored", "resource.ready_with_update"]


def _register(api, url=URL, events=EVENTS):
    response = api("POST", "/webhook_endpoints", {"url": url, "enabled_events": events})
    assert response.status == 201, response.body
    return response.json()


class Receiver:
    """An httpx transport standing in for the app: keeps each request, answers `status`."""

    def __init__(self, status=200):
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def test_create_answers_the_endpoint_with_its_secret_once(api):
    created = _register(api)

    assert created["url"] == URL
    assert created["enabled_events"] == EVENTS
    assert created["status"] == "enabled"
    assert created["secret"].startswith("whsec_")
    [listed] = api("GET", "/webhook_endpoints").json()
    one = api("GET", f"/webhook_endpoints/{created['id']}").json()
    assert "secret" not in listed
    assert "secret" not in one
    assert listed["id"] == created["id"]


@pytest.mark.parametrize(
    ("body", "path", "keyword"),
    [
        ({"url": URL}, "/enabled_events", "required"),
        ({"url": URL, "enabled_events": ["resource.deleted"]}, "/enabled_events/0", "enum"),
        ({"url": 5, "enabled_events": EVENTS}, "/url", "type"),
        ({"url": "not a url", "enabled_events": EVENTS}, "/url", "format"),
        ({"url": "ftp://x.example/", "enabled_events": EVENTS}, "/url", "format"),
        ({"url": URL, "enabled_events": EVENTS, "secret": "mine"}, "/secret", None),
    ],
)
def test_create_refuses_what_faradays_models_refuse(api, body, path, keyword):
    response = api("POST", "/webhook_endpoints", body)

    assert response.status == 400
    problems = response.json()["validationErrors"]
    assert path in [problem["path"] for problem in problems]
    if keyword:
        assert keyword in [problem["context"]["errorType"] for problem in problems]


def test_patch_needs_a_merge_patch_and_changes_only_what_it_names(api):
    created = _register(api)
    path = f"/webhook_endpoints/{created['id']}"

    plain = api("PATCH", path, {"status": "disabled"}, headers={"Authorization": "Bearer k"})
    patched = api("PATCH", path, {"status": "disabled"})
    wrong = api("PATCH", path, {"status": "paused"})

    assert plain.status == 415
    assert patched.status == 200
    assert patched.json()["status"] == "disabled"
    assert patched.json()["url"] == URL
    assert wrong.status == 400


def test_delete_removes_it_and_a_second_delete_is_not_found(api):
    created = _register(api)
    path = f"/webhook_endpoints/{created['id']}"

    assert api("DELETE", path).status == 204
    assert api("DELETE", path).status == 404
    assert api("GET", "/webhook_endpoints").json() == []


def test_breaking_a_connection_sends_one_signed_errored_event(api, clock):
    secret = _register(api)["secret"]
    connection = api.create()
    clock.advance(60)  # the first check ended (ready): its event is due
    receiver = Receiver()
    engine.send_due_events(receiver.client())
    receiver.requests.clear()

    assert engine.break_connection(connection["id"]) is True
    assert api("GET", f"/connections/{connection['id']}").json()["status"] == "error"
    assert engine.send_due_events(receiver.client()) == 1
    assert engine.send_due_events(receiver.client()) == 0

    [request] = receiver.requests
    assert str(request.url) == URL
    payload = Webhook(secret).verify(request.content, dict(request.headers))
    assert payload["type"] == "resource.errored"
    assert payload["data"]["resource_id"] == connection["id"]
    assert payload["data"]["resource_type"] == "connections"
    assert payload["data"]["account_id"] == engine.ACCOUNT_ID


def test_a_check_sends_its_outcome_when_it_ends_not_before(api, clock):
    _register(api)
    good = api.create()
    bad = api.create(name="Broken", **postgres_options(password="wrong-password"))
    receiver = Receiver()

    assert engine.send_due_events(receiver.client()) == 0
    clock.advance(9.5)
    assert engine.send_due_events(receiver.client()) == 2

    payloads = [json.loads(request.content) for request in receiver.requests]
    sent = {payload["data"]["resource_id"]: payload["type"] for payload in payloads}
    assert sent == {good["id"]: "resource.ready_with_update", bad["id"]: "resource.errored"}


def test_a_force_update_replaces_the_event_not_sent_yet_and_heals_a_break(api, clock):
    _register(api)
    connection = api.create()
    engine.break_connection(connection["id"])
    clock.advance(1)
    api("POST", f"/connections/{connection['id']}/force_update")

    [event] = SimulatedWebhookEvent.objects.filter(delivered_at=None)
    assert event.type == "resource.ready_with_update"
    clock.advance(10)
    assert api("GET", f"/connections/{connection['id']}").json()["status"] == "ready"


def test_an_endpoint_that_refuses_gets_the_event_again_later(api, clock):
    _register(api)
    connection = api.create()
    engine.break_connection(connection["id"])

    refusing = Receiver(status=503)
    assert engine.send_due_events(refusing.client()) == 0
    accepting = Receiver()
    assert engine.send_due_events(accepting.client()) == 1
    assert [json.loads(r.content)["type"] for r in accepting.requests] == ["resource.errored"]


def test_events_go_only_to_endpoints_enabled_for_their_type(api, clock):
    _register(api, url="https://ready.example/hook", events=["resource.ready_with_update"])
    connection = api.create()
    engine.break_connection(connection["id"])

    receiver = Receiver()
    assert engine.send_due_events(receiver.client()) == 0
    assert receiver.requests == []


def test_a_managed_or_unknown_connection_cannot_be_broken(api):
    assert engine.break_connection("not-a-uuid") is False
    assert engine.break_connection("5e0dfa56-2d52-4c06-a870-bc79c71e86a3") is False


@pytest.mark.django_db(transaction=True)
def test_the_standalone_sender_sends_due_events_until_stopped(settings):
    settings.FARADAY_SIMULATOR_CYCLE_SECONDS = 10.0
    api = Api()
    _register(api)
    connection = api.create()
    engine.break_connection(connection["id"])
    receiver = Receiver()
    stop = threading.Event()
    sender = threading.Thread(
        target=engine.send_events_until, args=(stop, receiver.client()), kwargs={"every": 0.05}
    )
    sender.start()
    deadline = time.monotonic() + 5
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    sender.join(timeout=5)

    assert not sender.is_alive()
    assert [json.loads(r.content)["type"] for r in receiver.requests] == ["resource.errored"]
