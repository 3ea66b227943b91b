"""The canonical upstream fault matrix: one row per way Faraday (or the network) can fail.

For each row on the create page: no 500 (422 for Faraday's validation errors, 502 otherwise),
the title that `messages.describe_error` gives that error class and kind (validation messages
on the field they name), the typed non-secret values re-rendered, the secret never echoed, and
exactly one audit row with the right outcome, error code and error id. Smaller matrices run a
lifecycle action (force update) and the list page through the same faults. The create path's only
fault matrix: tests/web/test_fix_notes.py reads its rows too.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import httpx
import pytest

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.connections.models import ConnectionRecord, SubmissionToken
from faraday_admin.core import roles, upstream
from faraday_admin.core.problems import describe_error
from faraday_admin.faraday_client import (
    AuthFailed,
    BadRequest,
    BadResponse,
    Conflict,
    FaradayClient,
    FaradayError,
    Forbidden,
    LimitReached,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
    ValidationFailed,
)
from tests.payloads import CONNECTION_ID, ERROR_ID, api_error
from tests.payloads import listed_connection_json as listed_connection
from tests.web.create_helpers import CREATE_URL, HTMX, catalog_type, form_data, issue_token
from tests.web.html import field_errors, form_errors, is_partial, parse
from tests.web.list_helpers import serve_detail

PASSWORD = "pw-SECRET-4b7a-never-shown"
ADMIN_STEP = "Ask an admin"
TYPE = "mysql"
GENERIC_TITLE = describe_error(FaradayError()).title
VALIDATION_MESSAGE = "Faraday cannot resolve this host."
VALIDATION_SUGGESTION = "Check the spelling."

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


# ---- how each fault is produced -------------------------------------------------------------


def _connect_error(message: str, cause: BaseException) -> Callable[[httpx.Request], None]:
    """httpx's ConnectError as httpcore raises it: the OS or TLS error chained as the cause."""

    def raise_it(request: httpx.Request) -> None:
        raise httpx.ConnectError(message, request=request) from cause

    return raise_it


REFUSED = _connect_error(
    "[Errno 111] Connection refused", ConnectionRefusedError(111, "Connection refused")
)
DNS_FAILURE = _connect_error(
    "[Errno -2] Name or service not known",
    socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
)
TLS_FAILURE = _connect_error(
    "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
    ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate"),
)
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>"
TRUNCATED = '{"id": "5e0dfa56-2d52-4c06-a870-bc79c71e86a3", "name": "Shop DB", "opt'


def validation_error(path: str) -> httpx.Response:
    items = [{"path": path, "message": VALIDATION_MESSAGE, "suggestion": VALIDATION_SUGGESTION}]
    return api_error(400, "VALIDATION_FAILED", note="Invalid request", validation_errors=items)


@dataclass(frozen=True)
class Fault:
    """One upstream fault and what the person and the audit log must see."""

    id: str
    answer: Answer
    # The error the client must raise for it: the page shows describe_error(expected).title.
    expected: FaradayError
    outcome: Outcome
    page_status: int = 502
    http_status: int | None = None
    code: str = ""
    error_id: str = ""
    # Text that only this fault's next step holds (Faraday's note, the Retry-After wait).
    step_contains: str = ""
    # Validation rows: the form field that must carry Faraday's message.
    field: str | None = None
    # How GET /connections answers when the app looks for a create that may have landed.
    lookup: Answer | None = None
    lookups: int = 0

    @property
    def title(self) -> str:
        return describe_error(self.expected).title

    @property
    def network_kind(self) -> str | None:
        return self.expected.kind if isinstance(self.expected, NetworkError) else None


def network(kind: str) -> NetworkError:
    return NetworkError(kind=kind)


def code_row(status: int, code: str, cls: type[FaradayError], **kwargs) -> Fault:
    note = kwargs.pop("note", "")
    where = {key: kwargs.pop(key) for key in ("method", "path") if key in kwargs}
    return Fault(
        f"{status}-{code}",
        api_error(status, code, note=note),
        cls(status=status, code=code, note=note or code, **where),
        Outcome.FARADAY_ERROR,
        http_status=status,
        code=code,
        error_id=ERROR_ID,
        **kwargs,
    )


PATH_TARGETS = {
    "/options/host": "host",
    "options.host": "host",
    ".options.host": "host",
    "$.options.host": "host",
    "body.options.host": "host",
    "host": "host",
    "/name": "name",
    "options[host]": "host",
}

