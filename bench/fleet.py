"""The bench's fleet: 1,000 realistic connections, played by the tests' fake Faraday.

The fake (tests/fake_faraday.py, stored mode) encodes the list body once per change, so a page's
figure is the app's own cost (decoding, parsing, filtering, rendering) and not the fake's; it
counts every request that reaches it. Bodies are built by tests/payloads.py like every test's.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import respx

from faraday_admin.catalog import get_catalog
from tests import payloads
from tests.fake_faraday import FakeFaraday

BASE_URL = "http://faraday.bench.invalid/v1"
API_KEY = "bench-key"
CONNECTION_COUNT = 1000
# Fixed "now" for the data, so the figures don't drift with the calendar.
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

_TABLES = ("customers", "orders", "order_items", "products", "subscriptions", "web_sessions")
_WORDS = ("Marketing", "Finance", "Shop", "Warehouse", "EU", "US", "Legacy", "Analytics", "CRM")
_DIRECTIONALITY = {"advertising": "destination_only"}
_TABLE_CATEGORIES = {"database", "warehouse"}


def _stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _option_value(spec, rnd: random.Random) -> Any:
    if spec.kind == "integer":
        return spec.suggested_value if isinstance(spec.suggested_value, int) else 5432
    if spec.kind == "boolean":
        return rnd.random() < 0.5
    if spec.kind == "enum":
        return spec.choices[0]
    if spec.name in ("host", "load_balancer"):
        return f"db{rnd.randint(1, 99)}.acme.example"
    return f"{spec.name}_{rnd.randint(1, 99)}"


def _connection(index: int, rnd: random.Random) -> dict[str, Any]:
    catalog = get_catalog()
    connection_type = rnd.choice(list(catalog.types.values()))
    # Faraday never echoes secrets; the other documented options are filled in.
    options: dict[str, Any] = {"type": connection_type.type}
    for spec in connection_type.fields:
        if not spec.secret and (spec.required or rnd.random() < 0.3):
            options[spec.name] = _option_value(spec, rnd)
    roll = rnd.random()
    if roll < 0.85:
        status = "error" if roll > 0.8 else "ready"
    else:
        status = rnd.choice(("new", "starting", "running"))
    created = NOW - timedelta(minutes=rnd.randint(10, 365 * 24 * 60))
    changed = created + timedelta(minutes=rnd.randint(1, 600))
    contents: list[Any] = []
    if status == "ready" and connection_type.category in _TABLE_CATEGORIES:
        for table in rnd.sample(_TABLES, rnd.randint(3, 5)):
            rows = rnd.randint(1_000, 2_000_000)
            contents.append(
                {"name": f"public.{table}", "row_count": rows, "object_size": rows * 90}
            )
    return payloads.connection_json(
        id=str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
        name=f"{connection_type.label} – {rnd.choice(_WORDS)} {index}",
        options=options,
        status=status,
        status_changed_at=_stamp(changed),
        status_error="Faraday could not reach the host." if status == "error" else None,
        directionality=_DIRECTIONALITY.get(connection_type.category, "bidirectional"),
        contents=contents,
        contents_error="Could not reach host" if status == "error" else None,
        managed=connection_type.type == "classic",
        archived_at=_stamp(changed) if rnd.random() < 0.05 else None,
        created_at=_stamp(created),
        updated_at=_stamp(changed),
        last_read_input_at=_stamp(changed) if status == "ready" else None,
        last_updated_config_at=_stamp(created),
        last_updated_output_at=_stamp(changed) if status == "ready" else None,
        resource_type="connections",
    )


def make_connections(seed: int = 1) -> list[dict[str, Any]]:
    """CONNECTION_COUNT connections of all catalog types; about 15% still new/starting/running."""
    rnd = random.Random(seed)
    return [_connection(i, rnd) for i in range(CONNECTION_COUNT)]


def finished(connections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same connections once Faraday has finished checking: every active one is ready."""
    done = NOW.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [
        {**c, "status": "ready", "status_changed_at": done, "last_read_input_at": done}
        if c["status"] in ("new", "starting", "running")
        else c
        for c in connections
    ]


def fake_faraday() -> FakeFaraday:
    """The shared fake Faraday holding the fleet, two datasets and two targets per connection;
    use its `router` as a context manager."""
    router = respx.mock(base_url=BASE_URL, assert_all_called=False)
    return FakeFaraday(router, api_key=API_KEY).serve_stored(make_connections(), dependents=2)
