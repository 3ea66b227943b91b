"""The connections list: columns, badges, filters, search, sort and paging, all from Faraday."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from faraday_admin.catalog import get_catalog
from faraday_admin.connections.models import ConnectionRecord
from tests.payloads import (
    CONNECTION_ID,
    ERROR_ID,
    error_json,
    listed_connection_json,
    many_connections,
)
from tests.web.html import parse, pollers
from tests.web.list_helpers import login, upstream_calls

pytestmark = pytest.mark.django_db

LIST_URL = reverse("connections:list")


@pytest.fixture
def viewer(client, django_user_model):
    return login(client, django_user_model, "view_connections", "create_connection")


def _rows(response):
    body = parse(response).find("tbody", id="connection-rows")
    return body.find_all("tr") if body else []


def _row_names(response) -> list[str]:
    return [row.find("th").text for row in _rows(response)]


def _row_ids(response) -> list[str]:
    return [row.attrs["id"] for row in _rows(response)]


def _link(node, text: str):
    """The first link in `node` whose visible text is `text`, or None."""
    return next((a for a in node.find_all("a") if a.text == text), None)


# ---- sizes: 0, 1 and 1,000 connections, one upstream request each ---------------------------


def test_no_connections_shows_empty_state_pointing_to_create_page(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=[])

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert upstream_calls(faraday_router) == [("GET", "/v1/connections")]
    empty = parse(response).find(class_="empty-state")
    assert "No connections yet" in empty.text
    assert empty.find("a", href=reverse("connections:create")) is not None
    assert _rows(response) == []


def test_empty_state_for_a_viewer_without_create_permission_says_whom_to_ask(
    client, django_user_model, faraday_router
):
    login(client, django_user_model, "view_connections")
    faraday_router.get("/connections").respond(json=[])

    empty = parse(client.get(LIST_URL)).find(class_="empty-state")

    assert "Ask an Onboarder or Admin" in empty.text
    assert empty.find("a", href=reverse("connections:create")) is None


ARCHIVED_ONLY = [
    listed_connection_json("ar-1", name="Old warehouse", archived_at="2024-03-01T00:00:00Z"),
    listed_connection_json("ar-2", name="Old shop", archived_at="2024-04-01T00:00:00Z"),
]


def test_when_every_connection_is_archived_the_empty_state_says_so_and_offers_to_show_them(
    client, viewer, faraday_router
):
    faraday_router.get("/connections").respond(json=ARCHIVED_ONLY)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert upstream_calls(faraday_router) == [("GET", "/v1/connections")]
    assert _rows(response) == []
    empty = parse(response).find(class_="empty-state")
    assert "No connections yet" not in empty.text
    assert "No active connections." in empty.text
    assert "There are 2 archived connections, and archived connections are hidden" in empty.text
    assert _link(empty, "Show archived connections").attrs["href"] == f"{LIST_URL}?archived=show"
    assert empty.find("a", href=reverse("connections:create")) is not None


def test_following_show_archived_connections_lists_them(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=ARCHIVED_ONLY)
    empty = parse(client.get(LIST_URL)).find(class_="empty-state")

    shown = client.get(_link(empty, "Show archived connections").attrs["href"])

    assert set(_row_names(shown)) == {"Old warehouse", "Old shop"}


def test_show_archived_link_keeps_the_sort(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=ARCHIVED_ONLY[:1])

    empty = parse(client.get(LIST_URL, {"sort": "name"})).find(class_="empty-state")

    assert "There is 1 archived connection," in empty.text
    href = _link(empty, "Show archived connections").attrs["href"]
    assert urlsplit(href).path == LIST_URL
    assert parse_qs(urlsplit(href).query) == {"archived": ["show"], "sort": ["name"]}


def test_all_archived_for_a_viewer_without_create_permission_offers_no_create_link(
    client, django_user_model, faraday_router
):
    login(client, django_user_model, "view_connections")
    faraday_router.get("/connections").respond(json=ARCHIVED_ONLY)

    empty = parse(client.get(LIST_URL)).find(class_="empty-state")

    assert _link(empty, "Show archived connections") is not None
    assert empty.find("a", href=reverse("connections:create")) is None


def test_one_connection_shows_every_column(client, viewer, faraday_router):
    created = timezone.now() - timedelta(hours=3)
    faraday_router.get("/connections").respond(
        json=[listed_connection_json(name="Marketing DB", created_at=created)]
    )
    ConnectionRecord.objects.create(
        faraday_id=CONNECTION_ID,
        connection_type="postgres",
        name="Marketing DB",
        created_by=viewer,
        created_by_username="alice",
    )

    response = client.get(LIST_URL)

    assert len(faraday_router.calls) == 1
    [row] = _rows(response)
    assert row.attrs["id"] == f"row-{CONNECTION_ID}"
    name, type_, status, direction, created_cell, created_by = row.children
    assert name.find("a", href=reverse("connections:detail", args=[CONNECTION_ID])).text == (
        "Marketing DB"
    )
    assert type_.text == "Postgres"  # the catalog's label, not the key
    assert status.find(class_="badge-ready").text == "✓ Ready"
    assert direction.text == "Source and destination"  # plain words, as on the detail page
    time = created_cell.find("time")
    assert time.text == "3 hours ago"
    assert time.attrs["title"] == timezone.localtime(created).strftime("%-d %B %Y, %H:%M:%S UTC")
    assert time.attrs["datetime"].startswith(created.strftime("%Y-%m-%dT%H:%M:%S"))
    assert created_by.text == "alice"
    assert "1 connection." in parse(response).find(class_="count").text


def test_connection_created_elsewhere_says_so_instead_of_a_creator(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=[listed_connection_json()])

    [row] = _rows(client.get(LIST_URL))

    assert row.children[-1].text == "Created outside this app"


def test_local_records_alone_do_not_make_rows(client, viewer, faraday_router):
    """The list is Faraday's: a record of something created here but gone upstream is not shown."""
    ConnectionRecord.objects.create(
        faraday_id="gone", connection_type="postgres", name="Gone", created_by_username="alice"
    )
    faraday_router.get("/connections").respond(json=[])

    response = client.get(LIST_URL)

    assert _rows(response) == []
    assert "Gone" not in response.content.decode()