FAULTS = [
    # No HTTP answer at all.
    Fault(
        "connect-timeout",
        httpx.ConnectTimeout("timed out"),
        network("connect_timeout"),
        Outcome.NETWORK_FAULT,
        step_contains="Nothing was sent.",
    ),
    Fault(
        "read-timeout",
        httpx.ReadTimeout("timed out"),
        network("read_timeout"),
        Outcome.NETWORK_FAULT,
        step_contains="check the connections list before trying again",
        lookups=1,  # the create may have landed: the app looks before saying anything
    ),
    Fault(
        "read-timeout-and-lookup-fails",
        httpx.ReadTimeout("timed out"),
        network("read_timeout"),
        Outcome.NETWORK_FAULT,
        step_contains="check the connections list before trying again",
        lookup=httpx.ReadTimeout("timed out"),
        lookups=1,
    ),
    Fault(
        "read-timeout-and-lookup-refused",
        httpx.ReadTimeout("timed out"),
        network("read_timeout"),
        Outcome.NETWORK_FAULT,
        step_contains="check the connections list before trying again",
        lookup=api_error(401, "EXPIRED_API_KEY"),
        lookups=1,
    ),
    Fault(
        "broken-answer",
        httpx.RemoteProtocolError("peer closed connection"),
        network("protocol"),
        Outcome.NETWORK_FAULT,
        step_contains="Check the connections list",
        lookups=1,
    ),
    Fault(
        "refused",
        REFUSED,
        network("refused"),
        Outcome.NETWORK_FAULT,
        step_contains="Nothing was sent.",
    ),
    Fault(
        "dns-failure",
        DNS_FAILURE,
        network("dns"),
        Outcome.NETWORK_FAULT,
        step_contains="Nothing was sent.",
    ),
    Fault(
        "tls-failure",
        TLS_FAILURE,
        network("tls"),
        Outcome.NETWORK_FAULT,
        step_contains="certificates",
    ),
    # Answers that are errors without a Faraday error code, or cannot be read.
    Fault(
        "500-without-code",
        httpx.Response(500, json={"message": "Internal Server Error"}),
        ServerError(status=500),
        Outcome.FARADAY_ERROR,
        http_status=500,
        step_contains="Try again in a few minutes.",
    ),
    Fault(
        "502-html-body",
        httpx.Response(502, html=HTML_502),
        BadResponse(status=502),
        Outcome.BAD_RESPONSE,
        http_status=502,
        step_contains="Check the connections list",
        lookups=1,  # a gateway's error: the create may have landed, so the app looks
    ),
    Fault(
        "429-html-body",
        httpx.Response(429, html="<html><body>Too Many Requests</body></html>"),
        BadResponse(status=429),
        Outcome.BAD_RESPONSE,
        http_status=429,
        step_contains="Wait a minute and try again.",
    ),
    Fault(
        "503-retry-after",
        httpx.Response(503, json={"note": "Down for maintenance"}, headers={"Retry-After": "120"}),
        ServerError(status=503, retry_after=120),
        Outcome.FARADAY_ERROR,
        http_status=503,
        lookups=1,
        step_contains="Faraday says: Down for maintenance. Wait about 2 minutes and try again.",
    ),
    Fault(
        "429-retry-after",
        httpx.Response(429, json={"note": "Slow down"}, headers={"Retry-After": "30"}),
        RateLimited(status=429, retry_after=30),
        Outcome.FARADAY_ERROR,
        http_status=429,
        step_contains="Nothing was changed. Wait about 30 seconds and try again.",
    ),
    Fault(
        "201-truncated-json",
        httpx.Response(201, text=TRUNCATED),
        BadResponse(status=201),
        Outcome.BAD_RESPONSE,
        http_status=201,
        step_contains="Check the connections list",
        lookups=1,  # a 2xx we couldn't read most likely created it: the app looks
    ),
    Fault(
        "400-truncated-json",
        httpx.Response(400, text='{"error": "VALIDATION_FAI'),
        BadResponse(status=400),
        Outcome.BAD_RESPONSE,
        http_status=400,
        step_contains="Check the connections list",
    ),
    Fault(
        "201-not-a-connection",
        httpx.Response(201, json={"ok": True}),
        BadResponse(status=201),
        Outcome.BAD_RESPONSE,
        http_status=201,
        step_contains="Check the connections list",
        lookups=1,
    ),
    Fault(
        "201-json-array",
        httpx.Response(201, json=[{"id": CONNECTION_ID, "name": "Shop DB"}]),
        BadResponse(status=201),
        Outcome.BAD_RESPONSE,
        http_status=201,
        step_contains="Check the connections list",
        lookups=1,  # a 2xx we couldn't read most likely created it: the app looks
    ),
    Fault(
        "400-json-array",
        httpx.Response(400, json=[{"error": "BAD_REQUEST"}]),
        BadRequest(status=400),
        Outcome.FARADAY_ERROR,
        http_status=400,
    ),
    # Each of Faraday's documented error codes.
    # With a note, the note is the next step.
    code_row(
        400,
        "BAD_REQUEST",
        BadRequest,
        note="options.type is not supported.",
        step_contains="options.type is not supported.",
    ),
    code_row(403, "FORBIDDEN", Forbidden, step_contains=ADMIN_STEP),
    code_row(
        403,
        "MAX_RESOURCES_REACHED",
        LimitReached,
        step_contains="Archive or delete a connection you no longer use",
    ),
    code_row(
        500,
        "INTERNAL_SERVER_ERROR",
        ServerError,
        step_contains="contact Faraday support with the error ID below",
    ),
    code_row(401, "INVALID_AUTHORIZATION", AuthFailed, step_contains=ADMIN_STEP),
    # A 404 on POST /connections: the app is pointed at the wrong address.
    code_row(
        404,
        "NOT_FOUND",
        NotFound,
        method="POST",
        path="/connections",
        step_contains="Ask an admin to check FARADAY_API_URL.",
    ),
    code_row(401, "MALFORMED_API_KEY", AuthFailed, step_contains=ADMIN_STEP),
    code_row(401, "MISSING_API_KEY", AuthFailed, step_contains=ADMIN_STEP),
    code_row(401, "EXPIRED_API_KEY", AuthFailed, step_contains=ADMIN_STEP),
    code_row(
        409,
        "CONFLICT",
        Conflict,
        note="A connection with these details already exists.",
        step_contains="A connection with these details already exists.",
    ),
    code_row(
        400,
        "VALIDATION_FAILED",
        ValidationFailed,
        note="The port is closed to Faraday's IP addresses.",
        page_status=422,
    ),
    # Each spelling of a validation error's path.
    *(
        Fault(
            f"validation-path-{path}",
            validation_error(path),
            ValidationFailed(status=400, code="VALIDATION_FAILED"),
            Outcome.FARADAY_ERROR,
            page_status=422,
            http_status=400,
            code="VALIDATION_FAILED",
            error_id=ERROR_ID,
            field=target,
        )
        for path, target in PATH_TARGETS.items()
    ),
]

