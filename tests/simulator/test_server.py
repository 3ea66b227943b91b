"""The real HTTP server: in a thread (shared test database) and as `manage.py faraday_simulator`."""

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from faraday_admin.simulator import wsgi
from tests.payloads import postgres_options

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": "Bearer demo-key"}


def test_threaded_server_round_trip_over_loopback(served):
    assert served.startswith("http://127.0.0.1:") and served.endswith("/v1")
    with httpx.Client(base_url=served, headers=AUTH, timeout=5) as client:
        created = client.post("/connections", json={"name": "Shop", "options": postgres_options()})
        fetched = client.get(f"/connections/{created.json()['id']}")
        archived = client.post(f"/connections/{created.json()['id']}/archive")

    assert created.status_code == 201
    assert fetched.json()["name"] == "Shop"
    assert "password" not in fetched.json()["options"]
    assert (archived.status_code, archived.content) == (204, b"")


def test_threaded_server_reports_errors_with_faradays_body(served):
    with httpx.Client(base_url=served, timeout=5) as client:
        missing = client.get("/connections")
        bad_json = client.post("/connections", content=b"{", headers=AUTH)
        outside = client.get(served.removesuffix("/v1") + "/connections", headers=AUTH)

    assert (missing.status_code, missing.json()["error"]) == (401, "MISSING_API_KEY")
    assert (bad_json.status_code, bad_json.json()["error"]) == (400, "BAD_REQUEST")
    assert (outside.status_code, outside.json()["error"]) == (404, "NOT_FOUND")


def test_each_request_thread_closes_its_database_connections(served, monkeypatch):
    closed_on = []
    both_closed = threading.Event()
    real_close_all = wsgi.connections.close_all

    def recording_close_all():
        real_close_all()
        closed_on.append(threading.current_thread())
        if len(closed_on) == 2:
            both_closed.set()

    monkeypatch.setattr(wsgi.connections, "close_all", recording_close_all)
    with httpx.Client(base_url=served, headers=AUTH, timeout=5) as client:
        client.get("/accounts/current")
        client.get("/accounts/current")

    # The server closes after sending the answer, so the client may be back first.
    assert both_closed.wait(timeout=5)
    assert threading.main_thread() not in closed_on


@pytest.fixture
def command_server(tmp_path):
    """`manage.py faraday_simulator --port 0 --seed` in a subprocess, on its own SQLite file."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "faraday_admin.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'simulator.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "simulator", "--skip-checks", "-v", "0"],
        env=env, cwd=ROOT, check=True, timeout=60,
    )  # fmt: skip
    process = subprocess.Popen(
        [*manage, "faraday_simulator", "--host", "127.0.0.1", "--port", "0", "--seed"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first_line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first_line, process.stderr.read()
        yield first_line.split("listening on ")[1].strip(), process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_command_prints_the_api_url_and_serves_seeded_data(command_server):
    url, process = command_server
    usage = process.stdout.readline()

    with httpx.Client(base_url=url, headers=AUTH, timeout=5) as client:
        listed = client.get("/connections")

    assert f"FARADAY_API_URL={url}" in usage
    assert listed.status_code == 200
    assert "Snowflake - Marketing warehouse" in {c["name"] for c in listed.json()}


def test_command_server_handles_concurrent_requests(command_server):
    url, _ = command_server

    def create(index):
        with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
            body = {"name": f"Shop {index}", "options": postgres_options()}
            return client.post("/connections", json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(8)))

    assert statuses == [201] * 8
    with httpx.Client(base_url=url, headers=AUTH, timeout=5) as client:
        names = {c["name"] for c in client.get("/connections").json()}
    assert {f"Shop {index}" for index in range(8)} <= names
