"""Errors raised by the Faraday client; nothing else escapes it.

    FaradayError                 status, code, note, error_id, validation_errors, method, path
     ├── ApiError                Faraday answered 4xx/5xx with a JSON body
     │    ├── ValidationFailed   400 VALIDATION_FAILED, or any 4xx carrying validationErrors
     │    ├── BadRequest         other 400 / BAD_REQUEST
     │    ├── AuthFailed         401 / MISSING_, MALFORMED_, EXPIRED_API_KEY, INVALID_AUTHORIZATION
     │    ├── Forbidden          403 / FORBIDDEN
     │    ├── NotFound           404 / NOT_FOUND
     │    ├── Conflict           409 / CONFLICT
     │    ├── LimitReached       MAX_RESOURCES_REACHED, whatever the status
     │    ├── RateLimited        429; retry_after
     │    └── ServerError        5xx / INTERNAL_SERVER_ERROR; retry_after
     ├── NetworkError            no HTTP answer; kind
     └── BadResponse             an answer that cannot be read

Every str() and repr() is built from these attributes only, never from request headers, so
the API key cannot reach a log line or a traceback through an error.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class ValidationErrorItem:
    """One entry of an error body's `validationErrors`; `path` is spelled as Faraday sent it."""

    path: str
    message: str
    suggestion: str | None = None
    error_type: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ValidationErrorItem | None:
        """Return the item, or None when `data` has no string message.

        A missing or non-string path becomes "" (it points at no field), so the message still
        reaches the person.
        """
        if not isinstance(data, Mapping):
            return None
        path, message = data.get("path"), data.get("message")
        if not isinstance(message, str):
            return None
        if not isinstance(path, str):
            path = ""
        suggestion = data.get("suggestion")
        context = data.get("context")
        error_type = context.get("errorType") if isinstance(context, Mapping) else None
        return cls(
            path=path,
            message=message,
            suggestion=suggestion if isinstance(suggestion, str) else None,
            error_type=error_type if isinstance(error_type, str) else None,
        )


class FaradayError(Exception):
    """Base of every error the client raises."""

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        note: str | None = None,
        error_id: str | None = None,
        validation_errors: tuple[ValidationErrorItem, ...] = (),
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message or note or "Faraday request failed"
        super().__init__(self.message)
        self.status = status
        self.code = code
        self.note = note
        self.error_id = error_id
        self.validation_errors = validation_errors
        self.method = method
        self.path = path

    def __str__(self) -> str:
        text = self.message
        label = " ".join(str(part) for part in (self.status, self.code) if part is not None)
        if label:
            text += f" [{label}]"
        if self.method and self.path:
            text += f" on {self.method} {self.path}"
        if self.error_id:
            text += f" (error id {self.error_id})"
        return text

    def __repr__(self) -> str:
        fields = {
            "status": self.status,
            "code": self.code,
            "error_id": self.error_id,
            "method": self.method,
            "path": self.path,
            **self._extra_repr_fields(),
        }
        shown = "".join(f", {key}={value!r}" for key, value in fields.items() if value is not None)
        return f"{type(self).__name__}({self.message!r}{shown})"

    def _extra_repr_fields(self) -> dict[str, Any]:
        return {}


class ApiError(FaradayError):
    """Faraday answered with an error status and a JSON body."""


class ValidationFailed(ApiError):
    """The request document was rejected; `validation_errors` says where."""


class BadRequest(ApiError):
    """The request was rejected without field-level details."""


class AuthFailed(ApiError):
    """The API key is missing, malformed, expired or not accepted."""


class Forbidden(ApiError):
    """The key may not touch this resource."""


class NotFound(ApiError):
    """No such resource."""


class Conflict(ApiError):
    """The resource's state does not allow the request."""


class LimitReached(ApiError):
    """The account has reached its limit for this kind of resource."""


