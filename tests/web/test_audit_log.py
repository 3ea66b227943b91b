"""The audit log: one row per create attempt whatever happens, the page's filters and paging,
the CSV export, and that rows can't be changed or deleted."""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from faraday_admin.audit import selectors
from faraday_admin.audit.details import Detail
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import audit_record
from faraday_admin.audit.views import CSV_HEADER, safe_cell
from faraday_admin.connections.services import submission_token_issue

SECRET = AuditEntry.SECRET_MARKER
HTMX = {"HX-Request": "true"}


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _postgres_form(user, **overrides) -> dict[str, str]:
    data = {
        "submission_token": str(submission_token_issue(user=user)),
        "type": "postgres",
        "name": "Shop database",
        "host": "db.example.com",
        "port": "5432",
        "database": "shop",
        "schema": "public",
        "user": "faraday_reader",
        "password": "pg-password-123",
    }
    data.update(overrides)
    return data


@pytest.fixture
def onboarder_client(client, onboarder):
    client.force_login(onboarder)
    return client


def _create(client, user, **overrides):
    return client.post(reverse("connections:create"), _postgres_form(user, **overrides))


# ---- one row per create attempt, for every outcome -----------------------------------------


def test_created_connection_is_audited_as_success_with_its_id_and_masked_password(
    onboarder_client, onboarder, faraday_api
):
    faraday_api.router.post("/connections").respond(201, json=faraday_api.connection())

    response = _create(onboarder_client, onboarder)

    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.action == Action.CREATE
    assert entry.outcome == Outcome.SUCCESS
    assert entry.actor == onboarder
    assert entry.actor_username == onboarder.username
    assert entry.connection_type == "postgres"
    assert entry.connection_name == "Shop database"
    assert entry.faraday_connection_id == faraday_api.connection_id
    assert entry.duration_ms is not None
    assert entry.options["password"] == SECRET
    assert entry.options["host"] == "db.example.com"
    assert "pg-password-123" not in str(AuditEntry.objects.values().get())


def test_form_rejected_by_the_app_is_audited_as_rejected_without_calling_faraday(
    onboarder_client, onboarder, faraday_api
):
    response = _create(onboarder_client, onboarder, host="http://db.example.com:5432")

    assert response.status_code == 422
    assert not faraday_api.router.calls
    entry = AuditEntry.objects.get()
    assert entry.outcome == Outcome.REJECTED
    assert "host" in entry.detail_text
    assert entry.options["password"] == SECRET
    assert entry.http_status is None


FARADAY_ERRORS = [
    pytest.param(
        400,
        "VALIDATION_FAILED",
        [{"path": "/options/host", "message": "Bad host"}],
        id="validation",
    ),
    pytest.param(400, "BAD_REQUEST", None, id="bad-request"),
    pytest.param(401, "INVALID_AUTHORIZATION", None, id="auth"),
    pytest.param(403, "FORBIDDEN", None, id="forbidden"),
    pytest.param(404, "NOT_FOUND", None, id="not-found"),
    pytest.param(409, "CONFLICT", None, id="conflict"),
    pytest.param(403, "MAX_RESOURCES_REACHED", None, id="limit"),
    pytest.param(429, "RATE_LIMITED", None, id="rate-limited"),
    pytest.param(500, "INTERNAL_SERVER_ERROR", None, id="server"),
]


@pytest.mark.parametrize(("status", "code", "validation_errors"), FARADAY_ERRORS)
def test_create_refused_by_faraday_is_audited_with_status_code_and_error_id(
    onboarder_client, onboarder, faraday_api, status, code, validation_errors
):
    faraday_api.router.post("/connections").mock(
        return_value=faraday_api.error(status, code, validation_errors=validation_errors)
    )

    response = _create(onboarder_client, onboarder)

    assert response.status_code in (422, 502)
    entry = AuditEntry.objects.get()
    assert entry.outcome == Outcome.FARADAY_ERROR
    assert entry.http_status == status
    assert entry.faraday_error_code == code
    assert entry.faraday_error_id == faraday_api.error_id
    assert entry.options["password"] == SECRET
    assert len(faraday_api.router.calls) == 1  # a POST is never retried


