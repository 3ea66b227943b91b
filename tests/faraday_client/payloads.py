"""JSON bodies shaped like Faraday's answers, shared by the client tests."""

from __future__ import annotations

from typing import Any

BASE_URL = "https://api.faraday.test/v1"
API_KEY = "fdy-test-key-0123456789"
CONNECTION_ID = "5e0dfa56-2d52-4c06-a870-bc79c71e86a3"
ERROR_ID = "082f9513-901c-4308-8081-902a8fe22d7e"

POSTGRES_OPTIONS = {
    "type": "postgres",
    "host": "db.example.com",
    "port": 5432,
    "database": "analytics",
    "schema": "public",
    "user": "faraday",
    "password": "s3cret",
}


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


def error_json(
    code: str | None,
    note: str = "Something went wrong",
    *,
    validation_errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return Faraday's error body: {"error", "id", "note", "validationErrors"?}."""
    data: dict[str, Any] = {"error": code, "id": ERROR_ID, "note": note}
    if validation_errors is not None:
        data["validationErrors"] = validation_errors
    return data