class _MayAskToWait:
    """Mixed into an error whose answer may say when to come back: `retry_after` seconds, from
    its Retry-After header, if it had one."""

    def __init__(
        self, message: str | None = None, *, retry_after: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def _extra_repr_fields(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class _AskedToWait(_MayAskToWait, ApiError):
    """An answer that may say when to come back: `retry_after` seconds, if Faraday said."""


class RateLimited(_AskedToWait):
    """Too many requests."""


class ServerError(_AskedToWait):
    """Faraday failed while handling the request (a 503 may say when to come back)."""


_NETWORK_MESSAGES = {
    "connect_timeout": "Timed out connecting to Faraday",
    "read_timeout": "Timed out waiting for Faraday's answer",
    "timeout": "Timed out sending the request to Faraday",
    "refused": "Could not connect to Faraday",
    "dns": "Could not resolve Faraday's host name",
    "tls": "TLS handshake with Faraday failed",
    "protocol": "The connection to Faraday broke before a complete answer",
}
NETWORK_ERROR_KINDS = frozenset(_NETWORK_MESSAGES)


class NetworkError(FaradayError):
    """No HTTP answer arrived; `kind` is one of NETWORK_ERROR_KINDS.

    Raises ValueError for an unknown kind, so callers can rely on the set.
    """

    def __init__(self, message: str | None = None, *, kind: str, **kwargs: Any) -> None:
        if kind not in NETWORK_ERROR_KINDS:
            raise ValueError(f"unknown network error kind {kind!r}")
        super().__init__(message or _NETWORK_MESSAGES[kind], **kwargs)
        self.kind = kind

    def _extra_repr_fields(self) -> dict[str, Any]:
        return {"kind": self.kind}


class BadResponse(_MayAskToWait, FaradayError):
    """An answer arrived but could not be read as what the endpoint promises; `retry_after`
    is the seconds its Retry-After header asked for (a gateway's 503 page may say), if any."""


_CLASS_BY_CODE: dict[str, type[ApiError]] = {
    "VALIDATION_FAILED": ValidationFailed,
    "BAD_REQUEST": BadRequest,
    "MISSING_API_KEY": AuthFailed,
    "MALFORMED_API_KEY": AuthFailed,
    "EXPIRED_API_KEY": AuthFailed,
    "INVALID_AUTHORIZATION": AuthFailed,
    "FORBIDDEN": Forbidden,
    "NOT_FOUND": NotFound,
    "CONFLICT": Conflict,
    "MAX_RESOURCES_REACHED": LimitReached,
    "INTERNAL_SERVER_ERROR": ServerError,
}

_CLASS_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: AuthFailed,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_class_for(
    status: int, code: str | None, *, has_validation_errors: bool = False
) -> type[ApiError]:
    """Return the ApiError subclass for an error answer: the single status+code mapping.

    A known code beats the status. Field-level errors beat the generic BAD_REQUEST code, since
    they are what lets a form show the problem beside the field.
    """
    by_code = _CLASS_BY_CODE.get(code) if code else None
    if by_code is not None and by_code is not BadRequest:
        return by_code
    if has_validation_errors and 400 <= status < 500:
        return ValidationFailed
    if by_code is not None:
        return by_code
    if status >= 500:
        return ServerError
    return _CLASS_BY_STATUS.get(status, ApiError)


def error_from_response(
    *,
    status: int,
    body: str,
    method: str,
    path: str,
    retry_after: float | None = None,
) -> FaradayError:
    """Return the error for a 4xx/5xx answer whose body is `body`.

    A body that is JSON but not Faraday's error object still yields an ApiError chosen by
    status (code None); a body that is not JSON at all yields BadResponse.
    """
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep to parse
        return BadResponse(
            f"HTTP {status} answer whose body is not JSON",
            status=status,
            method=method,
            path=path,
            retry_after=retry_after,
        )
    fields: Mapping[str, Any] = payload if isinstance(payload, Mapping) else {}
    raw_items = fields.get("validationErrors")
    parsed = map(ValidationErrorItem.from_json, raw_items if isinstance(raw_items, list) else [])
    items = tuple(item for item in parsed if item is not None)
    code = _str_field(fields, "error")
    note = _str_field(fields, "note")
    cls = error_class_for(status, code, has_validation_errors=bool(items))
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "note": note,
        "error_id": _str_field(fields, "id"),
        "validation_errors": items,
        "method": method,
        "path": path,
    }
    if issubclass(cls, _AskedToWait):
        kwargs["retry_after"] = retry_after
    return cls(note or f"Faraday answered HTTP {status}", **kwargs)


_DNS_MESSAGE = re.compile(
    r"name or service not known|nodename nor servname|getaddrinfo|name resolution"
    r"|no address associated",
    re.IGNORECASE,
)
_TLS_MESSAGE = re.compile(r"\bSSL\b|\bTLS\b|certificate", re.IGNORECASE)


def error_from_httpx(exc: httpx.HTTPError, *, method: str, path: str) -> FaradayError:
    """Return the FaradayError for an httpx exception: the single place httpx errors are read.

    Messages are fixed per kind rather than copied from httpx; the original stays chained as
    the cause for debugging.
    """
    if isinstance(exc, httpx.DecodingError):
        return BadResponse("Faraday's answer could not be decoded", method=method, path=path)
    return NetworkError(kind=_network_kind(exc), method=method, path=path)


def _network_kind(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect_timeout"
    if isinstance(exc, httpx.ReadTimeout):
        return "read_timeout"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return _connect_error_kind(exc)
    return "protocol"


def _connect_error_kind(exc: httpx.ConnectError) -> str:
    # httpx flattens the OS error into ConnectError, so look at the whole cause chain.
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    if any(isinstance(error, ssl.SSLError) for error in chain):
        return "tls"
    if any(isinstance(error, socket.gaierror) for error in chain):
        return "dns"
    messages = " ".join(str(error) for error in chain)
    if _TLS_MESSAGE.search(messages):
        return "tls"
    if _DNS_MESSAGE.search(messages):
        return "dns"
    return "refused"


def _str_field(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    return value if isinstance(value, str) else None
