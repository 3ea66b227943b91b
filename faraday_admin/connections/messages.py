"""Plain words for everything that can go wrong, each with what to do next."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from faraday_admin.catalog import FieldSpec
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
    ValidationFailed,
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


def pattern_hint(spec: FieldSpec) -> str:
    return PATTERN_HINTS.get(
        spec.pattern or "", f"This doesn't have the format Faraday expects ({spec.pattern})."
    )


@dataclass(frozen=True)
class Problem:
    """A worded upstream failure for the `#upstream-error` banner."""

    title: str
    next_step: str
    error_id: str | None = None
    code: str | None = None


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


def describe_error(error: FaradayError) -> Problem:
    """Turn any client error into a title and a next step a non-engineer can act on."""
    error_id = error.error_id
    code = error.code if isinstance(error, ApiError) else None
    if isinstance(error, AuthFailed):
        title, step = _AUTH_CODES.get(code or "", _AUTH_CODES["INVALID_AUTHORIZATION"])
    elif isinstance(error, Forbidden):
        title = "Faraday says this account isn't allowed to do that."
        step = "Ask an admin whether the API key's account has access to connections."
    elif isinstance(error, LimitReached):
        title = "Your Faraday account has reached its limit of connections."
        step = "Archive or delete a connection you no longer use, or ask Faraday to raise it."
    elif isinstance(error, Conflict):
        title = "Faraday refused because it conflicts with something that already exists."
        step = (
            error.note
            or "Check the connections list for one with the same details, then try again."
        )
    elif isinstance(error, NotFound):
        title = "Faraday couldn't find that connection."
        step = "It may have been deleted. Go back to the list and refresh it."
    elif isinstance(error, RateLimited):
        wait = f" about {int(error.retry_after)} seconds" if error.retry_after else " a minute"
        title = "Faraday is receiving too many requests right now."
        step = f"Nothing was changed. Wait{wait} and try again."
    elif isinstance(error, ServerError):
        title = "Faraday had a problem on its side."
        step = (
            "Try again in a few minutes. If it keeps happening, contact Faraday support "
            "with the error ID below."
        )
    elif isinstance(error, ValidationFailed):
        title = "Faraday didn't accept some of the details."
        # Without field-level errors nothing is marked: Faraday's note is all there is to go on.
        step = (
            "Correct the fields marked below and submit again."
            if error.validation_errors
            else error.note or "Check the details and submit again."
        )
    elif isinstance(error, NetworkError):
        title, step = _network_words(error.kind)
    elif isinstance(error, BadResponse) and error.status == 429:
        # A proxy's non-JSON 429 page: still "too many requests", just without a wait time.
        title = "Faraday is receiving too many requests right now."
        step = "Wait a minute and try again."
    elif isinstance(error, BadResponse) and (error.status or 0) >= 500:
        title = f"Faraday is having trouble: it answered with an error page ({error.status})."
        step = (
            "This is usually a brief outage. Check the connections list, "
            "then try again in a few minutes."
        )
    elif isinstance(error, BadResponse):
        title = "Faraday sent an answer this app couldn't read."
        step = (
            "This is usually a brief outage. Check the connections list, "
            "then try again in a few minutes."
        )
    else:
        title = "Faraday couldn't do that."
        step = error.note or "Check the details and try again."
    return Problem(title=title, next_step=step, error_id=error_id, code=code)


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
