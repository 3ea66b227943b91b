"""Live status on the list: one poller, one upstream request a refresh, none once all are final."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests.payloads import error_json, listed_connection_json, many_connections
from tests.web.html import parse, pollers
from tests.web.list_helpers import login

pytestmark = pytest.mark.django_db

LIST_URL = reverse("connections:list")
ROWS_URL = reverse("connections:rows")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def viewer(client, django_user_model):
    return login(client, django_user_model, "view_connections")


def _poller_ids(node) -> list[str]:
    return parse_qs(urlsplit(node.attrs["hx-get"]).query)["ids"]


def _requested_ids(router) -> list[list[str]]:
    return [parse_qs(call.request.url.query.decode()).get("ids", []) for call in router.calls]


# ---- the list page --------------------------------------------------------------------------


def test_list_with_active_rows_has_one_poller_for_just_those_rows(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json("n-1", name="one", status="new"),
            listed_connection_json("s-1", name="two", status="starting"),
            listed_connection_json("r-1", name="three", status="running"),
            listed_connection_json("ok-1", name="four", status="ready"),
            listed_connection_json("er-1", name="five", status="error"),
        ]
    )

    response = client.get(LIST_URL)

    [poller] = pollers(response)
    assert poller.attrs["id"] == "status-poller"
    assert poller.attrs["hx-trigger"] == "every 5s"
    assert poller.attrs["hx-swap"] == "outerHTML"
    assert urlsplit(poller.attrs["hx-get"]).path == ROWS_URL
    assert sorted(_poller_ids(poller)) == ["n-1", "r-1", "s-1"]
    # No badge polls on its own (one request per refresh, not one per row).
    assert parse(response).find("span", hx_get=None) is None


def test_list_with_only_terminal_rows_does_not_poll(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json("ok-1", status="ready"),
            listed_connection_json("er-1", status="error"),
            listed_connection_json("ar-1", status="ready", archived_at="2024-03-01T00:00:00Z"),
        ]
    )

    response = client.get(LIST_URL, {"archived": "show"})

    assert pollers(response) == []
    assert "hx-trigger" not in parse(response).find(id="status-poller").attrs


def test_list_polls_only_the_active_rows_of_the_visible_page(client, viewer, faraday_router):
    # Newest first: page 1 holds c-0099…c-0050; the active ones are on both pages.
    connections = many_connections(100)
    for index in (10, 60, 99):
        connections[index]["status"] = "running"
    faraday_router.get("/connections").respond(json=connections)

    [poller] = pollers(client.get(LIST_URL))

    assert sorted(_poller_ids(poller)) == ["c-0060", "c-0099"]


def test_list_page_without_active_rows_on_it_does_not_poll(client, viewer, faraday_router):
    connections = many_connections(100)
    connections[10]["status"] = "new"  # on page 2 only
    faraday_router.get("/connections").respond(json=connections)

    assert pollers(client.get(LIST_URL)) == []


# ---- the rows endpoint ----------------------------------------------------------------------


def test_refresh_reads_the_list_the_list_page_cached_instead_of_asking_again(
    client, viewer, faraday_router
):
    route = faraday_router.get("/connections").respond(
        json=[
            listed_connection_json("n-1", name="one", status="starting"),
            listed_connection_json("r-1", name="two", status="running"),
            listed_connection_json("x-1", name="other", status="ready"),
        ]
    )

    client.get(LIST_URL)
    response = client.get(ROWS_URL, {"ids": ["r-1", "n-1"]}, headers=HTMX)

    assert response.status_code == 200
    assert route.call_count == 1  # the list page's, shared with every poller of the account
    assert _requested_ids(faraday_router) == [[]]
    assert [r.attrs["id"] for r in parse(response).find_all("tr")] == ["row-r-1", "row-n-1"]


def test_refresh_returns_the_rows_out_of_band_and_keeps_polling_while_active(
    client, viewer, faraday_router
):
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json("n-1", name="one", status="starting"),
            listed_connection_json("r-1", name="two", status="ready"),
        ]
    )

    response = client.get(ROWS_URL, {"ids": ["n-1", "r-1"]}, headers=HTMX)

    html = response.content.decode()
    assert "<html" not in html  # a fragment, not the page
    page = parse(response)
    rows = page.find_all("tr", hx_swap_oob="true")
    assert [row.attrs["id"] for row in rows] == ["row-n-1", "row-r-1"]
    # Table rows travel inside <template> so the parser keeps them.
    assert all(row.parent.tag == "template" for row in rows)
    assert rows[0].find(class_="badge-starting").text == "◔ Starting"
    assert rows[1].find(class_="badge-ready").text == "✓ Ready"
    [poller] = pollers(response)
    assert poller.attrs["id"] == "status-poller"
    assert poller.attrs["hx-trigger"] == "every 5s"
    assert _poller_ids(poller) == ["n-1"]


def test_refresh_once_all_terminal_removes_the_poller(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json("n-1", status="ready"),
            listed_connection_json("r-1", status="error", status_error="Password incorrect"),
        ]
    )

    response = client.get(ROWS_URL, {"ids": ["n-1", "r-1"]}, headers=HTMX)

    assert pollers(response) == []
    poller = parse(response).find(id="status-poller")
    assert poller is not None  # swapped in place of the polling one, so polling stops
    assert not any(key.startswith("hx-") for key in poller.attrs)
    assert [row.attrs["id"] for row in parse(response).find_all("tr", hx_swap_oob="true")] == [
        "row-n-1",
        "row-r-1",
    ]


def test_refresh_reads_out_the_rows_that_finished_checking(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json("n-1", name="Shop DB", status="ready"),
            listed_connection_json("s-1", name="Ads", status="running"),
            listed_connection_json("r-1", name="Lake", status="error"),
        ]
    )

    response = client.get(ROWS_URL, {"ids": ["n-1", "s-1", "r-1"]}, headers=HTMX)

    news = parse(response).find(id="status-news")
    assert news.attrs["hx-swap-oob"] == "innerHTML"
    assert " ".join(news.text.split()) == "Finished checking: Shop DB, Ready; Lake, Error."


def test_refresh_marks_a_row_faraday_no_longer_lists_instead_of_freezing_its_badge(
    client, viewer, faraday_router
):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json("s-1", status="running")]
    )

    response = client.get(ROWS_URL, {"ids": ["s-1", "g-1"]}, headers=HTMX)

    page = parse(response)
    gone = page.find("tr", id="row-g-1")
    assert gone.attrs["hx-swap-oob"] == "true"
    assert "Faraday no longer lists this connection" in gone.text
    assert gone.find("a").attrs["href"] == LIST_URL
    assert " ".join(page.find(id="status-news").text.split()) == (
        "1 connection no longer listed by Faraday."
    )
    assert _poller_ids(pollers(response)[0]) == ["s-1"]


def test_refresh_with_every_row_still_checking_says_nothing(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json("s-1", status="running")]
    )

    response = client.get(ROWS_URL, {"ids": ["s-1"]}, headers=HTMX)

    assert parse(response).find(id="status-news") is None


def test_list_page_holds_an_empty_status_news_region(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json("s-1", status="running")]
    )

    news = parse(client.get(LIST_URL)).find(id="status-news")

    assert (news.attrs["role"], news.text.strip()) == ("status", "")


def test_row_that_turns_to_error_shows_its_error_at_once(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json("r-1", status="error", status_error="Password incorrect")]
    )

    response = client.get(ROWS_URL, {"ids": ["r-1"]}, headers=HTMX)

    [row] = parse(response).find_all("tr", hx_swap_oob="true")
    assert row.find(class_="badge-error").text == "✕ Error"
    assert row.find(class_="row-error").text == "Password incorrect"


def test_row_in_error_without_status_error_shows_contents_error(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json(
                "r-1", status="error", status_error=None, contents_error="No tables"
            )
        ]
    )

    response = client.get(ROWS_URL, {"ids": ["r-1"]}, headers=HTMX)

    assert parse(response).find(class_="row-error").text == "No tables"


def test_refresh_without_ids_makes_no_upstream_request_and_stops(client, viewer, faraday_router):
    response = client.get(ROWS_URL, headers=HTMX)

    assert response.status_code == 200
    assert faraday_router.calls.call_count == 0
    assert pollers(response) == []


def test_refresh_answers_for_at_most_one_page_of_ids(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json(f"c-{i}", name=f"n{i}", status="running") for i in range(80)]
    )

    response = client.get(ROWS_URL, {"ids": [f"c-{i}" for i in range(80)]}, headers=HTMX)

    rows = parse(response).find_all("tr")
    assert [r.attrs["id"] for r in rows] == [f"row-c-{i}" for i in range(50)]


def test_refresh_upstream_blip_keeps_polling_and_says_so(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(500, json=error_json())

    response = client.get(ROWS_URL, {"ids": ["n-1"]}, headers=HTMX)

    assert response.status_code == 200
    [poller] = pollers(response)
    assert _poller_ids(poller) == ["n-1"]
    assert "Couldn't refresh just now" in poller.text
    assert parse(response).find_all("tr") == []


def test_refresh_without_view_permission_is_refused(client, django_user_model, faraday_router):
    login(client, django_user_model, "create_connection")

    response = client.get(ROWS_URL, {"ids": ["n-1"]}, headers=HTMX)

    assert response.status_code == 403
    assert faraday_router.calls.call_count == 0


@pytest.mark.parametrize("status", ["pending", "queued"])
def test_list_polls_rows_whose_status_is_not_final_even_if_undocumented(
    client, viewer, faraday_router, status
):
    faraday_router.get("/connections").respond(
        json=[
            listed_connection_json("p-1", status=status),
            listed_connection_json("ok-1", status="ready"),
        ]
    )

    [poller] = pollers(client.get(LIST_URL))

    assert _poller_ids(poller) == ["p-1"]


def test_refresh_keeps_polling_a_row_with_an_undocumented_status(client, viewer, faraday_router):
    faraday_router.get("/connections").respond(
        json=[listed_connection_json("p-1", status="pending")]
    )

    response = client.get(ROWS_URL, {"ids": ["p-1"]}, headers=HTMX)

    [poller] = pollers(response)
    assert _poller_ids(poller) == ["p-1"]
