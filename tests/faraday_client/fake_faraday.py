"""A small in-memory Faraday for respx: just enough of the connections contract for contract.py.

It validates only what the contract checks (blank names, the documented host pattern, the
required options of postgres and snowflake) and, like Faraday, never echoes a password back.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx

ACCOUNT = {"id": "0c7e0a52-5b8e-4a0a-9a51-6f1f3b1f7f10", "name": "Fake account"}
REQUIRED_OPTIONS = {
    "postgres": ("host", "port", "database", "schema", "user", "password"),
    "snowflake": ("database", "user", "warehouse"),
}
SECRET_OPTIONS = frozenset({"password"})
HOST_PATTERN = re.compile(r"[a-zA-Z0-9\-.]+")
BLANK = re.compile(r"\s*")
KEY_PAIR_TYPES = frozenset({"snowflake", "clickhouse"})


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error(
    status: int, code: str, note: str, problems: list[dict[str, Any]] | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"error": code, "id": str(uuid.uuid4()), "note": note}
    if problems is not None:
        body["validationErrors"] = problems
    return httpx.Response(status, json=body)


def _problem(path: str, message: str, error_type: str) -> dict[str, Any]:
    return {"path": path, "message": message, "context": {"errorType": error_type}}


class FakeFaraday:
    """Answers httpx requests under /v1 from a dict of stored connections."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.connections: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
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
            case "GET", ["datasets" | "targets"]:
                return httpx.Response(200, json=[])
        return _error(404, "NOT_FOUND", "No such endpoint.")

    def _list(self, ids: list[str]) -> httpx.Response:
        chosen = [c for c in self.connections.values() if not ids or c["id"] in ids]
        return httpx.Response(200, json=[self._public(c) for c in chosen])

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        problems = self._problems(body.get("name"), body.get("options"))
        if problems:
            return _error(400, "VALIDATION_FAILED", "The request is invalid.", problems)
        stamp = _now()
        connection = {
            "id": str(uuid.uuid4()),
            "name": body["name"],
            "options": copy.deepcopy(body["options"]),
            "status": "new",
            "status_changed_at": stamp,
            "directionality": "bidirectional",
            "contents": [],
            "managed": False,
            "archived_at": None,
            "created_at": stamp,
            "updated_at": stamp,
            "resource_type": "connections",
        }
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
