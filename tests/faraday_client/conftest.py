from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from faraday_admin.faraday_client import FaradayClient, RetryPolicy, build_http_client
from tests.payloads import API_KEY, BASE_URL


@pytest.fixture
def router() -> respx.MockRouter:
    return respx.MockRouter(base_url=BASE_URL, assert_all_called=False)


@pytest.fixture
def http(router: respx.MockRouter) -> Iterator[httpx.Client]:
    with build_http_client(BASE_URL, transport=httpx.MockTransport(router.handler)) as http:
        yield http


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the client asked to sleep, in order; nothing actually sleeps."""
    return []


@pytest.fixture
def client(http: httpx.Client, sleeps: list[float]) -> FaradayClient:
    # Identity jitter makes backoff delays exact.
    return FaradayClient(
        http, API_KEY, retry=RetryPolicy(jitter=lambda delay: delay), sleep=sleeps.append
    )
