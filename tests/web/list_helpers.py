"""Shared pieces for the list, detail and lifecycle-action web tests.

No fixtures here: plain functions. The shared fixture built on `mock_faraday` (`faraday_router`)
is in tests/web/conftest.py; each test module wraps the rest in its own small fixtures.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import respx
from django.contrib.auth.models import Permission
from django.test import override_settings

from tests.faraday_client import payloads

BASE_URL = "https://api.faraday.test/v1"
API_KEY = "test-key"
CONNECTION_ID = "5e0dfa56-2d52-4c06-a870-bc79c71e86a3"
ERROR_ID = "082f9513-901c-4308-8081-902a8fe22d7e"
# Must never reach a page: Faraday should not echo secrets, but if it does, the app hides them.
CANARY = "canary-S3CRET-value-9f1c"

ALL_PERMISSIONS = (
    "view_connections",
    "create_connection",
    "edit_connection",
    "force_update_connection",
    "archive_connection",
    "delete_connection",
    "rotate_credentials",
)
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


# ---- users ----------------------------------------------------------------------------------


def make_user(django_user_model, username: str, *codenames: str):
    """A user holding exactly the given `connections` permissions."""
    user = django_user_model.objects.create_user(username, password="unused-pw-123")
    perms = Permission.objects.filter(content_type__app_label="connections", codename__in=codenames)
    assert perms.count() == len(codenames), codenames
    user.user_permissions.add(*perms)
    return user


def login(client, django_user_model, *codenames: str, username: str = "tester"):
    user = make_user(django_user_model, username, *codenames)
    client.force_login(user)
    return user


# ---- Faraday's answers ----------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def connection_json(
    connection_id: str = CONNECTION_ID,
    *,
    name: str = "Warehouse",
    type: str = "postgres",
    options: dict[str, Any] | None = None,
    status: str = "ready",
    created_at: datetime | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A complete Connection as Faraday's current models describe it (the client tests' one, with
    these defaults: no contents, and an error text when the status is "error")."""
    if options is None:
        options = (
            {
                "host": "db.example.com",
                "port": 5432,
                "database": "analytics",
                "schema": "public",
                "user": "faraday",
            }
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
    return payloads.connection_json(**(fields | overrides))


def many_connections(count: int, *, status: str = "ready") -> list[dict[str, Any]]:
    """`count` connections named conn-0000…, the higher the number the newer."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        connection_json(
            f"c-{i:04d}", name=f"conn-{i:04d}", status=status, created_at=start + timedelta(hours=i)
        )
        for i in range(count)
    ]


def ref_json(ref_id: str, name: str, *, kind: str, archived: bool = False) -> dict[str, Any]:
    return {
        "id": ref_id,
        "name": name,
        "resource_type": kind,
        "status": "ready",
        "archived_at": "2024-02-01T00:00:00Z" if archived else None,
    }


def error_json(code: str = "INTERNAL_SERVER_ERROR", note: str = "boom") -> dict[str, Any]:
    return {"error": code, "id": ERROR_ID, "note": note}


# ---- the mocked Faraday ---------------------------------------------------------------------


@contextmanager
def mock_faraday() -> Iterator[respx.MockRouter]:
    """Point the app at a respx-mocked Faraday with a real key (no demo simulator)."""
    with (
        override_settings(FARADAY_API_KEY=API_KEY, FARADAY_API_URL=BASE_URL),
        respx.mock(base_url=BASE_URL, assert_all_called=False, assert_all_mocked=True) as router,
    ):
        yield router


def serve_detail(
    router: respx.MockRouter,
    connection: dict[str, Any],
    *,
    datasets: list[dict[str, Any]] | None = None,
    targets: list[dict[str, Any]] | None = None,
) -> None:
    """Answer the three GETs a detail or confirmation page makes."""
    path = f"/connections/{connection['id']}"
    router.get(path).respond(json=connection)
    router.get(f"{path}/datasets").respond(json=datasets or [])
    router.get(f"{path}/targets").respond(json=targets or [])


def upstream_calls(router: respx.MockRouter) -> list[tuple[str, str]]:
    return [(call.request.method, call.request.url.path) for call in router.calls]


def upstream_writes(router: respx.MockRouter) -> list[tuple[str, str, Any]]:
    """(method, path relative to the API root, JSON body or None) of every non-GET request."""
    writes = []
    for call in router.calls:
        request = call.request
        if request.method in WRITE_METHODS:
            path = request.url.path.removeprefix("/v1")
            body = json.loads(request.content) if request.content else None
            writes.append((request.method, path, body))
    return writes


# ---- reading the HTML -----------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)
    # Children and text in document order.
    items: list[Any] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        """The visible text, whitespace (and no-break spaces) collapsed."""
        parts: list[str] = []
        self._collect(parts)
        return " ".join(" ".join(parts).replace("\xa0", " ").split())

    def _collect(self, parts: list[str]) -> None:
        for item in self.items:
            if isinstance(item, str):
                parts.append(item)
            else:
                item._collect(parts)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with the tag and attributes (`class_` matches one class; None = present)."""
        found = []
        for child in self.children:
            if child._matches(tag, attrs):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        matches = self.find_all(tag, **attrs)
        return matches[0] if matches else None

    def _matches(self, tag: str | None, attrs: dict[str, str]) -> bool:
        if tag is not None and self.tag != tag:
            return False
        for key, wanted in attrs.items():
            name = key.rstrip("_").replace("_", "-")
            if name not in self.attrs:
                return False
            value = self.attrs[name] or ""
            if name == "class":
                if wanted not in value.split():
                    return False
            elif wanted is not None and value != wanted:
                return False
        return True


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.current)
        self.current.children.append(node)
        self.current.items.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.current)
        self.current.children.append(node)
        self.current.items.append(node)

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.items.append(data)


def parse(response_or_html) -> Node:
    html = response_or_html
    if not isinstance(html, str):
        html = response_or_html.content.decode()
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def text_of(response) -> str:
    return parse(response).text


def pollers(response) -> list[Node]:
    """Elements that would make htmx poll (an `hx-trigger` with `every`)."""
    return [
        node
        for node in parse(response).find_all(hx_trigger=None)
        if "every" in (node.attrs.get("hx-trigger") or "")
    ]


def submitted_values(form: Node) -> dict[str, str]:
    """What a browser sends for `form` as it stands: named inputs (ticked boxes only), each
    select's selected option (else its first) and textareas."""
    values: dict[str, str] = {}
    for node in form.find_all():
        name = node.attrs.get("name")
        if not name or "disabled" in node.attrs:
            continue
        if node.tag == "input":
            kind = node.attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in node.attrs:
                continue
            if kind not in ("submit", "button"):
                values[name] = node.attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif node.tag == "select":
            options = node.find_all("option")
            chosen = next((o for o in options if "selected" in o.attrs), options[0])
            values[name] = chosen.attrs.get("value") or ""
        elif node.tag == "textarea":
            values[name] = node.text
    return values