def test_create_that_cannot_reach_faraday_is_audited_as_network_fault(
    onboarder_client, onboarder, faraday_api
):
    faraday_api.router.post("/connections").mock(side_effect=httpx.ConnectError("refused"))

    response = _create(onboarder_client, onboarder)

    assert response.status_code == 502
    entry = AuditEntry.objects.get()
    assert entry.outcome == Outcome.NETWORK_FAULT
    assert entry.detail_text == "network fault: refused"
    assert entry.http_status is None


def test_create_timing_out_unseen_upstream_is_audited_as_network_fault(
    onboarder_client, onboarder, faraday_api
):
    faraday_api.router.post("/connections").mock(side_effect=httpx.ReadTimeout("slow"))
    faraday_api.router.get("/connections").respond(200, json=[])

    _create(onboarder_client, onboarder)

    entry = AuditEntry.objects.get()
    assert entry.outcome == Outcome.NETWORK_FAULT
    assert entry.detail_text == "network fault: read_timeout"


def test_create_with_an_unreadable_answer_is_audited_as_bad_response(
    onboarder_client, onboarder, faraday_api
):
    faraday_api.router.post("/connections").respond(201, text="<html>gateway</html>")
    # Not in the list either: the app looked (a 2xx may have created it) and found nothing.
    lookup = faraday_api.router.get("/connections").respond(200, json=[])

    response = _create(onboarder_client, onboarder)

    assert response.status_code == 502
    assert lookup.call_count == 1
    entry = AuditEntry.objects.get()
    assert entry.outcome == Outcome.BAD_RESPONSE
    assert entry.http_status == 201


# ---- the page ---------------------------------------------------------------------------------


class Moment:
    """A settable clock for `created_at` (auto_now_add reads django.utils.timezone.now)."""

    def __init__(self, monkeypatch):
        self.at = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda: self.at)


@pytest.fixture
def moment(monkeypatch):
    return Moment(monkeypatch)


def _entry(actor: User | None = None, **fields) -> AuditEntry:
    defaults = {
        "action": Action.CREATE,
        "outcome": Outcome.SUCCESS,
        "connection_type": "postgres",
        "connection_name": "Shop database",
    }
    return audit_record(actor=actor, **{**defaults, **fields})


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


def _names(response) -> list[str]:
    listing = response.context["listing"]
    return [row.entry.connection_name for row in listing.rows]


def test_empty_log_says_nothing_is_recorded_yet(viewer_client):
    response = viewer_client.get(reverse("audit:list"))

    assert response.status_code == 200
    assert "Nothing recorded yet." in _text(response)
    assert "Download" not in _text(response)


def test_row_shows_every_column(viewer_client, onboarder):
    _entry(
        onboarder,
        outcome=Outcome.FARADAY_ERROR,
        connection_type="snowflake",
        connection_name="Snowflake - Marketing",
        faraday_connection_id="5e0dfa56-2d52-4c06-a870-bc79c71e86a3",
        http_status=409,
        duration_ms=1234,
        options={"account_name": "ACME", "password": "never-shown"},
        secret_names=["password"],
        detail=Detail("read_failed", {"network": "refused"}),
    )

    page = _text(viewer_client.get(reverse("audit:list")))

    assert onboarder.username in page
    assert "Create" in page
    assert "Snowflake - Marketing" in page
    assert "Snowflake" in page
    assert "Refused by Faraday" in page
    assert "✕" in page  # an icon beside the words, not colour alone
    assert 'href="/connections/5e0dfa56-2d52-4c06-a870-bc79c71e86a3/"' in page
    assert "409" in page
    assert "1,234 ms" in page
    assert "Account name" in page and "ACME" in page
    assert SECRET in page
    assert "never-shown" not in page
    assert "not sent: reading the connection first failed (network fault: refused)" in page


def test_error_code_and_error_id_appear_in_the_row(
    onboarder_client, onboarder, faraday_api, viewer
):
    faraday_api.router.post("/connections").mock(return_value=faraday_api.error(409, "CONFLICT"))
    _create(onboarder_client, onboarder)
    onboarder_client.force_login(viewer)

    page = _text(onboarder_client.get(reverse("audit:list")))

    assert "CONFLICT" in page
    assert faraday_api.error_id in page


def test_exact_time_is_shown_with_the_relative_time(viewer_client, moment):
    # naturaltime reads the real clock, so the entry is dated three hours before it.
    moment.at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    _entry()

    page = _text(viewer_client.get(reverse("audit:list")))

    assert moment.at.strftime("%-d %b %Y, %H:%M:%S UTC") in page
    assert f'<time datetime="{moment.at.isoformat()}">' in page
    assert (
        "3\xa0hours ago" in page
    )  # Django's timesince joins number and unit with a no-break space