ERROR_CODES = {
    "BAD_REQUEST",
    "FORBIDDEN",
    "MAX_RESOURCES_REACHED",
    "INTERNAL_SERVER_ERROR",
    "INVALID_AUTHORIZATION",
    "NOT_FOUND",
    "MALFORMED_API_KEY",
    "MISSING_API_KEY",
    "EXPIRED_API_KEY",
    "CONFLICT",
    "VALIDATION_FAILED",
}


def row(fault_id: str) -> Fault:
    return next(f for f in FAULTS if f.id == fault_id)


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def onboarder_client(client_for):
    return client_for(roles.ONBOARDER)


@pytest.fixture
def submission(onboarder_client, client_for):
    user = client_for.users[roles.ONBOARDER]
    data, _options = form_data(TYPE, issue_token(user), name="Shop DB")
    return data | {"password": PASSWORD}


def banner(doc) -> tuple[str, str]:
    """(the title, the whole banner's text) of `#upstream-error`."""
    box = doc.by_id("upstream-error")
    return box.find("p", class_="problem-title").find("strong").text, box.text


# ---- the table itself -----------------------------------------------------------------------


def test_the_matrix_covers_every_faraday_error_code_and_path_spelling():
    assert {f.code for f in FAULTS if f.id.endswith(f.code) and f.code} == ERROR_CODES
    assert {f.id.removeprefix("validation-path-") for f in FAULTS if f.field} == set(PATH_TARGETS)
    kinds = {f.network_kind for f in FAULTS} - {None}
    assert kinds == {"connect_timeout", "read_timeout", "refused", "dns", "tls", "protocol"}


