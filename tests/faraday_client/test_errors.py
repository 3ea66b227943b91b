"""Faraday's error answers become the right FaradayError subclass with every detail kept."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from faraday_admin.faraday_client import (
    ApiError,
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
    ValidationErrorItem,
    ValidationFailed,
)
from faraday_admin.faraday_client.errors import error_class_for
from tests.payloads import ERROR_ID, POSTGRES_OPTIONS, error_json

HOST_ERROR = {
    "path": "options.host",
    "message": "must match pattern",
    "suggestion": "Use a host name such as db.example.com",
    "context": {"errorType": "pattern"},
}
HOST_ITEM = ValidationErrorItem(
    path="options.host",
    message="must match pattern",
    suggestion="Use a host name such as db.example.com",
    error_type="pattern",
)


def create(client: FaradayClient) -> None:
    client.create_connection(name="Warehouse", options=POSTGRES_OPTIONS)


@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (400, "BAD_REQUEST", BadRequest),
        (403, "FORBIDDEN", Forbidden),
        (400, "MAX_RESOURCES_REACHED", LimitReached),
        (500, "INTERNAL_SERVER_ERROR", ServerError),
        (401, "INVALID_AUTHORIZATION", AuthFailed),
        (404, "NOT_FOUND", NotFound),
        (401, "MALFORMED_API_KEY", AuthFailed),
        (401, "MISSING_API_KEY", AuthFailed),
        (401, "EXPIRED_API_KEY", AuthFailed),
        (400, "VALIDATION_FAILED", ValidationFailed),
        (409, "CONFLICT", Conflict),
    ],
)
def test_each_faraday_error_code_raises_its_class_with_every_detail(
    router: respx.MockRouter,
    client: FaradayClient,
    status: int,
    code: str,
    error_class: type[ApiError],
) -> None:
    items = [HOST_ERROR] if code == "VALIDATION_FAILED" else None
    router.post("/connections").respond(
        status, json=error_json(code, f"{code} happened", validation_errors=items)
    )

    with pytest.raises(error_class) as caught:
        create(client)

    error = caught.value
    assert type(error) is error_class
    assert isinstance(error, ApiError)
    assert isinstance(error, FaradayError)
    assert error.status == status
    assert error.code == code
    assert error.note == f"{code} happened"
    assert error.error_id == ERROR_ID
    assert error.validation_errors == ((HOST_ITEM,) if items else ())
    assert (error.method, error.path) == ("POST", "/connections")


def test_validation_errors_keep_order_and_optional_fields_and_keep_every_message(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    router.post("/connections").respond(
        400,
        json=error_json(
            "VALIDATION_FAILED",
            validation_errors=[
                HOST_ERROR,
                {"path": "/options/port", "message": "must be <= 65535"},
                {"path": "name", "message": "blank", "context": "not an object"},
                {"message": "no path"},
                {"path": ["options", "host"], "message": "path not a string"},
                {"path": "/options/host"},
                "just a string",
            ],
        ),
    )

    with pytest.raises(ValidationFailed) as caught:
        create(client)

    assert caught.value.validation_errors == (
        HOST_ITEM,
        ValidationErrorItem(path="/options/port", message="must be <= 65535"),
        ValidationErrorItem(path="name", message="blank"),
        ValidationErrorItem(path="", message="no path"),
        ValidationErrorItem(path="", message="path not a string"),
    )


@pytest.mark.parametrize(
    ("status", "code", "has_validation_errors", "expected"),
    [
        (400, "MAX_RESOURCES_REACHED", False, LimitReached),
        (403, "MAX_RESOURCES_REACHED", False, LimitReached),
        (401, "EXPIRED_API_KEY", False, AuthFailed),
        (403, "NOT_FOUND", False, NotFound),
        (400, "BAD_REQUEST", True, ValidationFailed),
        (422, None, True, ValidationFailed),
        (400, "SOMETHING_NEW", True, ValidationFailed),
        (409, "CONFLICT", True, Conflict),
        (500, "VALIDATION_FAILED", False, ValidationFailed),
        (500, None, True, ServerError),
        (400, "SOMETHING_NEW", False, BadRequest),
        (418, None, False, ApiError),
        (429, None, False, RateLimited),
        (504, None, False, ServerError),
    ],
)
def test_error_class_for_lets_a_known_code_beat_the_status(
    status: int, code: str | None, has_validation_errors: bool, expected: type[ApiError]
) -> None:
    assert error_class_for(status, code, has_validation_errors=has_validation_errors) is expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, BadRequest),
        (401, AuthFailed),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (429, RateLimited),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (410, ApiError),
    ],
)
@pytest.mark.parametrize(
    "body",
    [{}, [], "oops", {"error": 42, "id": 7, "note": ["x"], "validationErrors": "bad"}],
    ids=["empty-object", "array", "string", "wrong-types"],
)
def test_json_error_body_of_the_wrong_shape_falls_back_to_the_status_with_no_code(
    router: respx.MockRouter,
    client: FaradayClient,
    status: int,
    expected: type[ApiError],
    body: Any,
) -> None:
    router.post("/connections").respond(status, json=body)

    with pytest.raises(ApiError) as caught:
        create(client)

    error = caught.value
    assert type(error) is expected
    assert (error.status, error.code, error.note, error.error_id) == (status, None, None, None)
    assert error.validation_errors == ()


def test_unknown_code_is_kept_while_the_class_comes_from_the_status(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    router.post("/connections").respond(403, json=error_json("BRAND_NEW_CODE"))

    with pytest.raises(Forbidden) as caught:
        create(client)

    assert caught.value.code == "BRAND_NEW_CODE"


@pytest.mark.parametrize(
    ("status", "content", "content_type"),
    [
        (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
        (500, b'{"error": "INTERNAL_SERVER_ERR', "application/json"),
        (404, b"", "application/json"),
        (401, b"Unauthorized", "text/plain"),
    ],
    ids=["html-502", "truncated-json-500", "empty-404", "text-401"],
)
def test_error_status_with_a_body_that_is_not_json_raises_bad_response_keeping_the_status(
    router: respx.MockRouter,
    client: FaradayClient,
    status: int,
    content: bytes,
    content_type: str,
) -> None:
    router.post("/connections").respond(
        status, content=content, headers={"Content-Type": content_type}
    )

    with pytest.raises(BadResponse) as caught:
        create(client)

    assert caught.value.status == status
    assert (caught.value.method, caught.value.path) == ("POST", "/connections")


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({"Retry-After": "7"}, 7.0), ({}, None), ({"Retry-After": "soon"}, None)],
    ids=["seconds", "absent", "unreadable"],
)
def test_rate_limited_carries_the_retry_after_seconds(
    router: respx.MockRouter,
    client: FaradayClient,
    headers: dict[str, str],
    retry_after: float | None,
) -> None:
    router.post("/connections").respond(429, json=error_json(None, "Slow down"), headers=headers)

    with pytest.raises(RateLimited) as caught:
        create(client)

    assert caught.value.retry_after == retry_after
    assert caught.value.status == 429


def test_redirect_answer_raises_bad_response_with_its_status(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    router.post("/connections").respond(302, headers={"Location": "https://elsewhere.test/"})

    with pytest.raises(BadResponse) as caught:
        create(client)

    assert caught.value.status == 302


def test_api_error_str_summarises_note_status_code_request_and_error_id(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    router.post("/connections").respond(404, json=error_json("NOT_FOUND", "No such thing"))

    with pytest.raises(NotFound) as caught:
        create(client)

    assert str(caught.value) == (
        f"No such thing [404 NOT_FOUND] on POST /connections (error id {ERROR_ID})"
    )
    assert repr(caught.value) == (
        f"NotFound('No such thing', status=404, code='NOT_FOUND', error_id='{ERROR_ID}', "
        "method='POST', path='/connections')"
    )


def test_api_error_without_a_note_says_which_status_faraday_answered(
    router: respx.MockRouter, client: FaradayClient
) -> None:
    router.post("/connections").respond(500, json={"error": "INTERNAL_SERVER_ERROR"})

    with pytest.raises(ServerError) as caught:
        create(client)

    assert str(caught.value) == (
        "Faraday answered HTTP 500 [500 INTERNAL_SERVER_ERROR] on POST /connections"
    )


def test_network_error_repr_names_its_kind() -> None:
    error = NetworkError("Could not connect", kind="refused", method="GET", path="/connections")

    assert repr(error) == (
        "NetworkError('Could not connect', method='GET', path='/connections', kind='refused')"
    )
    assert str(error) == "Could not connect on GET /connections"