def test_row_without_connection_id_or_error_shows_dashes_not_a_link(viewer_client):
    _entry(
        action=Action.KEY_TEST,
        connection_type="",
        connection_name="",
        detail=Detail("no_key_to_test"),
    )

    page = _text(viewer_client.get(reverse("audit:list")))

    assert "Test API key" in page
    assert 'href="/connections/' not in page.split("<table", 1)[1]


@pytest.fixture
def varied_log(onboarder, admin_user, moment):
    """Six entries across two actors, actions, outcomes, types and days."""
    _entry(onboarder, connection_name="pg ok day1")
    _entry(onboarder, connection_name="pg rejected day1", outcome=Outcome.REJECTED)
    moment.at += timedelta(days=1)
    _entry(admin_user, connection_name="sf ok day2", connection_type="snowflake")
    _entry(admin_user, connection_name="pg deleted day2", action=Action.DELETE)
    moment.at += timedelta(days=1)
    _entry(admin_user, connection_name="pg network day3", outcome=Outcome.NETWORK_FAULT)
    _entry(admin_user, connection_name="", connection_type="", action=Action.KEY_SAVE)
    return onboarder, admin_user


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [
                "",
                "pg network day3",
                "pg deleted day2",
                "sf ok day2",
                "pg rejected day1",
                "pg ok day1",
            ],
        ),
        ("actor=onboarder-user", ["pg rejected day1", "pg ok day1"]),
        ("action=delete", ["pg deleted day2"]),
        ("outcome=rejected", ["pg rejected day1"]),
        ("type=snowflake", ["sf ok day2"]),
        ("from=2026-03-11", ["", "pg network day3", "pg deleted day2", "sf ok day2"]),
        ("to=2026-03-10", ["pg rejected day1", "pg ok day1"]),
        ("from=2026-03-11&to=2026-03-11", ["pg deleted day2", "sf ok day2"]),
        ("actor=admin-role-user&type=postgres&outcome=success", ["pg deleted day2"]),
        (
            "action=not-an-action&outcome=nope",
            [
                "",
                "pg network day3",
                "pg deleted day2",
                "sf ok day2",
                "pg rejected day1",
                "pg ok day1",
            ],
        ),
    ],
)
def test_filters_narrow_the_rows(viewer_client, varied_log, query, expected):
    response = viewer_client.get(reverse("audit:list") + "?" + query)

    assert response.status_code == 200
    assert _names(response) == expected


def test_filter_state_stays_in_the_form_and_the_export_link(viewer_client, varied_log):
    page = _text(
        viewer_client.get(reverse("audit:list") + "?action=create&outcome=success&from=2026-03-10")
    )

    assert '<option value="create" selected>' in page
    assert '<option value="success" selected>' in page
    assert 'name="from" value="2026-03-10"' in page
    assert 'href="/audit/export.csv?action=create&outcome=success&from=2026-03-10"' in page
    assert "match these filters" in page
    assert "Clear filters" in page


def test_filter_without_match_says_so_and_offers_to_clear(viewer_client, varied_log):
    page = _text(viewer_client.get(reverse("audit:list") + "?action=rotate"))

    assert "No entry matches these filters." in page


def test_bad_dates_are_ignored_with_a_plain_message(viewer_client, varied_log):
    response = viewer_client.get(reverse("audit:list") + "?from=yesterday&to=2026-02-31")

    assert len(_names(response)) == 6
    assert "“yesterday” isn't a date" in _text(response)
    assert "“2026-02-31” isn't a date" in _text(response)


def test_from_after_to_explains_why_nothing_matches(viewer_client, varied_log):
    response = viewer_client.get(reverse("audit:list") + "?from=2026-03-12&to=2026-03-10")

    assert _names(response) == []
    assert "“From” is after “To”" in _text(response)


def test_date_range_uses_whole_days_in_the_site_time_zone(viewer_client, moment, settings):
    settings.TIME_ZONE = "America/New_York"
    moment.at = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)  # still 10 March in New York
    _entry(connection_name="late evening")

    response = viewer_client.get(reverse("audit:list") + "?from=2026-03-10&to=2026-03-10")

    assert _names(response) == ["late evening"]