def test_thousand_connections_page_one_has_fifty_newest_of_twenty_pages(
    client, viewer, faraday_router
):
    faraday_router.get("/connections").respond(json=many_connections(1000))

    response = client.get(LIST_URL)

    assert len(faraday_router.calls) == 1
    names = _row_names(response)
    assert len(names) == 50
    assert names[0] == "conn-0999"
    assert names[-1] == "conn-0950"
    nav = parse(response).find("nav", class_="pagination")
    assert "Page 1 of 20" in nav.text
    assert nav.find("a", rel="prev") is None
    assert parse_qs(urlsplit(nav.find("a", rel="next").attrs["href"]).query) == {"page": ["2"]}
    assert "1000 connections." in parse(response).find(class_="count").text


def test_thousand_connections_last_page_has_the_rest(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=many_connections(1000))

    response = client.get(LIST_URL, {"page": "20"})

    assert len(faraday_router.calls) == 1
    names = _row_names(response)
    assert names[0] == "conn-0049"
    assert names[-1] == "conn-0000"
    assert len(names) == 50
    nav = parse(response).find("nav", class_="pagination")
    assert "Page 20 of 20" in nav.text
    assert nav.find("a", rel="next") is None


def test_page_past_the_end_shows_the_last_page(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=many_connections(60))

    names = _row_names(client.get(LIST_URL, {"page": "99"}))

    assert names == [f"conn-{i:04d}" for i in range(9, -1, -1)]


