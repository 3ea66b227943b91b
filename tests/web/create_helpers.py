"""Shared pieces for the create-connection web tests (tests/web/test_create_*.py).

Plain functions and classes rather than fixtures: importing fixture names into a test module
reads to ruff as redefinitions. The fixtures built on these (`signed_in_onboarder`,
`create_faraday`) live in tests/web/conftest.py.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import httpx
import respx
from django.contrib.auth.models import Permission, User
from django.test import override_settings

from faraday_admin.catalog import ConnectionType, FieldSpec, get_catalog
from faraday_admin.connections.models import SubmissionToken
from tests.faraday_client import payloads

API_URL = "https://api.faraday.test/v1"
API_KEY = "test-key"
CREATE_URL = "/connections/new/"
FIELDS_URL = "/connections/new/fields/"
TYPES_URL = "/connections/new/types/"
HTMX = {"HX-Request": "true"}
CANARY = "CANARY-7f1c-secret"
ERROR_ID = "082f9513-901c-4308-8081-902a8fe22d7e"

ALL_TYPES = sorted(get_catalog().types)


def catalog_type(type_key: str) -> ConnectionType:
    return get_catalog().types[type_key]


# ---- users ----------------------------------------------------------------------------------


def make_onboarder(username: str = "onboarder") -> User:
    """A user holding exactly the permissions the create pages need (no group required)."""
    user = User.objects.create_user(username, password="unused-password-123")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="connections",
            codename__in=["view_connections", "create_connection"],
        )
    )
    return user


def issue_token(user: User) -> str:
    return str(SubmissionToken.objects.create(user=user).token)


# ---- a mocked Faraday -----------------------------------------------------------------------


def connection_json(
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


def error_json(code: str, *, note: str = "", validation_errors=None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "id": ERROR_ID, "note": note or code}
    if validation_errors is not None:
        body["validationErrors"] = validation_errors
    return body


def api_error(
    status: int,
    code: str,
    *,
    note: str = "",
    validation_errors=None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Faraday's error answer: `error_json`'s body with this status (and headers)."""
    body = error_json(code, note=note, validation_errors=validation_errors)
    return httpx.Response(status, json=body, headers=headers)


@dataclass
class FakeFaraday:
    """respx routes for Faraday; `create` answers 201 echoing the body (secrets included)."""

    router: respx.MockRouter
    created: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.create = self.router.post("/connections", name="create")
        self.create.side_effect = self._echo_created

    def _echo_created(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        resource = connection_json(name=body["name"], options=body["options"])
        self.created.append(resource)
        return httpx.Response(201, json=resource)

    @property
    def create_calls(self) -> int:
        return self.create.call_count

    def create_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(call.request.content) for call in self.create.calls]

    def answer_create(self, response: httpx.Response | Exception | None) -> None:
        """Make POST /connections answer (or raise) this instead of creating; None: create."""
        self.create.side_effect = self._echo_created if response is None else response

    def detail_routes(self, resource: dict[str, Any]) -> None:
        """GET the connection, its datasets and its targets (what the detail page reads)."""
        path = f"/connections/{resource['id']}"
        self.router.get(path).respond(200, json=resource)
        self.router.get(f"{path}/datasets").respond(200, json=[])
        self.router.get(f"{path}/targets").respond(200, json=[])


@contextmanager
def fake_faraday() -> Iterator[FakeFaraday]:
    """A configured API key (no demo mode) and every request to Faraday answered by respx."""
    with (
        override_settings(FARADAY_API_KEY=API_KEY, FARADAY_API_URL=API_URL),
        respx.mock(base_url=API_URL, assert_all_called=False) as router,
    ):
        yield FakeFaraday(router)


# ---- valid values per catalog field ---------------------------------------------------------

