import httpx
import pytest
from django.db import connection

from faraday_admin.simulator.transport import SimulatorTransport
from tests.payloads import postgres_options

BASE_URL = "http://simulator.test/v1"
AUTH = {"Authorization": "Bearer demo-key"}


def _client(base_url=BASE_URL, **transport_options):
    return httpx.Client(
        base_url=base_url, transport=SimulatorTransport(**transport_options), headers=AUTH
    )


@pytest.fixture
def created(db, clock):
    with _client() as client:
        response = client.post("/connections", json={"name": "Shop", "options": postgres_options()})
    assert response.status_code == 201
    return response.json()


def test_transport_strips_the_base_path_and_answers_in_process(created):
    with _client() as client:
        response = client.get(f"/connections/{created['id']}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["name"] == "Shop"


def test_transport_passes_repeated_query_values(db, clock):
    with _client() as client:
        ids = [
            client.post("/connections", json={"name": n, "options": postgres_options()}).json()[
                "id"
            ]
            for n in ("One", "Two", "Three")
        ]
        listed = client.get("/connections", params=[("ids", ids[0]), ("ids", ids[2])])

    assert {c["id"] for c in listed.json()} == {ids[0], ids[2]}


def test_path_outside_the_base_path_is_not_found(db, clock):
    with httpx.Client(transport=SimulatorTransport(), headers=AUTH) as client:
        response = client.get("http://simulator.test/connections")

    assert response.status_code == 404
    assert response.json()["error"] == "NOT_FOUND"


def test_transport_honours_a_custom_base_path(db, clock):
    with _client("http://simulator.test/api/v2", base_path="/api/v2") as client:
        assert client.get("/accounts/current").status_code == 200


def test_204_has_an_empty_body(created):
    with _client() as client:
        response = client.post(f"/connections/{created['id']}/force_update")

    assert response.status_code == 204
    assert response.content == b""


def test_state_survives_a_fresh_transport_and_database_connection(transactional_db, clock):
    # Committed for real (no test transaction), so closing the connection loses nothing.
    with _client() as client:
        created = client.post(
            "/connections", json={"name": "Shop", "options": postgres_options()}
        ).json()
    connection.close()

    with _client() as client:
        response = client.get(f"/connections/{created['id']}")

    assert response.status_code == 200
    assert response.json()["name"] == "Shop"
    assert response.json()["created_at"] == created["created_at"]


def test_transport_clock_option_moves_status_without_sleeping(db, clock):
    with _client() as client:
        created = client.post(
            "/connections", json={"name": "Shop", "options": postgres_options()}
        ).json()
    clock.advance(3600)
    later = SimulatorTransport(clock=lambda: clock.at)

    with httpx.Client(base_url=BASE_URL, transport=later, headers=AUTH) as client:
        assert client.get(f"/connections/{created['id']}").json()["status"] == "ready"
