"""The webhook endpoint methods send exactly the documented requests and parse the answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import respx

from faraday_admin.catalog.api_models import get_api_models
from faraday_admin.faraday_client import (
    WEBHOOK_EVENT_TYPES,
    BadResponse,
    FaradayClient,
    NotFound,
    WebhookEndpoint,
)
from tests.faraday_client.test_client_requests import assert_sent, last_request

ENDPOINT_ID = "0b7c6a52-4f1e-4a8e-9d7e-2f2c1b3a4d5e"
SECRET = "whsec_CANARYc2VjcmV0LWtleS1mb3ItdGVzdHM="
URL = "https://admin.example.com/alerts/faraday-webhook/"


def endpoint_json(**overrides):
    data = {
        "id": ENDPOINT_ID,
        "url": URL,
        "enabled_events": list(WEBHOOK_EVENT_TYPES),
        "status": "enabled",
        "created_at": "2026-01-02T03:04:05Z",
        "updated_at": "2026-01-02T03:04:05Z",
    }
    return {**data, **overrides}


def test_create_posts_url_and_events_and_returns_the_secret(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.post("/webhook_endpoints").respond(201, json=endpoint_json(secret=SECRET))

    endpoint = client.create_webhook_endpoint(url=URL, enabled_events=WEBHOOK_EVENT_TYPES)

    body = {"url": URL, "enabled_events": ["resource.errored", "resource.ready_with_update"]}
    assert_sent(last_request(route), "POST", "/v1/webhook_endpoints", body=body)
    assert get_api_models().problems(body, "WebhookEndpointPost") == []
    assert endpoint == WebhookEndpoint(
        id=ENDPOINT_ID,
        url=URL,
        enabled_events=WEBHOOK_EVENT_TYPES,
        status="enabled",
        secret=SECRET,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert SECRET not in repr(endpoint)


def test_list_and_get_read_endpoints_without_secrets(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    listed = router.get("/webhook_endpoints").respond(200, json=[endpoint_json()])
    one = router.get(f"/webhook_endpoints/{ENDPOINT_ID}").respond(200, json=endpoint_json())

    [first] = client.list_webhook_endpoints()
    second = client.get_webhook_endpoint(ENDPOINT_ID)

    assert_sent(last_request(listed), "GET", "/v1/webhook_endpoints")
    assert_sent(last_request(one), "GET", f"/v1/webhook_endpoints/{ENDPOINT_ID}")
    assert first == second
    assert first.secret is None


def test_update_sends_a_merge_patch_of_the_given_members_only(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.patch(f"/webhook_endpoints/{ENDPOINT_ID}").respond(
        200, json=endpoint_json(status="disabled")
    )

    endpoint = client.update_webhook_endpoint(ENDPOINT_ID, status="disabled")

    assert_sent(
        last_request(route),
        "PATCH",
        f"/v1/webhook_endpoints/{ENDPOINT_ID}",
        body={"status": "disabled"},
        media_type="application/merge-patch+json",
    )
    assert get_api_models().problems({"status": "disabled"}, "WebhookEndpointMergePatch") == []
    assert endpoint.status == "disabled"


def test_update_without_any_member_is_refused_before_sending(client: FaradayClient) -> None:
    with pytest.raises(ValueError, match="needs"):
        client.update_webhook_endpoint(ENDPOINT_ID)


def test_delete_sends_delete_and_a_missing_endpoint_is_not_found(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.delete(f"/webhook_endpoints/{ENDPOINT_ID}").respond(204)
    client.delete_webhook_endpoint(ENDPOINT_ID)
    assert_sent(last_request(route), "DELETE", f"/v1/webhook_endpoints/{ENDPOINT_ID}")

    router.delete("/webhook_endpoints/gone").respond(
        404, json={"error": "NOT_FOUND", "id": "e1", "note": "No such endpoint."}
    )
    with pytest.raises(NotFound):
        client.delete_webhook_endpoint("gone")


@pytest.mark.parametrize(
    "answer",
    [
        endpoint_json(enabled_events="resource.errored"),
        endpoint_json(url=None),
        {k: v for k, v in endpoint_json().items() if k != "status"},
        endpoint_json(id="../x"),
    ],
)
def test_an_unreadable_endpoint_answer_is_a_bad_response(
    router: respx.MockRouter, client: FaradayClient, answer
) -> None:
    router.get(f"/webhook_endpoints/{ENDPOINT_ID}").respond(200, json=answer)
    with pytest.raises(BadResponse):
        client.get_webhook_endpoint(ENDPOINT_ID)