# One value per documented pattern (keyed by its source); a new pattern fails
# test_every_documented_pattern_has_a_matching_example until it gets one.
PATTERN_EXAMPLES = {
    r"^[a-zA-Z][a-zA-Z0-9_]+$": "analytics_db",
    r"^[a-zA-Z0-9\-.]+$": "db-1.example.com",
    r"^.+$": "s3cret pass!",
    r"^[-\w\d\.@]+$": "faraday@bastion.example.com",
    r"^[a-zA-Z][a-zA-Z0-9_\-.]+$": "faraday.reader-1",
}


def example_value(spec: FieldSpec) -> tuple[str, Any]:
    """(what the browser posts, what Faraday must receive) for a valid value of the field."""
    if spec.kind == "integer":
        number = spec.suggested_value if spec.suggested_value is not None else spec.min or 1
        return str(number), int(number)
    if spec.kind == "boolean":
        return "true", True
    if spec.kind == "enum":
        return spec.choices[-1], spec.choices[-1]
    if spec.pattern:
        value = PATTERN_EXAMPLES[spec.pattern]
        return value, value
    if spec.name == "credentials_json":
        value = '{"shareCredentialsVersion": 1, "bearerToken": "tok"}'
        return value, value
    value = f"{spec.name.replace('_', '-')}-value"
    return value, value


def form_data(
    type_key: str, token: str, *, name: str = "Acme warehouse", required_only: bool = False
) -> tuple[dict[str, str], dict[str, Any]]:
    """(POST data, expected `options`) for a valid submission of the type.

    With `required_only`, optional fields are posted blank (booleans absent, as on "Faraday's
    default") and must not reach Faraday.
    """
    data = {"type": type_key, "submission_token": token, "name": name}
    options: dict[str, Any] = {"type": type_key}
    for spec in catalog_type(type_key).fields:
        posted, sent = example_value(spec)
        if required_only and not spec.required:
            if spec.kind != "boolean":
                data[spec.name] = ""
            continue
        data[spec.name] = posted
        options[spec.name] = sent
    return data, options


def mysql_submission(user: User, password: str) -> dict[str, str]:
    """A valid MySQL form named "Shop DB" with a fresh token of the user's and this password."""
    data, _options = form_data("mysql", issue_token(user), name="Shop DB")
    return data | {"password": password}


# ---- reading HTML ---------------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and all(node.attrs.get(key.rstrip("_")) == value for key, value in attrs.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, element_id: str) -> Node:
        node = self.find(id=element_id)
        assert node is not None, f"no element with id={element_id!r}"
        return node

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def squashed_text(self) -> str:
        return " ".join(self.text.split())

    def controls(self) -> list[Node]:
        """Form controls (input, select, textarea) that carry a name and belong to the form
        they sit in (not given to another one with `form=`, like the type search's)."""
        return [
            n
            for n in self.iter()
            if n.tag in ("input", "select", "textarea")
            and n.attrs.get("name")
            and not n.attrs.get("form")
        ]

    def control(self, name: str) -> Node:
        found = [n for n in self.controls() if n.attrs["name"] == name]
        assert len(found) == 1, f"expected one control named {name!r}, found {len(found)}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(content: bytes | str) -> Node:
    builder = _TreeBuilder()
    builder.feed(content.decode() if isinstance(content, bytes) else content)
    builder.close()
    return builder.root


def field_errors(doc: Node, name: str) -> list[str]:
    """The texts of a field's error list (empty when it has none)."""
    errors = doc.find("ul", id=f"id_{name}_error")
    return [li.squashed_text.lstrip("✕ ") for li in errors.find_all("li")] if errors else []


def form_errors(doc: Node) -> list[str]:
    """The form-level errors in the error summary (not its links to field errors)."""
    box = doc.find("div", id="error-summary")
    return [li.squashed_text for li in box.find_all("li", class_="form-error")] if box else []


def is_partial(content: bytes) -> bool:
    return b"<html" not in content and b"<body" not in content


_URL = re.compile(r"https?://[^\s<>\"']+")


def urls_in(text: str) -> list[str]:
    return [url.rstrip(".,;:)") for url in _URL.findall(text)]