ALL_SIX = ["", "pg network day3", "pg deleted day2", "sf ok day2", "pg rejected day1", "pg ok day1"]


def _export_names(response) -> list[str]:
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    return [row[CSV_HEADER.index("Connection name")] for row in rows[1:]]


@pytest.mark.parametrize(
    ("time_zone", "query", "expected"),
    [
        # The day after 9999-12-31 doesn't exist: the last day means "no upper bound".
        ("UTC", "to=9999-12-31", ALL_SIX),
        ("America/New_York", "to=9999-12-31", ALL_SIX),
        ("Pacific/Kiritimati", "to=9999-12-31", ALL_SIX),
        ("America/New_York", "to=9999-12-30", ALL_SIX),
        # Midnight on 0001-01-01 east of UTC is before the first instant a datetime can hold.
        ("Asia/Tokyo", "from=0001-01-01", ALL_SIX),
        ("UTC", "from=0001-01-01&to=9999-12-31", ALL_SIX),
        ("America/New_York", "from=9999-12-31", []),
        ("Asia/Tokyo", "to=0001-01-01", []),
    ],
)
@pytest.mark.parametrize("view", ["audit:list", "audit:export"])
def test_dates_at_the_ends_of_the_calendar_filter_without_failing(
    viewer_client, varied_log, settings, view, time_zone, query, expected
):
    settings.TIME_ZONE = time_zone

    response = viewer_client.get(reverse(view) + "?" + query)

    assert response.status_code == 200
    names = _names(response) if view == "audit:list" else _export_names(response)
    assert names == expected


@pytest.mark.parametrize("name", ["actor", "type"])
@pytest.mark.parametrize("view", ["audit:list", "audit:export"])
def test_text_filter_holding_a_nul_character_is_ignored(viewer_client, varied_log, view, name):
    # PostgreSQL refuses NUL in a text parameter; no user name or type key can hold one.
    response = viewer_client.get(reverse(view) + f"?{name}=onboarder%00-user&outcome=success")

    assert response.status_code == 200
    names = _names(response) if view == "audit:list" else _export_names(response)
    assert names == ["", "pg deleted day2", "sf ok day2", "pg ok day1"]


def test_text_filter_holding_a_nul_character_is_left_out_of_the_page(viewer_client, varied_log):
    response = viewer_client.get(reverse("audit:list") + "?actor=onboarder%00-user&type=a%00b")

    assert response.context["filters"].actor == ""
    assert response.context["filters"].type == ""
    assert "\x00" not in response.content.decode()
    assert "Clear filters" not in _text(response)


def test_date_holding_a_nul_character_is_ignored_with_a_plain_message(viewer_client, varied_log):
    response = viewer_client.get(reverse("audit:list") + "?from=2026-03%00-11&to=%002026-03-10")

    assert response.status_code == 200
    assert _names(response) == ALL_SIX
    page = _text(response)
    assert "isn't a date, so “From” was ignored" in page
    assert "isn't a date, so “To” was ignored" in page
    assert "\x00" not in page


@pytest.mark.parametrize("page", ["99999999999999999999999", "1e400", "-1", "nan", "9" * 5000])
def test_absurd_page_numbers_show_a_page_not_an_error(viewer_client, long_log, page):
    response = viewer_client.get(reverse("audit:list"), {"page": page})

    assert response.status_code == 200
    assert len(_names(response)) in (50, 20)


@pytest.fixture
def long_log(db, moment):
    for number in range(120):
        _entry(connection_name=f"entry {number:03}")
        moment.at += timedelta(minutes=1)


def test_log_is_paged_fifty_rows_at_a_time_newest_first(viewer_client, long_log):
    first = viewer_client.get(reverse("audit:list"))
    third = viewer_client.get(reverse("audit:list") + "?page=3")

    assert _names(first)[:2] == ["entry 119", "entry 118"]
    assert len(_names(first)) == 50
    assert len(_names(third)) == 20
    assert _names(third)[-1] == "entry 000"
    assert "Page 1 of 3" in _text(first)
    assert "120 entries" in _text(first)


def test_page_links_keep_the_filters(viewer_client, long_log):
    page = _text(viewer_client.get(reverse("audit:list") + "?outcome=success&page=2"))

    assert 'href="?outcome=success&page=1"' in page
    assert 'href="?outcome=success&page=3"' in page


