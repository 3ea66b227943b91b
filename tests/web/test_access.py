"""Who may open what: every URL of the app for every role, the roles themselves, and the nav.

Connection pages run against the built-in simulator (demo mode: no key in test settings).
"""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import respx
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings
from django.urls import reverse

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import audit_record
from faraday_admin.core import roles, services
from faraday_admin.core.models import StoredApiKey
from faraday_admin.simulator.models import SimulatedConnection
from tests.web.conftest import ANONYMOUS, ROLE_NAMES

VIEWER, ONBOARDER, ADMIN = roles.VIEWER, roles.ONBOARDER, roles.ADMIN
LEVEL = {ANONYMOUS: 0, VIEWER: 1, ONBOARDER: 2, ADMIN: 3}


@dataclass(frozen=True)
class Page:
    """One URL name; `needs` is the lowest role allowed; `ok` the status that role gets."""

    name: str
    needs: str
    method: str = "GET"
    connection: str | None = None  # the demo connection's type, for URLs with an id
    query: str = ""
    ok: int = 200
    args: tuple = ()

    def url(self, connections) -> str:
        args = [connections[self.connection].id] if self.connection else list(self.args)
        return reverse(self.name, args=args) + (f"?{self.query}" if self.query else "")

    def __str__(self) -> str:
        return self.name


PAGES = (
    Page("connections:list", VIEWER),
    Page("connections:rows", VIEWER, query="ids=unknown-id"),
    Page("connections:create", ONBOARDER),
    Page("connections:type-fields", ONBOARDER, query="type=postgres"),
    Page("connections:type-picker", ONBOARDER, query="q=snow"),
    Page("connections:guide-commands", ONBOARDER, query="type=postgres"),
    Page("connections:handoffs", ONBOARDER),
    # No such hand-off (and emailing is off): allowed roles get past the role check to a 404.
    Page("connections:handoff-revoke", ONBOARDER, method="POST", args=(999,), ok=404),
    Page("connections:handoff-email", ONBOARDER, method="POST", args=(999,), ok=404),
    Page("connections:detail", VIEWER, connection="postgres"),
    Page("connections:status", VIEWER, connection="postgres"),
    Page("connections:edit", ONBOARDER, connection="postgres"),
    Page("connections:archive", ADMIN, connection="postgres"),
    Page("connections:unarchive", ADMIN, connection="postgres"),
    Page("connections:delete", ADMIN, connection="postgres"),
    Page("connections:force-update", ONBOARDER, connection="postgres"),
    Page("connections:rotate", ADMIN, connection="snowflake"),
    Page("connections:key-installed", ONBOARDER, method="POST", connection="snowflake", ok=302),
    Page("connections:demo-install-key", ONBOARDER, method="POST", connection="snowflake", ok=302),
    Page("connections:history", VIEWER, connection="postgres"),
    Page(
        "connections:acknowledge-outside-change",
        ONBOARDER,
        method="POST",
        connection="postgres",
        ok=302,
    ),
    Page("connections:demo-outside-change", ADMIN, method="POST", connection="postgres", ok=302),
    # No such edit to revert: Admins get past the role check to a 404.
    Page("connections:revert", ADMIN, args=("no-such-connection", 999), ok=404),
    Page("audit:list", VIEWER),
    Page("audit:export", VIEWER),
    Page("core:settings", ADMIN),
    Page("core:key-test", ADMIN, method="POST"),
    Page("core:key-clear", ADMIN, method="POST", ok=302),
    Page("admin:index", ADMIN),
    Page("alerts:preferences", VIEWER),
    Page("alerts:demo-receiver", VIEWER),
    # Invalid or impossible here (no choice posted, no APP_PUBLIC_URL, nothing registered):
    # allowed roles get past the role check to the page's own answer.
    Page("alerts:shared-channel", ADMIN, method="POST", ok=302),
    Page("alerts:webhook-register", ADMIN, method="POST", ok=302),
    Page("alerts:webhook-remove", ADMIN, method="POST", ok=302),
    Page("alerts:demo-break", ADMIN, method="POST", connection="postgres", ok=302),
)
# Open to anyone: webhook receivers, which take a signature instead of a session
# (tests/alerts/test_receivers.py).
SIGNED_NOT_SIGNED_IN = {"alerts:faraday-webhook", "alerts:demo-receiver-hook"}


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _login_path(page: Page) -> str:
    # Django's admin has its own sign-in page; every other page uses the app's.
    return reverse("admin:login") if page.name.startswith("admin:") else reverse("login")