def test_the_matrix_expects_a_specific_title_for_every_fault_but_a_bare_bad_request():
    generic = [f.id for f in FAULTS if f.title == GENERIC_TITLE]
    assert generic == ["400-json-array", "400-BAD_REQUEST"]


@pytest.mark.parametrize(
    ("fault_id", "title"),
    [
        ("401-MISSING_API_KEY", "No Faraday API key is set up."),
        ("401-MALFORMED_API_KEY", "Faraday didn't recognise the API key's format."),
        ("401-EXPIRED_API_KEY", "The Faraday API key has expired."),
        ("401-INVALID_AUTHORIZATION", "Faraday refused the API key."),
        ("403-FORBIDDEN", "Faraday says this account isn't allowed to do that."),
        ("403-MAX_RESOURCES_REACHED", "Your Faraday account has reached its limit of connections."),
        (
            "409-CONFLICT",
            "Faraday refused because it conflicts with something that already exists.",
        ),
        ("400-BAD_REQUEST", "Faraday couldn't do that."),
        ("500-INTERNAL_SERVER_ERROR", "Faraday had a problem on its side."),
        ("404-NOT_FOUND", "Faraday didn't recognise the address this app uses for connections."),
        ("502-html-body", "Faraday is having trouble: it answered with an error page (502)."),
        ("429-html-body", "Faraday is receiving too many requests right now."),
        ("503-retry-after", "Faraday is temporarily unavailable."),
        ("429-retry-after", "Faraday is receiving too many requests right now."),
        ("201-truncated-json", "Faraday sent an answer this app couldn't read."),
        ("201-not-a-connection", "Faraday sent an answer this app couldn't read."),
        ("400-truncated-json", "Faraday sent an answer this app couldn't read."),
        ("connect-timeout", "This app couldn't reach Faraday."),
        ("refused", "This app couldn't reach Faraday."),
        ("read-timeout", "Faraday didn't answer in time."),
        ("broken-answer", "The connection to Faraday broke off."),
    ],
)
def test_the_matrix_titles_are_these_plain_words(fault_id, title):
    """The page test compares with describe_error; this pins the words a person reads."""
    assert row(fault_id).title == title


# ---- the create page ------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_create_with_upstream_fault_answers_a_worded_page_keeps_input_and_audits_once(
    onboarder_client, create_faraday, submission, fault, htmx
):
    create_faraday.answer_create(fault.answer)
    lookup = create_faraday.router.get("/connections")
    lookup.side_effect = fault.lookup or httpx.Response(200, json=[])

    response = onboarder_client.post(CREATE_URL, submission, headers=HTMX if htmx else None)

    assert response.status_code == fault.page_status
    assert is_partial(response.content) is htmx
    content = response.content.decode()
    doc = parse(content)
    if htmx:
        assert doc.by_id("create-form")
    title, whole = banner(doc)
    assert title == fault.title
    assert fault.step_contains in whole
    if fault.page_status == 502:
        assert "autofocus" in doc.by_id("upstream-error").attrs, "no field to blame: it takes focus"
    if fault.error_id:
        assert doc.by_id("upstream-error").find("code").text == fault.error_id
    else:
        assert "Faraday error ID" not in whole
    if fault.field:
        expected = f"{VALIDATION_MESSAGE} {VALIDATION_SUGGESTION}"
        assert field_errors(doc, fault.field) == [expected]
    assert create_faraday.create_calls == 1  # POSTs are never retried
    assert lookup.call_count == fault.lookups

    # What the person typed stays, except the secret, which is never rendered back.
    for spec in catalog_type(TYPE).fields:
        control = doc.control(spec.name)
        if spec.secret:
            assert "value" not in control.attrs
        elif spec.kind in ("string", "integer"):
            assert control.attrs.get("value") == submission[spec.name], spec.name
    assert doc.control("name").attrs.get("value") == submission["name"]
    assert PASSWORD not in content

    audit = AuditEntry.objects.get()
    assert (audit.action, audit.outcome) == (Action.CREATE, fault.outcome)
    assert (audit.faraday_error_code, audit.faraday_error_id) == (fault.code, fault.error_id)
    assert audit.http_status == fault.http_status
    assert audit.options["password"] == AuditEntry.SECRET_MARKER
    assert PASSWORD not in str(audit.options)
    if fault.network_kind:
        assert audit.detail_text == f"network fault: {fault.network_kind}"
    assert ConnectionRecord.objects.count() == 0
    token = SubmissionToken.objects.get(token=submission["submission_token"])
    assert token.claimed_at is None  # released: correcting and resubmitting works


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.field], ids=lambda f: f.id)
def test_create_validation_error_lands_on_the_field_its_path_names_and_nowhere_else(
    onboarder_client, create_faraday, submission, fault
):
    create_faraday.answer_create(fault.answer)

    response = onboarder_client.post(CREATE_URL, submission)

    assert response.status_code == 422
    doc = parse(response.content)
    expected = f"{VALIDATION_MESSAGE} {VALIDATION_SUGGESTION}"
    assert field_errors(doc, fault.field) == [expected]
    others = [spec.name for spec in catalog_type(TYPE).fields if spec.name != fault.field]
    assert [
        name for name in ["name", *others] if name != fault.field and field_errors(doc, name)
    ] == []
    assert form_errors(doc) == []


