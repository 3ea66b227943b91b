"""The security probe's smaller findings (issue 12, items 2 and 4 to 10), one test each at least:
refused attempts can't flood the log, /healthz, Cache-Control, the 400 and CSRF pages, wording,
hidden characters in names, redaction of Faraday's id and code, one-line refusals, idle sessions."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from unittest import mock

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from faraday_admin.audit import selectors as audit_selectors
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import audit_record
from faraday_admin.connections.forms import edit_form, form_class_for
from faraday_admin.connections.problems import describe_action_error
from faraday_admin.core.logging import OneLineRefusals
from faraday_admin.core.problems import describe_error
from faraday_admin.faraday_client import Connection
from faraday_admin.faraday_client.errors import error_from_response
from tests.web.create_helpers import CREATE_URL, HTMX, mysql_submission

pytestmark = pytest.mark.django_db


def _no_role_client() -> tuple[Client, User]:
    user = User.objects.create_user("nobody", password="unused-pw-123")
    client = Client()
    client.force_login(user)
    return client, user


# ---- 2: refused attempts ---------------------------------------------------------------------


def test_refused_create_by_someone_without_a_role_records_only_catalog_type_keys():
    client, user = _no_role_client()

    client.post(CREATE_URL, {"type": "<script>free text #1</script>", "name": "x"})
    client.post(CREATE_URL, {"type": "postgres", "name": "x"})

    rows = AuditEntry.objects.filter(actor=user).order_by("id")
    assert [r.connection_type for r in rows] == ["unknown", "postgres"]
    assert all(r.outcome == Outcome.REJECTED for r in rows)


@override_settings(REFUSED_WRITES_PER_MINUTE=5)
def test_refused_writes_past_the_limit_are_answered_429_and_not_audited():
    client, user = _no_role_client()

    statuses = [client.post(CREATE_URL, {"type": f"t{i}"}).status_code for i in range(12)]

    assert statuses == [403] * 5 + [429] * 7
    assert AuditEntry.objects.filter(actor=user).count() == 5
    last = client.post(CREATE_URL, {"type": "t"})
    assert last["Retry-After"] == "60"
    assert "wait 60 seconds" in last.content.decode()


@override_settings(REFUSED_WRITES_PER_MINUTE=3)
def test_refused_lifecycle_actions_count_towards_the_same_limit(viewer):
    client = Client()
    client.force_login(viewer)
    url = reverse("connections:delete", args=["5e0dfa56-2d52-4c06-a870-bc79c71e86a3"])

    statuses = [client.post(url).status_code for _ in range(5)]

    assert statuses == [403] * 3 + [429] * 2
    assert AuditEntry.objects.filter(actor=viewer).count() == 3


def test_free_text_types_already_in_the_log_collapse_into_one_filter_choice(viewer):
    for text in ("free text 1", "free text 2", "<b>3</b>"):
        audit_record(
            actor=None, action=Action.CREATE, outcome=Outcome.REJECTED, connection_type=text
        )
    audit_record(
        actor=None, action=Action.CREATE, outcome=Outcome.REJECTED, connection_type="postgres"
    )

    choices = audit_selectors.audit_type_choices()

    keys = [key for key, _label in choices]
    assert "free text 1" not in keys and "<b>3</b>" not in keys
    assert keys.count("unknown") == 1
    assert ("unknown", "Unknown type") in choices
    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("audit:list"), {"type": "unknown"}).content.decode()
    assert page.count("free text") == 2 and "&lt;b&gt;3&lt;/b&gt;" in page


def test_no_unknown_choice_when_the_log_holds_only_catalog_types():
    audit_record(
        actor=None, action=Action.CREATE, outcome=Outcome.REJECTED, connection_type="postgres"
    )

    assert "unknown" not in [key for key, _label in audit_selectors.audit_type_choices()]


# ---- 4: /healthz -----------------------------------------------------------------------------


def test_healthz_answers_503_json_when_the_database_is_down_even_with_a_session_cookie(viewer):
    client = Client()
    client.force_login(viewer)
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=DatabaseError("server closed the connection"),
    ):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


# ---- 5: Cache-Control ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("connections:list"),
        reverse("audit:list"),
        reverse("audit:export"),
        reverse("core:settings"),
        reverse("connections:create"),
    ],
)
def test_authenticated_pages_and_the_export_are_private_and_not_stored(admin_user, url):
    client = Client()
    client.force_login(admin_user)

    response = client.get(url)

    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


# ---- 6: 400 and CSRF pages -------------------------------------------------------------------


def test_csrf_failure_is_a_plain_words_page_with_a_way_back_to_the_form(onboarder):
    client = Client(enforce_csrf_checks=True)
    client.force_login(onboarder)

    response = client.post(CREATE_URL, {"type": "postgres", "name": "Shop"})

    text = response.content.decode()
    assert response.status_code == 403
    assert "Forbidden" not in text
    assert "Nothing was sent: this form had gone stale" in text
    assert f'href="{CREATE_URL}"' in text
    assert "Signed in as" in text  # still inside the app, with its navigation


def test_csrf_failure_over_htmx_puts_a_notice_above_the_form_without_reloading(onboarder):
    client = Client(enforce_csrf_checks=True)
    client.force_login(onboarder)

    response = client.post(CREATE_URL, {"type": "postgres"}, headers=HTMX)

    assert response.status_code == 409  # swapped by the page's htmx config
    assert response["HX-Retarget"] == "#main"
    assert response["HX-Reswap"] == "afterbegin"
    assert "HX-Refresh" not in response
    text = response.content.decode()
    assert 'role="alert"' in text and "<html" not in text
    assert f'href="{CREATE_URL}"' in text


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_post_gets_a_plain_words_400_page_inside_the_app(onboarder):
    client = Client()
    client.force_login(onboarder)

    response = client.post(CREATE_URL, {"type": "postgres", "name": "x" * 5000})

    text = response.content.decode()
    assert response.status_code == 400
    assert "Bad Request" not in text
    assert "couldn't take that request" in text
    assert f'href="{CREATE_URL}"' in text
    assert "Signed in as" in text


def test_bad_host_header_gets_the_plain_words_400_page():
    response = Client().get(reverse("login"), HTTP_HOST="evil.example.com")

    text = response.content.decode()
    assert response.status_code == 400
    assert "Bad Request (400)" not in text
    assert "couldn't take that request" in text


# ---- 7: wording ------------------------------------------------------------------------------


def test_404_from_the_list_endpoint_points_at_the_api_address_not_a_connection(faraday_api):
    faraday_api.router.get("/connections").mock(
        return_value=faraday_api.error(404, "NOT_FOUND", note="Not found")
    )
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="unused-pw-123"))

    text = client.get(reverse("connections:list")).content.decode()

    assert "couldn't find that connection" not in text
    assert "FARADAY_API_URL" in text


def test_409_on_delete_doesnt_speak_of_something_that_already_exists():
    error = error_from_response(
        status=409, body='{"error": "CONFLICT", "id": "e1"}', method="DELETE", path="/connections/x"
    )

    problem = describe_action_error(error, action="delete", cascade=False, dependents_listed=False)

    assert "already exists" not in problem.title
    assert "delete" in problem.title
    assert "archive this connection instead" in problem.next_step


@pytest.mark.parametrize("body", ["<html>Service Unavailable</html>", '{"error": "X"}'])
def test_503_with_retry_after_says_how_long_to_wait(body):
    error = error_from_response(
        status=503, body=body, method="GET", path="/connections", retry_after=120
    )

    step = describe_error(error).next_step

    assert "about 2 minutes" in step
    assert "a few minutes" not in step


def test_retry_after_reaches_the_error_from_a_gateway_page_through_the_client(faraday_api):
    faraday_api.router.post("/connections").mock(
        return_value=httpx.Response(503, text="<html>down</html>", headers={"Retry-After": "120"})
    )
    faraday_api.router.get("/connections").mock(return_value=httpx.Response(200, json=[]))
    client = Client()
    user = User.objects.create_superuser("root", password="unused-pw-123")
    client.force_login(user)

    text = client.post(CREATE_URL, mysql_submission(user, "pw-1")).content.decode()

    assert "about 2 minutes" in text


# ---- 8: hidden characters in names -----------------------------------------------------------


def _postgres_form(name: str):
    data = {
        "name": name,
        "host": "db.example.com",
        "port": "5432",
        "database": "shop",
        "schema": "public",
        "user": "reader",
        "password": "pw-123",
    }
    return form_class_for("postgres")(data)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("\u200b", "U+200B"),  # zero-width space (Cf)
        ("\u202eevil\u202c", "U+202E, U+202C"),  # bidi override (Cf)
        ("Shop\u2028DB", "U+2028"),  # line separator (Zl)
        ("Shop\u2029DB", "U+2029"),  # paragraph separator (Zp)
        ("Shop\x07DB", "U+0007"),  # control (Cc)
        ("Shop\u2066DB", "U+2066"),  # bidi isolate (Cf)
    ],
)
def test_names_with_hidden_characters_are_refused_with_a_clear_message(name, shown):
    form = _postgres_form(name)

    assert not form.is_valid()
    message = " ".join(form.errors["name"])
    assert shown in message
    assert "Retype the name" in message


@pytest.mark.parametrize("name", ["\u3000", "\u0301", "\u00a0\u2003"])
def test_a_name_needs_a_visible_character(name):
    form = _postgres_form(name)

    assert not form.is_valid()
    assert "name" in form.errors


@pytest.mark.parametrize("name", ["Shop DB", "Café – Marketing", "東京 warehouse", "Ünïcödé 1"])
def test_ordinary_names_are_still_accepted(name):
    form = _postgres_form(name)

    assert form.is_valid(), form.errors


def test_the_edit_form_refuses_hidden_characters_too():
    connection = Connection.from_json(
        {
            "id": "5e0dfa56-2d52-4c06-a870-bc79c71e86a3",
            "name": "Shop",
            "options": {"type": "postgres", "host": "db.example.com", "port": 5432},
            "status": "ready",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
    )

    form = edit_form(connection, {"name": "\u202eevil", "host": "db.example.com", "port": "5432"})

    assert not form.is_valid()
    assert "U+202E" in " ".join(form.errors["name"])


# ---- 9: Faraday's id and error code are redacted too -----------------------------------------

CANARY = "canary-pw-Zx91"


def test_a_typed_secret_quoted_in_faradays_id_or_code_is_never_shown_or_stored(
    client, signed_in_onboarder, create_faraday
):
    create_faraday.answer_create(
        httpx.Response(400, json={"error": f"CODE-{CANARY}", "id": f"id-{CANARY}", "note": "no"})
    )

    response = client.post(CREATE_URL, mysql_submission(signed_in_onboarder, CANARY))

    assert response.status_code in (422, 502)
    assert CANARY not in response.content.decode()
    row = AuditEntry.objects.get()
    assert CANARY not in row.faraday_error_code
    assert CANARY not in row.faraday_error_id
    assert CANARY not in str(row.options) + str(row.detail_data) + row.detail_text


# ---- 10: refusals in one log line; idle sessions ---------------------------------------------


@pytest.fixture
def console_output():
    """What the configured console handler writes (its filters included)."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, OneLineRefusals) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_refused_request_is_logged_in_one_line_without_a_traceback(viewer, console_output):
    client = Client()
    client.force_login(viewer)

    assert client.post(CREATE_URL, {"type": "postgres"}).status_code == 403
    assert Client().get("/", HTTP_HOST="evil.example.com").status_code == 400

    lines = [line for line in console_output.getvalue().splitlines() if line]
    assert any("Forbidden" in line and CREATE_URL in line for line in lines)
    assert any("Invalid HTTP_HOST" in line for line in lines)
    assert "Traceback" not in console_output.getvalue()
    assert len(lines) == 2


def test_sessions_end_after_eight_idle_hours_by_default():
    assert settings.SESSION_IDLE_TIMEOUT == 8 * 60 * 60
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False


def test_a_request_renews_the_idle_timeout(viewer):
    client = Client()
    client.force_login(viewer)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=1))

    client.get(reverse("connections:list"))

    renewed = Session.objects.get(pk=key).expire_date - timezone.now()
    assert renewed > timedelta(hours=7, minutes=59)


def test_an_idle_session_is_signed_out(viewer):
    client = Client()
    client.force_login(viewer)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(reverse("connections:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_healthz_leaves_the_session_alone(viewer):
    client = Client()
    client.force_login(viewer)
    key = client.session.session_key
    soon = timezone.now() + timedelta(minutes=1)
    Session.objects.filter(pk=key).update(expire_date=soon)

    client.get(reverse("healthz"))

    assert Session.objects.get(pk=key).expire_date == soon