def _request(client: Client, page: Page, connections):
    url = page.url(connections)
    return client.post(url) if page.method == "POST" else client.get(url)


@pytest.fixture(autouse=True)
def no_network():
    """Demo mode answers in-process; any real HTTP request (say, with a stored key) fails."""
    with respx.mock(assert_all_called=False):
        yield


@pytest.fixture
def sensitive(demo_connections, admin_user):
    """Data an anonymous response must not show: connection names, an audit row, a key's tail."""
    audit_record(
        actor=admin_user,
        action=Action.CREATE,
        outcome=Outcome.SUCCESS,
        connection_type="postgres",
        connection_name="Audited connection name",
    )
    services.api_key_save(actor=admin_user, api_key="stored-key-0123456789-TAIL")
    return [c.name for c in demo_connections.values()] + ["Audited connection name", "TAIL"]


def test_every_app_url_name_is_covered_by_the_access_table():
    from faraday_admin.alerts import urls as alert_urls
    from faraday_admin.audit import urls as audit_urls
    from faraday_admin.connections import urls as connection_urls
    from faraday_admin.core import urls as core_urls

    names = {
        f"{module.app_name}:{pattern.name}"
        for module in (connection_urls, audit_urls, core_urls, alert_urls)
        for pattern in module.urlpatterns
    }
    assert names - SIGNED_NOT_SIGNED_IN <= {page.name for page in PAGES}


# ---- anonymous ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_anonymous_request_is_redirected_to_login_without_any_data(
    anonymous, demo_connections, sensitive, page
):
    response = _request(anonymous, page, demo_connections)

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == _login_path(page)
    assert f"next={page.url(demo_connections).split('?')[0]}" in response["Location"].replace(
        "%2F", "/"
    )
    body = _body(response)
    for secret in sensitive:
        assert secret.encode() not in body


@pytest.mark.parametrize("page", [p for p in PAGES if p.method == "GET"], ids=str)
def test_anonymous_htmx_request_sends_the_whole_browser_to_login(anonymous, demo_connections, page):
    response = anonymous.get(page.url(demo_connections), headers={"HX-Request": "true"})

    # HX-Redirect, not a 302 that htmx would follow and swap into a fragment.
    assert response.status_code == 200
    assert urlsplit(response["HX-Redirect"]).path == _login_path(page)
    assert response.content == b""


def test_anonymous_write_changes_nothing_upstream_or_in_the_audit_log(anonymous, demo_connections):
    postgres = demo_connections["postgres"]

    anonymous.post(reverse("connections:delete", args=[postgres.id]))
    anonymous.post(reverse("connections:archive", args=[postgres.id]))
    anonymous.post(reverse("core:key-clear"))

    assert SimulatedConnection.objects.filter(pk=postgres.id, archived_at=None).exists()
    assert not AuditEntry.objects.exists()


def test_health_check_and_login_page_are_open_to_anonymous(anonymous, db):
    assert anonymous.get(reverse("healthz")).status_code == 200
    login = anonymous.get(reverse("login"))
    assert login.status_code == 200
    assert b'type="password"' in login.content


