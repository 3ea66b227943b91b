"""Faraday's answers, built once for every test (client, web, history, alerts, contract).

Bodies follow Faraday's current models (faraday_admin/catalog/faraday_models.json), so a change
to them is made here and nowhere else. Plain functions: no Django, no fixtures.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

BASE_URL = "https://api.faraday.test/v1"
API_KEY = "fdy-test-key-0123456789"
CONNECTION_ID = "5e0dfa56-2d52-4c06-a870-bc79c71e86a3"
ERROR_ID = "082f9513-901c-4308-8081-902a8fe22d7e"


def postgres_options(**changes: Any) -> dict[str, Any]:
    """A complete, valid `options` for a postgres connection, as a create request sends it."""
    return {
        "type": "postgres",
        "host": "db.example.com",
        "port": 5432,
        "database": "shop",
        "schema": "public",
        "user": "faraday",
        "password": "s3cret-pass",
        **changes,
    }


def snowflake_options(**changes: Any) -> dict[str, Any]:
    return {
        "type": "snowflake",
        "database": "MARKETING",
        "user": "FARADAY",
        "warehouse": "COMPUTE_WH",
        **changes,
    }


def clickhouse_options(**changes: Any) -> dict[str, Any]:
    return {
        "type": "clickhouse",
        "host": "ch.example.com",
        "port": 9440,
        "database": "events",
        "user": "faraday",
        **changes,
    }


POSTGRES_OPTIONS = postgres_options(database="analytics", password="s3cret")


def connection_json(**overrides: Any) -> dict[str, Any]:
    """Return a complete Connection as Faraday's current models describe it."""
    data: dict[str, Any] = {
        "id": CONNECTION_ID,
        "name": "Warehouse",
        "options": dict(POSTGRES_OPTIONS),
        "status": "ready",
        "status_changed_at": "2024-01-01T12:00:00Z",
        "status_error": None,
        "directionality": "bidirectional",
        "contents": [
            {"name": "orders", "row_count": 1200, "object_size": 65536},
            {"name": "customers"},
        ],
        "contents_error": None,
        "managed": False,
        "archived_at": None,
        "created_at": "2024-01-01T10:00:00Z",
        "updated_at": "2024-01-01T11:00:00Z",
        "last_read_input_at": "2024-01-01T11:30:00Z",
        "last_updated_config_at": "2024-01-01T11:00:00Z",
        "last_updated_output_at": "2024-01-01T11:45:00Z",
        "resource_type": "connections",
    }
    data.update(overrides)
    return data


def new_connection_json(stamp: str, **overrides: Any) -> dict[str, Any]:
    """Return a Connection as Faraday answers right after creating it, every time being `stamp`.

    Status "new", no contents yet, nothing read or written yet.
    """
    fresh: dict[str, Any] = {
        "status": "new",
        "status_changed_at": stamp,
        "contents": [],
        "created_at": stamp,
        "updated_at": stamp,
        "last_read_input_at": None,
        "last_updated_config_at": stamp,
        "last_updated_output_at": None,
    }
    return connection_json(**(fresh | overrides))


def reference_example_json() -> dict[str, Any]:
    """Return the example response printed on Faraday's "Create connection" reference page."""
    return {
        "archived_at": "2024-01-01T12:00:00Z",
        "contents": ["my_table_1", "my_table_2"],
        "contents_error": "Password incorrect",
        "created_at": "2024-01-01T12:00:00Z",
        "directionality": "bidirectional",
        "id": "5e0dfa56-2d52-4c06-a870-bc79c71e86a3",
        "last_read_input_at": "2024-01-01T12:00:00Z",
        "last_updated_config_at": "2024-01-01T12:00:00Z",
        "last_updated_output_at": "2024-01-01T12:00:00Z",
        "managed": True,
        "name": "Snowflake AWS - Marketing",
        "options": {
            "database": "string (pattern: ^[a-zA-Z][a-zA-Z0-9_]+$)",
            "host": "string (pattern: ^[a-zA-Z0-9\\-.]+$)",
            "load_balancer": "example.com",
            "password": "string (pattern: ^.+$)",
            "port": 0,
            "ssh_bastion": "string (pattern: ^[-\\w\\d\\.@]+$)",
            "type": "aws_aurora_mysql",
            "user": "string (pattern: ^[a-zA-Z][a-zA-Z0-9_\\-.]+$)",
        },
        "resource_type": "connections",
        "status": "pending",
        "status_changed_at": "2024-01-01T12:00:00Z",
        "status_error": "string",
        "updated_at": "2024-01-01T12:00:00Z",
    }


def resource_ref_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "9b2f6c1e-0000-4000-8000-000000000001",
        "name": "Orders",
        "resource_type": "datasets",
        "status": "ready",
        "archived_at": None,
    }
    data.update(overrides)
    return data


def ref_json(ref_id: str, name: str, *, kind: str, archived: bool = False) -> dict[str, Any]:
    """A dataset or target as Faraday lists a connection's dependents."""
    archived_at = "2024-02-01T00:00:00Z" if archived else None
    return resource_ref_json(id=ref_id, name=name, resource_type=kind, archived_at=archived_at)


def error_json(
    code: str | None = "INTERNAL_SERVER_ERROR",
    note: str = "",
    *,
    validation_errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return Faraday's error body: {"error", "id", "note", "validationErrors"?}; the note repeats
    the code unless given."""
    data: dict[str, Any] = {
        "error": code,
        "id": ERROR_ID,
        "note": note or code or "Something went wrong",
    }
    if validation_errors is not None:
        data["validationErrors"] = validation_errors
    return data


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
    moment = (created_at or datetime.now(UTC)).isoformat()
    return new_connection_json(
        moment, id=connection_id or str(uuid.uuid4()), name=name, options=options
    )


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def listed_connection_json(
    connection_id: str = CONNECTION_ID,
    *,
    name: str = "Warehouse",
    type: str = "postgres",
    options: dict[str, Any] | None = None,
    status: str = "ready",
    created_at: datetime | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A Connection as Faraday lists and reads it back: `connection_json` without the password
    (Faraday echoes no secret), no contents, and an error text when the status is "error"."""
    if options is None:
        options = (
            {key: value for key, value in POSTGRES_OPTIONS.items() if key != "password"}
            if type == "postgres"
            else {}
        )
    created = created_at or datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    fields: dict[str, Any] = {
        "id": connection_id,
        "name": name,
        "options": {"type": type, **options},
        "status": status,
        "status_error": "Connection refused by db.example.com" if status == "error" else None,
        "contents": [],
        "created_at": stamp(created),
    }
    return connection_json(**(fields | overrides))


def many_connections(count: int, *, status: str = "ready") -> list[dict[str, Any]]:
    """`count` listed connections named conn-0000…, the higher the number the newer."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        listed_connection_json(
            f"c-{i:04d}", name=f"conn-{i:04d}", status=status, created_at=start + timedelta(hours=i)
        )
        for i in range(count)
    ]
