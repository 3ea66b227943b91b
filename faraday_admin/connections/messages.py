"""Plain words for everything that can go wrong, each with what to do next.

Also the wording this app uses for its own refusals, the detail page's "what to check" hint, and
the labels for Faraday's validation paths (which is why the path reading lives here).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from faraday_admin.catalog import KEY_PAIR_TYPES, ConnectionType, FieldSpec, get_catalog
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

# Keyed by the documented pattern's source text.
PATTERN_HINTS = {
    r"^(?!\s*$).+": "Give the connection a name; spaces alone don't count.",
    r"^[a-zA-Z][a-zA-Z0-9_]+$": (
        "Start with a letter, then use letters, digits or underscores only "
        "(at least two characters; no spaces, dots or dashes)."
    ),
    r"^[a-zA-Z0-9\-.]+$": (
        "Use the server's address only: letters, digits, dots and dashes, "
        "like db.example.com (no http://, no port, no spaces)."
    ),
    r"^.+$": "Enter the value on a single line.",
    r"^[-\w\d\.@]+$": (
        "Use unaccented letters, digits, dots, dashes, underscores and @ only, "
        "like faraday@bastion.example.com."
    ),
    r"^[a-zA-Z][a-zA-Z0-9_\-.]+$": (
        "Start with a letter, then use letters, digits, underscores, dashes or dots only "
        "(at least two characters, no spaces)."
    ),
}


# Help for fields whose catalog description only repeats the label.
FIELD_HELP = {
    "bucket_name": "The bucket's name only, without s3:// or gs:// in front.",
    "database": "The name of the database Faraday should read, as your IT team calls it.",
    "dataset_name": "The BigQuery dataset that holds the tables Faraday should read.",
    "host": "The server's address, like db.example.com. Your IT team or cloud console has it.",
    "password": "The password of the user above. Faraday stores it; this app never does.",
    "port": "The network port the database listens on. The usual value is shown as a hint.",
    "project_id": "The Google Cloud project ID (not its display name), like my-project-123.",
    "schema": "The schema that holds the tables, for example public.",
    "user": "The user name Faraday signs in with. A read-only user of its own is best.",
    "warehouse": "The Snowflake warehouse that runs Faraday's queries.",
}


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:)]")


def description_html(text: str) -> SafeString:
    """The text escaped, with its http(s) links kept as links (and nothing else made one)."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        parts.append(text[last : match.start()])
        url = match.group(0)
        parts.append(format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, url))
        last = match.end()
    parts.append(text[last:])
    # format_html_join escapes the plain text and keeps the links (already safe) as they are.
    return format_html_join("", "{}", ((part,) for part in parts))


def field_help(spec: FieldSpec) -> str:
    """The catalog description, unless it only repeats the label: then our own words."""
    thin = spec.description.strip().rstrip(".").casefold() in {
        spec.label.casefold(),
        spec.name.replace("_", " ").casefold(),
        f"snowflake {spec.name}",
    }
    return FIELD_HELP.get(spec.name, spec.description) if thin else spec.description


def removal_help(connection_type: ConnectionType, spec: FieldSpec) -> str:
    """What removing a saved optional secret does, beside its checkbox."""
    after = (
        "Faraday then signs in with its own SSH key."
        if connection_type.type == "sftp"
        else f"Faraday then connects without a {spec.label.lower()}."
    )
    return f"Tick to delete the {spec.label.lower()} Faraday has. {after}"


def choice_help(spec: FieldSpec) -> str:
    """A Yes/No option's help: its description and what the third choice means."""
    return f"{field_help(spec).rstrip('.')}. “Faraday's default” leaves the choice to Faraday."


