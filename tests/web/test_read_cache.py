"""The pages on the shared cache: viewers share one upstream list, every write made here is seen
on the next read, a save checks Faraday itself, and a 429 shows the last list "as of" its time."""

from __future__ import annotations

import time

import httpx
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from faraday_admin.core import faraday_cache
from faraday_admin.core.upstream import get_faraday_client
from faraday_admin.simulator import engine
from tests.payloads import CONNECTION_ID, listed_connection_json
from tests.web.conftest import make_role_user
from tests.web.create_helpers import form_data, mysql_submission
from tests.web.html import parse
from tests.web.list_helpers import ALL_PERMISSIONS, login, serve_detail
from tests.web.test_actions_edit import FORM as EDIT_FORM
from tests.web.test_actions_edit import STORED as EDIT_STORED
from tests.web.test_actions_lifecycle import ACTIONS

pytestmark = pytest.mark.django_db

LIST_URL = reverse("connections:list")
PATH = f"/connections/{CONNECTION_ID}"


def _count(router, method: str, path: str) -> int:
    return sum(
        1
        for call in router.calls
        if (call.request.method, call.request.url.path) == (method, f"/v1{path}")
    )


def _names(response) -> list[str]:
    return [
        a.text for a in parse(response).find_all("a") if a.attrs.get("id", "").startswith("open-")
    ]


@pytest.fixture(autouse=True)
def _long_cache_lifetime(settings):
    """Long enough that a slow (busy) machine doesn't see an entry expire mid-test; the tests
    about the lifetime set their own."""
    settings.FARADAY_CACHE_SECONDS = 60


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(make_role_user("Admin", "cache-admin"))
    return client


def test_many_viewers_share_one_upstream_list(client, django_user_model, faraday_router):
    login(client, django_user_model, "view_connections")
    route = faraday_router.get("/connections").respond(
        json=[listed_connection_json(status="running")]
    )
    others = [Client() for _ in range(5)]
    for other in others:
        other.force_login(django_user_model.objects.get(username="tester"))

    pages = [client.get(LIST_URL), *(other.get(LIST_URL) for other in others)]
    polls = [
        other.get(reverse("connections:rows"), {"ids": [CONNECTION_ID]}, HTTP_HX_REQUEST="true")
        for other in others
    ]

    assert [p.status_code for p in pages + polls] == [200] * 11
    assert route.call_count == 1


def test_the_detail_page_is_read_once_per_cache_lifetime(client, django_user_model, faraday_router):
    login(client, django_user_model, "view_connections")
    serve_detail(faraday_router, listed_connection_json())

    client.get(reverse("connections:detail", args=[CONNECTION_ID]))
    client.get(reverse("connections:detail", args=[CONNECTION_ID]))
    client.get(reverse("connections:status", args=[CONNECTION_ID]), HTTP_HX_REQUEST="true")

    assert len(faraday_router.calls) == 3  # the connection, its datasets, its targets: once


def test_a_create_here_is_in_the_next_list(shared_cache, admin_client):
    engine.seed_demo_data()
    before = _names(admin_client.get(LIST_URL))
    user = make_role_user("Onboarder", "creator")
    creator = Client()
    creator.force_login(user)

    response = creator.post(reverse("connections:create"), mysql_submission(user, "pw-123456"))
    faraday_cache.forget_parsed()  # another process: only the shared cache in common

    assert response.status_code == 302
    assert "Shop DB" not in before
    assert "Shop DB" in _names(admin_client.get(LIST_URL))


def test_who_created_each_row_here_is_looked_up_once_per_fill_and_a_create_shows_it(
    shared_cache, admin_client
):
    engine.seed_demo_data()
    lookups = [_record_lookups(admin_client) for _ in range(2)]
    user = make_role_user("Onboarder", "creator")
    creator = Client()
    creator.force_login(user)
    creator.post(reverse("connections:create"), mysql_submission(user, "pw-123456"))
    faraday_cache.forget_parsed()  # another process: only the shared cache in common

    listed = admin_client.get(LIST_URL)

    assert lookups == [1, 0]
    row = next(r for r in parse(listed).find_all("tr") if "Shop DB" in r.text)
    assert "creator" in row.text


def _record_lookups(client) -> int:
    """Queries of who created which connection here, for one list page."""
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST_URL)
    # Read at once: the next request empties the connection's query log.
    return sum("connections_connectionrecord" in q["sql"] for q in queries.captured_queries)


def test_a_change_made_outside_this_app_shows_within_one_cache_lifetime(
    shared_cache, admin_client, settings
):
    settings.FARADAY_CACHE_SECONDS = 1
    engine.seed_demo_data()
    admin_client.get(LIST_URL)
    _data, options = form_data("mysql", "unused-token")
    get_faraday_client().create_connection(name="Made in Faraday", options=options)

    cached = _names(admin_client.get(LIST_URL))
    time.sleep(1.1)

    assert "Made in Faraday" not in cached
    assert "Made in Faraday" in _names(admin_client.get(LIST_URL))


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_lifecycle_write_invalidates_the_cached_reads(
    client, django_user_model, faraday_router, action
):
    login(client, django_user_model, *ALL_PERMISSIONS, username="boss")
    url_name, _perm, connection, _write, _audit = ACTIONS[action]
    listed = faraday_router.get("/connections").respond(json=[connection])
    serve_detail(faraday_router, connection)
    faraday_router.post(f"{PATH}/archive").respond(204)
    faraday_router.post(f"{PATH}/unarchive").respond(204)
    faraday_router.post(f"{PATH}/force_update").respond(204)
    faraday_router.delete(PATH).respond(204)
    faraday_router.post(f"{PATH}/rotate_credentials").respond(json=connection)
    detail_url = reverse("connections:detail", args=[CONNECTION_ID])
    client.get(LIST_URL)
    client.get(detail_url)

    client.post(reverse(f"connections:{url_name}", args=[CONNECTION_ID]))
    reads_before = _count(faraday_router, "GET", PATH)
    client.get(LIST_URL)
    client.get(detail_url)

    assert listed.call_count == 2
    assert _count(faraday_router, "GET", PATH) == reads_before + 1


