"""The API key stays out of logs, errors and reprs; the package stays Django-free."""

from __future__ import annotations

import ast
import logging
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import respx

import faraday_admin.faraday_client as package
from faraday_admin.faraday_client import (
    FaradayClient,
    FaradayError,
    RetryPolicy,
    build_http_client,
)
from tests.payloads import BASE_URL, CONNECTION_ID, POSTGRES_OPTIONS, error_json

CANARY = "fdy-CANARY-9c41e7d2b8a3"
CONNECTION_PATH = f"/connections/{CONNECTION_ID}"
PACKAGE_DIR = Path(package.__file__).parent


@pytest.fixture
def canary_client(router: respx.MockRouter) -> Iterator[FaradayClient]:
    with build_http_client(BASE_URL, transport=httpx.MockTransport(router.handler)) as http:
        yield FaradayClient(http, CANARY, retry=RetryPolicy(max_retries=2), sleep=lambda _: None)


def rendered(error: BaseException) -> str:
    """Everything a log handler or error page could print about `error`, causes included."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    if isinstance(error, FaradayError):
        parts += [str(error.note), *(repr(item) for item in error.validation_errors)]
    return "\n".join(parts)


FAILURES: dict[
    str, tuple[Callable[[respx.MockRouter], object], Callable[[FaradayClient], object]]
] = {
    "auth-error-echoing-the-key": (
        lambda r: r.get("/accounts/current").respond(
            401, json=error_json("MALFORMED_API_KEY", f"Malformed API key {CANARY}")
        ),
        lambda c: c.get_current_account(),
    ),
    "validation-error-echoing-the-key": (
        lambda r: r.post("/connections").respond(
            400,
            json=error_json(
                "VALIDATION_FAILED",
                validation_errors=[{"path": "options.password", "message": f"got {CANARY}"}],
            ),
        ),
        lambda c: c.create_connection(name="n", options=POSTGRES_OPTIONS),
    ),
    "not-found": (
        lambda r: r.get(CONNECTION_PATH).respond(404, json=error_json("NOT_FOUND")),
        lambda c: c.get_connection(CONNECTION_ID),
    ),
    "retried-then-refused": (
        lambda r: r.get("/connections").mock(side_effect=httpx.ConnectError("Connection refused")),
        lambda c: c.list_connections(),
    ),
    "read-timeout": (
        lambda r: r.delete(CONNECTION_PATH).mock(side_effect=httpx.ReadTimeout("timed out")),
        lambda c: c.delete_connection(CONNECTION_ID),
    ),
    "html-502": (
        lambda r: r.post(f"{CONNECTION_PATH}/archive").respond(502, text="<html>502</html>"),
        lambda c: c.archive_connection(CONNECTION_ID),
    ),
    "malformed-connection": (
        lambda r: r.get(CONNECTION_PATH).respond(200, json={"id": CONNECTION_ID}),
        lambda c: c.get_connection(CONNECTION_ID),
    ),
}


@pytest.mark.parametrize(("arrange", "call"), FAILURES.values(), ids=FAILURES.keys())
def test_canary_key_is_absent_from_errors_and_every_log_line(
    router: respx.MockRouter,
    canary_client: FaradayClient,
    caplog: pytest.LogCaptureFixture,
    arrange: Callable[[respx.MockRouter], object],
    call: Callable[[FaradayClient], object],
) -> None:
    arrange(router)

    with caplog.at_level(logging.DEBUG), pytest.raises(FaradayError) as caught:
        call(canary_client)

    assert router.calls.last.request.headers["Authorization"] == f"Bearer {CANARY}"
    assert CANARY not in rendered(caught.value)
    assert caplog.records
    assert CANARY not in caplog.text
    assert all(CANARY not in repr(record.args) for record in caplog.records)


def test_canary_key_is_absent_from_logs_of_a_successful_call(
    router: respx.MockRouter, canary_client: FaradayClient, caplog: pytest.LogCaptureFixture
) -> None:
    router.get("/accounts/current").respond(200, json={"id": "acct-1", "name": "Acme"})

    with caplog.at_level(logging.DEBUG):
        canary_client.get_current_account()

    assert caplog.records
    assert CANARY not in caplog.text


def test_key_echoed_by_faraday_is_redacted_in_the_note(
    router: respx.MockRouter, canary_client: FaradayClient
) -> None:
    router.get("/accounts/current").respond(
        401, json=error_json("EXPIRED_API_KEY", f"Key {CANARY} expired")
    )

    with pytest.raises(FaradayError) as caught:
        canary_client.get_current_account()

    assert caught.value.note == "Key [redacted] expired"


def test_client_repr_shows_the_base_url_but_not_the_key(canary_client: FaradayClient) -> None:
    assert repr(canary_client) == f"<FaradayClient base_url='{BASE_URL}/'>"


@pytest.mark.parametrize(
    "bad_key",
    [f"{CANARY}\n", f"{CANARY} extra", f"{CANARY}é", f"\t{CANARY}"],
    ids=["newline", "space", "non-ascii", "tab"],
)
def test_key_a_header_cannot_carry_is_refused_without_quoting_it(bad_key: str) -> None:
    # httpx and h11 would otherwise quote the whole header value in their exception.
    with build_http_client(BASE_URL) as http, pytest.raises(ValueError) as caught:
        FaradayClient(http, bad_key)

    assert CANARY not in str(caught.value)
    assert CANARY not in repr(caught.value)


def _imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.ImportFrom):
            # A relative import could reach outside the package unnoticed; the package uses none.
            yield f"<relative import in {path.name}>"


def test_package_source_imports_neither_django_nor_other_apps() -> None:
    files = sorted(PACKAGE_DIR.glob("*.py"))
    assert files
    offending = {
        f"{path.name}: {module}"
        for path in files
        for module in _imported_modules(path)
        if module.split(".")[0] == "django"
        or module.startswith("<relative")
        or (
            module.split(".")[0] == "faraday_admin"
            and module != "faraday_admin"
            and not module.startswith("faraday_admin.faraday_client")
        )
    }
    assert offending == set()


def test_importing_the_package_loads_no_django_module() -> None:
    probe = (
        "import sys, faraday_admin.faraday_client; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


def test_package_exports_exactly_its_public_names() -> None:
    assert sorted(package.__all__) == sorted(
        [
            "API_KEY_SHAPE",
            "USER_AGENT",
            "WEBHOOK_EVENT_TYPES",
            "Account",
            "ApiError",
            "AuthFailed",
            "BadRequest",
            "BadResponse",
            "Conflict",
            "Connection",
            "ContentsItem",
            "FaradayClient",
            "FaradayError",
            "Forbidden",
            "LimitReached",
            "NetworkError",
            "NotFound",
            "RateLimited",
            "ResourceRef",
            "RetryPolicy",
            "ServerError",
            "ValidationErrorItem",
            "ValidationFailed",
            "WebhookEndpoint",
            "build_http_client",
            "path_segments",
        ]
    )
    assert all(hasattr(package, name) for name in package.__all__)
