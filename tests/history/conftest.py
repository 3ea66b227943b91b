"""A respx-mocked Faraday with a key configured (no demo simulator), as the web tests use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from tests.web import list_helpers


@pytest.fixture
def faraday_router() -> Iterator[respx.MockRouter]:
    with list_helpers.mock_faraday() as router:
        yield router