def test_an_edit_invalidates_the_cached_reads(client, django_user_model, faraday_router):
    login(client, django_user_model, *ALL_PERMISSIONS, username="boss")
    listed = faraday_router.get("/connections").respond(json=[EDIT_STORED])
    serve_detail(faraday_router, EDIT_STORED)
    faraday_router.patch(PATH).respond(json=EDIT_STORED)
    client.get(LIST_URL)

    response = client.post(reverse("connections:edit", args=[CONNECTION_ID]), EDIT_FORM)
    client.get(LIST_URL)

    assert response.status_code == 302
    assert _count(faraday_router, "PATCH", PATH) == 1
    assert listed.call_count == 2


def test_a_confirmed_action_checks_faraday_not_the_cache(client, django_user_model, faraday_router):
    """Archived meanwhile in Faraday's own dashboard: the cached page says active, the send
    reads Faraday and refuses instead of archiving twice."""
    login(client, django_user_model, *ALL_PERMISSIONS, username="boss")
    route = faraday_router.get(PATH).respond(json=listed_connection_json())
    faraday_router.get(f"{PATH}/datasets").respond(json=[])
    faraday_router.get(f"{PATH}/targets").respond(json=[])
    archive = faraday_router.post(f"{PATH}/archive").respond(204)
    client.get(reverse("connections:archive", args=[CONNECTION_ID]))
    route.respond(json=listed_connection_json(archived_at="2024-03-01T00:00:00Z"))

    response = client.post(reverse("connections:archive", args=[CONNECTION_ID]))

    assert response.status_code == 409
    assert archive.call_count == 0


def test_a_429_shows_the_last_list_as_of_its_time_and_adds_no_requests(
    shared_cache, client, django_user_model, faraday_router
):
    login(client, django_user_model, "view_connections")
    route = faraday_router.get("/connections").respond(json=[listed_connection_json(name="Kept")])
    client.get(LIST_URL)
    route.respond(429, headers={"Retry-After": "30"}, json={"error": {"message": "slow"}})
    faraday_cache.invalidate(faraday_cache_scope())

    page = client.get(LIST_URL)
    faraday_cache.forget_parsed()  # another process
    again = client.get(LIST_URL)

    assert page.status_code == again.status_code == 200
    assert _names(page) == _names(again) == ["Kept"]
    note = parse(page).find("p", role="status")
    assert note is not None
    assert "Faraday asked this app to slow down" in parse(page).text
    assert route.call_count == 2  # the fill, then the 429 itself: no retry, nothing more


def test_the_detail_status_poll_during_a_429_shows_the_last_status_as_of_its_time(
    shared_cache, client, django_user_model, faraday_router
):
    login(client, django_user_model, "view_connections")
    route = faraday_router.get(PATH).respond(json=listed_connection_json(status="starting"))
    status_url = reverse("connections:status", args=[CONNECTION_ID])
    fresh = client.get(status_url, HTTP_HX_REQUEST="true")
    route.respond(429, headers={"Retry-After": "30"}, json={"error": {"message": "slow"}})
    faraday_cache.invalidate(faraday_cache_scope())

    polled = client.get(status_url, HTTP_HX_REQUEST="true")
    faraday_cache.forget_parsed()  # another process
    again = client.get(status_url, HTTP_HX_REQUEST="true")

    assert "slow down" not in parse(fresh).text
    assert polled.status_code == again.status_code == 200
    section = parse(polled).find(id="connection-status")
    assert "Starting" in section.text  # the last status kept, still polled
    assert section.attrs.get("hx-trigger") == "every 5s"
    kept_at = faraday_cache.read(
        faraday_cache_scope(), f"connection:{CONNECTION_ID}", None, None
    ).as_of
    assert kept_at is not None
    expected = timezone.localtime(kept_at).strftime("%H:%M:%S")
    assert f"Faraday asked this app to slow down: status as of {expected}." in section.text
    assert expected in parse(again).find(id="connection-status").text
    assert route.call_count == 2  # the fill, then the 429 itself: no retry, nothing more


def test_a_429_with_nothing_kept_says_so_plainly(client, django_user_model, faraday_router):
    login(client, django_user_model, "view_connections")
    faraday_router.get("/connections").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "30"}, json={})
    )

    response = client.get(LIST_URL)

    assert response.status_code == 502
    assert parse(response).find(role="alert") is not None


def faraday_cache_scope() -> str:
    from faraday_admin.core.upstream import cache_scope

    return cache_scope()