def test_out_of_range_page_shows_the_last_page(viewer_client, long_log):
    response = viewer_client.get(reverse("audit:list") + "?page=99")

    assert len(_names(response)) == 20


def test_htmx_filter_request_returns_only_the_results(viewer_client, varied_log):
    response = viewer_client.get(reverse("audit:list") + "?action=delete", headers=HTMX)

    text = _text(response)
    assert "<html" not in text
    assert "pg deleted day2" in text
    # Besides the results, only the "Clear filters" link beside the form, out of band.
    clear, results = text.strip().split("\n", 1)
    assert clear == (
        '<span id="clear-filters" hx-swap-oob="true">'
        f'<a href="{reverse("audit:list")}">Clear filters</a></span>'
    )
    assert results.strip().startswith('<div id="audit-results">')


def test_htmx_request_without_filters_empties_the_clear_filters_link(viewer_client, varied_log):
    text = _text(viewer_client.get(reverse("audit:list"), headers=HTMX))

    assert text.strip().startswith('<span id="clear-filters" hx-swap-oob="true"></span>')


def test_full_page_holds_one_clear_filters_link_only_when_filtered(viewer_client, varied_log):
    filtered = _text(viewer_client.get(reverse("audit:list") + "?action=delete"))
    unfiltered = _text(viewer_client.get(reverse("audit:list")))

    assert filtered.count('id="clear-filters"') == 1
    assert filtered.count(">Clear filters</a>") == 1
    assert unfiltered.count('id="clear-filters"') == 1
    assert ">Clear filters</a>" not in unfiltered


# ---- CSV export -------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_export_is_a_streamed_csv_download_with_a_header_row(viewer_client, varied_log):
    response = viewer_client.get(reverse("audit:export"))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = _csv(response)
    assert tuple(rows[0]) == CSV_HEADER
    assert len(rows) == 7


def test_export_starts_with_a_byte_order_mark_for_spreadsheets(viewer_client, varied_log):
    body = b"".join(viewer_client.get(reverse("audit:export")).streaming_content)

    assert body.startswith("\ufeff".encode())


def test_export_contains_only_the_filtered_rows(viewer_client, varied_log):
    rows = _csv(
        viewer_client.get(reverse("audit:export") + "?actor=onboarder-user&outcome=rejected")
    )

    assert len(rows) == 2
    assert rows[1][CSV_HEADER.index("Connection name")] == "pg rejected day1"
    assert rows[1][CSV_HEADER.index("Outcome")] == "Rejected by this app"


def test_export_contains_every_matching_row_not_only_one_page(viewer_client, long_log):
    rows = _csv(viewer_client.get(reverse("audit:export") + "?page=2"))

    assert len(rows) == 121
    assert rows[1][CSV_HEADER.index("Connection name")] == "entry 119"


def test_export_row_has_each_value(viewer_client, onboarder, moment):
    _entry(
        onboarder,
        outcome=Outcome.FARADAY_ERROR,
        faraday_connection_id="abc-123",
        http_status=500,
        duration_ms=87,
        options={"host": "db.example.com", "password": "never-exported"},
        secret_names=["password"],
        detail=Detail("key_saved", {"last4": "9c3e"}),
    )

    (row,) = _csv(viewer_client.get(reverse("audit:export")))[1:]

    assert dict(zip(CSV_HEADER, row, strict=True)) == {
        "Time (UTC)": "2026-03-10T12:00:00+00:00",
        "Actor": "onboarder-user",
        "Action": "Create",
        "Connection type": "Postgres",
        "Connection name": "Shop database",
        "Outcome": "Refused by Faraday",
        "Faraday connection ID": "abc-123",
        "Error code": "",
        "Faraday error ID": "",
        "HTTP status": "500",
        "Duration (ms)": "87",
        "Submitted options": '{"host": "db.example.com", "password": "[secret: not stored]"}',
        "Detail": "saved the key ending …9c3e",
        "Changes": "",
        "Changes (JSON)": "",
    }