def test_create_validation_error_at_an_unknown_path_is_shown_above_the_form(
    onboarder_client, create_faraday, submission
):
    create_faraday.answer_create(validation_error("options.no_such_option"))

    response = onboarder_client.post(CREATE_URL, submission)

    assert response.status_code == 422
    doc = parse(response.content)
    assert form_errors(doc) == [f"Faraday: {VALIDATION_MESSAGE} {VALIDATION_SUGGESTION}"]
    assert "autofocus" in doc.by_id("error-summary").attrs, "no field to focus: the summary is"


def test_create_validation_failed_without_field_errors_shows_faradays_note(
    onboarder_client, create_faraday, submission
):
    """Nothing is marked on the form, so "correct the fields marked below" would mislead."""
    create_faraday.answer_create(row("400-VALIDATION_FAILED").answer)

    response = onboarder_client.post(CREATE_URL, submission)

    assert response.status_code == 422
    _title, whole = banner(parse(response.content))
    assert "The port is closed to Faraday's IP addresses." in whole
    assert "marked below" not in whole


def test_create_error_with_an_overlong_code_and_id_is_audited_cut_to_the_columns(
    onboarder_client, create_faraday, submission
):
    """Faraday's code and id are free text: PostgreSQL refuses what doesn't fit (or has NUL)."""
    code, error_id = "X" * 80, "id-\x00-" + "e" * 100
    create_faraday.answer_create(httpx.Response(500, json={"error": code, "id": error_id}))

    response = onboarder_client.post(CREATE_URL, submission)

    assert response.status_code == 502
    audit = AuditEntry.objects.get()
    assert audit.faraday_error_code == code[:64]
    assert audit.faraday_error_id == error_id.replace("\x00", "\ufffd")[:64]


def test_create_after_an_upstream_fault_resubmitting_the_same_form_creates_it(
    onboarder_client, create_faraday, submission
):
    create_faraday.answer_create(row("500-INTERNAL_SERVER_ERROR").answer)
    onboarder_client.post(CREATE_URL, submission)
    create_faraday.answer_create(None)

    response = onboarder_client.post(CREATE_URL, submission)

    assert response.status_code == 302
    assert create_faraday.create_calls == 2
    assert ConnectionRecord.objects.count() == 1


def test_create_with_no_api_key_configured_shows_the_missing_key_banner_audits_keeps_the_token(
    onboarder_client, submission, settings
):
    settings.FARADAY_API_KEY = ""
    settings.FARADAY_DEMO = False

    response = onboarder_client.post(CREATE_URL, submission)

    assert response.status_code == 502
    title, whole = banner(parse(response.content))
    assert title == row("401-MISSING_API_KEY").title
    assert ADMIN_STEP in whole
    audit = AuditEntry.objects.get()
    assert (audit.outcome, audit.faraday_error_code) == (Outcome.FARADAY_ERROR, "MISSING_API_KEY")
    token = SubmissionToken.objects.get(token=submission["submission_token"])
    assert token.claimed_at is None


def test_create_404_means_a_wrong_address_not_a_missing_connection(
    onboarder_client, create_faraday, submission
):
    create_faraday.answer_create(row("404-NOT_FOUND").answer)

    _title, whole = banner(parse(onboarder_client.post(CREATE_URL, submission).content))

    assert "couldn't find that connection" not in whole


# ---- a lifecycle action: force update -------------------------------------------------------

