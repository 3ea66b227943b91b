"""Each client method sends exactly the documented request and parses the answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from faraday_admin.faraday_client import (
    USER_AGENT,
    Account,
    Connection,
    FaradayClient,
    ResourceRef,
    build_http_client,
)
from tests.payloads import (
    API_KEY,
    BASE_URL,
    CONNECTION_ID,
    POSTGRES_OPTIONS,
    connection_json,
    resource_ref_json,
)

CONNECTION_PATH = f"/connections/{CONNECTION_ID}"


def last_request(route: respx.Route) -> httpx.Request:
    assert route.call_count == 1
    return route.calls.last.request


def assert_sent(
    request: httpx.Request,
    method: str,
    raw_path: str,
    *,
    body: Any = None,
    media_type: str = "application/json",
) -> None:
    assert request.method == method
    assert request.url.raw_path.decode() == raw_path
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Accept"] == "application/json"
    if body is None:
        assert request.content == b""
    else:
        assert request.headers["Content-Type"] == media_type
        assert json.loads(request.content) == body


def test_user_agent_names_the_app_and_its_version() -> None:
    assert USER_AGENT == "faraday-connections-admin/0.1.0"


def test_list_connections_without_ids_gets_the_collection_and_parses_each(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.get("/connections").respond(
        200, json=[connection_json(), connection_json(id="other", name="Second")]
    )

    connections = client.list_connections()

    assert_sent(last_request(route), "GET", "/v1/connections")
    assert [c.id for c in connections] == [CONNECTION_ID, "other"]
    assert all(isinstance(c, Connection) for c in connections)


def test_list_connections_with_ids_sends_one_repeated_ids_parameter_per_id(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.get("/connections").respond(200, json=[connection_json()])

    connections = client.list_connections(ids=[CONNECTION_ID, "b/2"])

    request = last_request(route)
    assert_sent(request, "GET", f"/v1/connections?ids={CONNECTION_ID}&ids=b%2F2")
    assert request.url.params.get_list("ids") == [CONNECTION_ID, "b/2"]
    assert [c.id for c in connections] == [CONNECTION_ID]


def test_list_connections_with_empty_ids_returns_empty_list_without_a_request(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    assert client.list_connections(ids=[]) == []
    assert router.calls.call_count == 0


def test_list_connections_with_a_single_string_for_ids_raises_type_error(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    with pytest.raises(TypeError):
        client.list_connections(ids=CONNECTION_ID)
    assert router.calls.call_count == 0


def test_get_connection_gets_it_by_id_and_parses_it(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.get(CONNECTION_PATH).respond(200, json=connection_json())

    connection = client.get_connection(CONNECTION_ID)

    assert_sent(last_request(route), "GET", f"/v1{CONNECTION_PATH}")
    assert connection.id == CONNECTION_ID
    assert connection.name == "Warehouse"
    assert connection.type == "postgres"
    assert connection.created_at == datetime(2024, 1, 1, 10, tzinfo=UTC)


def test_create_connection_posts_name_and_options_and_parses_the_201_answer(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.post("/connections").respond(201, json=connection_json(status="new"))

    connection = client.create_connection(name="Warehouse", options=POSTGRES_OPTIONS)

    assert_sent(
        last_request(route),
        "POST",
        "/v1/connections",
        body={"name": "Warehouse", "options": POSTGRES_OPTIONS},
    )
    assert connection.status == "new"
    assert connection.options["host"] == "db.example.com"


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"name": "Renamed"}, {"name": "Renamed"}),
        (
            {"options": {"type": "postgres", "port": 5433}},
            {"options": {"type": "postgres", "port": 5433}},
        ),
        (
            {"name": "Renamed", "options": {"type": "postgres", "port": 5433}},
            {"name": "Renamed", "options": {"type": "postgres", "port": 5433}},
        ),
    ],
    ids=["name-only", "options-only", "both"],
)
def test_update_connection_patches_only_the_given_keys(
    router: respx.MockRouter,
    client: FaradayClient,
    kwargs: dict[str, Any],
    body: dict[str, Any],
) -> None:
    route = router.patch(CONNECTION_PATH).respond(200, json=connection_json(name="Renamed"))

    connection = client.update_connection(CONNECTION_ID, **kwargs)

    # RFC 7396, as Faraday's own client sends it: a plain JSON media type is not a merge patch.
    assert_sent(
        last_request(route),
        "PATCH",
        f"/v1{CONNECTION_PATH}",
        body=body,
        media_type="application/merge-patch+json",
    )
    assert connection.name == "Renamed"


def test_update_connection_without_name_or_options_raises_value_error_without_a_request(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    with pytest.raises(ValueError, match="name and/or options"):
        client.update_connection(CONNECTION_ID)
    assert router.calls.call_count == 0


def test_delete_connection_sends_delete_and_returns_none_on_204(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.delete(CONNECTION_PATH).respond(204)

    assert client.delete_connection(CONNECTION_ID) is None
    assert_sent(last_request(route), "DELETE", f"/v1{CONNECTION_PATH}")


@pytest.mark.parametrize("action", ["archive", "unarchive"])
@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({}, {"cascade_to_all": False}),
        ({"cascade_to_all": True}, {"cascade_to_all": True}),
        ({"cascade_to": ["datasets", "targets"]}, {"cascade_to": ["datasets", "targets"]}),
        ({"cascade_to": []}, {"cascade_to": []}),
    ],
    ids=["default", "cascade-to-all", "cascade-to-list", "cascade-to-empty-list"],
)
def test_archive_and_unarchive_post_the_cascade_body_and_return_none(
    router: respx.MockRouter,
    client: FaradayClient,
    action: str,
    kwargs: dict[str, Any],
    body: dict[str, Any],
) -> None:
    route = router.post(f"{CONNECTION_PATH}/{action}").respond(204)

    result = getattr(client, f"{action}_connection")(CONNECTION_ID, **kwargs)

    assert result is None
    assert_sent(last_request(route), "POST", f"/v1{CONNECTION_PATH}/{action}", body=body)


@pytest.mark.parametrize("action", ["archive", "unarchive"])
def test_archive_and_unarchive_with_both_cascade_arguments_raise_value_error(
    router: respx.MockRouter, client: FaradayClient, action: str
) -> None:
    with pytest.raises(ValueError, match="not both"):
        getattr(client, f"{action}_connection")(
            CONNECTION_ID, cascade_to_all=True, cascade_to=["targets"]
        )
    assert router.calls.call_count == 0


def test_archive_answered_with_a_json_body_still_returns_none(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    router.post(f"{CONNECTION_PATH}/archive").respond(200, json=connection_json())

    assert client.archive_connection(CONNECTION_ID) is None


def test_force_update_connection_posts_without_a_body_and_returns_none(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.post(f"{CONNECTION_PATH}/force_update").respond(204)

    assert client.force_update_connection(CONNECTION_ID) is None
    assert_sent(last_request(route), "POST", f"/v1{CONNECTION_PATH}/force_update")


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"type": "snowflake"}, {"type": "snowflake"}),
        (
            {"type": "clickhouse", "user": "faraday_new"},
            {"type": "clickhouse", "user": "faraday_new"},
        ),
    ],
    ids=["snowflake", "clickhouse-with-extra"],
)
def test_rotate_connection_credentials_posts_type_and_extras_and_parses_the_connection(
    router: respx.MockRouter,
    client: FaradayClient,
    kwargs: dict[str, Any],
    body: dict[str, Any],
) -> None:
    options = {"type": kwargs["type"], "database": "analytics", "user": "faraday"}
    route = router.post(f"{CONNECTION_PATH}/rotate_credentials").respond(
        200, json=connection_json(options=options)
    )

    connection = client.rotate_connection_credentials(CONNECTION_ID, **kwargs)

    assert_sent(last_request(route), "POST", f"/v1{CONNECTION_PATH}/rotate_credentials", body=body)
    assert connection.type == kwargs["type"]


@pytest.mark.parametrize(
    ("method_name", "suffix"),
    [("list_connection_datasets", "datasets"), ("list_connection_targets", "targets")],
)
def test_dataset_and_target_lists_get_the_sub_collection_and_parse_references(
    router: respx.MockRouter, client: FaradayClient, method_name: str, suffix: str
) -> None:
    route = router.get(f"{CONNECTION_PATH}/{suffix}").respond(
        200,
        json=[
            resource_ref_json(resource_type=suffix),
            resource_ref_json(id="r2", name="Old", status=None, archived_at="2024-02-01T00:00:00Z"),
        ],
    )

    refs = getattr(client, method_name)(CONNECTION_ID)

    assert_sent(last_request(route), "GET", f"/v1{CONNECTION_PATH}/{suffix}")
    assert refs == [
        ResourceRef(
            id="9b2f6c1e-0000-4000-8000-000000000001",
            name="Orders",
            resource_type=suffix,
            status="ready",
            archived_at=None,
        ),
        ResourceRef(
            id="r2",
            name="Old",
            resource_type="datasets",
            status=None,
            archived_at=datetime(2024, 2, 1, tzinfo=UTC),
        ),
    ]


def test_get_current_account_gets_accounts_current_and_parses_it(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    route = router.get("/accounts/current").respond(
        200, json={"id": "acct-1", "name": "Acme", "billing": {"plan": "pro"}}
    )

    account = client.get_current_account()

    assert_sent(last_request(route), "GET", "/v1/accounts/current")
    assert account == Account(id="acct-1", name="Acme")


@pytest.mark.parametrize(
    ("connection_id", "escaped"),
    [
        ("a/b", "a%2Fb"),
        ("x?ids=1", "x%3Fids%3D1"),
        ("frag#ment", "frag%23ment"),
        ("100%", "100%25"),
        ("with space", "with%20space"),
        ("..", "%2E%2E"),
        (".", "%2E"),
    ],
)
def test_connection_ids_are_escaped_as_one_path_segment(
    router: respx.MockRouter, client: FaradayClient, connection_id: str, escaped: str
) -> None:
    route = router.route().respond(200, json=connection_json())

    client.get_connection(connection_id)
    client.force_update_connection(connection_id)

    sent = [call.request for call in route.calls]
    assert [request.url.raw_path.decode() for request in sent] == [
        f"/v1/connections/{escaped}",
        f"/v1/connections/{escaped}/force_update",
    ]
    assert all(request.url.query == b"" for request in sent)


def test_empty_connection_id_raises_value_error_without_a_request(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        client.get_connection("")
    assert router.calls.call_count == 0


def test_api_key_is_sent_per_request_so_two_clients_share_one_pool(
    router: respx.MockRouter, http: httpx.Client
) -> None:
    route = router.get("/accounts/current").respond(200, json={"id": "acct-1"})

    FaradayClient(http, "key-one").get_current_account()
    FaradayClient(http, "key-two").get_current_account()

    assert [call.request.headers["Authorization"] for call in route.calls] == [
        "Bearer key-one",
        "Bearer key-two",
    ]
    assert "Authorization" not in http.headers


def test_empty_api_key_sends_no_authorization_header(
    router: respx.MockRouter, http: httpx.Client
) -> None:
    route = router.get("/accounts/current").respond(200, json={"id": "acct-1"})

    FaradayClient(http, "").get_current_account()

    assert "Authorization" not in route.calls.last.request.headers


def test_build_http_client_sets_connect_and_read_timeouts_separately() -> None:
    with build_http_client(BASE_URL, timeout=12.5, connect_timeout=2.5) as http:
        assert http.timeout == httpx.Timeout(connect=2.5, read=12.5, write=12.5, pool=12.5)
        assert http.headers["User-Agent"] == USER_AGENT
        assert http.base_url == httpx.URL(f"{BASE_URL}/")


def test_build_http_client_defaults_to_ten_second_read_and_five_second_connect() -> None:
    with build_http_client(BASE_URL) as http:
        assert http.timeout.read == 10.0
        assert http.timeout.connect == 5.0


def test_base_url_with_trailing_slash_reaches_the_same_path(router: respx.MockRouter) -> None:
    route = router.get("/accounts/current").respond(200, json={"id": "acct-1"})
    transport = httpx.MockTransport(router.handler)

    with build_http_client(f"{BASE_URL}/", transport=transport) as http:
        FaradayClient(http, API_KEY).get_current_account()

    assert route.calls.last.request.url == httpx.URL(f"{BASE_URL}/accounts/current")


def test_each_request_logs_one_info_line_with_method_path_status_duration_and_attempt(
    router: respx.MockRouter, client: FaradayClient, caplog: pytest.LogCaptureFixture
) -> None:
    router.get(CONNECTION_PATH).respond(200, json=connection_json())

    with caplog.at_level("INFO", logger="faraday_admin.faraday_client"):
        client.get_connection(CONNECTION_ID)

    records = [r for r in caplog.records if r.name == "faraday_admin.faraday_client"]
    assert len(records) == 1
    assert records[0].levelname == "INFO"
    message = records[0].getMessage()
    assert message.startswith(f"faraday GET {CONNECTION_PATH} -> 200 in ")
    assert message.endswith(" ms (attempt 1)")
