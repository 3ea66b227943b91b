"""Every error the app shows says who can fix it; where that is someone else, a ready message
with the specifics and a Copy button, never a secret."""

import html

import pytest
from django.urls import reverse

from tests.payloads import ERROR_ID
from tests.web.create_helpers import CANARY, CREATE_URL, HTMX, mysql_submission
from tests.web.test_fault_matrix import FAULTS

FIXERS = {
    "401-MISSING_API_KEY": "an admin of this app",
    "401-MALFORMED_API_KEY": "an admin of this app",
    "401-EXPIRED_API_KEY": "an admin of this app",
    "401-INVALID_AUTHORIZATION": "an admin of this app",
    "403-FORBIDDEN": "an admin of this app",
    "403-MAX_RESOURCES_REACHED": "an admin of this app",
    "409-CONFLICT": "you",
    "400-BAD_REQUEST": "Faraday support",
    "500-INTERNAL_SERVER_ERROR": "Faraday support",
    "502-html-body": "you",
    "429-html-body": "you",
    "503-retry-after": "you",
    "429-retry-after": "you",
    "201-truncated-json": "Faraday support",
    "201-not-a-connection": "Faraday support",
    "400-truncated-json": "Faraday support",
    "connect-timeout": "an admin of this app",
    "refused": "an admin of this app",
    "read-timeout": "you",
    "read-timeout-and-lookup-fails": "you",
    "read-timeout-and-lookup-refused": "you",
    "broken-answer": "you",
    "dns-failure": "an admin of this app",
    "tls-failure": "an admin of this app",
    "404-NOT_FOUND": "an admin of this app",
    "500-without-code": "Faraday support",
    "201-json-array": "Faraday support",
    "400-json-array": "Faraday support",
    "400-VALIDATION_FAILED": "you",
}


# The fault matrix's rows but its validation-path spellings (each one the same fault).
FAILURES = [f for f in FAULTS if not f.id.startswith("validation-path-")]


def test_the_expectations_cover_every_failure():
    assert set(FIXERS) == {f.id for f in FAILURES}


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.id)
def test_every_create_failure_says_who_fixes_it_with_a_message_without_the_password(
    client, create_faraday, signed_in_onboarder, failure
):
    create_faraday.answer_create(failure.answer)
    create_faraday.router.get("/connections").respond(200, json=[])
    data = mysql_submission(signed_in_onboarder, CANARY)

    body = client.post(CREATE_URL, data, headers=HTMX).content.decode()

    fixer = FIXERS[failure.id]
    assert f"<strong>Who can fix this:</strong> {fixer}" in html.unescape(body)
    assert CANARY not in body
    if fixer == "you":
        assert 'class="fix-message"' not in body
        return
    text = html.unescape(body)
    assert "“Shop DB” (MySQL)" in text
    assert f"Server: {data['host']}" in text
    assert f"User: {data['user']}" in text
    if failure.error_id:
        assert f"Faraday error ID: {ERROR_ID}" in text
    assert 'data-copy="fix-message-' in body
    assert "mailto:?subject=" in body


def test_an_admin_reading_an_admin_error_is_told_it_is_them(client, create_faraday, admin_user):
    from tests.payloads import api_error

    client.force_login(admin_user)
    create_faraday.answer_create(api_error(401, "EXPIRED_API_KEY"))
    body = html.unescape(
        client.post(CREATE_URL, mysql_submission(admin_user, CANARY)).content.decode()
    )
    assert "Who can fix this: you (as an admin of this app)." in body.replace(
        "<strong>", ""
    ).replace("</strong>", "")
    assert 'class="fix-message"' not in body


def test_a_form_this_app_refuses_says_you_fix_it(client, signed_in_onboarder):
    body = client.post(CREATE_URL, {"type": "mysql", "name": ""}).content.decode()
    assert "<strong>Who can fix this:</strong> you." in body


def test_a_missing_role_says_an_admin_fixes_it_with_a_message(client_for):
    response = client_for("Viewer").get(reverse("connections:create"))
    body = html.unescape(response.content.decode())
    assert response.status_code == 403
    assert "Who can fix this:</strong> an admin of this app." in body
    assert "Could you give my account the role this needs" in body
    assert "Page: /connections/new/" in body


def test_a_status_error_on_the_detail_page_says_your_it_team_with_the_specifics(
    client, viewer, faraday_router
):
    from tests.payloads import listed_connection_json
    from tests.web.list_helpers import serve_detail
    from tests.web.test_detail_page import DETAIL_URL

    client.force_login(viewer)
    serve_detail(
        faraday_router,
        listed_connection_json(
            status="error",
            status_error="Password incorrect",
            options={"type": "postgres", "host": "db.example.com", "user": "fdy", "port": 5432},
        ),
    )
    body = html.unescape(client.get(DETAIL_URL).content.decode())
    assert "Who can fix this:</strong> your IT team." in body
    assert "Server: db.example.com" in body and "User: fdy" in body
    assert "Faraday said: Password incorrect" in body


def test_a_refusal_for_a_managed_connection_says_faraday_support(
    client, admin_user, faraday_router
):
    from tests.payloads import listed_connection_json
    from tests.web.list_helpers import serve_detail

    client.force_login(admin_user)
    serve_detail(faraday_router, {**listed_connection_json(), "managed": True})
    from tests.payloads import CONNECTION_ID

    body = html.unescape(
        client.get(reverse("connections:archive", args=[CONNECTION_ID])).content.decode()
    )
    assert "Who can fix this:</strong> Faraday support." in body
    assert "Could you make this change to a connection Faraday manages for us?" in body
