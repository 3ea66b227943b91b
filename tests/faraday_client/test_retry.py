"""Retry policy rules, and the client retrying GETs only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from faraday_admin.faraday_client import (
    ApiError,
    FaradayClient,
    NetworkError,
    RateLimited,
    RetryPolicy,
    ServerError,
)
from faraday_admin.faraday_client.retry import parse_retry_after, proportional_jitter
from tests.payloads import (
    API_KEY,
    CONNECTION_ID,
    POSTGRES_OPTIONS,
    connection_json,
    error_json,
)

CONNECTION_PATH = f"/connections/{CONNECTION_ID}"
EXACT = RetryPolicy(jitter=lambda delay: delay)


@pytest.mark.parametrize("method", ["GET", "get"])
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_should_retry_is_true_for_get_on_429_502_503_504(method: str, status: int) -> None:
    assert RetryPolicy().should_retry(method, status)


@pytest.mark.parametrize("status", [200, 400, 401, 404, 409, 500, 501])
def test_should_retry_is_false_for_get_on_other_statuses(status: int) -> None:
    assert not RetryPolicy().should_retry("GET", status)


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE", "PUT"])
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_should_retry_is_false_for_every_method_but_get(method: str, status: int) -> None:
    assert not RetryPolicy().should_retry(method, status)


@pytest.mark.parametrize(
    ("method", "kind", "expected"),
    [
        ("GET", "connect_timeout", True),
        ("GET", "refused", True),
        ("GET", "read_timeout", False),
        ("GET", "timeout", False),
        ("GET", "dns", False),
        ("GET", "tls", False),
        ("GET", "protocol", False),
        ("POST", "refused", False),
        ("DELETE", "connect_timeout", False),
    ],
)
def test_should_retry_network_only_for_get_when_nothing_was_sent(
    method: str, kind: str, expected: bool
) -> None:
    assert RetryPolicy().should_retry_network(method, kind) is expected


def test_backoff_doubles_from_base_delay_and_stops_at_max_delay() -> None:
    assert [EXACT.delay(attempt, None) for attempt in range(1, 8)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        8.0,
        8.0,
    ]


def test_backoff_passes_through_the_injected_jitter() -> None:
    policy = RetryPolicy(jitter=lambda delay: delay / 4)

    assert policy.delay(3, None) == 0.5


@given(st.floats(min_value=0, max_value=1e6))
def test_default_jitter_stays_between_half_and_all_of_the_delay(delay: float) -> None:
    assert delay / 2 <= proportional_jitter(delay) <= delay


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("1.5", 1.5), (" 4 ", 4.0), ("0", 0.0), ("120", 30.0)],
)
def test_retry_after_seconds_win_over_backoff_up_to_max_retry_after(
    header: str, expected: float
) -> None:
    assert EXACT.delay(1, header) == expected


@pytest.mark.parametrize("header", ["soon", "-1", "nan", "inf", ""])
def test_unusable_retry_after_falls_back_to_backoff(header: str) -> None:
    assert EXACT.delay(2, header) == 1.0


def test_retry_after_http_date_counts_seconds_from_now() -> None:
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)

    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 30.0


def test_retry_after_http_date_in_the_past_means_no_wait() -> None:
    assert EXACT.delay(1, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_retry_after_http_date_far_ahead_is_capped_at_max_retry_after() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)

    assert EXACT.delay(1, later) == 30.0


def test_retry_after_missing_header_is_none() -> None:
    assert parse_retry_after(None) is None


# The client


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_answered_with_a_retryable_status_then_200_returns_the_result(
    router: respx.MockRouter, client: FaradayClient, sleeps: list[float], status: int
) -> None:
    route = router.get(CONNECTION_PATH).mock(
        side_effect=[
            httpx.Response(status, json=error_json(None)),
            httpx.Response(200, json=connection_json()),
        ]
    )

    assert client.get_connection(CONNECTION_ID).id == CONNECTION_ID
    assert route.call_count == 2
    assert sleeps == [0.5]


def test_get_retry_waits_what_retry_after_asks(
    router: respx.MockRouter, client: FaradayClient, sleeps: list[float]
) -> None:
    router.get("/connections").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json=error_json(None)),
            httpx.Response(503, headers={"Retry-After": "7"}, json=error_json(None)),
            httpx.Response(200, json=[]),
        ]
    )

    assert client.list_connections() == []
    assert sleeps == [2.0, 7.0]


def test_get_retry_that_would_pass_the_total_wait_budget_raises_instead_of_sleeping(
    router: respx.MockRouter, client: FaradayClient, sleeps: list[float]
) -> None:
    route = router.get("/connections").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "6"}, json=error_json(None)),
            httpx.Response(429, headers={"Retry-After": "6"}, json=error_json(None)),
            httpx.Response(200, json=[]),
        ]
    )

    with pytest.raises(RateLimited) as caught:
        client.list_connections()

    assert sleeps == [6.0]  # a second 6 s wait would pass max_total_delay (10 s)
    assert route.call_count == 2
    assert caught.value.retry_after == 6.0


def test_get_that_keeps_failing_is_sent_max_retries_plus_one_times_then_raises(
    router: respx.MockRouter, client: FaradayClient, sleeps: list[float]
) -> None:
    route = router.get(CONNECTION_PATH).respond(503, json=error_json("INTERNAL_SERVER_ERROR"))

    with pytest.raises(ServerError) as caught:
        client.get_connection(CONNECTION_ID)

    assert route.call_count == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert caught.value.status == 503


def test_get_rate_limited_every_time_raises_rate_limited_with_retry_after(
    router: respx.MockRouter, http: httpx.Client, sleeps: list[float]
) -> None:
    route = router.get("/accounts/current").respond(
        429, headers={"Retry-After": "1"}, json=error_json(None, "Slow down")
    )
    client = FaradayClient(http, API_KEY, retry=RetryPolicy(max_retries=1), sleep=sleeps.append)

    with pytest.raises(RateLimited) as caught:
        client.get_current_account()

    assert route.call_count == 2
    assert sleeps == [1.0]
    assert caught.value.retry_after == 1.0


def test_max_retries_zero_sends_a_get_once(
    router: respx.MockRouter, http: httpx.Client, sleeps: list[float]
) -> None:
    route = router.get("/connections").respond(502, json=error_json(None))
    client = FaradayClient(http, API_KEY, retry=RetryPolicy(max_retries=0), sleep=sleeps.append)

    with pytest.raises(ServerError):
        client.list_connections()

    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [500, 400, 404])
def test_get_answered_with_a_non_retryable_status_is_sent_once(
    router: respx.MockRouter, client: FaradayClient, sleeps: list[float], status: int
) -> None:
    route = router.get(CONNECTION_PATH).respond(status, json=error_json(None))

    with pytest.raises(ApiError):
        client.get_connection(CONNECTION_ID)

    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("[Errno 111] Connection refused"), httpx.ConnectTimeout("timed out")],
    ids=["refused", "connect-timeout"],
)
def test_get_that_could_not_connect_is_retried(
    router: respx.MockRouter, client: FaradayClient, sleeps: list[float], exc: Exception
) -> None:
    route = router.get("/connections").mock(side_effect=[exc, httpx.Response(200, json=[])])

    assert client.list_connections() == []
    assert route.call_count == 2
    assert sleeps == [0.5]


def test_get_that_timed_out_reading_is_not_retried(
    router: respx.MockRouter, client: FaradayClient, sleeps: list[float]
) -> None:
    route = router.get("/connections").mock(side_effect=httpx.ReadTimeout("timed out"))

    with pytest.raises(NetworkError) as caught:
        client.list_connections()

    assert caught.value.kind == "read_timeout"
    assert route.call_count == 1
    assert sleeps == []


def test_get_that_never_connects_raises_after_the_retry_budget(
    router: respx.MockRouter, client: FaradayClient, sleeps: list[float]
) -> None:
    route = router.get("/connections").mock(side_effect=httpx.ConnectError("Connection refused"))

    with pytest.raises(NetworkError) as caught:
        client.list_connections()

    assert caught.value.kind == "refused"
    assert route.call_count == 4
    assert sleeps == [0.5, 1.0, 2.0]


WRITES: dict[str, tuple[str, str, Callable[[FaradayClient], object]]] = {
    "create": (
        "POST",
        "/connections",
        lambda c: c.create_connection(name="n", options=POSTGRES_OPTIONS),
    ),
    "update": ("PATCH", CONNECTION_PATH, lambda c: c.update_connection(CONNECTION_ID, name="n")),
    "delete": ("DELETE", CONNECTION_PATH, lambda c: c.delete_connection(CONNECTION_ID)),
    "archive": (
        "POST",
        f"{CONNECTION_PATH}/archive",
        lambda c: c.archive_connection(CONNECTION_ID),
    ),
    "unarchive": (
        "POST",
        f"{CONNECTION_PATH}/unarchive",
        lambda c: c.unarchive_connection(CONNECTION_ID),
    ),
    "force-update": (
        "POST",
        f"{CONNECTION_PATH}/force_update",
        lambda c: c.force_update_connection(CONNECTION_ID),
    ),
    "rotate": (
        "POST",
        f"{CONNECTION_PATH}/rotate_credentials",
        lambda c: c.rotate_connection_credentials(CONNECTION_ID, type="snowflake"),
    ),
}


@pytest.mark.parametrize(("method", "path", "call"), WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_write_answered_with_a_retryable_status_raises_after_exactly_one_request(
    router: respx.MockRouter,
    client: FaradayClient,
    sleeps: list[float],
    method: str,
    path: str,
    call: Callable[[FaradayClient], object],
    status: int,
) -> None:
    route = router.route(method=method, path=path).respond(
        status, headers={"Retry-After": "1"}, json=error_json(None)
    )

    with pytest.raises((ServerError, RateLimited)):
        call(client)

    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(("method", "path", "call"), WRITES.values(), ids=WRITES.keys())
def test_write_that_could_not_connect_raises_after_exactly_one_attempt(
    router: respx.MockRouter,
    client: FaradayClient,
    sleeps: list[float],
    method: str,
    path: str,
    call: Callable[[FaradayClient], object],
) -> None:
    route = router.route(method=method, path=path).mock(
        side_effect=httpx.ConnectError("Connection refused")
    )

    with pytest.raises(NetworkError):
        call(client)

    assert route.call_count == 1
    assert sleeps == []


def test_each_attempt_logs_its_own_line_with_its_attempt_number(
    router: respx.MockRouter, client: FaradayClient, caplog: pytest.LogCaptureFixture
) -> None:
    router.get("/connections").mock(
        side_effect=[
            httpx.ConnectError("Connection refused"),
            httpx.Response(503, json=error_json(None)),
            httpx.Response(200, json=[]),
        ]
    )

    with caplog.at_level("INFO", logger="faraday_admin.faraday_client"):
        client.list_connections()

    lines = [r.getMessage() for r in caplog.records if r.name == "faraday_admin.faraday_client"]
    assert [line.split(" in ")[0] for line in lines] == [
        "faraday GET /connections -> refused",
        "faraday GET /connections -> 503",
        "faraday GET /connections -> 200",
    ]
    assert [line.rsplit("(", 1)[1] for line in lines] == ["attempt 1)", "attempt 2)", "attempt 3)"]
