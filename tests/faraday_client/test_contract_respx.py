"""The contract checks, played against the shared fake Faraday's stored mode."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import respx

from faraday_admin.faraday_client import FaradayClient
from tests.fake_faraday import FakeFaraday
from tests.faraday_client import contract
from tests.faraday_client.contract import CHECKS
from tests.payloads import API_KEY


@pytest.fixture
def fake(router: respx.MockRouter) -> FakeFaraday:
    return FakeFaraday(router, api_key=API_KEY).serve_stored()


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__.removeprefix("check_"))
def test_contract_check_passes_against_the_fake(
    fake: FakeFaraday, client: FaradayClient, check: Callable[[FaradayClient], None]
) -> None:
    check(client)

    assert fake.connections == {}


def test_every_contract_check_is_listed_in_checks() -> None:
    defined = {name for name in vars(contract) if name.startswith("check_")}

    assert {check.__name__ for check in CHECKS} == defined
