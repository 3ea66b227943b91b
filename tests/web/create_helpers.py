"""Shared pieces for the create-connection web tests (tests/web/test_create_*.py).

Plain functions and classes rather than fixtures: importing fixture names into a test module
reads to ruff as redefinitions. The fixtures built on these (`signed_in_onboarder`,
`create_faraday`) live in tests/web/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import Permission, User

from faraday_admin.catalog import ConnectionType, FieldSpec, get_catalog
from faraday_admin.connections.models import SubmissionToken
from tests.fake_faraday import FakeFaraday, mocked_faraday

CREATE_URL = "/connections/new/"
FIELDS_URL = "/connections/new/fields/"
TYPES_URL = "/connections/new/types/"
HTMX = {"HX-Request": "true"}
CANARY = "CANARY-7f1c-secret"

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


@contextmanager
def fake_faraday() -> Iterator[FakeFaraday]:
    """A configured API key (no demo mode) and Faraday played by respx, creating on POST."""
    with mocked_faraday() as fake:
        yield fake.serve_creates()


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
