"""Shared web-test fixtures: one user per role, logged-in clients, demo data and a fake Faraday.

Roles are the groups the data migration `core/0002_roles` creates, so these users hold exactly
what a real Viewer, Onboarder or Admin holds. `admin_user` shadows pytest-django's fixture of
the same name: it is a member of the Admin group (staff through core.signals), not a superuser.

At the end, the fixtures the create-page tests (create_helpers) and the list, detail and action
tests (list_helpers) share; their names differ from the role fixtures' on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import respx
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from faraday_admin.core import roles
from faraday_admin.faraday_client import Connection
from tests.fake_faraday import FakeFaraday, mocked_faraday
from tests.web import create_helpers

ANONYMOUS = "anonymous"
ROLE_NAMES = (ANONYMOUS, roles.VIEWER, roles.ONBOARDER, roles.ADMIN)


def role_group(role: str) -> Group:
    """The role's group. A transactional test's flush (live_server, e2e) drops the groups the
    data migration made, so they are rebuilt from core.roles when missing."""
    group, created = Group.objects.get_or_create(name=role)
    if created:
        for name in roles.ROLE_PERMISSIONS[role]:
            app_label, codename = name.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return group


def make_role_user(role: str, username: str | None = None) -> User:
    """A user whose only permissions come from the role's group."""
    user = User.objects.create_user(username or f"{role.lower()}-user", password="unused-pw-123")
    user.groups.add(role_group(role))
    return User.objects.get(pk=user.pk)  # fresh: no stale permission cache, is_staff as synced


@pytest.fixture
def viewer(db) -> User:
    return make_role_user(roles.VIEWER)


@pytest.fixture
def onboarder(db) -> User:
    return make_role_user(roles.ONBOARDER)


@pytest.fixture
def admin_user(db) -> User:
    return make_role_user(roles.ADMIN, "admin-role-user")


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def client_for(db) -> Callable[[str], Client]:
    """client_for("Viewer") → a new Client signed in as that role's user ("anonymous": nobody).

    The same user is reused for a role within one test, so its audit rows can be found.
    """
    users: dict[str, User] = {}

    def build(role: str) -> Client:
        client = Client()
        if role != ANONYMOUS:
            if role not in users:
                users[role] = make_role_user(role)
            client.force_login(users[role])
        return client

    build.users = users  # type: ignore[attr-defined]
    return build


@pytest.fixture
def demo_connections(db) -> dict[str, Connection]:
    """The simulator's demo data (demo mode: no key configured), keyed by connection type."""
    from faraday_admin.core.upstream import get_faraday_client
    from faraday_admin.simulator.engine import seed_demo_data

    seed_demo_data()
    return {c.type: c for c in get_faraday_client().list_connections()}


# ---- a fake Faraday behind respx, with an API key configured ------------------------------


@pytest.fixture
def faraday_api(db) -> Iterator[FakeFaraday]:
    """Real (non-demo) mode: FARADAY_API_KEY set, every request answered by respx routes.

    An unrouted request fails the test, so a test states every upstream call it expects.
    """
    with mocked_faraday() as fake:
        yield fake


@pytest.fixture
def faraday_stored_key(db) -> Iterator[FakeFaraday]:
    """Like `faraday_api`, but with no environment key and demo mode off: keys come from the DB."""
    with mocked_faraday(FARADAY_API_KEY="", FARADAY_DEMO=False) as fake:
        yield fake


# ---- the create page (create_helpers) -------------------------------------------------------


@pytest.fixture
def signed_in_onboarder(db, client) -> User:
    """`client` signed in as a user with just the create page's permissions (no role group).

    Not the `onboarder` role fixture above: that one is a member of the Onboarder group and is
    not signed in anywhere.
    """
    user = create_helpers.make_onboarder()
    client.force_login(user)
    return user


@pytest.fixture
def create_faraday() -> Iterator[FakeFaraday]:
    """A key configured and Faraday played by respx: POST /connections creates, echoing the body."""
    with create_helpers.fake_faraday() as fake:
        yield fake


# ---- the list, detail and action pages (list_helpers) ---------------------------------------


@pytest.fixture
def faraday_router() -> Iterator[respx.MockRouter]:
    """A key configured and a bare respx router for Faraday: each test routes what it expects."""
    with mocked_faraday() as fake:
        yield fake.router