# ---- badges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "icon", "text"),
    [
        ("new", "○", "New"),
        ("starting", "◔", "Starting"),
        ("running", "◑", "Running"),
        ("ready", "✓", "Ready"),
        ("error", "✕", "Error"),
    ],
)
def test_status_badge_has_text_and_icon_not_colour_alone(
    client, viewer, faraday_router, status, icon, text
):
    faraday_router.get("/connections").respond(json=[listed_connection_json(status=status)])

    [row] = _rows(client.get(LIST_URL))

    badge = row.find("span", class_=f"badge-{status}")
    assert badge.find(class_="icon").text == icon
    assert badge.find(class_="icon").attrs["aria-hidden"] == "true"
    assert badge.text == f"{icon} {text}"


def test_archived_badge_has_text_and_icon_beside_the_status(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json(archived_at="2024-03-01T00:00:00Z")]
    )

    [row] = _rows(client.get(LIST_URL, {"archived": "show"}))

    badge = row.find("span", class_="badge-archived")
    assert badge.find(class_="icon").text == "▣"
    assert badge.text == "▣ Archived"
    assert row.find("span", class_="badge-ready") is not None


def test_error_row_shows_the_error_itself(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json(status="error", status_error="Password incorrect")]
    )

    [row] = _rows(client.get(LIST_URL))

    assert row.find(class_="row-error").text == "Password incorrect"


# ---- filters, search, sort ------------------------------------------------------------------

MIXED = [
    listed_connection_json("pg-1", name="Sales Postgres", type="postgres", status="ready"),
    listed_connection_json("pg-2", name="Old Postgres", type="postgres", status="error"),
    listed_connection_json("sf-1", name="Snowflake Marketing", type="snowflake", status="running"),
    listed_connection_json("bq-1", name="BigQuery Sales", type="bigquery", status="ready"),
    listed_connection_json("s3-1", name="S3 drops", type="s3_csv", status="new"),
    listed_connection_json(
        "ar-1",
        name="Archived Sales",
        type="postgres",
        status="ready",
        archived_at="2024-03-01T00:00:00Z",
    ),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {},
            {"Sales Postgres", "Old Postgres", "Snowflake Marketing", "BigQuery Sales", "S3 drops"},
        ),
        ({"status": "error"}, {"Old Postgres"}),
        ({"status": "ready"}, {"Sales Postgres", "BigQuery Sales"}),
        ({"type": "postgres"}, {"Sales Postgres", "Old Postgres"}),
        ({"category": "warehouse"}, {"Snowflake Marketing", "BigQuery Sales"}),
        ({"category": "file_storage"}, {"S3 drops"}),
        ({"archived": "only"}, {"Archived Sales"}),
        (
            {"archived": "show"},
            {
                "Sales Postgres",
                "Old Postgres",
                "Snowflake Marketing",
                "BigQuery Sales",
                "S3 drops",
                "Archived Sales",
            },
        ),
        ({"q": "sales"}, {"Sales Postgres", "BigQuery Sales"}),
        ({"q": "  SALES "}, {"Sales Postgres", "BigQuery Sales"}),
        (
            {"q": "sales", "archived": "show"},
            {"Sales Postgres", "BigQuery Sales", "Archived Sales"},
        ),
        (
            {"type": "postgres", "status": "ready", "archived": "show"},
            {"Sales Postgres", "Archived Sales"},
        ),
        ({"category": "warehouse", "status": "ready"}, {"BigQuery Sales"}),
        (
            {"status": "bogus", "type": "nope", "archived": "maybe"},
            {"Sales Postgres", "Old Postgres", "Snowflake Marketing", "BigQuery Sales", "S3 drops"},
        ),
    ],
)
def test_filters_and_search_narrow_the_rows(client, viewer, faraday_router, query, expected):
    faraday_router.get("/connections").respond(json=MIXED)

    response = client.get(LIST_URL, query)

    assert set(_row_names(response)) == expected
    assert len(faraday_router.calls) == 1


def test_status_archived_means_only_archived(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=MIXED)

    assert _row_names(client.get(LIST_URL, {"status": "archived"})) == ["Archived Sales"]


