"""The "who can fix this" table: a row for every error kind, each client error sorted into one,
and the ready message naming the specifics but never a secret."""

from datetime import UTC, datetime

import pytest

from faraday_admin.catalog import get_catalog
from faraday_admin.connections.problems import FixDetails, fix_message, status_problem
from faraday_admin.core.problems import FIX_TABLE, ErrorKind, Fixer, Problem, describe_error
from faraday_admin.faraday_client import (
    AuthFailed,
    BadResponse,
    Conflict,
    Forbidden,
    LimitReached,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
    ValidationErrorItem,
    ValidationFailed,
)

ERROR_ID = "082f9513-901c-4308-8081-902a8fe22d7e"

# Every error kind and who fixes it: the table the issue asks for, row by row.
EXPECTED = {
    ErrorKind.FORM_INVALID: Fixer.YOU,
    ErrorKind.VALIDATION: Fixer.YOU,
    ErrorKind.STATUS_ERROR: Fixer.IT,
    ErrorKind.KEY_NOT_INSTALLED: Fixer.IT,
    ErrorKind.MISSING_API_KEY: Fixer.ADMIN,
    ErrorKind.REJECTED_KEY: Fixer.ADMIN,
    ErrorKind.FORBIDDEN: Fixer.ADMIN,
    ErrorKind.MISSING_ROLE: Fixer.ADMIN,
    ErrorKind.REFUSED: Fixer.YOU,
    ErrorKind.MANAGED: Fixer.FARADAY,
    ErrorKind.LIMIT_REACHED: Fixer.ADMIN,
    ErrorKind.CONFLICT: Fixer.YOU,
    ErrorKind.NOT_FOUND: Fixer.YOU,
    ErrorKind.WRONG_ADDRESS: Fixer.ADMIN,
    ErrorKind.RATE_LIMITED: Fixer.YOU,
    ErrorKind.UNAVAILABLE: Fixer.YOU,
    ErrorKind.SERVER_ERROR: Fixer.FARADAY,
    ErrorKind.UNREADABLE: Fixer.FARADAY,
    ErrorKind.UNREACHABLE: Fixer.ADMIN,
    ErrorKind.TLS: Fixer.ADMIN,
    ErrorKind.TIMEOUT: Fixer.YOU,
    ErrorKind.BROKEN_OFF: Fixer.YOU,
    ErrorKind.OTHER: Fixer.FARADAY,
}


def test_every_error_kind_has_exactly_one_row():
    assert set(FIX_TABLE) == set(ErrorKind)


@pytest.mark.parametrize("kind", list(ErrorKind), ids=str)
def test_each_row_names_its_fixer_and_asks_them_something_unless_it_is_you(kind):
    route = FIX_TABLE[kind]
    assert route.fixer is EXPECTED[kind]
    problem = Problem(
        title="It failed.", next_step="What to check: the host.", kind=kind, error_id=ERROR_ID
    )
    message = fix_message(problem, FixDetails(name="Shop DB", type_label="MySQL"))
    if route.fixer is Fixer.YOU:
        assert message == ""
    else:
        assert "“Shop DB” (MySQL)" in message
        assert "What happened: It failed." in message
        assert message.rstrip().splitlines()[-2].startswith("Could you")


def _auth(code):
    return AuthFailed(status=401, code=code, error_id=ERROR_ID)


ERRORS = [
    (_auth("MISSING_API_KEY"), ErrorKind.MISSING_API_KEY),
    (_auth("EXPIRED_API_KEY"), ErrorKind.REJECTED_KEY),
    (_auth("MALFORMED_API_KEY"), ErrorKind.REJECTED_KEY),
    (_auth("INVALID_AUTHORIZATION"), ErrorKind.REJECTED_KEY),
    (Forbidden(status=403, code="FORBIDDEN"), ErrorKind.FORBIDDEN),
    (LimitReached(status=403, code="MAX_RESOURCES_REACHED"), ErrorKind.LIMIT_REACHED),
    (Conflict(status=409, code="CONFLICT"), ErrorKind.CONFLICT),
    (NotFound(status=404, method="GET", path="/connections/x"), ErrorKind.NOT_FOUND),
    (NotFound(status=404, method="POST", path="/connections"), ErrorKind.WRONG_ADDRESS),
    (RateLimited(status=429), ErrorKind.RATE_LIMITED),
    (ServerError(status=503), ErrorKind.UNAVAILABLE),
    (ServerError(status=500, error_id=ERROR_ID), ErrorKind.SERVER_ERROR),
    (BadResponse(status=502), ErrorKind.UNAVAILABLE),
    (BadResponse(status=429), ErrorKind.RATE_LIMITED),
    (BadResponse(status=201), ErrorKind.UNREADABLE),
    (NetworkError(kind="dns"), ErrorKind.UNREACHABLE),
    (NetworkError(kind="refused"), ErrorKind.UNREACHABLE),
    (NetworkError(kind="connect_timeout"), ErrorKind.UNREACHABLE),
    (NetworkError(kind="tls"), ErrorKind.TLS),
    (NetworkError(kind="read_timeout"), ErrorKind.TIMEOUT),
    (NetworkError(kind="protocol"), ErrorKind.BROKEN_OFF),
    (
        ValidationFailed(
            status=400,
            code="VALIDATION_FAILED",
            validation_errors=(ValidationErrorItem(path="options.host", message="bad host"),),
        ),
        ErrorKind.VALIDATION,
    ),
]


@pytest.mark.parametrize(("error", "kind"), ERRORS, ids=lambda x: repr(x)[:40])
def test_each_client_error_is_sorted_into_its_kind(error, kind):
    assert describe_error(error).kind is kind


def test_faradays_own_words_and_error_id_and_time_go_into_the_message():
    error = ServerError(status=500, code="INTERNAL_SERVER_ERROR", note="Boom", error_id=ERROR_ID)
    problem = describe_error(error)
    problem = Problem(**{**problem.__dict__, "at": datetime(2026, 12, 4, 14, 5, tzinfo=UTC)})
    details = FixDetails(name="Shop DB", type_label="MySQL", host="db.example.com", user="fdy")
    message = fix_message(problem, details)
    for part in (
        "Server: db.example.com",
        "User: fdy",
        "Faraday said: Boom",
        f"Faraday error ID: {ERROR_ID}",
        "Time: 2026-12-04 14:05 UTC",
        "Could you look into it?",
    ):
        assert part in message


def test_a_status_error_asks_it_for_the_types_own_checks(db):
    class Conn:
        status_error = "Password incorrect"
        contents_error = None
        status_changed_at = None

    problem = status_problem(Conn(), get_catalog().get("s3_csv"))
    message = fix_message(problem, FixDetails(name="Files"))
    assert problem.kind is ErrorKind.STATUS_ERROR and problem.fix.fixer is Fixer.IT
    assert "Faraday said: Password incorrect" in message
    assert (
        "Could you check the bucket name, and that Faraday has been given access to the bucket?"
        in message
    )
    assert "password" not in message.replace("Password incorrect", "")
