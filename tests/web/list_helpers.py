"""Shared pieces for the list, detail and lifecycle-action web tests.

No fixtures here: plain functions. The shared fixture `faraday_router` (tests/fake_faraday.py's
router) is in tests/web/conftest.py; each test module wraps the rest in its own small fixtures.
"""

from __future__ import annotations

import json
from typing import Any

import respx
from django.contrib.auth.models import Permission

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


# ---- Faraday's routes (bodies: tests/payloads.py) ----------------------------------------


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