def test_no_match_says_so_and_offers_to_clear_filters(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=MIXED)

    response = client.get(LIST_URL, {"q": "nothing like this"})

    empty = parse(response).find(class_="empty-state")
    assert "No connection matches these filters" in empty.text
    assert empty.find("a", href=LIST_URL) is not None


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["a-conn", "B-conn", "c-conn"]),
        ("-name", ["c-conn", "B-conn", "a-conn"]),
        ("created", ["c-conn", "a-conn", "B-conn"]),
        ("-created", ["B-conn", "a-conn", "c-conn"]),
        ("", ["B-conn", "a-conn", "c-conn"]),  # newest first by default
    ],
)
def test_sort_by_name_or_created(client, viewer, faraday_router, sort, expected):
    now = timezone.now()
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json("a", name="a-conn", created_at=now - timedelta(days=2)),
            listed_connection_json("b", name="B-conn", created_at=now - timedelta(days=1)),
            listed_connection_json("c", name="c-conn", created_at=now - timedelta(days=3)),
        ]
    )

    assert _row_names(client.get(LIST_URL, {"sort": sort})) == expected


@pytest.mark.parametrize("sort", ["name", "-created"])
def test_equal_names_and_times_keep_one_order_whatever_order_faraday_sends(
    client, viewer, faraday_router, sort
):
    created = timezone.now() - timedelta(days=1)
    twins = [
        listed_connection_json(twin_id, name="Twin", created_at=created)
        for twin_id in ("t-1", "t-2")
    ]
    route = faraday_router.get("/connections")

    route.respond(json=twins)
    first = _row_ids(client.get(LIST_URL, {"sort": sort}))
    route.respond(json=twins[::-1])
    second = _row_ids(client.get(LIST_URL, {"sort": sort}))

    assert first == second


def test_filter_form_shows_the_filters_in_use(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=MIXED)

    page = parse(
        client.get(
            LIST_URL,
            {
                "q": "sales",
                "status": "ready",
                "type": "postgres",
                "category": "database",
                "archived": "show",
                "sort": "name",
            },
        )
    )

    form = page.find("form", class_="filters")
    assert form.attrs["method"] == "get"
    assert form.find("input", name="q").attrs["value"] == "sales"
    for name, value in [
        ("status", "ready"),
        ("type", "postgres"),
        ("category", "database"),
        ("archived", "show"),
        ("sort", "name"),
    ]:
        selected = [
            o for o in form.find("select", name=name).find_all("option") if "selected" in o.attrs
        ]
        assert [o.attrs["value"] for o in selected] == [value], name
    assert form.find("a", href=LIST_URL).text == "Clear filters"


def test_filter_menus_offer_every_status_category_and_type_grouped_by_category(
    client, viewer, faraday_router
):
    faraday_router.get("/connections").respond(json=MIXED)
    catalog = get_catalog()

    form = parse(client.get(LIST_URL)).find("form", class_="filters")

    def values(select) -> list[str]:
        return [option.attrs["value"] for option in select.find_all("option")]

    assert values(form.find("select", name="status")) == ["", *catalog.statuses]
    groups = catalog.by_category()
    assert values(form.find("select", name="category")) == ["", *(key for key, _, _ in groups)]
    type_menu = form.find("select", name="type")
    assert [g.attrs["label"] for g in type_menu.find_all("optgroup")] == [
        label for _, label, _ in groups
    ]
    assert sorted(values(type_menu)) == sorted(["", *catalog.types])
    defaults = {"status": "", "category": "", "type": "", "archived": "hide", "sort": "-created"}
    for name, default in defaults.items():
        select = form.find("select", name=name)
        chosen = [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs]
        assert chosen == [default], name


