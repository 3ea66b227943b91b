"""Help beside each field of the connection forms: our words where the catalog's are thin,
format hints for the documented patterns, and the catalog's descriptions with their links kept."""

from __future__ import annotations

import re

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from faraday_admin.catalog import ConnectionType, FieldSpec

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
