"""The one fake Faraday every test (and the bench) talks to, over respx.

Two ways to play it, on the same router:
- scripted: a test states each upstream call it expects (`router.get(...)`, `serve_creates`,
  `answer_create`, `detail_routes`); an unrouted request fails the test. The web tests' way.
- stored (`serve_stored`): an in-memory Faraday holding connections, enough of the contract for
  tests/faraday_client/contract.py, and fast enough to play 1,000 connections for the bench: the
  list body is encoded once per change, so a page's figure is the app's cost, not the fake's.
  Like Faraday it never echoes a password back.

Bodies come from tests/payloads.py, so a change to Faraday's models is made once. The fixtures on
top (`faraday_api`, `faraday_stored_key`, `create_faraday`, `faraday_router`) are in
tests/web/conftest.py.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx
import respx
from django.test import override_settings

from tests import payloads

BASE_URL = "https://api.faraday.test/v1"
API_KEY = "test-key"
CONNECTION_ID = payloads.CONNECTION_ID
ERROR_ID = payloads.ERROR_ID

ACCOUNT = {"id": "0c7e0a52-5b8e-4a0a-9a51-6f1f3b1f7f10", "name": "Fake account"}
# What the stored Faraday checks: only what the contract checks exercise.
REQUIRED_OPTIONS = {
    "postgres": ("host", "port", "database", "schema", "user", "password"),
    "snowflake": ("database", "user", "warehouse"),
}
SECRET_OPTIONS = frozenset({"password"})
HOST_PATTERN = re.compile(r"[a-zA-Z0-9\-.]+")
BLANK = re.compile(r"\s*")
KEY_PAIR_TYPES = frozenset({"snowflake", "clickhouse"})


def _now() -> str:
    return payloads.stamp(datetime.now(UTC))


def _error(
    status: int, code: str, note: str, problems: list[dict[str, Any]] | None = None
) -> httpx.Response:
    return payloads.api_error(status, code, note=note, validation_errors=problems)


def _problem(path: str, message: str, error_type: str) -> dict[str, Any]:
    return {"path": path, "message": message, "context": {"errorType": error_type}}


class FakeFaraday:
    """respx routes for Faraday, and what the app sent them: scripted by the test, or answered
    from stored connections once `serve_stored` is called."""

    base_url = BASE_URL
    connection_id = CONNECTION_ID
    error_id = ERROR_ID

    def __init__(self, router: respx.MockRouter, *, api_key: str = API_KEY):
        self.router = router
        self.api_key = api_key
        self.created: list[dict[str, Any]] = []
        self.create: respx.Route | None = None
        self.connections: dict[str, dict[str, Any]] = {}
        self.dependents = 0
        self.calls = 0  # requests the stored Faraday answered
        self._list_body: bytes | None = None

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
        return payloads.api_error(
            status, code, note=note, validation_errors=validation_errors, headers=headers
        )

    # ---- creating: POST /connections answers 201, echoing the body (secrets included)

    def serve_creates(self) -> FakeFaraday:
        self.create = self.router.post("/connections", name="create")
        self.create.side_effect = self._echo_created
        return self

    def _echo_created(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        resource = payloads.created_json(name=body["name"], options=body["options"])
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

    # ---- stored: an in-memory Faraday

    def serve_stored(
        self, connections: Iterable[dict[str, Any]] = (), *, dependents: int = 0
    ) -> FakeFaraday:
        """Answer every request from `connections`, each with `dependents` datasets and targets."""
        self.store(connections)
        self.dependents = dependents
        self.router.route().mock(side_effect=self.answer)
        return self

    def store(self, connections: Iterable[dict[str, Any]]) -> None:
        """Hold exactly these connections from now on."""
        self.connections = {c["id"]: c for c in connections}
        self._list_body = None

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if request.method != "GET":
            self._list_body = None
        authorization = request.headers.get("Authorization")
        if authorization is None:
            return _error(401, "MISSING_API_KEY", "No API key was supplied.")
        if authorization != f"Bearer {self.api_key}":
            return _error(401, "INVALID_AUTHORIZATION", "That API key is not valid.")
        raw_path = request.url.raw_path.split(b"?")[0].decode()
        segments = [unquote(part) for part in raw_path.split("/")[2:]]
        method = request.method
        match segments:
            case ["accounts", "current"] if method == "GET":
                return httpx.Response(200, json=ACCOUNT)
            case ["connections"] if method == "GET":
                return self._list(request.url.params.get_list("ids"))
            case ["connections"] if method == "POST":
                return self._create(json.loads(request.content))
            case ["connections", connection_id, *rest] if connection_id in self.connections:
                return self._one(method, connection_id, rest, request)
            case ["connections", _, *_]:
                return _error(404, "NOT_FOUND", "No such connection.")
        return _error(404, "NOT_FOUND", f"There is no {method} {raw_path} endpoint.")

    def _one(
        self, method: str, connection_id: str, rest: list[str], request: httpx.Request
    ) -> httpx.Response:
        stored = self.connections[connection_id]
        match method, rest:
            case "GET", []:
                return self._render(stored)
            case "PATCH", []:
                return self._patch(stored, json.loads(request.content))
            case "DELETE", []:
                del self.connections[connection_id]
                return httpx.Response(204)
            case "POST", ["archive" | "unarchive" as action]:
                stored["archived_at"] = _now() if action == "archive" else None
                return httpx.Response(204)
            case "POST", ["force_update"]:
                stored["status"] = "starting"
                stored["last_updated_config_at"] = _now()
                return httpx.Response(204)
            case "POST", ["rotate_credentials"]:
                body = json.loads(request.content)
                if (
                    body.get("type") != stored["options"]["type"]
                    or body["type"] not in KEY_PAIR_TYPES
                ):
                    return _error(400, "BAD_REQUEST", "This connection has no key pair to rotate.")
                stored["updated_at"] = _now()
                return self._render(stored)
            case "GET", ["datasets" | "targets" as kind]:
                return httpx.Response(200, json=self._dependents_of(connection_id, kind))
        return _error(404, "NOT_FOUND", "No such endpoint.")

    def _list(self, ids: list[str]) -> httpx.Response:
        if ids:
            chosen = [self._public(self.connections[i]) for i in ids if i in self.connections]
            return httpx.Response(200, json=chosen)
        if self._list_body is None:
            public = [self._public(c) for c in self.connections.values()]
            self._list_body = json.dumps(public).encode()
        return httpx.Response(
            200, content=self._list_body, headers={"content-type": "application/json"}
        )

    def _dependents_of(self, connection_id: str, kind: str) -> list[dict[str, Any]]:
        return [
            payloads.ref_json(
                str(uuid.uuid5(uuid.NAMESPACE_URL, f"{connection_id}/{kind}/{n}")),
                f"{kind.capitalize()} {n}",
                kind=kind,
            )
            for n in range(self.dependents)
        ]

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        problems = self._problems(body.get("name"), body.get("options"))
        if problems:
            return _error(400, "VALIDATION_FAILED", "The request is invalid.", problems)
        connection = payloads.new_connection_json(
            _now(),
            id=str(uuid.uuid4()),
            name=body["name"],
            options=copy.deepcopy(body["options"]),
        )
        self.connections[connection["id"]] = connection
        return httpx.Response(201, json=self._public(connection))

    def _patch(self, stored: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        name = body.get("name", stored["name"])
        options = {**stored["options"], **body.get("options", {})}
        problems = self._problems(name, options)
        if problems:
            return _error(400, "VALIDATION_FAILED", "The request is invalid.", problems)
        stored.update(name=name, options=options, updated_at=_now())
        return self._render(stored)

    def _problems(self, name: Any, options: Any) -> list[dict[str, Any]]:
        problems = []
        if not isinstance(name, str) or BLANK.fullmatch(name):
            problems.append(_problem("/name", "must not be blank", "pattern"))
        if not isinstance(options, dict) or options.get("type") not in REQUIRED_OPTIONS:
            return [*problems, _problem("/options/type", "unknown connection type", "enum")]
        for key in REQUIRED_OPTIONS[options["type"]]:
            if key not in options:
                problems.append(_problem(f"/options/{key}", "is required", "required"))
        host = options.get("host")
        if host is not None and not (isinstance(host, str) and HOST_PATTERN.fullmatch(host)):
            problems.append(_problem("/options/host", "must match pattern", "pattern"))
        return problems

    def _render(self, stored: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json=self._public(stored))

    @staticmethod
    def _public(stored: dict[str, Any]) -> dict[str, Any]:
        options = {k: v for k, v in stored["options"].items() if k not in SECRET_OPTIONS}
        return {**stored, "options": options}

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
