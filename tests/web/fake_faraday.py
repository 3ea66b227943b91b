"""The one Faraday the web tests talk to: respx routes behind a configured API key, the answers
they are built from, and readers of what the app sent.

Plain functions and classes; the fixtures on top (`faraday_api`, `faraday_stored_key`,
`create_faraday`, `faraday_router`) are in tests/web/conftest.py. Bodies come from the client
tests' builders (tests/faraday_client/payloads.py), so a change to Faraday's models is made once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import respx
from django.test import override_settings

from tests.faraday_client import payloads

BASE_URL = "https://api.faraday.test/v1"
API_KEY = "test-key"
CONNECTION_ID = payloads.CONNECTION_ID
ERROR_ID = payloads.ERROR_ID


def error_json(
    code: str = "INTERNAL_SERVER_ERROR",
    note: str = "",
    *,
    validation_errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Faraday's error body; the note repeats the code unless given."""
    return payloads.error_json(code, note or code, validation_errors=validation_errors)


def api_error(
    status: int,
    code: str,
    *,
    note: str = "",
    validation_errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Faraday's error answer: `error_json`'s body with this status (and headers)."""
    body = error_json(code, note, validation_errors=validation_errors)
    return httpx.Response(status, json=body, headers=headers)


def created_json(
    *,
    name: str,
    options: dict[str, Any],
    connection_id: str | None = None,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """A Connection resource as Faraday answers it right after creating it."""
    stamp = (created_at or datetime.now(UTC)).isoformat()
    return payloads.new_connection_json(
        stamp, id=connection_id or str(uuid.uuid4()), name=name, options=options
    )


class FakeFaraday:
    """respx routes for Faraday, and what the app sent them. An unrouted request fails the test,
    so a test states every upstream call it expects; `serve_creates` routes POST /connections."""

    base_url = BASE_URL
    api_key = API_KEY
    connection_id = CONNECTION_ID
    error_id = ERROR_ID

    def __init__(self, router: respx.MockRouter):
        self.router = router
        self.created: list[dict[str, Any]] = []
        self.create: respx.Route | None = None

    # ---- answers

    def connection(self, **overrides: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "id": self.connection_id,
            "name": "Shop database",
            "options": {"type": "postgres", "host": "db.example.com", "port": 5432},
        }
        return payloads.new_connection_json("2026-01-01T12:00:00Z", **(fields | overrides))

    def account(self, name: str = "Acme Corp") -> dict[str, Any]:
        return {
            "id": "8a9c1f2e-0b7d-4c3a-9e51-2f6d8b0a7c14",
            "name": name,
            "resource_type": "accounts",
            "created_at": "2024-01-01T12:00:00Z",
        }

    def error(
        self,
        status: int,
        code: str,
        *,
        note: str = "Faraday refused the request.",
        validation_errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return api_error(
            status, code, note=note, validation_errors=validation_errors, headers=headers
        )

    # ---- creating: POST /connections answers 201, echoing the body (secrets included)

    def serve_creates(self) -> FakeFaraday:
        self.create = self.router.post("/connections", name="create")
        self.create.side_effect = self._echo_created
        return self

    def _echo_created(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        resource = created_json(name=body["name"], options=body["options"])
        self.created.append(resource)
        return httpx.Response(201, json=resource)

    @property
    def create_calls(self) -> int:
        return self.create.call_count if self.create is not None else 0

    def create_bodies(self) -> list[dict[str, Any]]:
        calls = self.create.calls if self.create is not None else []
        return [json.loads(call.request.content) for call in calls]

    def answer_create(self, response: httpx.Response | Exception | None) -> None:
        """Make POST /connections answer (or raise) this instead of creating; None: create."""
        assert self.create is not None, "serve_creates() first"
        self.create.side_effect = self._echo_created if response is None else response

    def detail_routes(self, resource: dict[str, Any]) -> None:
        """GET the connection, its datasets and its targets (what the detail page reads)."""
        path = f"/connections/{resource['id']}"
        self.router.get(path).respond(200, json=resource)
        self.router.get(f"{path}/datasets").respond(200, json=[])
        self.router.get(f"{path}/targets").respond(200, json=[])

    # ---- what the app sent

    def requests(self) -> list[httpx.Request]:
        return [call.request for call in self.router.calls]

    def authorizations(self) -> list[str]:
        return [request.headers.get("Authorization", "") for request in self.requests()]

    def sent_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests() if r.content]


@contextmanager
def mocked_faraday(**settings: Any) -> Iterator[FakeFaraday]:
    """The app pointed at a respx-played Faraday with a real key (no demo simulator);
    `settings` overrides the key settings (say, no environment key)."""
    with (
        override_settings(**{"FARADAY_API_KEY": API_KEY, "FARADAY_API_URL": BASE_URL, **settings}),
        respx.mock(base_url=BASE_URL, assert_all_called=False) as router,
    ):
        yield FakeFaraday(router)
