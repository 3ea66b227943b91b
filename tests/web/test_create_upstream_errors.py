"""Every other way Faraday can fail a create: a worded banner, one audit row, never a 500."""

from dataclasses import dataclass

import httpx
import pytest

from faraday_admin.audit.models import AuditEntry, Outcome
from faraday_admin.connections.models import ConnectionRecord, SubmissionToken
from tests.payloads import ERROR_ID, api_error, error_json
from tests.web.create_helpers import CREATE_URL, HTMX, mysql_submission
from tests.web.html import is_partial, parse

PASSWORD = "pw-4b7a-valid"
ADMIN_STEP = "Ask an admin"


@dataclass(frozen=True)
class Failure:
    """What Faraday does to the POST, and what the person and the audit log must see."""

    id: str
    answer: httpx.Response | Exception
    title: str
    step: str
    outcome: Outcome
    code: str = ""
    error_id: str = ""
    http_status: int | None = None
    # A read timeout, a broken answer or a gateway's 502/503/504 makes the app look for the
    # connection first (it may have been created).
    looks_for_it: bool = False


FAILURES = [
    *(
        Failure(
            f"401-{code}",
            api_error(401, code),
            title,
            ADMIN_STEP,
            Outcome.FARADAY_ERROR,
            code,
            ERROR_ID,
            401,
        )
        for code, title in [
            ("MISSING_API_KEY", "No Faraday API key is set up."),
            ("MALFORMED_API_KEY", "Faraday didn't recognise the API key's format."),
            ("EXPIRED_API_KEY", "The Faraday API key has expired."),
            ("INVALID_AUTHORIZATION", "Faraday refused the API key."),
        ]
    ),
    Failure(
        "403-FORBIDDEN",
        api_error(403, "FORBIDDEN"),
        "Faraday says this account isn't allowed to do that.",
        ADMIN_STEP,
        Outcome.FARADAY_ERROR,
        "FORBIDDEN",
        ERROR_ID,
        403,
    ),
    Failure(
        "403-MAX_RESOURCES_REACHED",
        api_error(403, "MAX_RESOURCES_REACHED"),
        "Your Faraday account has reached its limit of connections.",
        "Archive or delete a connection you no longer use",
        Outcome.FARADAY_ERROR,
        "MAX_RESOURCES_REACHED",
        ERROR_ID,
        403,
    ),
    Failure(
        "409-CONFLICT",
        api_error(409, "CONFLICT", note="A connection with these details already exists."),
        "Faraday refused because it conflicts with something that already exists.",
        "A connection with these details already exists.",
        Outcome.FARADAY_ERROR,
        "CONFLICT",
        ERROR_ID,
        409,
    ),
    Failure(
        "400-BAD_REQUEST",
        api_error(400, "BAD_REQUEST", note="options.type is not supported."),
        "Faraday couldn't do that.",
        "options.type is not supported.",
        Outcome.FARADAY_ERROR,
        "BAD_REQUEST",
        ERROR_ID,
        400,
    ),
    Failure(
        "500-INTERNAL_SERVER_ERROR",
        api_error(500, "INTERNAL_SERVER_ERROR"),
        "Faraday had a problem on its side.",
        "contact Faraday support with the error ID below",
        Outcome.FARADAY_ERROR,
        "INTERNAL_SERVER_ERROR",
        ERROR_ID,
        500,
    ),
    Failure(
        "502-html",
        httpx.Response(502, html="<html><body><h1>502 Bad Gateway</h1></body></html>"),
        "Faraday is having trouble: it answered with an error page (502).",
        "Check the connections list",
        Outcome.BAD_RESPONSE,
        http_status=502,
        looks_for_it=True,
    ),
    Failure(
        "429-html",
        httpx.Response(429, html="<html><body>Too Many Requests</body></html>"),
        "Faraday is receiving too many requests right now.",
        "Wait a minute and try again.",
        Outcome.BAD_RESPONSE,
        http_status=429,
    ),
    Failure(
        "503-retry-after",
        httpx.Response(503, json={"note": "Down for maintenance"}, headers={"Retry-After": "120"}),
        "Faraday is temporarily unavailable.",
        "Faraday says: Down for maintenance. Wait about 2 minutes and try again.",
        Outcome.FARADAY_ERROR,
        http_status=503,
        looks_for_it=True,
    ),
    Failure(
        "429-retry-after",
        httpx.Response(429, json={"note": "Slow down"}, headers={"Retry-After": "30"}),
        "Faraday is receiving too many requests right now.",
        "Nothing was changed. Wait about 30 seconds and try again.",
        Outcome.FARADAY_ERROR,
        http_status=429,
    ),
    Failure(
        "201-malformed-json",
        httpx.Response(201, text='{"id": "5e0dfa56", "name": '),
        "Faraday sent an answer this app couldn't read.",
        "Check the connections list",
        Outcome.BAD_RESPONSE,
        http_status=201,
        looks_for_it=True,
    ),
    Failure(
        "201-not-a-connection",
        httpx.Response(201, json={"ok": True}),
        "Faraday sent an answer this app couldn't read.",
        "Check the connections list",
        Outcome.BAD_RESPONSE,
        http_status=201,
        looks_for_it=True,
    ),
    Failure(
        "400-malformed-json",
        httpx.Response(400, text="{not json"),
        "Faraday sent an answer this app couldn't read.",
        "Check the connections list",
        Outcome.BAD_RESPONSE,
        http_status=400,
    ),
    Failure(
        "connect-timeout",
        httpx.ConnectTimeout("timed out"),
        "This app couldn't reach Faraday.",
        "Nothing was sent.",
        Outcome.NETWORK_FAULT,
    ),
    Failure(
        "refused",
        httpx.ConnectError("[Errno 111] Connection refused"),
        "This app couldn't reach Faraday.",
        "Nothing was sent.",
        Outcome.NETWORK_FAULT,
    ),
    Failure(
        "read-timeout",
        httpx.ReadTimeout("timed out"),
        "Faraday didn't answer in time.",
        "check the connections list before trying again",
        Outcome.NETWORK_FAULT,
        looks_for_it=True,
    ),
    Failure(
        "broken-answer",
        httpx.RemoteProtocolError("peer closed connection"),
        "The connection to Faraday broke off.",
        "Check the connections list",
        Outcome.NETWORK_FAULT,
        looks_for_it=True,
    ),
]


