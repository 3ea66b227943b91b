"""Any error of the Faraday client in plain words: a title, what to do next, and who can fix
it (FIX_TABLE), for the `#upstream-error` banner. Pages word their own special cases on top
(connections.problems for actions and statuses, core.key_test_problems for the key test)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache

from django.utils import timezone

from faraday_admin.catalog import ConnectionType, get_catalog
from faraday_admin.faraday_client import (
    ApiError,
    AuthFailed,
    BadResponse,
    Conflict,
    FaradayError,
    Forbidden,
    LimitReached,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
    ValidationErrorItem,
    ValidationFailed,
    path_segments,
)

# ---- who can fix it ----------------------------------------------------------------------


class Fixer(StrEnum):
    """Who can fix an error, in the words the page uses."""

    YOU = "you"
    IT = "your IT team"
    ADMIN = "an admin of this app"
    FARADAY = "Faraday support"


class ErrorKind(StrEnum):
    """Every kind of error the app shows; FIX_TABLE says who fixes each."""

    FORM_INVALID = "form_invalid"  # this app's own check of the form
    VALIDATION = "validation"  # Faraday's validation error
    STATUS_ERROR = "status_error"  # the connection's status after creation
    KEY_NOT_INSTALLED = "key_not_installed"  # status error while Faraday's key isn't installed
    MISSING_API_KEY = "missing_api_key"
    REJECTED_KEY = "rejected_key"  # malformed, expired or refused API key
    FORBIDDEN = "forbidden"  # Faraday: the key's account may not do that
    MISSING_ROLE = "missing_role"  # this app: the person's role may not do that
    REFUSED = "refused"  # this app's own rule (archived already, still in use, …)
    MANAGED = "managed"  # a connection Faraday manages: only Faraday changes it
    LIMIT_REACHED = "limit_reached"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    WRONG_ADDRESS = "wrong_address"  # FARADAY_API_URL points somewhere else
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"  # 503, or a gateway's error page
    SERVER_ERROR = "server_error"  # Faraday's own 5xx
    UNREADABLE = "unreadable"  # an answer this app couldn't read
    UNREACHABLE = "unreachable"  # DNS, refused, connect timeout
    TLS = "tls"
    TIMEOUT = "timeout"  # no answer in time: it may have gone through
    BROKEN_OFF = "broken_off"
    OTHER = "other"


@dataclass(frozen=True)
class FixRoute:
    fixer: Fixer
    # What the ready message asks the fixer to do ("" for "you": there is no one to send it to).
    ask: str


# One row per error kind: who fixes it and what to ask them.
FIX_TABLE: dict[ErrorKind, FixRoute] = {
    ErrorKind.FORM_INVALID: FixRoute(Fixer.YOU, ""),
    ErrorKind.VALIDATION: FixRoute(Fixer.YOU, ""),
    # Asks for the type's own checks (connection_error_hint): see fix_message.
    ErrorKind.STATUS_ERROR: FixRoute(Fixer.IT, ""),
    ErrorKind.KEY_NOT_INSTALLED: FixRoute(
        Fixer.IT,
        "Could you install Faraday's public key for that user? The exact command is on the "
        "connection's page in Faraday Connections Admin.",
    ),
    ErrorKind.MISSING_API_KEY: FixRoute(
        Fixer.ADMIN, "Could you add a Faraday API key on the Settings page?"
    ),
    ErrorKind.REJECTED_KEY: FixRoute(
        Fixer.ADMIN,
        "Could you check the Faraday API key on the Settings page (Test key) and replace it "
        "if needed?",
    ),
    ErrorKind.FORBIDDEN: FixRoute(
        Fixer.ADMIN, "Could you check that the API key's Faraday account may manage connections?"
    ),
    ErrorKind.MISSING_ROLE: FixRoute(
        Fixer.ADMIN, "Could you give my account the role this needs (Viewer, Onboarder or Admin)?"
    ),
    ErrorKind.REFUSED: FixRoute(Fixer.YOU, ""),
    ErrorKind.MANAGED: FixRoute(
        Fixer.FARADAY, "Could you make this change to a connection Faraday manages for us?"
    ),
    ErrorKind.LIMIT_REACHED: FixRoute(
        Fixer.ADMIN,
        "Could you archive a connection we no longer use, or ask Faraday to raise our limit?",
    ),
    ErrorKind.CONFLICT: FixRoute(Fixer.YOU, ""),
    ErrorKind.NOT_FOUND: FixRoute(Fixer.YOU, ""),
    ErrorKind.WRONG_ADDRESS: FixRoute(
        Fixer.ADMIN, "Could you check FARADAY_API_URL (normally https://api.faraday.ai/v1)?"
    ),
    ErrorKind.RATE_LIMITED: FixRoute(Fixer.YOU, ""),
    ErrorKind.UNAVAILABLE: FixRoute(Fixer.YOU, ""),
    ErrorKind.SERVER_ERROR: FixRoute(
        Fixer.FARADAY, "Could you look into it? The error ID is above."
    ),
    ErrorKind.UNREADABLE: FixRoute(
        Fixer.FARADAY, "Could you look into it? Their API sent an answer we couldn't read."
    ),
    ErrorKind.UNREACHABLE: FixRoute(
        Fixer.ADMIN, "Could you check that the app's server can reach api.faraday.ai?"
    ),
    ErrorKind.TLS: FixRoute(
        Fixer.ADMIN, "Could you check the app server's network and certificates?"
    ),
    ErrorKind.TIMEOUT: FixRoute(Fixer.YOU, ""),
    ErrorKind.BROKEN_OFF: FixRoute(Fixer.YOU, ""),
    ErrorKind.OTHER: FixRoute(Fixer.FARADAY, "Could you look into it? The error ID is above."),
}


@dataclass(frozen=True)
class Problem:
    """A worded upstream failure for the `#upstream-error` banner."""

    title: str
    next_step: str
    error_id: str | None = None
    code: str | None = None
    kind: ErrorKind = ErrorKind.OTHER
    at: datetime = field(default_factory=timezone.now)
    said: str = ""  # Faraday's own words (its note, or the connection's status error)

    @property
    def fix(self) -> FixRoute:
        return FIX_TABLE[self.kind]


_AUTH_CODES = {
    "MISSING_API_KEY": (
        "No Faraday API key is set up.",
        "Ask an admin to add the key on the Settings page.",
    ),
    "MALFORMED_API_KEY": (
        "Faraday didn't recognise the API key's format.",
        "Ask an admin to copy the key again from Faraday's dashboard and save it on Settings.",
    ),
    "EXPIRED_API_KEY": (
        "The Faraday API key has expired.",
        "Ask an admin to create a new key in Faraday's dashboard and save it on Settings.",
    ),
    "INVALID_AUTHORIZATION": (
        "Faraday refused the API key.",
        "Ask an admin to check the key on the Settings page (use “Test key”).",
    ),
}


def _wait_words(seconds: float | None, unknown: str) -> str:
    """Retry-After in words: "about 30 seconds", "about 2 minutes"; `unknown` when not given."""
    if not seconds or seconds <= 0:
        return unknown
    if seconds < 90:
        return f"about {max(1, round(seconds))} second{'s' if round(seconds) > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"about {minutes} minutes"


def describe_error(error: FaradayError, *, has_fields: bool = True) -> Problem:
    """Turn any client error into a title and a next step a non-engineer can act on.

    `has_fields=False` is for pages without form fields (action confirmations, problem pages):
    a validation error then shows Faraday's own note and messages instead of pointing at fields.
    """
    error_id = error.error_id
    code = error.code if isinstance(error, ApiError) else None
    kind = ErrorKind.OTHER
    if isinstance(error, AuthFailed):
        title, step = _AUTH_CODES.get(code or "", _AUTH_CODES["INVALID_AUTHORIZATION"])
        missing = code == "MISSING_API_KEY"
        kind = ErrorKind.MISSING_API_KEY if missing else ErrorKind.REJECTED_KEY
    elif isinstance(error, Forbidden):
        title = "Faraday says this account isn't allowed to do that."
        kind = ErrorKind.FORBIDDEN
        step = "Ask an admin whether the API key's account has access to connections."
    elif isinstance(error, LimitReached):
        title = "Your Faraday account has reached its limit of connections."
        kind = ErrorKind.LIMIT_REACHED
        step = "Archive or delete a connection you no longer use, or ask Faraday to raise it."
    elif isinstance(error, Conflict):
        title = "Faraday refused because it conflicts with something that already exists."
        kind = ErrorKind.CONFLICT
        step = (
            error.note
            or "Check the connections list for one with the same details, then try again."
        )
    elif isinstance(error, NotFound) and error.path == "/connections":
        # The collection itself (listed or posted to) can't be missing: the app is pointed at
        # the wrong address.
        title = "Faraday didn't recognise the address this app uses for connections."
        kind = ErrorKind.WRONG_ADDRESS
        step = "Ask an admin to check FARADAY_API_URL."
    elif isinstance(error, NotFound):
        title = "Faraday couldn't find that connection."
        kind = ErrorKind.NOT_FOUND
        step = "It may have been deleted. Go back to the list and refresh it."
    elif isinstance(error, RateLimited):
        title = "Faraday is receiving too many requests right now."
        kind = ErrorKind.RATE_LIMITED
        step = (
            f"Nothing was changed. Wait {_wait_words(error.retry_after, 'a minute')} and try again."
        )
    elif isinstance(error, ServerError) and error.status == 503:
        said = f"Faraday says: {error.note.strip().rstrip('.')}. " if error.note else ""
        title = "Faraday is temporarily unavailable."
        kind = ErrorKind.UNAVAILABLE
        step = f"{said}Wait {_wait_words(error.retry_after, 'a few minutes')} and try again."
    elif isinstance(error, ServerError):
        title = "Faraday had a problem on its side."
        kind = ErrorKind.SERVER_ERROR
        step = (
            "Try again in a few minutes. If it keeps happening, contact Faraday support "
            "with the error ID below."
        )
    elif isinstance(error, ValidationFailed):
        title = "Faraday didn't accept some of the details."
        kind = ErrorKind.VALIDATION
        if has_fields and error.validation_errors:
            step = "Correct the fields marked below and submit again."
        else:
            # Nothing is marked on this page: Faraday's own note and messages are all there is.
            said = [error.note or "", *(validation_item_text(i) for i in error.validation_errors)]
            step = " ".join(part for part in said if part) or "Check the details and try again."
    elif isinstance(error, NetworkError):
        title, step = _network_words(error.kind)
        kind = _NETWORK_KINDS.get(error.kind, ErrorKind.BROKEN_OFF)
    elif isinstance(error, BadResponse) and error.status == 429:
        # A proxy's non-JSON 429 page: still "too many requests", just without a wait time.
        title = "Faraday is receiving too many requests right now."
        kind = ErrorKind.RATE_LIMITED
        step = f"Wait {_wait_words(error.retry_after, 'a minute')} and try again."
    elif isinstance(error, BadResponse) and (error.status or 0) >= 500:
        title = f"Faraday is having trouble: it answered with an error page ({error.status})."
        kind = ErrorKind.UNAVAILABLE
        step = (
            "This is usually a brief outage. Check the connections list, "
            f"then try again in {_wait_words(error.retry_after, 'a few minutes')}."
        )
    elif isinstance(error, BadResponse):
        title = "Faraday sent an answer this app couldn't read."
        kind = ErrorKind.UNREADABLE
        step = (
            "This is usually a brief outage. Check the connections list, "
            "then try again in a few minutes."
        )
    else:
        title = "Faraday couldn't do that."
        step = error.note or "Check the details and try again."
    said = error.note or ""
    if isinstance(error, ValidationFailed):
        said = " ".join(p for p in [said, *map(validation_item_text, error.validation_errors)] if p)
    return Problem(title=title, next_step=step, error_id=error_id, code=code, kind=kind, said=said)


# ---- validation error paths -----------------------------------------------------------------

_PATH_LABELS = {"type": "Connection type", "name": "Connection name"}


@cache
def _catalog_field_labels() -> dict[str, str]:
    return {f.name: f.label for t in get_catalog().types.values() for f in t.fields}


def validation_path_label(path: str, connection_type: ConnectionType | None = None) -> str:
    """A plain label for what a validation path points at; "Faraday" when it names nothing known.

    The path's last segment is looked up in the type's fields, then in the whole catalog.
    """
    parts = path_segments(path)
    last = parts[-1] if parts else ""
    if last in _PATH_LABELS:
        return _PATH_LABELS[last]
    spec = connection_type.field(last) if connection_type else None
    return spec.label if spec else _catalog_field_labels().get(last, "Faraday")


def validation_message(item: ValidationErrorItem) -> str:
    """Faraday's message, followed by its suggestion when it gave one."""
    message = item.message or "Faraday didn't accept this value."
    return f"{message} {item.suggestion}" if item.suggestion else message


def validation_item_text(
    item: ValidationErrorItem, connection_type: ConnectionType | None = None
) -> str:
    """A validation error that no field shows: "Connection type: must be one of …"."""
    return f"{validation_path_label(item.path, connection_type)}: {validation_message(item)}"


_NETWORK_KINDS = {
    "read_timeout": ErrorKind.TIMEOUT,
    "connect_timeout": ErrorKind.UNREACHABLE,
    "refused": ErrorKind.UNREACHABLE,
    "dns": ErrorKind.UNREACHABLE,
    "tls": ErrorKind.TLS,
}


def _network_words(kind: str) -> tuple[str, str]:
    if kind == "read_timeout":
        return (
            "Faraday didn't answer in time.",
            "The request may still have gone through: "
            "check the connections list before trying again.",
        )
    if kind in ("connect_timeout", "refused", "dns"):
        return (
            "This app couldn't reach Faraday.",
            "Nothing was sent. Check your network or Faraday's status page, then try again.",
        )
    if kind == "tls":
        return (
            "The secure connection to Faraday failed.",
            "Nothing was sent. Ask whoever runs this app to check its network and certificates.",
        )
    return (
        "The connection to Faraday broke off.",
        "Check the connections list to see whether anything changed, then try again.",
    )
