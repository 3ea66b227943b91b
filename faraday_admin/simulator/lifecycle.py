"""What a connection looks like at a given moment: status, contents and output times.

Nothing here is stored. Each cycle runs new → starting → running → ready (or error) over
FARADAY_SIMULATOR_CYCLE_SECONDS, measured from `cycle_started_at`, so every process that reads the
same row at the same time gives the same answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from faraday_admin.catalog.loader import get_catalog

# Fraction of the cycle at which each phase begins.
PHASES = (("new", 0.0), ("starting", 0.2), ("running", 0.5), ("terminal", 0.9))

TABLE_CATEGORIES = frozenset({"database", "warehouse"})
FILE_CATEGORIES = frozenset({"file_storage"})

# (table, typical row count, bytes per row) for plausible demo contents.
_TABLES = (
    ("customers", 48213, 152),
    ("orders", 311842, 96),
    ("order_items", 905377, 64),
    ("products", 2314, 410),
    ("subscriptions", 12904, 120),
    ("web_sessions", 1488210, 58),
    ("email_events", 640031, 88),
)
_FILES = ("customers", "orders", "order_items", "email_events")


@dataclass(frozen=True)
class Failure:
    status_error: str
    contents_error: str


@dataclass(frozen=True)
class Snapshot:
    status: str
    status_changed_at: datetime
    status_error: str | None
    contents: list[Any]
    contents_error: str | None
    last_read_input_at: datetime | None
    last_updated_output_at: datetime | None


# What the warehouse says while Faraday's key isn't installed for the user.
_KEY_REFUSED = {
    "snowflake": Failure(
        "Snowflake refused Faraday's key for this user (JWT token is invalid): the public key "
        "isn't installed on the user yet.",
        "Public key not installed",
    ),
    "clickhouse": Failure(
        "ClickHouse refused Faraday's SSH key for this user: the public key isn't installed "
        "on the user yet.",
        "Public key not installed",
    ),
}


def key_refused(connection) -> Failure | None:
    """A key-pair connection's sign-in fails until its current key was installed before the
    cycle began (installing it doesn't help a check already under way)."""
    failure = _KEY_REFUSED.get(connection.options.get("type", ""))
    installed = connection.key_installed_at
    if failure and (installed is None or installed > connection.cycle_started_at):
        return failure
    return None


def failure_for(options: dict[str, Any]) -> Failure | None:
    """The demo's scripted failures: a wrong password and an unreachable host."""
    if options.get("password") == "wrong-password":
        return Failure(
            "Faraday could not sign in to this connection because the password was rejected.",
            "Password incorrect",
        )
    host = options.get("host")
    if isinstance(host, str) and host.rstrip(".").lower().endswith(".unreachable.example"):
        return Failure(
            "Faraday could not reach the host of this connection.", "Could not reach host"
        )
    return None


# The demo's "break this connection": what Faraday says until a new check starts.
BROKEN = Failure(
    "Faraday could not sign in to this connection: the server refused the user name and "
    "password (broken on purpose in demo mode; a force update checks it again).",
    "Sign-in refused",
)


def broken_since(connection) -> datetime | None:
    """When the demo broke the connection, while the current cycle started before that."""
    broken = getattr(connection, "broken_at", None)
    return broken if broken is not None and broken >= connection.cycle_started_at else None


def _phase_starts(cycle_started_at: datetime, cycle_seconds: float) -> dict[str, datetime]:
    return {
        name: cycle_started_at + timedelta(seconds=cycle_seconds * fraction)
        for name, fraction in PHASES
    }


def _digest(connection_id: Any, salt: str = "") -> bytes:
    return hashlib.sha256(f"{connection_id}:{salt}".encode()).digest()


def table_contents(connection_id: Any, options: dict[str, Any]) -> list[dict[str, Any]]:
    """Three to five tables, the same ones every time for a given connection id."""
    prefix = next(
        (
            options[key]
            for key in ("schema", "dataset_name", "schema_name", "database")
            if isinstance(options.get(key), str) and options[key]
        ),
        "public",
    )
    count = 3 + _digest(connection_id)[0] % 3
    chosen = sorted(_TABLES, key=lambda table: _digest(connection_id, table[0]))[:count]
    rows = []
    for table, typical_rows, row_bytes in sorted(chosen):
        # Within ±25% of the typical size, fixed per connection and table.
        spread = int.from_bytes(_digest(connection_id, table)[:2]) / 0xFFFF
        row_count = int(typical_rows * (0.75 + spread / 2))
        rows.append(
            {
                "name": f"{prefix}.{table}",
                "row_count": row_count,
                "object_size": row_count * row_bytes,
            }
        )
    return rows


def file_contents(connection_id: Any, created_at: datetime) -> list[dict[str, Any]]:
    """Files as Faraday's models give contents (ContentsRow): a name and, for object stores,
    the object's size in bytes; no row count."""
    count = 2 + _digest(connection_id)[1] % 3
    month = created_at.strftime("%Y-%m")
    return [
        {
            "name": f"{name}_{month}.csv",
            # 1 to 65 MB, fixed per connection and file.
            "object_size": 1_000_000 + int.from_bytes(_digest(connection_id, name)[:2]) * 1000,
        }
        for name in _FILES[:count]
    ]


def contents_for(connection) -> list[Any]:
    ctype = get_catalog().get(connection.options.get("type", ""))
    category = ctype.category if ctype else ""
    if category in TABLE_CATEGORIES:
        return table_contents(connection.id, connection.options)
    if category in FILE_CATEGORIES:
        return file_contents(connection.id, connection.created_at)
    return []


def snapshot(connection, at: datetime, cycle_seconds: float) -> Snapshot:
    """The connection's observable state at `at`."""
    broken = broken_since(connection)
    if broken is not None and at >= broken:
        return Snapshot(
            status="error",
            status_changed_at=broken,
            status_error=BROKEN.status_error,
            contents=[],
            contents_error=BROKEN.contents_error,
            last_read_input_at=connection.last_read_input_at,
            last_updated_output_at=connection.last_updated_output_at,
        )
    starts = _phase_starts(connection.cycle_started_at, max(cycle_seconds, 0.0))
    # A clock behind cycle_started_at (another process's) still reads as "new".
    phase = next((name for name, _ in reversed(PHASES) if at >= starts[name]), "new")
    read_input = connection.last_read_input_at
    output = connection.last_updated_output_at
    failure = failure_for(connection.options) or key_refused(connection)
    if phase == "terminal" and failure:
        return Snapshot(
            status="error",
            status_changed_at=starts["terminal"],
            status_error=failure.status_error,
            contents=[],
            contents_error=failure.contents_error,
            last_read_input_at=read_input,
            last_updated_output_at=output,
        )
    if phase == "terminal":
        return Snapshot(
            status="ready",
            status_changed_at=starts["terminal"],
            status_error=None,
            contents=contents_for(connection),
            contents_error=None,
            last_read_input_at=starts["running"],
            last_updated_output_at=starts["terminal"],
        )
    return Snapshot(
        status=phase,
        status_changed_at=starts[phase],
        status_error=None,
        contents=[],
        contents_error=None,
        # A cycle that will succeed reads its input when it starts running.
        last_read_input_at=starts["running"] if phase == "running" and not failure else read_input,
        last_updated_output_at=output,
    )


def carry_over(connection, at: datetime, cycle_seconds: float) -> None:
    """Keep the current cycle's input/output times before a new cycle replaces it."""
    current = snapshot(connection, at, cycle_seconds)
    connection.last_read_input_at = current.last_read_input_at
    connection.last_updated_output_at = current.last_updated_output_at