def test_static_files_are_served_without_login(db, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = Client().get("/static/vendor/htmx.min.js")

    assert response.status_code == 200


# ---- roles by pages --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLE_NAMES[1:])
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_role_gets_the_page_when_its_role_allows_and_403_otherwise(
    client_for, demo_connections, page, role
):
    response = _request(client_for(role), page, demo_connections)

    if LEVEL[role] >= LEVEL[page.needs]:
        assert response.status_code == page.ok, _body(response)[:500]
    elif page.name.startswith("admin:"):
        # Django's admin sends non-staff users to its own sign-in page rather than a 403.
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("admin:login")
    else:
        assert response.status_code == 403
        assert b"You can't do that with your role" in _body(response)


WRITES = (
    ("connections:archive", ADMIN),
    ("connections:unarchive", ADMIN),
    ("connections:delete", ADMIN),
    ("connections:rotate", ADMIN),
    ("connections:force-update", ONBOARDER),
    ("connections:edit", ONBOARDER),
    ("connections:create", ONBOARDER),
    ("core:settings", ADMIN),
    ("core:key-test", ADMIN),
    ("core:key-clear", ADMIN),
)
# The audit action a refused attempt is logged under (key tests are audited too).
WRITE_ACTIONS = {
    "connections:archive": Action.ARCHIVE,
    "connections:unarchive": Action.UNARCHIVE,
    "connections:delete": Action.DELETE,
    "connections:rotate": Action.ROTATE,
    "connections:force-update": Action.FORCE_UPDATE,
    "connections:edit": Action.EDIT,
    "connections:create": Action.CREATE,
    "core:settings": Action.KEY_SAVE,
    "core:key-clear": Action.KEY_CLEAR,
    "core:key-test": Action.KEY_TEST,
}


@pytest.mark.parametrize(
    ("name", "role"),
    [
        (name, role)
        for name, needs in WRITES
        for role in (VIEWER, ONBOARDER)
        if LEVEL[role] < LEVEL[needs]
    ],
)
def test_write_by_a_role_without_permission_is_refused_before_any_change(
    client_for, demo_connections, admin_user, name, role
):
    services.api_key_save(actor=admin_user, api_key="stored-key-0123456789-abcd")
    before = AuditEntry.objects.count()
    target = demo_connections["snowflake"]
    args = [target.id] if name.startswith("connections:") and name != "connections:create" else []
    data = {
        "name": "Renamed",
        "type": "snowflake",
        "api_key": "another-key-0123456789",
        "cascade": "on",
    }

    response = client_for(role).post(reverse(name, args=args), data)

    assert response.status_code == 403
    refused = list(AuditEntry.objects.order_by("id")[before:])
    if name in WRITE_ACTIONS:
        [entry] = refused
        assert (entry.action, entry.outcome) == (WRITE_ACTIONS[name], Outcome.REJECTED)
        assert entry.actor_username == f"{role.lower()}-user"
        assert entry.detail_text == "not sent: the person's role doesn't allow it"
        assert entry.faraday_connection_id == (str(target.id) if args else "")
        assert entry.connection_type == ("snowflake" if name == "connections:create" else "")
        assert "another-key" not in str(entry.options) + str(entry.detail_data) + entry.detail_text
    else:
        assert refused == []
    assert StoredApiKey.objects.get().last4 == "abcd"
    row = SimulatedConnection.objects.get(pk=target.id)
    assert row.name == target.name
    assert row.archived_at is None
    assert row.public_key == target.options["rsa_public_key"]  # not rotated


# ---- Django's admin -------------------------------------------------------------------------


def test_admin_role_reaches_user_management_and_read_only_audit_log(client_for, db):
    client = client_for(ADMIN)

    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_user_add")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200


def test_stored_api_key_is_not_in_the_admin(client_for, db):
    client = client_for(ADMIN)
    index = client.get(reverse("admin:index"))

    assert b"storedapikey" not in index.content.lower()
    assert b"Stored api key" not in index.content
    assert client.get("/admin/core/storedapikey/").status_code == 404


def test_admin_role_cannot_make_anyone_superuser_or_edit_a_superuser(client_for, db):
    client = client_for(ADMIN)
    superuser = User.objects.create_superuser("root", password="unused-pw-123")
    viewer = User.objects.create_user("someone", password="unused-pw-123")

    page = client.get(reverse("admin:auth_user_change", args=[viewer.pk]))
    assert page.status_code == 200
    assert b'name="is_superuser"' not in page.content
    assert b'name="user_permissions"' not in page.content
    assert b'name="groups"' in page.content
    edit_root = client.post(
        reverse("admin:auth_user_change", args=[superuser.pk]), {"username": "taken-over"}
    )
    assert edit_root.status_code == 403
    assert User.objects.filter(username="root").exists()


# ---- roles (data migration) and staff status -----------------------------------------------


def _perm_names(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", [VIEWER, ONBOARDER, ADMIN])
def test_migration_creates_each_role_with_exactly_its_permissions(role):
    assert _perm_names(Group.objects.get(name=role)) == set(roles.ROLE_PERMISSIONS[role])


def test_migration_tables_match_the_roles_module():
    migration = importlib.import_module("faraday_admin.core.migrations.0002_roles")
    unlock = importlib.import_module("faraday_admin.core.migrations.0003_admin_unlocks_sign_in")
    revert = importlib.import_module("faraday_admin.history.migrations.0003_admins_revert_edits")

    frozen = {
        k: set(v) | set(unlock.ADDED.get(k, ())) | set(revert.ADDED.get(k, ()))
        for k, v in migration.ROLE_PERMISSIONS.items()
    }
    assert frozen == {k: set(v) for k, v in roles.ROLE_PERMISSIONS.items()}


def test_roles_migration_creates_missing_permissions_reverses_and_reapplies(db):
    migration = importlib.import_module("faraday_admin.core.migrations.0002_roles")
    state = MigrationExecutor(connection).loader.project_state(("core", "0002_roles")).apps
    editor = SimpleNamespace(connection=connection)  # RunPython functions read only its alias
    # As on a fresh database, where post_migrate hasn't created the permissions yet.
    Permission.objects.filter(content_type__app_label__in=["core", "connections", "audit"]).delete()

    migration.delete_roles(state, editor)
    assert not Group.objects.filter(name__in=[VIEWER, ONBOARDER, ADMIN]).exists()

    migration.create_roles(state, editor)
    for role in (VIEWER, ONBOARDER, ADMIN):
        assert _perm_names(Group.objects.get(name=role)) == set(migration.ROLE_PERMISSIONS[role])


def test_joining_the_admin_group_grants_staff_and_leaving_removes_it(db):
    user = User.objects.create_user("someone", password="unused-pw-123")
    admins = Group.objects.get(name=ADMIN)

    user.groups.add(admins)
    user.refresh_from_db()
    assert user.is_staff

    user.groups.remove(admins)
    user.refresh_from_db()
    assert not user.is_staff


def test_adding_users_from_the_group_side_or_clearing_it_updates_staff(db):
    first = User.objects.create_user("first", password="unused-pw-123")
    second = User.objects.create_user("second", password="unused-pw-123")
    admins = Group.objects.get(name=ADMIN)

    admins.user_set.add(first, second)
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {
        "first",
        "second",
    }
    admins.user_set.clear()
    assert not User.objects.filter(is_staff=True).exists()


def test_staff_flag_without_the_admin_role_is_removed_but_superusers_keep_it(db):
    user = User.objects.create_user("someone", password="unused-pw-123", is_staff=True)
    root = User.objects.create_superuser("root", password="unused-pw-123")

    user.refresh_from_db()
    root.refresh_from_db()
    assert not user.is_staff
    assert root.is_staff


def test_other_roles_are_not_staff(viewer, onboarder):
    assert not viewer.is_staff
    assert not onboarder.is_staff


# ---- ensure_admin -----------------------------------------------------------------------------


def test_ensure_admin_without_users_creates_superuser_admin_and_prints_the_password_once(db):
    out = io.StringIO()

    call_command("ensure_admin", stdout=out)

    user = User.objects.get()
    assert user.username == "admin"
    assert user.is_superuser and user.is_staff
    assert user.groups.filter(name=ADMIN).exists()
    text = out.getvalue()
    password = next(
        line.split(":", 1)[1].strip() for line in text.splitlines() if "Password:" in line
    )
    assert len(password) >= 20
    assert user.check_password(password)
    assert "User name: admin" in text
    assert text.count(password) == 1


def test_ensure_admin_with_a_user_creates_nothing_and_prints_no_password(db):
    User.objects.create_user("existing", password="unused-pw-123")
    first = io.StringIO()
    call_command("ensure_admin", stdout=first)

    assert User.objects.count() == 1
    assert "A user exists already" in first.getvalue()
    assert "Password" not in first.getvalue()


def test_ensure_admin_twice_shows_a_password_only_the_first_time(db):
    first, second = io.StringIO(), io.StringIO()
    call_command("ensure_admin", stdout=first)
    call_command("ensure_admin", stdout=second)

    assert "Password:" in first.getvalue()
    assert "Password" not in second.getvalue()
    assert User.objects.count() == 1


def test_each_role_permission_exists(db):
    for names in roles.ROLE_PERMISSIONS.values():
        for name in names:
            app, codename = name.split(".")
            assert Permission.objects.filter(
                content_type__app_label=app, codename=codename
            ).exists(), name


# ---- what each role sees ---------------------------------------------------------------------


def _links(content: bytes) -> set[str]:
    import re

    return set(re.findall(r'href="([^"]+)"', content.decode()))


@pytest.mark.parametrize("role", [VIEWER, ONBOARDER, ADMIN])
def test_nav_shows_only_the_pages_the_role_may_open(client_for, demo_connections, role):
    response = client_for(role).get(reverse("connections:list"))
    links = _links(response.content)

    assert reverse("connections:list") in links
    assert reverse("audit:list") in links
    assert (reverse("connections:create") in links) is (LEVEL[role] >= LEVEL[ONBOARDER])
    assert (reverse("core:settings") in links) is (role == ADMIN)
    assert (reverse("admin:auth_user_changelist") in links) is (role == ADMIN)


@pytest.mark.parametrize("role", [VIEWER, ONBOARDER, ADMIN])
def test_detail_page_shows_only_the_buttons_the_role_may_use(client_for, demo_connections, role):
    snowflake = demo_connections["snowflake"]
    response = client_for(role).get(reverse("connections:detail", args=[snowflake.id]))
    links = _links(response.content)

    def shown(name: str) -> bool:
        return reverse(name, args=[snowflake.id]) in links

    assert shown("connections:edit") is (LEVEL[role] >= LEVEL[ONBOARDER])
    assert shown("connections:force-update") is (LEVEL[role] >= LEVEL[ONBOARDER])
    assert shown("connections:archive") is (role == ADMIN)
    assert shown("connections:delete") is (role == ADMIN)
    assert shown("connections:rotate") is (role == ADMIN)


@pytest.mark.parametrize("role", [VIEWER, ONBOARDER, ADMIN])
def test_demo_banner_offers_the_settings_link_only_to_admins(client_for, demo_connections, role):
    response = client_for(role).get(reverse("connections:list"))

    assert b"Demo mode" in response.content
    assert (b"Add a Faraday API key" in response.content) is (role == ADMIN)


@override_settings(FARADAY_DEMO=True)
def test_logout_signs_out_and_returns_to_the_login_page(client_for, demo_connections):
    client = client_for(VIEWER)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("login")
    assert client.get(reverse("connections:list")).status_code == 302


def test_a_user_without_a_role_is_told_so_without_a_link_back_to_the_same_refusal(db):
    User.objects.create_user("no-role", password="pw-0123456789")
    client = Client()
    client.post(reverse("login"), {"username": "no-role", "password": "pw-0123456789"})

    response = client.get(reverse("connections:list"))

    assert response.status_code == 403
    assert b"Your account has no role yet" in response.content
    assert b"Go to the connections list" not in response.content


def test_a_viewer_refused_an_action_is_offered_the_connections_list(db):
    viewer = User.objects.create_user("viewer", password="pw-0123456789")
    viewer.groups.add(Group.objects.get(name=roles.VIEWER))
    client = Client()
    client.post(reverse("login"), {"username": "viewer", "password": "pw-0123456789"})

    response = client.get(reverse("connections:create"))

    assert response.status_code == 403
    assert b"Go to the connections list" in response.content