LIFECYCLE_FAULTS = [
    *(
        f
        for f in FAULTS
        if f.id
        in {
            "connect-timeout",
            "read-timeout-and-lookup-fails",
            "refused",
            "dns-failure",
            "tls-failure",
            "500-without-code",
            "502-html-body",
            "503-retry-after",
            "429-retry-after",
            "400-truncated-json",
            "403-FORBIDDEN",
            "401-EXPIRED_API_KEY",
            "409-CONFLICT",
        }
    ),
    # On a connection's own path a 404 means the connection is gone (not a wrong address).
    code_row(404, "NOT_FOUND", NotFound),
]


@pytest.mark.parametrize("fault", LIFECYCLE_FAULTS, ids=lambda f: f.id)
def test_force_update_with_upstream_fault_answers_502_with_its_title_and_audits_once(
    onboarder_client, create_faraday, fault
):
    serve_detail(create_faraday.router, listed_connection(CONNECTION_ID))
    action = create_faraday.router.post(f"/connections/{CONNECTION_ID}/force_update")
    action.side_effect = fault.answer

    response = onboarder_client.post(f"/connections/{CONNECTION_ID}/force-update/")

    assert response.status_code == 502
    title, whole = banner(parse(response.content))
    assert title == fault.title
    assert fault.step_contains in whole
    assert action.call_count == 1  # a POST is never retried
    audit = AuditEntry.objects.get()
    assert (audit.action, audit.outcome) == (Action.FORCE_UPDATE, fault.outcome)
    assert (audit.faraday_error_code, audit.faraday_error_id) == (fault.code, fault.error_id)
    assert audit.faraday_connection_id == CONNECTION_ID


# ---- the list page --------------------------------------------------------------------------

LIST_FAULTS = [
    *(
        f
        for f in FAULTS
        if f.id
        in {
            "connect-timeout",
            "refused",
            "dns-failure",
            "tls-failure",
            "500-without-code",
            "502-html-body",
            "503-retry-after",
            "429-retry-after",
            "429-html-body",
            "401-EXPIRED_API_KEY",
            "403-FORBIDDEN",
            "read-timeout",
        }
    ),
    Fault(
        "200-truncated-json",
        httpx.Response(200, text='[{"id": "5e0dfa56", "na'),
        BadResponse(status=200),
        Outcome.BAD_RESPONSE,
    ),
    Fault(
        "200-json-object-instead-of-array",
        httpx.Response(200, json={"connections": []}),
        BadResponse(status=200),
        Outcome.BAD_RESPONSE,
    ),
]


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """GETs are retried with backoff: record the waits instead of sleeping through them."""
    waits: list[float] = []
    monkeypatch.setattr(upstream, "FaradayClient", partial(FaradayClient, sleep=waits.append))
    return waits


@pytest.mark.parametrize("fault", LIST_FAULTS, ids=lambda f: f.id)
def test_list_page_with_upstream_fault_answers_502_with_its_banner_and_no_rows(
    client_for, create_faraday, sleeps, fault
):
    listing = create_faraday.router.get("/connections")
    listing.side_effect = fault.answer

    response = client_for(roles.VIEWER).get("/connections/")

    assert response.status_code == 502
    doc = parse(response.content)
    title, whole = banner(doc)
    assert title == fault.title
    assert fault.step_contains in whole
    assert doc.find("table") is None
    assert doc.find("form", role="search") is not None  # the filters still work
    assert 1 <= listing.call_count <= 4  # at most three retries
    assert len(sleeps) == listing.call_count - 1
    if isinstance(fault.expected, RateLimited):
        assert sleeps == [30.0] * len(sleeps)  # Retry-After is honoured
    assert AuditEntry.objects.count() == 0  # reads are not audited


@pytest.mark.parametrize(
    ("error", "step"),
    [
        (RateLimited(status=429, retry_after=0.4), "Nothing was changed. Wait about 1 second"),
        (RateLimited(status=429, retry_after=30), "Nothing was changed. Wait about 30 seconds"),
        (RateLimited(status=429, retry_after=3600), "Nothing was changed. Wait about 60 minutes"),
        (RateLimited(status=429), "Nothing was changed. Wait a minute"),
        (ServerError(status=503, retry_after=61), "Wait about 61 seconds"),
        (ServerError(status=503, retry_after=91), "Wait about 2 minutes"),
        (ServerError(status=503, note="Back soon."), "Faraday says: Back soon. Wait a few"),
    ],
    ids=repr,
)
def test_a_wait_faraday_asks_for_is_said_in_plain_seconds_or_minutes(error, step):
    assert describe_error(error).next_step.startswith(step)