def pattern_hint(spec: FieldSpec) -> str:
    return PATTERN_HINTS.get(
        spec.pattern or "", f"This doesn't have the format Faraday expects ({spec.pattern})."
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


def describe_action_error(
    error: FaradayError, *, action: str, cascade: bool, dependents_listed: bool
) -> Problem:
    """Words for a failed lifecycle action on its confirmation page (which has no fields).

    Faraday refuses to archive or unarchive with CONFLICT while datasets or targets still use
    the connection; its note then speaks API (cascade_to_all), so say what to tick instead.
    """
    if isinstance(error, Conflict) and action in ("archive", "unarchive") and not cascade:
        box = f"“Also {action} the datasets and targets listed above”"
        if dependents_listed:
            step = f"Tick {box} and try again, or {action} those first."
        else:
            step = (
                f"Reload this page to see them, then tick {box} and try again, "
                f"or {action} those first."
            )
        return Problem(
            title=f"Faraday won't {action} it while datasets or targets use it.",
            next_step=step,
            error_id=error.error_id,
            code=error.code,
            kind=ErrorKind.CONFLICT,
        )
    if isinstance(error, Conflict) and action == "delete":
        # Nothing is being created, so "conflicts with something that already exists" misleads.
        step = "Reload this page to see what still uses it: delete those first, or archive "
        step += "this connection instead."
        if error.note:
            step = f"Faraday says: {error.note.strip().rstrip('.')}. {step}"
        return Problem(
            title="Faraday won't delete this connection while something still depends on it.",
            next_step=step,
            error_id=error.error_id,
            code=error.code,
            kind=ErrorKind.CONFLICT,
        )
    return describe_error(error, has_fields=False)


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


# ---- the detail page's hint after an error --------------------------------------------------

_STORAGE_FIELDS = {"bucket_name": "bucket name", "project_id": "project ID"}


def _and_join(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])}, and {items[-1]}"


def _checks_join(checks: Sequence[str]) -> str:
    # Each check may hold an "and" of its own, so two or more are always comma-separated.
    return checks[0] if len(checks) == 1 else f"{', '.join(checks[:-1])}, and {checks[-1]}"


def _lower_first(label: str) -> str:
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


def connection_error_hint(connection_type: ConnectionType | None) -> str:
    """What to check when Faraday couldn't use a connection, naming only the type's own fields."""
    fields = connection_type.fields if connection_type else ()
    names = {f.name for f in fields}
    checks: list[str] = []
    credentials = ["user name"] if names & {"user", "username"} else []
    credentials += ["password"] if "password" in names else []
    credentials += [_lower_first(f.label) for f in fields if f.secret and f.name != "password"]
    if credentials:
        checks.append(f"the {_and_join(credentials)}")
    if connection_type and connection_type.type in KEY_PAIR_TYPES:
        checks.append("that Faraday's public key is installed for that user")
    address = [word for word in ("host", "port") if word in names]
    if address:
        verb = "are" if len(address) > 1 else "is"
        checks.append(f"that the {_and_join(address)} {verb} right")
        checks.append("that the server accepts connections from Faraday's IP addresses")
    storage = [word for key, word in _STORAGE_FIELDS.items() if key in names]
    if storage:
        place = "bucket" if "bucket_name" in names else "project"
        checks.append(f"the {_and_join(storage)}")
        checks.append(f"that Faraday has been given access to the {place}")
    if not checks:
        return (
            "What to check: the details entered for this connection, and that the account "
            "behind it still gives Faraday access."
        )
    return f"What to check: {_checks_join(checks)}."


def status_problem(
    connection, connection_type: ConnectionType | None, *, waiting_for_key: bool = False
) -> Problem:
    """A connection in `error` as a Problem: your IT team fixes it, Faraday's words included.
    `waiting_for_key`: the error is Faraday's key not being installed yet."""
    said = " ".join(p for p in (connection.status_error, connection.contents_error) if p)
    return Problem(
        title="Faraday can't sign in until its public key is installed."
        if waiting_for_key
        else "Faraday couldn't use this connection.",
        next_step=connection_error_hint(connection_type),
        kind=ErrorKind.KEY_NOT_INSTALLED if waiting_for_key else ErrorKind.STATUS_ERROR,
        at=connection.status_changed_at or timezone.now(),
        said=said,
    )


@dataclass(frozen=True)
class FixDetails:
    """What the ready message names about the connection: never a secret field."""

    name: str = ""
    type_label: str = ""
    host: str = ""
    user: str = ""
    asked_by: str = ""


def _ask_to_check(hint: str) -> str:
    """ "What to check: the password, and …." → "Could you check the password, and …?" """
    checks = hint.removeprefix("What to check:").strip().rstrip(".")
    return f"Could you check {checks}?" if checks else ""