@pytest.fixture
def mysql_data(signed_in_onboarder):
    return mysql_submission(signed_in_onboarder, PASSWORD)


def banner_texts(doc):
    banner = doc.by_id("upstream-error")
    return banner.find("p", class_="problem-title").find("strong").text, banner.text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.id)
def test_upstream_failure_shows_a_worded_banner_keeps_input_and_audits_once(
    client, create_faraday, mysql_data, failure, htmx
):
    create_faraday.answer_create(failure.answer)
    listing = create_faraday.router.get("/connections").respond(200, json=[])

    response = client.post(CREATE_URL, mysql_data, headers=HTMX if htmx else None)

    assert response.status_code == 502
    assert is_partial(response.content) == htmx
    content = response.content.decode()
    doc = parse(content)
    if htmx:
        assert doc.by_id("create-form")
    title, whole = banner_texts(doc)
    assert title == failure.title
    assert failure.step in whole
    assert "autofocus" in doc.by_id("upstream-error").attrs, "no field to blame: it takes focus"
    if failure.error_id:
        assert doc.by_id("upstream-error").find("code").text == failure.error_id
    else:
        assert "Faraday error ID" not in whole
    # POSTs are never retried.
    assert create_faraday.create_calls == 1
    assert listing.call_count == (1 if failure.looks_for_it else 0)
    fields = doc.by_id("type-fields")
    for name in ("name", "host", "port", "user", "database"):
        assert fields.control(name).attrs.get("value") == mysql_data[name]
    assert "value" not in fields.control("password").attrs
    assert PASSWORD not in content
    audit = AuditEntry.objects.get()
    assert audit.outcome == failure.outcome
    assert (audit.faraday_error_code, audit.faraday_error_id) == (failure.code, failure.error_id)
    assert audit.http_status == failure.http_status
    assert audit.options["password"] == AuditEntry.SECRET_MARKER
    assert ConnectionRecord.objects.count() == 0
    token = SubmissionToken.objects.get(token=mysql_data["submission_token"])
    assert token.claimed_at is None


def test_upstream_failure_then_resubmitting_the_same_form_creates_it(
    client, create_faraday, mysql_data
):
    create_faraday.answer_create(api_error(500, "INTERNAL_SERVER_ERROR"))
    client.post(CREATE_URL, mysql_data)
    create_faraday.answer_create(None)

    response = client.post(CREATE_URL, mysql_data)

    assert response.status_code == 302
    assert create_faraday.create_calls == 2
    assert ConnectionRecord.objects.count() == 1


def test_read_timeout_and_the_lookup_failing_too_is_still_one_post_and_a_banner(
    client, create_faraday, mysql_data
):
    create_faraday.answer_create(httpx.ReadTimeout("timed out"))
    create_faraday.router.get("/connections").respond(401, json=error_json("EXPIRED_API_KEY"))

    response = client.post(CREATE_URL, mysql_data)

    assert response.status_code == 502
    assert create_faraday.create_calls == 1
    title, _whole = banner_texts(parse(response.content))
    assert title == "Faraday didn't answer in time."
    assert AuditEntry.objects.get().outcome == Outcome.NETWORK_FAULT


def test_no_api_key_configured_shows_the_missing_key_banner_audits_and_keeps_the_token(
    client, mysql_data, settings
):
    settings.FARADAY_API_KEY = ""
    settings.FARADAY_DEMO = False

    response = client.post(CREATE_URL, mysql_data)

    assert response.status_code == 502
    title, whole = banner_texts(parse(response.content))
    assert title == "No Faraday API key is set up."
    assert ADMIN_STEP in whole
    audit = AuditEntry.objects.get()
    assert (audit.outcome, audit.faraday_error_code) == (Outcome.FARADAY_ERROR, "MISSING_API_KEY")
    token = SubmissionToken.objects.get(token=mysql_data["submission_token"])
    assert token.claimed_at is None


def test_not_found_on_the_create_post_means_a_wrong_address(client, create_faraday, mysql_data):
    create_faraday.answer_create(api_error(404, "NOT_FOUND", note="Route not found"))

    response = client.post(CREATE_URL, mysql_data)

    assert response.status_code == 502
    title, whole = banner_texts(parse(response.content))
    assert title == "Faraday didn't recognise the address this app uses for connections."
    assert "Ask an admin to check FARADAY_API_URL." in whole
    assert "couldn't find that connection" not in whole
