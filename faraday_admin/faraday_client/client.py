"""FaradayClient: one method per endpoint of Faraday's connections API."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from faraday_admin import __version__
from faraday_admin.faraday_client.errors import (
    BadResponse,
    FaradayError,
    NetworkError,
    error_from_httpx,
    error_from_response,
)
from faraday_admin.faraday_client.models import (
    Account,
    Connection,
    ResourceRef,
    WebhookEndpoint,
    parse_connections,
    parse_list,
)
from faraday_admin.faraday_client.retry import RetryPolicy, parse_retry_after

USER_AGENT = f"faraday-connections-admin/{__version__}"

logger = logging.getLogger("faraday_admin.faraday_client")

# h11 and httpx quote a rejected header value in their exception message, so a key that is
# not a valid header token would leak through the error; refuse it before any request.
API_KEY_SHAPE = re.compile(r"[\x21-\x7e]*")

T = TypeVar("T")

JSON = "application/json"
# RFC 7396, as Faraday's own client sends PATCH bodies: null removes a member, absent keeps it.
MERGE_PATCH = "application/merge-patch+json"


def build_http_client(
    base_url: str,
    *,
    timeout: float = 10.0,
    connect_timeout: float = 5.0,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """Return the pooled httpx.Client to build once per process and share.

    It carries no API key: FaradayClient sends the key with each request, so a new key takes
    effect without rebuilding the pool. `timeout` bounds reading, writing and waiting for a
    pooled connection; `connect_timeout` bounds opening one. Pass `transport` to swap the
    network for a simulator or a mock.
    """
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(connect=connect_timeout, read=timeout, write=timeout, pool=timeout),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        transport=transport,
    )


class FaradayClient:
    """Calls Faraday's API through a shared httpx.Client with one account's API key.

    Every method raises only FaradayError subclasses for upstream trouble (see errors.py);
    ValueError and TypeError mean the call itself was wrong.
    """

    def __init__(
        self,
        http: httpx.Client,
        api_key: str,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Raises ValueError when `api_key` has characters an HTTP header cannot carry.

        An empty key is allowed: requests then go without Authorization and Faraday answers
        MISSING_API_KEY, which is the clearest message for an unset key.
        """
        if not API_KEY_SHAPE.fullmatch(api_key):
            raise ValueError("API key must be printable ASCII without spaces")
        self._http = http
        self._api_key = api_key
        # The status of the last answer, for callers that record it (the audit log).
        self.last_status: int | None = None
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"<FaradayClient base_url={str(self._http.base_url)!r}>"

    # Connections

    def list_connections(self, *, ids: Sequence[str] | None = None) -> list[Connection]:
        """Return the account's connections, or only those in `ids` when given.

        An empty `ids` returns [] without a request (Faraday would read it as "no filter").
        Raises FaradayError.
        """
        if ids is None:
            params = None
        else:
            params = [("ids", connection_id) for connection_id in _id_list(ids, "ids")]
            if not params:
                return []
        return self._read("GET", "/connections", parse_connections, params=params)[0]

    def list_connections_with_body(self) -> tuple[list[Connection], bytes]:
        """Like `list_connections()`, plus the answer's body for a cache to keep and share
        (`models.parse_connections` reads it back). Raises FaradayError."""
        return self._read("GET", "/connections", parse_connections)

    def get_connection_with_body(self, connection_id: str) -> tuple[Connection, bytes]:
        """Like `get_connection`, plus the answer's body (`parse_connection_body` reads it)."""
        return self._read("GET", _connection_path(connection_id), parse_connection_body)

    def list_connection_dependents_with_body(
        self, connection_id: str, kind: str
    ) -> tuple[list[ResourceRef], bytes]:
        """The connection's "datasets" or "targets" (`kind`), plus the answer's body
        (`parse_resource_refs_body` reads it). Raises ValueError for another kind."""
        if kind not in ("datasets", "targets"):
            raise ValueError(f"unknown dependents kind {kind!r}")
        path = _connection_path(connection_id, kind)
        return self._read("GET", path, partial(parse_resource_refs_body, what=kind))

    def get_connection(self, connection_id: str) -> Connection:
        """Return one connection. Raises NotFound when it does not exist, or FaradayError."""
        return self._call("GET", _connection_path(connection_id), Connection.from_json)

    def create_connection(self, *, name: str, options: Mapping[str, Any]) -> Connection:
        """Create a connection; `options` must contain its "type". Return it as Faraday stored it.

        Raises ValidationFailed (see `validation_errors`), LimitReached, or FaradayError.
        """
        body = {"name": name, "options": dict(options)}
        return self._call("POST", "/connections", Connection.from_json, body=body)

    def update_connection(
        self,
        connection_id: str,
        *,
        name: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Connection:
        """Merge-patch the given fields only and return the updated connection.

        Raises ValueError when neither is given; ValidationFailed, NotFound or FaradayError.
        """
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if options is not None:
            body["options"] = dict(options)
        if not body:
            raise ValueError("update_connection needs name and/or options")
        return self._call(
            "PATCH",
            _connection_path(connection_id),
            Connection.from_json,
            body=body,
            media_type=MERGE_PATCH,
        )

    def delete_connection(self, connection_id: str) -> None:
        """Delete the connection. Raises NotFound, Conflict (still in use) or FaradayError."""
        self._send("DELETE", _connection_path(connection_id))

    def archive_connection(
        self,
        connection_id: str,
        *,
        cascade_to_all: bool = False,
        cascade_to: Sequence[str] | None = None,
    ) -> None:
        """Archive the connection, and its dependents as asked. Raises FaradayError.

        Raises ValueError when both `cascade_to_all` and `cascade_to` are given.
        """
        self._post_with_cascade(connection_id, "archive", cascade_to_all, cascade_to)

    def unarchive_connection(
        self,
        connection_id: str,
        *,
        cascade_to_all: bool = False,
        cascade_to: Sequence[str] | None = None,
    ) -> None:
        """Unarchive the connection, and its dependents as asked. Raises FaradayError.

        Raises ValueError when both `cascade_to_all` and `cascade_to` are given.
        """
        self._post_with_cascade(connection_id, "unarchive", cascade_to_all, cascade_to)

    def _post_with_cascade(
        self,
        connection_id: str,
        action: str,
        cascade_to_all: bool,
        cascade_to: Sequence[str] | None,
    ) -> None:
        """POST /connections/{id}/{action} with the cascade body archive and unarchive share.

        Raises ValueError (before any request) when both cascade forms are given.
        """
        body = _cascade_body(cascade_to_all, cascade_to)
        self._send("POST", _connection_path(connection_id, action), body=body)

    def force_update_connection(self, connection_id: str) -> None:
        """Ask Faraday to rebuild the connection now. Raises FaradayError."""
        self._send("POST", _connection_path(connection_id, "force_update"))

    def rotate_connection_credentials(
        self, connection_id: str, *, type: str, **extra: Any
    ) -> Connection:
        """Rotate a key-pair connection's credentials; the body is {"type": type, **extra}.

        Return the connection with its new credentials. Raises FaradayError.
        """
        return self._call(
            "POST",
            _connection_path(connection_id, "rotate_credentials"),
            Connection.from_json,
            body={"type": type, **extra},
        )

    def list_connection_datasets(self, connection_id: str) -> list[ResourceRef]:
        """Return the datasets that read from the connection. Raises FaradayError."""
        return self._call(
            "GET",
            _connection_path(connection_id, "datasets"),
            partial(parse_list, parse_item=ResourceRef.from_json, what="datasets"),
        )

    def list_connection_targets(self, connection_id: str) -> list[ResourceRef]:
        """Return the targets that write to the connection. Raises FaradayError."""
        return self._call(
            "GET",
            _connection_path(connection_id, "targets"),
            partial(parse_list, parse_item=ResourceRef.from_json, what="targets"),
        )

    # Accounts

    def get_current_account(self) -> Account:
        """Return the account that owns the key (a cheap key check).

        Raises AuthFailed for a rejected key, or FaradayError.
        """
        return self._call("GET", "/accounts/current", Account.from_json)

    # Webhook endpoints

    def list_webhook_endpoints(self) -> list[WebhookEndpoint]:
        """Return the account's webhook endpoints (without their secrets). Raises FaradayError."""
        return self._call(
            "GET",
            "/webhook_endpoints",
            partial(parse_list, parse_item=WebhookEndpoint.from_json, what="webhook endpoints"),
        )

    def get_webhook_endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        """Return one endpoint. Raises NotFound when it does not exist, or FaradayError."""
        return self._call("GET", _webhook_path(endpoint_id), WebhookEndpoint.from_json)

    def create_webhook_endpoint(
        self, *, url: str, enabled_events: Sequence[str]
    ) -> WebhookEndpoint:
        """Register `url` for `enabled_events`; the answer carries the signing secret, which
        Faraday shows only this once. Raises ValidationFailed or FaradayError."""
        body = {"url": url, "enabled_events": _id_list(enabled_events, "enabled_events")}
        return self._call("POST", "/webhook_endpoints", WebhookEndpoint.from_json, body=body)

    def update_webhook_endpoint(
        self,
        endpoint_id: str,
        *,
        url: str | None = None,
        enabled_events: Sequence[str] | None = None,
        status: str | None = None,
    ) -> WebhookEndpoint:
        """Merge-patch the given fields only. Raises ValueError when none is given;
        ValidationFailed, NotFound or FaradayError."""
        body: dict[str, Any] = {}
        if url is not None:
            body["url"] = url
        if enabled_events is not None:
            body["enabled_events"] = _id_list(enabled_events, "enabled_events")
        if status is not None:
            body["status"] = status
        if not body:
            raise ValueError("update_webhook_endpoint needs url, enabled_events and/or status")
        return self._call(
            "PATCH",
            _webhook_path(endpoint_id),
            WebhookEndpoint.from_json,
            body=body,
            media_type=MERGE_PATCH,
        )

    def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        """Delete the endpoint. Raises NotFound or FaradayError."""
        self._send("DELETE", _webhook_path(endpoint_id))

    # Plumbing

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        params: list[tuple[str, str]] | None = None,
        body: Mapping[str, Any] | None = None,
        media_type: str = JSON,
    ) -> T:
        return self._read(
            method,
            path,
            partial(_parse_json, parse),
            params=params,
            body=body,
            media_type=media_type,
        )[0]

    def _read(
        self,
        method: str,
        path: str,
        parse: Callable[[bytes], T],
        *,
        params: list[tuple[str, str]] | None = None,
        body: Mapping[str, Any] | None = None,
        media_type: str = JSON,
    ) -> tuple[T, bytes]:
        """Send, then parse the answer's body; a BadResponse gets the request's details."""
        response = self._send(method, path, params=params, body=body, media_type=media_type)
        try:
            return parse(response.content), response.content
        except BadResponse as exc:
            raise BadResponse(
                exc.message, status=response.status_code, method=method, path=path
            ) from exc

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        body: Mapping[str, Any] | None = None,
        media_type: str = JSON,
    ) -> httpx.Response:
        """Return Faraday's 2xx answer, retrying per the policy; raise FaradayError otherwise."""
        headers = self._auth_headers()
        content = None
        if body is not None:
            # As httpx's own `json=` encodes, but with the media type the endpoint expects.
            content = json.dumps(
                body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
            headers["Content-Type"] = media_type
        attempt = 1
        slept = 0.0

        def wait_before_retry(retry_after_header: str | None) -> bool:
            """Sleep and return True when another attempt fits the policy's budgets."""
            nonlocal attempt, slept
            if attempt > self._retry.max_retries:
                return False
            delay = self._retry.delay(attempt, retry_after_header)
            # The whole request must end well inside the web worker's timeout.
            if slept + delay > self._retry.max_total_delay:
                return False
            self._sleep(delay)
            slept += delay
            attempt += 1
            return True

        while True:
            started = time.perf_counter()
            try:
                response = self._http.request(
                    method, path, params=params, content=content, headers=headers
                )
            except httpx.HTTPError as exc:
                error = error_from_httpx(exc, method=method, path=path)
                kind = error.kind if isinstance(error, NetworkError) else "unreadable"
                _log(method, path, kind, started, attempt)
                if self._retry.should_retry_network(method, kind) and wait_before_retry(None):
                    continue
                raise error from exc
            _log(method, path, response.status_code, started, attempt)
            self.last_status = response.status_code
            if self._retry.should_retry(method, response.status_code) and wait_before_retry(
                response.headers.get("Retry-After")
            ):
                continue
            if response.is_success:
                return response
            raise self._error_for(response, method, path)

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def _error_for(self, response: httpx.Response, method: str, path: str) -> FaradayError:
        status = response.status_code
        if not response.is_error:
            # Redirects are not followed: Faraday's API never sends one on purpose.
            return BadResponse(
                f"unexpected HTTP {status} answer", status=status, method=method, path=path
            )
        body = response.text
        if self._api_key:
            # An auth error's note may quote the key it rejected.
            body = body.replace(self._api_key, "[redacted]")
        return error_from_response(
            status=status,
            body=body,
            method=method,
            path=path,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )


def _parse_json(parse: Callable[[Any], T], body: bytes) -> T:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep to parse
        raise BadResponse("Faraday's answer is empty or not JSON") from exc
    return parse(data)


def parse_connection_body(body: bytes) -> Connection:
    """The connection in a `GET /connections/{id}` answer body. Raises BadResponse."""
    return _parse_json(Connection.from_json, body)


def parse_resource_refs_body(body: bytes, what: str = "resources") -> list[ResourceRef]:
    """The datasets or targets in an answer body. Raises BadResponse."""
    return _parse_json(partial(parse_list, parse_item=ResourceRef.from_json, what=what), body)


def _log(method: str, path: str, outcome: int | str, started: float, attempt: int) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info(
        "faraday %s %s -> %s in %.0f ms (attempt %d)", method, path, outcome, elapsed_ms, attempt
    )


def _connection_path(connection_id: str, *rest: str) -> str:
    return _resource_path("/connections", connection_id, "connection_id", *rest)


def _webhook_path(endpoint_id: str) -> str:
    return _resource_path("/webhook_endpoints", endpoint_id, "endpoint_id")


def _resource_path(collection: str, resource_id: str, name: str, *rest: str) -> str:
    if not resource_id:
        raise ValueError(f"{name} must not be empty")
    segment = quote(resource_id, safe="")
    # httpx resolves "." and ".." segments away, which would aim the request at another path.
    if segment in {".", ".."}:
        segment = segment.replace(".", "%2E")
    return "/".join([collection, segment, *rest])


def _id_list(values: Sequence[str], name: str) -> list[str]:
    # A lone string is a Sequence[str] too; iterating it would send one id per character.
    if isinstance(values, str):
        raise TypeError(f"{name} must be a sequence of ids, not a single string")
    return list(values)


def _cascade_body(cascade_to_all: bool, cascade_to: Sequence[str] | None) -> dict[str, Any]:
    if cascade_to is None:
        return {"cascade_to_all": cascade_to_all}
    if cascade_to_all:
        raise ValueError("give cascade_to_all or cascade_to, not both")
    return {"cascade_to": _id_list(cascade_to, "cascade_to")}
