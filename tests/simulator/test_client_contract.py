"""The client's contract checks, run against the simulator in-process and over real HTTP."""

import inspect

import pytest

from faraday_admin.faraday_client import FaradayClient, build_http_client
from faraday_admin.simulator.transport import SimulatorTransport
from tests.faraday_client import contract

CHECKS = [
    function
    for name, function in inspect.getmembers(contract, inspect.isfunction)
    if name.startswith("check_") and function.__module__ == contract.__name__
]


@pytest.fixture
def in_process_client(db):
    http = build_http_client("http://simulator.test/v1", transport=SimulatorTransport())
    yield FaradayClient(http, "demo-key")
    http.close()


@pytest.fixture
def http_client(served):
    http = build_http_client(served)
    yield FaradayClient(http, "demo-key")
    http.close()


def test_the_contract_module_has_checks():
    assert len(CHECKS) >= 10


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_client_contract_check_passes_through_the_simulator_transport(in_process_client, check):
    check(in_process_client)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_client_contract_check_passes_over_http_against_the_simulator_server(http_client, check):
    check(http_client)