def test_paging_links_keep_every_filter(client, viewer, faraday_router):
    matching = [
        listed_connection_json(f"m-{i:03d}", name=f"sales-{i:03d}", status="ready")
        for i in range(120)
    ]
    others = [
        listed_connection_json(f"o-{i:03d}", name=f"sales-x-{i:03d}", status="error")
        for i in range(30)
    ]
    faraday_router.get("/connections").respond(json=matching + others)
    filters = {"q": "SALES", "status": "ready", "category": "database", "sort": "name"}

    response = client.get(LIST_URL, {**filters, "page": "2"})

    assert len(faraday_router.calls) == 1
    names = _row_names(response)
    assert names == [f"sales-{i:03d}" for i in range(50, 100)]
    nav = parse(response).find("nav", class_="pagination")
    assert "Page 2 of 3" in nav.text
    expected = {key: [value] for key, value in filters.items()}
    prev_query = parse_qs(urlsplit(nav.find("a", rel="prev").attrs["href"]).query)
    next_query = parse_qs(urlsplit(nav.find("a", rel="next").attrs["href"]).query)
    assert prev_query == {**expected, "page": ["1"]}
    assert next_query == {**expected, "page": ["3"]}


def test_following_a_paging_link_keeps_the_filters(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json(f"m-{i:03d}", name=f"db-{i:03d}", type="postgres")
            for i in range(70)
        ]
        + [listed_connection_json("sf", name="db-snow", type="snowflake")]
    )
    first = client.get(LIST_URL, {"type": "postgres", "sort": "-name"})
    next_href = parse(first).find("a", rel="next").attrs["href"]

    second = client.get(LIST_URL + next_href)

    assert _row_names(second) == [f"db-{i:03d}" for i in range(19, -1, -1)]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "\x00"},
        {"type": "postgres\x00"},
        {"category": "\x00"},
        {"archived": "show\x00"},
        {"sort": "name\x00"},
        {"page": "\x00"},
        {"page": "99999999999999999999999"},
        {"page": "1e400"},
        {"page": "-5"},
        {"page": "nan"},
        {"page": "9" * 5000},
    ],
)
def test_absurd_filter_values_show_the_list_not_an_error(client, viewer, faraday_router, query):
    faraday_router.get("/connections").respond(json=many_connections(60))

    response = client.get(LIST_URL, query)

    assert response.status_code == 200
    assert len(_row_names(response)) in (50, 10)
    assert len(faraday_router.calls) == 1


def test_search_holding_a_nul_character_is_ignored_and_not_echoed(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(json=MIXED)

    response = client.get(LIST_URL, {"q": "sales\x00"})

    assert response.status_code == 200
    assert response.context["filters"].q == ""
    assert len(_row_names(response)) == 5
    assert "\x00" not in response.content.decode()


# ---- faults and permissions -----------------------------------------------------------------


def test_upstream_fault_shows_banner_with_error_id_not_a_500(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(500, json=error_json())

    response = client.get(LIST_URL)

    assert response.status_code == 502
    banner = parse(response).find(id="upstream-error")
    assert "Faraday had a problem on its side" in banner.text
    assert ERROR_ID in banner.text
    assert _rows(response) == []
    assert pollers(response) == []


def test_upstream_timeout_shows_banner(client, viewer, faraday_router):
    faraday_router.get("/connections").mock(side_effect=httpx.ReadTimeout("slow"))

    response = client.get(LIST_URL)

    assert response.status_code == 502
    assert "Faraday didn't answer in time" in parse(response).find(id="upstream-error").text


def test_user_without_view_permission_gets_403_and_no_upstream_request(
    client, django_user_model, faraday_router
):
    login(client, django_user_model, "create_connection")

    response = client.get(LIST_URL)

    assert response.status_code == 403
    assert faraday_router.calls.call_count == 0


@pytest.mark.parametrize(
    ("directionality", "words"),
    [
        ("bidirectional", "Source and destination"),
        ("source_only", "Source only"),
        ("destination_only", "Destination only"),
        (None, "—"),
    ],
)
def test_direction_column_uses_plain_words(client, viewer, faraday_router, directionality, words):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json(directionality=directionality)]
    )

    [row] = _rows(client.get(LIST_URL))

    assert row.children[3].text == words
