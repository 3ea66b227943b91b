"""The connection detail page and its live status section."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from faraday_admin.connections.models import ConnectionRecord
from tests.payloads import CONNECTION_ID, ERROR_ID, error_json, listed_connection_json, ref_json
from tests.web.html import parse, pollers
from tests.web.list_helpers import CANARY, login, serve_detail, upstream_calls

pytestmark = pytest.mark.django_db

PEM_KEY = (
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\nMIIBCgKCAQEAupdX\n"
    "-----END PUBLIC KEY-----\n"
)
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINXUSPUPDrY3s5NRT6SOUr5YQGbtdGyW10N5a95xQ5iO faraday"

DETAIL_URL = reverse("connections:detail", args=[CONNECTION_ID])
STATUS_URL = reverse("connections:status", args=[CONNECTION_ID])
HTMX = {"HX-Request": "true"}
SEVEN_MB = 7 * 1024 * 1024


@pytest.fixture
def viewer(client, django_user_model):
    return login(client, django_user_model, "view_connections")


@pytest.fixture
def admin(client, django_user_model):
    return login(client, django_user_model, *_ALL, username="boss")


_ALL = (
    "view_connections",
    "edit_connection",
    "force_update_connection",
    "archive_connection",
    "delete_connection",
    "rotate_credentials",
)


def _properties(response) -> dict[str, str]:
    """The settings list as {label: text}."""
    dl = parse(response).find("dl", class_="properties")
    return {dt.text: dd.text for dt, dd in zip(dl.find_all("dt"), dl.find_all("dd"), strict=True)}


def _status(response):
    return parse(response).find(id="connection-status")


# ---- every field, in plain words ------------------------------------------------------------


def test_detail_shows_every_field_in_plain_words(client, viewer, faraday_router):
    connection = listed_connection_json(
        name="Marketing DB",
        options={
            "host": "db.example.com",
            "port": 5432,
            "database": "analytics",
            "schema": "public",
            "user": "faraday",
            "password": CANARY,
        },
        directionality="source_only",
        archived_at="2024-03-01T09:30:00Z",
    )
    serve_detail(faraday_router, connection)
    ConnectionRecord.objects.create(
        faraday_id=CONNECTION_ID,
        connection_type="postgres",
        name="Marketing DB",
        created_by_username="alice",
    )

    response = client.get(DETAIL_URL)

    assert response.status_code == 200
    assert sorted(upstream_calls(faraday_router)) == [
        ("GET", f"/v1/connections/{CONNECTION_ID}"),
        ("GET", f"/v1/connections/{CONNECTION_ID}/datasets"),
        ("GET", f"/v1/connections/{CONNECTION_ID}/targets"),
    ]
    page = parse(response)
    assert page.find("h1").text == "Marketing DB"
    props = _properties(response)
    assert props["Type"] == "Postgres (Databases)"
    assert props["Can be used as"] == "A source only (Faraday reads from it)"
    assert props["Host"] == "db.example.com"
    assert props["Port"] == "5432"
    assert props["Database"] == "analytics"
    assert props["Schema"] == "public"
    assert props["User"] == "faraday"
    assert props["Password"] == "Set (hidden)"
    assert props["Load balancer"] == "Not set"
    assert props["Faraday ID"] == CONNECTION_ID
    assert props["Created"].endswith(", here by alice")
    for label in (
        "Created",
        "Last changed",
        "Settings last changed",
        "Last read by Faraday",
        "Last successful update",
        "Archived",
    ):
        assert props[label] not in ("", "Never"), label
    # Exact times on hover.
    times = {t.attrs["datetime"][:19]: t.attrs["title"] for t in page.find_all("time")}
    assert times["2024-01-01T10:00:00"] == "1 January 2024, 10:00:00 UTC"
    assert times["2024-03-01T09:30:00"] == "1 March 2024, 09:30:00 UTC"
    status = _status(response)
    assert status.find(class_="badge-ready").text == "✓ Ready"
    assert status.find(class_="badge-archived").text == "▣ Archived"


def test_missing_timestamps_read_never(client, viewer, faraday_router):
    serve_detail(
        faraday_router,
        listed_connection_json(
            last_read_input_at=None, last_updated_output_at=None, directionality=None
        ),
    )

    props = _properties(client.get(DETAIL_URL))

    assert props["Last read by Faraday"] == "Never"
    assert props["Last successful update"] == "Never"
    assert props["Archived"] == "No"
    assert props["Can be used as"] == "Not reported"


def test_secret_option_is_shown_as_set_never_its_value(client, viewer, faraday_router):
    serve_detail(
        faraday_router,
        listed_connection_json(
            type="mysql",
            options={
                "host": "h.example.com",
                "port": 3306,
                "database": "d",
                "user": "u",
                "password": CANARY,
            },
        ),
    )

    response = client.get(DETAIL_URL)

    assert CANARY not in response.content.decode()
    assert _properties(response)["Password"] == "Set (hidden)"


@pytest.mark.parametrize(
    ("type_key", "options"),
    [
        # A type this app's catalog doesn't know yet, echoing a password.
        ("brand_new_db", {"host": "h.example.com", "password": CANARY}),
        # Faraday's reference page shows options it never documented for the type.
        ("snowflake", {"database": "d", "user": "u", "warehouse": "w", "private_key": CANARY}),
        ("stripe", {"client_secret": CANARY, "api_token": CANARY}),
    ],
)
def test_secret_looking_options_outside_the_catalog_are_hidden_too(
    client, viewer, faraday_router, type_key, options
):
    serve_detail(faraday_router, listed_connection_json(type=type_key, options=options))

    response = client.get(DETAIL_URL)

    assert response.status_code == 200
    assert CANARY not in response.content.decode()
    assert "Set (hidden)" in _properties(response).values()


@pytest.mark.parametrize(
    ("type_key", "options", "key"),
    [
        (
            "snowflake",
            {"database": "d", "user": "u", "warehouse": "w", "rsa_public_key": PEM_KEY},
            PEM_KEY.splitlines()[1],
        ),
        (
            "clickhouse",
            {"host": "h", "port": 9440, "database": "d", "user": "u", "ssh_public_key": SSH_KEY},
            SSH_KEY.split()[1],
        ),
    ],
)
def test_a_public_key_faraday_generated_is_not_a_setting_but_part_of_the_finish_step(
    client, viewer, faraday_router, type_key, options, key
):
    serve_detail(faraday_router, listed_connection_json(type=type_key, options=options))

    response = client.get(DETAIL_URL)

    page = parse(response)
    terms = [term.text.casefold() for term in page.find("dl", class_="properties").find_all("dt")]
    assert not any("public key" in term for term in terms)
    assert key in page.find("section", id="finish-step").text


# ---- contents in both shapes ----------------------------------------------------------------


def test_contents_as_table_names(client, viewer, faraday_router):
    serve_detail(faraday_router, listed_connection_json(contents=["my_table_1", "my_table_2"]))

    table = _status(client.get(DETAIL_URL)).find("table", class_="contents")

    assert [th.text for th in table.find("thead").find_all("th")] == ["Name"]
    assert [td.text for td in table.find("tbody").find_all("td")] == ["my_table_1", "my_table_2"]


def test_contents_as_rows_with_counts_and_human_sizes(client, viewer, faraday_router):
    serve_detail(
        faraday_router,
        listed_connection_json(
            contents=[
                {"name": "orders", "row_count": 1200000, "object_size": SEVEN_MB},
                {"name": "customers", "row_count": 0, "object_size": 512},
                {"name": "events"},
            ]
        ),
    )

    response = client.get(DETAIL_URL)

    table = _status(response).find("table", class_="contents")
    assert [th.text for th in table.find("thead").find_all("th")] == ["Name", "Rows", "Size"]
    rows = [[cell.text for cell in tr.children] for tr in table.find("tbody").find_all("tr")]
    assert rows == [
        ["orders", "1,200,000", "7.0 MB"],
        ["customers", "0", "512 bytes"],
        ["events", "—", "—"],
    ]
    assert "Faraday connected and found 3 items." in _status(response).text


# ---- errors, with what to check -------------------------------------------------------------


def test_status_error_is_prominent_with_a_hint(client, viewer, faraday_router):
    serve_detail(
        faraday_router,
        listed_connection_json(
            status="error",
            status_error="Could not connect to db.example.com:5432",
            contents_error="Password incorrect",
        ),
    )

    response = client.get(DETAIL_URL)

    alert = _status(response).find(role="alert")
    assert "Faraday couldn't use this connection" in alert.text
    assert "Could not connect to db.example.com:5432" in alert.text
    assert "What Faraday saw: Password incorrect" in alert.text
    assert "What to check: the user name and password" in alert.text
    assert pollers(response) == []


def test_contents_error_on_a_ready_connection_is_shown_too(client, viewer, faraday_router):
    serve_detail(
        faraday_router, listed_connection_json(status="ready", contents_error="Schema not found")
    )

    alert = _status(client.get(DETAIL_URL)).find(role="alert")

    assert "What Faraday saw: Schema not found" in alert.text
    assert "What to check" in alert.text


def test_error_hint_links_to_edit_for_those_who_may_edit(client, admin, faraday_router):
    serve_detail(faraday_router, listed_connection_json(status="error"))

    alert = _status(client.get(DETAIL_URL)).find(role="alert")

    assert alert.find("a", href=reverse("connections:edit", args=[CONNECTION_ID])) is not None


def test_error_hint_for_a_viewer_says_whom_to_ask(client, viewer, faraday_router):
    serve_detail(faraday_router, listed_connection_json(status="error"))

    alert = _status(client.get(DETAIL_URL)).find(role="alert")

    assert "ask an Onboarder to edit the connection" in alert.text
    assert alert.find("a", href=reverse("connections:edit", args=[CONNECTION_ID])) is None


# ---- managed connections are read-only ------------------------------------------------------


def test_managed_connection_is_read_only_with_the_reason(client, admin, faraday_router):
    serve_detail(faraday_router, listed_connection_json(managed=True))

    response = client.get(DETAIL_URL)

    page = parse(response)
    assert (
        "Faraday manages this connection, so it is read-only here"
        in page.find(class_="notice").text
    )
    assert page.find(class_="actions") is None
    for name in ("edit", "delete", "archive", "force-update", "rotate"):
        assert reverse(f"connections:{name}", args=[CONNECTION_ID]) not in response.content.decode()


def test_unmanaged_connection_offers_the_actions_the_user_may_take(client, admin, faraday_router):
    serve_detail(
        faraday_router, listed_connection_json(type="snowflake", options={"database": "d"})
    )

    actions = parse(client.get(DETAIL_URL)).find(class_="actions")

    assert [a.text for a in actions.find_all("a")] == [
        "Edit",
        "Update now",
        "Rotate credentials",
        "Archive",
        "Delete",
    ]


def test_viewer_sees_no_action_buttons(client, viewer, faraday_router):
    serve_detail(faraday_router, listed_connection_json())

    actions = parse(client.get(DETAIL_URL)).find(class_="actions")

    assert actions.find_all("a") == []


def test_rotate_is_offered_only_for_key_pair_types(client, admin, faraday_router):
    serve_detail(faraday_router, listed_connection_json())  # postgres

    response = client.get(DETAIL_URL)

    assert reverse("connections:rotate", args=[CONNECTION_ID]) not in response.content.decode()


# ---- what uses it ---------------------------------------------------------------------------


def test_datasets_and_targets_that_use_it_are_listed(client, viewer, faraday_router):
    serve_detail(
        faraday_router,
        listed_connection_json(),
        datasets=[ref_json("d-1", "Orders dataset", kind="datasets")],
        targets=[
            ref_json("t-1", "CRM export", kind="targets"),
            ref_json("t-2", "Old export", kind="targets", archived=True),
        ],
    )

    used_by = parse(client.get(DETAIL_URL)).find("ul", class_="dependents")

    assert [li.text for li in used_by.find_all("li")] == [
        "Dataset Orders dataset",
        "Target CRM export",
        "Target Old export (archived)",
    ]


def test_nothing_uses_it_says_so(client, viewer, faraday_router):
    serve_detail(faraday_router, listed_connection_json())

    response = client.get(DETAIL_URL)

    assert "No dataset or target uses this connection." in parse(response).text


# ---- live status ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["new", "starting", "running"])
def test_active_connection_status_section_polls_every_five_seconds(
    client, viewer, faraday_router, status
):
    serve_detail(faraday_router, listed_connection_json(status=status))

    response = client.get(DETAIL_URL)

    [poller] = pollers(response)
    assert poller.attrs["id"] == "connection-status"
    assert poller.attrs["hx-get"] == STATUS_URL
    assert poller.attrs["hx-trigger"] == "every 5s"
    assert poller.attrs["hx-swap"] == "outerHTML"
    assert "Faraday is checking the connection" in poller.text


def test_status_without_a_change_time_says_no_since(client, viewer, faraday_router):
    serve_detail(faraday_router, listed_connection_json(status="new", status_changed_at=None))

    text = " ".join(_status(client.get(DETAIL_URL)).text.split())

    assert "since" not in text
    assert "Never" not in text


def test_ready_connection_shows_contents_and_does_not_poll(client, viewer, faraday_router):
    serve_detail(faraday_router, listed_connection_json(status="ready", contents=["orders"]))

    response = client.get(DETAIL_URL)

    assert pollers(response) == []
    assert "hx-get" not in _status(response).attrs
    assert _status(response).find("table", class_="contents") is not None


def test_status_endpoint_makes_one_request_and_keeps_polling_while_active(
    client, viewer, faraday_router
):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        json=listed_connection_json(status="running")
    )

    response = client.get(STATUS_URL, headers=HTMX)

    assert upstream_calls(faraday_router) == [("GET", f"/v1/connections/{CONNECTION_ID}")]
    assert "<html" not in response.content.decode()
    [poller] = pollers(response)
    assert poller.attrs["hx-get"] == STATUS_URL
    assert poller.find(class_="badge-running").text == "◑ Running"


def test_status_endpoint_when_ready_shows_contents_and_stops_polling(
    client, viewer, faraday_router
):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        json=listed_connection_json(status="ready", contents=[{"name": "orders", "row_count": 5}])
    )

    response = client.get(STATUS_URL, headers=HTMX)

    assert pollers(response) == []
    section = _status(response)
    assert "hx-trigger" not in section.attrs
    assert section.find(class_="badge-ready").text == "✓ Ready"
    assert section.find("table", class_="contents").find("th", scope="row").text == "orders"


def test_status_endpoint_when_error_shows_error_and_what_to_do(client, viewer, faraday_router):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        json=listed_connection_json(status="error", status_error="Password incorrect")
    )

    response = client.get(STATUS_URL, headers=HTMX)

    assert pollers(response) == []
    alert = _status(response).find(role="alert")
    assert "Password incorrect" in alert.text
    assert "What to check" in alert.text


def test_detail_page_has_an_empty_status_news_region_and_polls_with_the_status_shown(
    client, viewer, faraday_router
):
    serve_detail(faraday_router, listed_connection_json(status="starting"))

    response = client.get(DETAIL_URL)

    news = parse(response).find(id="status-news")
    assert (news.attrs["role"], news.text.strip()) == ("status", "")
    assert json.loads(_status(response).attrs["hx-vals"]) == {"shown": "starting", "follow": 0}


@pytest.mark.parametrize(
    ("shown", "now", "said"),
    [
        ("running", "ready", "Status: Ready."),
        ("running", "error", "Status: Error."),
        ("new", "starting", "Status: Starting."),
    ],
)
def test_status_endpoint_reads_out_a_change_of_status_once(
    client, viewer, faraday_router, shown, now, said
):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        json=listed_connection_json(status=now)
    )

    response = client.get(STATUS_URL, {"shown": shown}, headers=HTMX)

    news = parse(response).find(id="status-news")
    assert news.attrs["hx-swap-oob"] == "innerHTML"
    assert " ".join(news.text.split()) == said


def test_status_endpoint_says_nothing_while_the_status_is_unchanged(client, viewer, faraday_router):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        json=listed_connection_json(status="running")
    )

    response = client.get(STATUS_URL, {"shown": "running"}, headers=HTMX)

    assert parse(response).find(id="status-news") is None
    assert json.loads(_status(response).attrs["hx-vals"]) == {"shown": "running", "follow": 0}


def test_status_endpoint_blip_keeps_the_status_shown_for_the_next_poll(
    client, viewer, faraday_router
):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(500, json=error_json())

    response = client.get(STATUS_URL, {"shown": 'run"ning'}, headers=HTMX)

    assert json.loads(_status(response).attrs["hx-vals"]) == {"shown": 'run"ning', "follow": 0}


def test_detail_page_told_to_follow_keeps_polling_a_final_status_for_a_while(
    client, viewer, faraday_router
):
    serve_detail(faraday_router, listed_connection_json(status="ready"))

    response = client.get(DETAIL_URL, {"follow": "6"})

    [poller] = pollers(response)
    assert json.loads(poller.attrs["hx-vals"]) == {"shown": "ready", "follow": 6}
    assert "Waiting for Faraday to start checking it again" in poller.text


@pytest.mark.parametrize(
    ("status", "follow", "polls_left"),
    [("ready", "3", 2), ("error", "1", None), ("running", "4", 0), ("ready", "99", 5)],
)
def test_status_endpoint_counts_down_the_polls_that_follow_a_final_status(
    client, viewer, faraday_router, status, follow, polls_left
):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        json=listed_connection_json(status=status)
    )

    response = client.get(STATUS_URL, {"shown": status, "follow": follow}, headers=HTMX)

    found = pollers(response)
    if polls_left is None:
        assert found == [], "the last poll that follows a final status stops polling"
    else:
        assert json.loads(found[0].attrs["hx-vals"])["follow"] == polls_left


@pytest.mark.parametrize("follow", ["", "-1", "x", "٣"])
def test_detail_page_ignores_a_junk_follow_value(client, viewer, faraday_router, follow):
    serve_detail(faraday_router, listed_connection_json(status="ready"))

    assert pollers(client.get(DETAIL_URL, {"follow": follow})) == []


def test_status_endpoint_upstream_blip_keeps_polling(client, viewer, faraday_router):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(500, json=error_json())

    response = client.get(STATUS_URL, headers=HTMX)

    assert response.status_code == 200
    [poller] = pollers(response)
    assert poller.attrs["hx-get"] == STATUS_URL
    assert "Couldn't refresh the status just now" in poller.text


# ---- faults and permissions -----------------------------------------------------------------


def test_unknown_connection_is_a_404_page_with_the_reason(client, viewer, faraday_router):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        404, json=error_json("NOT_FOUND", "no such connection")
    )

    response = client.get(DETAIL_URL)

    assert response.status_code == 404
    banner = parse(response).find(id="upstream-error")
    assert "Faraday couldn't find that connection" in banner.text
    assert ERROR_ID in banner.text


def test_upstream_fault_on_detail_is_a_banner_not_a_500(client, viewer, faraday_router):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(500, json=error_json())

    response = client.get(DETAIL_URL)

    assert response.status_code == 502
    assert "Faraday had a problem on its side" in parse(response).find(id="upstream-error").text


def test_unreadable_upstream_answer_is_a_banner(client, viewer, faraday_router):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(200, text="<html>oops</html>")

    response = client.get(DETAIL_URL)

    assert response.status_code == 502
    assert "couldn't read" in parse(response).find(id="upstream-error").text


def test_detail_without_view_permission_is_403_and_no_upstream_request(
    client, django_user_model, faraday_router
):
    login(client, django_user_model, "edit_connection")

    assert client.get(DETAIL_URL).status_code == 403
    assert client.get(STATUS_URL, headers=HTMX).status_code == 403
    assert faraday_router.calls.call_count == 0


# ---- polling follows any status that isn't final, and stops once it's gone ------------------


@pytest.mark.parametrize("status", ["pending", "queued"])
def test_undocumented_status_keeps_the_detail_page_polling(client, viewer, faraday_router, status):
    serve_detail(faraday_router, listed_connection_json(status=status))

    response = client.get(DETAIL_URL)

    [poller] = pollers(response)
    assert poller.attrs["hx-get"] == STATUS_URL
    assert "Faraday is checking the connection" in poller.text


def test_status_endpoint_keeps_polling_an_undocumented_status(client, viewer, faraday_router):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        json=listed_connection_json(status="pending")
    )

    response = client.get(STATUS_URL, headers=HTMX)

    [poller] = pollers(response)
    assert poller.attrs["hx-get"] == STATUS_URL


def test_status_endpoint_when_deleted_stops_polling_and_links_to_the_list(
    client, viewer, faraday_router
):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        404, json=error_json("NOT_FOUND", "no such connection")
    )

    response = client.get(STATUS_URL, headers=HTMX)

    assert response.status_code == 200  # swapped in, replacing the polling section
    assert pollers(response) == []
    section = _status(response)
    assert not any(key.startswith("hx-") for key in section.attrs)
    assert "This connection has been deleted." in section.text
    assert section.find("a", href=reverse("connections:list")) is not None


# ---- what to check fits the type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_key", "options", "present", "absent"),
    [
        (
            "postgres",
            None,
            ["the user name and password", "the host and port are right"],
            ["bucket"],
        ),
        (
            "snowflake",
            {"database": "d", "user": "u", "warehouse": "w"},
            ["the user name", "public key"],
            ["password", "host", "port"],
        ),
        (
            "s3_csv",
            {"bucket_name": "b", "aws_region": "us-east-1"},
            ["the bucket name", "access to the bucket"],
            ["user name", "password", "host", "port"],
        ),
        (
            "gcp_gcs_csv",
            {"bucket_name": "b", "project_id": "p"},
            ["the bucket name and project ID"],
            ["user name", "password", "host"],
        ),
        (
            "classic",
            {},
            ["the details entered for this connection"],
            ["user name", "password", "host", "port", "bucket"],
        ),
    ],
)
def test_error_hint_names_only_what_the_type_has(
    client, viewer, faraday_router, type_key, options, present, absent
):
    serve_detail(
        faraday_router,
        listed_connection_json(
            type=type_key, options=options, status="error", status_error="Failed"
        ),
    )

    alert = _status(client.get(DETAIL_URL)).find(role="alert")

    hint = next(p.text for p in alert.find_all("p") if p.text.startswith("What to check"))
    for words in present:
        assert words in hint
    for words in absent:
        assert words not in hint


def test_error_hint_from_the_status_endpoint_fits_the_type_too(client, viewer, faraday_router):
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        json=listed_connection_json(type="s3_csv", options={"bucket_name": "b"}, status="error")
    )

    alert = _status(client.get(STATUS_URL, headers=HTMX)).find(role="alert")

    assert "What to check: the bucket name" in alert.text
    assert "password" not in alert.text
