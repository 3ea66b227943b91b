import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from faraday_admin.simulator import engine, wsgi
from tests.payloads import postgres_options

START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
CYCLE = 10.0


class Clock:
    """A hand-moved clock for the engine: phases change without sleeping."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch, settings):
    settings.FARADAY_SIMULATOR_CYCLE_SECONDS = CYCLE
    moved = Clock(START)
    monkeypatch.setattr(engine, "now", moved)
    return moved


class Api:
    """engine.handle with a valid key and JSON bodies, sent as Faraday's own client sends them
    (a PATCH as a merge patch)."""

    def __call__(self, method, path, body=None, *, query=None, headers=None, raw=None):
        if raw is None:
            raw = b"" if body is None else json.dumps(body).encode()
        if headers is None:
            headers = {"Authorization": "Bearer demo-key"}
            if raw:
                headers["Content-Type"] = (
                    "application/merge-patch+json" if method == "PATCH" else "application/json"
                )
        return engine.handle(method, path, query or {}, headers, raw)

    def create(self, name="Shop database", **options):
        response = self(
            "POST", "/connections", {"name": name, "options": options or postgres_options()}
        )
        assert response.status == 201, response.body
        return response.json()


@pytest.fixture
def api(db, clock):
    return Api()


@pytest.fixture
def served(transactional_db):
    """The simulator's threaded HTTP server on a free loopback port; yields its API URL."""
    server = wsgi.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield wsgi.server_url(server)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