@pytest.mark.parametrize(
    "dangerous",
    ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(viewer_client, dangerous):
    _entry(connection_name=dangerous, detail=Detail("form_invalid", {"fields": [dangerous]}))

    (row,) = _csv(viewer_client.get(reverse("audit:export")))[1:]

    assert row[CSV_HEADER.index("Connection name")] == "'" + dangerous
    assert row[CSV_HEADER.index("Detail")] == "'" + dangerous


def test_rows_store_a_code_and_data_and_are_worded_only_on_display(viewer_client):
    entry = _entry(detail=Detail("key_tested", {"source": "stored key", "account": "Acme"}))

    assert (entry.detail_code, entry.detail_data) == (
        "key_tested",
        {"source": "stored key", "account": "Acme"},
    )
    assert entry.detail == ""
    page = _text(viewer_client.get(reverse("audit:list")))
    (row,) = _csv(viewer_client.get(reverse("audit:export")))[1:]
    assert "tested the stored key: account “Acme”" in page
    assert row[CSV_HEADER.index("Detail")] == "tested the stored key: account “Acme”"


def test_rows_written_before_detail_codes_keep_their_words(viewer_client):
    AuditEntry.objects.create(
        actor_username="old-timer",
        action=Action.CREATE,
        outcome=Outcome.REJECTED,
        detail="not sent: words stored before codes",
    )

    page = _text(viewer_client.get(reverse("audit:list")))
    (row,) = _csv(viewer_client.get(reverse("audit:export")))[1:]

    assert "not sent: words stored before codes" in page
    assert row[CSV_HEADER.index("Detail")] == "not sent: words stored before codes"


@pytest.mark.django_db
def test_a_refusal_is_stored_as_its_code_and_worded_by_the_connections_app():
    entry = _entry(
        outcome=Outcome.REJECTED,
        detail=Detail("refused", {"refusal": "still_used", "count": 2, "archived": 0}),
    )

    assert entry.detail_text.startswith("not sent: This connection is used by 2 datasets")


def test_safe_cell_leaves_ordinary_values_and_numbers_alone():
    assert safe_cell("Shop database") == "Shop database"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(500) == 500
    assert safe_cell(None) == ""


def test_export_of_an_empty_log_is_just_the_header(viewer_client):
    rows = _csv(viewer_client.get(reverse("audit:export")))

    assert rows == [list(CSV_HEADER)]


def test_export_reads_in_chunks_rather_than_all_at_once(long_log, django_assert_max_num_queries):
    filters = selectors.AuditFilters()
    with django_assert_max_num_queries(1):
        assert sum(1 for _ in selectors.audit_entry_export(filters=filters)) == 120


# ---- append-only ------------------------------------------------------------------------------


def test_saving_an_existing_entry_again_raises(db):
    entry = _entry()
    entry.connection_name = "Rewritten"

    with pytest.raises(TypeError):
        entry.save()
    assert AuditEntry.objects.get().connection_name == "Shop database"


def test_deleting_an_entry_raises(db):
    entry = _entry()

    with pytest.raises(TypeError):
        entry.delete()
    assert AuditEntry.objects.count() == 1


def test_bulk_update_and_delete_raise(db):
    _entry()

    with pytest.raises(TypeError):
        AuditEntry.objects.update(connection_name="Rewritten")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().connection_name == "Shop database"


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", password="unused-pw-123"))
    return client


def test_admin_lists_entries_with_filters_but_offers_no_add_change_or_delete(superuser_client):
    entry = _entry()

    listing = superuser_client.get(reverse("admin:audit_auditentry_changelist"))
    page = _text(listing)

    assert listing.status_code == 200
    assert "By action" in page and "By outcome" in page
    assert "delete_selected" not in page
    assert reverse("admin:audit_auditentry_add") not in page
    detail = superuser_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in _text(detail)


def test_admin_refuses_to_add_change_or_delete_entries_even_for_superusers(superuser_client):
    entry = _entry()

    add = superuser_client.post(reverse("admin:audit_auditentry_add"), {"actor_username": "x"})
    change = superuser_client.post(
        reverse("admin:audit_auditentry_change", args=[entry.pk]), {"connection_name": "Rewritten"}
    )
    delete = superuser_client.post(
        reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert AuditEntry.objects.get().connection_name == "Shop database"


def test_admin_shows_the_detail_in_words(client, django_user_model):
    entry = _entry(detail=Detail("key_saved", {"last4": "9c3e"}))
    client.force_login(django_user_model.objects.create_superuser("root", password="x" * 20))

    response = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))

    assert response.status_code == 200
    assert "saved the key ending …9c3e" in response.content.decode()