def fix_message(problem: Problem, details: FixDetails) -> str:
    """The short message to send whoever fixes it; "" when that is the reader ("you")."""
    route = problem.fix
    if route.fixer is Fixer.YOU:
        return ""
    subject = f"“{details.name}”" if details.name else "a connection"
    if details.type_label:
        subject += f" ({details.type_label})"
    lines = [
        "Hello,",
        f"I'm setting up the Faraday connection {subject} in Faraday Connections Admin "
        "and need your help.",
        f"Server: {details.host}" if details.host else "",
        f"User: {details.user}" if details.user else "",
        f"What happened: {problem.title}",
        f"Faraday said: {problem.said}" if problem.said else "",
        f"Faraday error ID: {problem.error_id}" if problem.error_id else "",
        f"Time: {timezone.localtime(problem.at):%Y-%m-%d %H:%M %Z}",
        route.ask or _ask_to_check(problem.next_step),
        f"Thank you! {details.asked_by}".strip(),
    ]
    return "\n".join(line for line in lines if line)


# ---- refusals this app makes itself ---------------------------------------------------------

FORM_EXPIRED = "This form had expired. Check the details and submit again."
MANAGED_ACTION = "This connection is managed by Faraday: ask Faraday support to change it."
MANAGED_EDIT = "This connection is managed by Faraday and can't be edited here."
DEMO_KEY_INSTALLED = (
    "Demo: the key is now installed on the simulated warehouse, as your IT team would do it. "
    "Press “I've done it — check again” to have Faraday sign in."
)
DEMO_KEY_NOT_INSTALLED = (
    "Nothing was installed: this only works in demo mode, for a Snowflake or ClickHouse connection."
)
NOTHING_CHANGED = "You didn't change anything, so nothing was sent to Faraday."
REVERT_NOTHING_TO_DO = (
    "The connection already has the values from before that edit, so there is nothing to revert."
)
REVERT_GONE = (
    "This connection has been deleted in Faraday, so the edit can't be reverted. Its history "
    "stays in the audit log."
)
REVERT_UNAVAILABLE = (
    "That change can't be reverted: it isn't a successful edit of this connection made in this "
    "app, or it changed only secrets, which were never stored."
)
OUTSIDE_CHANGE_ACKNOWLEDGED = "Noted: the change made outside this app is acknowledged."
OUTSIDE_CHANGE_ALREADY_ACKNOWLEDGED = "Someone has already acknowledged that change."
DEMO_OUTSIDE_NOT_CHANGED = (
    "Nothing was changed: this only works in demo mode, on a connection Faraday doesn't manage."
)


def demo_outside_changed(what: str) -> str:
    return (
        f"Demo: changed it as someone outside this app would ({what}). The app notices on its "
        "next read of Faraday."
    )


ALREADY_ARCHIVED = "This connection is already archived."
NOT_ARCHIVED = "This connection isn't archived."
ACTED_ON_CONNECTION_GONE = (
    "Nothing was sent: this connection no longer exists in Faraday. Someone may have deleted it."
)
EDITED_CONNECTION_GONE = (
    "Your changes weren't saved: this connection no longer exists in Faraday. "
    "Someone may have deleted it."
)


def unknown_type_edit(type_key: str) -> str:
    return (
        f"This app doesn't know the connection type “{type_key}” yet, so it can't edit it. "
        "An engineer can update the catalog with sync_connection_types."
    )


def still_used_by(count: int, archived: int) -> str:
    plural = "s" if count != 1 else ""
    if archived == count:
        archived_note = " They are archived, but archived ones still count."
    elif archived:
        archived_note = f" {archived} of them {'is' if archived == 1 else 'are'} archived, "
        archived_note += "but archived ones still count."
    else:
        archived_note = ""
    return (
        f"This connection is used by {count} dataset{plural} or target{plural} (listed below)."
        f"{archived_note} Delete them or point them at another connection in Faraday first, "
        "or archive this connection instead."
    )


def key_pair_only(type_keys: frozenset[str]) -> str:
    """ "Only ClickHouse and Snowflake connections use key-pair credentials." from the catalog."""
    catalog = get_catalog()
    labels = sorted(
        (catalog.types[key].label if key in catalog.types else key for key in type_keys),
        key=str.casefold,
    )
    return f"Only {_and_join(labels)} connections use key-pair credentials."


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


# ---- the paste box ----------------------------------------------------------------------------

PASTE_NEEDS_TYPE = (
    "That was read, but it doesn't say what kind of connection it is. Choose the connection "
    "type above, then press “Fill in the form” again."
)
PASTE_UNKEPT = (
    "The password in what you pasted wasn't kept, because this form is out of date. Reload the "
    "page and paste again, or type the password yourself."
)


def pasted_password_unused(connection_type: ConnectionType) -> str:
    return (
        f"The password in what you pasted isn't used: {connection_type.label} connections have "
        "no password field."
    )
