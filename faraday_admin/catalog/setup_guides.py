"""Setup guides (`setup_guides.json`): what to ask IT for, per connection-type family, and the
commands IT runs, filled with what the person typed, each value quoted for its language.

No Django here: the caller passes Faraday's own values (from settings) as `facts`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from faraday_admin.catalog.loader import Catalog, CatalogError, ConnectionType, get_catalog

DATA_FILE = Path(__file__).with_name("setup_guides.json")

SOURCES = frozenset({"faraday", "vendor"})
LANGUAGES = frozenset({"sql", "json", "shell", "text"})
# Faraday's own values a guide may name; each comes from a setting (see settings.py).
FACTS = frozenset(
    {
        "aws_datasets_principal",
        "aws_targets_principal",
        "gcp_member",
        "bigquery_member",
        "ssh_public_key",
    }
)

# {name:quoting} takes a typed field; {@name:quoting} one of Faraday's FACTS.
_PLACEHOLDER = re.compile(r"\{(@?)([a-z_]+):([a-z_]+)\}")


def sql_identifier(value: str) -> str:
    """ANSI SQL (PostgreSQL, Redshift, Snowflake): double quotes, an inner quote doubled."""
    return '"' + value.replace('"', '""') + '"'


def mysql_identifier(value: str) -> str:
    return "`" + value.replace("`", "``") + "`"


def mysql_literal(value: str) -> str:
    # MySQL's default mode reads backslash as an escape, so it is doubled as well as the quote.
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def tsql_identifier(value: str) -> str:
    """SQL Server: brackets, an inner closing bracket doubled."""
    return "[" + value.replace("]", "]]") + "]"


def clickhouse_identifier(value: str) -> str:
    # ClickHouse escapes with a backslash inside backquoted identifiers and string literals.
    return "`" + value.replace("\\", "\\\\").replace("`", "\\`") + "`"


def clickhouse_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def databricks_identifier(value: str) -> str:
    return "`" + value.replace("`", "``") + "`"


def snowflake_literal(value: str) -> str:
    # Snowflake reads backslash escapes in single-quoted strings; a quote is doubled.
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def json_string_body(value: str) -> str:
    """The inside of a JSON string (the template supplies the quotes)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


QUOTINGS: dict[str, Callable[[str], str]] = {
    "ident": sql_identifier,
    "mysql_ident": mysql_identifier,
    "mysql_literal": mysql_literal,
    "tsql_ident": tsql_identifier,
    "ch_ident": clickhouse_identifier,
    "ch_literal": clickhouse_literal,
    "dbx_ident": databricks_identifier,
    "sf_literal": snowflake_literal,
    "json": json_string_body,
    "shell": shlex.quote,
    "text": str,
}


@dataclass(frozen=True)
class CommandTemplate:
    title: str
    language: str
    template: str

    @property
    def placeholders(self) -> list[tuple[bool, str, str]]:
        """[(is_fact, name, quoting)] in order of appearance."""
        return [(bool(m[1]), m[2], m[3]) for m in _PLACEHOLDER.finditer(self.template)]


@dataclass(frozen=True)
class Command:
    """A command filled in: `missing` lists the labels of what is still to be typed or set."""

    title: str
    language: str
    text: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Family:
    key: str
    source: str
    summary: str
    steps: tuple[str, ...]
    commands: tuple[CommandTemplate, ...]
    network: bool


@dataclass(frozen=True)
class Guide:
    type_key: str
    family: Family
    url: str
    has_own_page: bool
    note: str

    @property
    def from_faraday(self) -> bool:
        return self.family.source == "faraday"


@dataclass(frozen=True)
class Guides:
    general_url: str
    families: dict[str, Family]
    types: dict[str, Guide]

    def get(self, type_key: str) -> Guide | None:
        return self.types.get(type_key)


# What fills a fact's place when the setting is empty: never a made-up value.
FACT_LABELS = {
    "aws_datasets_principal": "Faraday's AWS user for reading (ask Faraday support)",
    "aws_targets_principal": "Faraday's AWS user for writing (ask Faraday support)",
    "gcp_member": "Faraday's Google service account (ask Faraday support)",
    "bigquery_member": "Faraday's Google service account for BigQuery (ask Faraday support)",
    "ssh_public_key": "Faraday's SSH public key (ask Faraday support)",
}


def fill(
    template: CommandTemplate,
    connection_type: ConnectionType,
    values: Mapping[str, Any],
    facts: Mapping[str, str],
) -> Command:
    """The command with each typed value and fact quoted for its place; what is missing shows
    as <label> and is listed, so the person sees what is still to be filled in."""
    missing: list[str] = []

    def replace(match: re.Match) -> str:
        is_fact, name, quoting = bool(match[1]), match[2], match[3]
        raw = facts.get(name) if is_fact else values.get(name)
        text = "" if raw is None else str(raw)
        # A NUL can't be part of any name these systems accept: treat it as not typed.
        if not text or "\x00" in text:
            if is_fact:
                label = FACT_LABELS[name]
            else:
                spec = connection_type.field(name)
                label = spec.label.lower() if spec else name
            if label not in missing:
                missing.append(label)
            return f"<{label}>"
        return QUOTINGS[quoting](text)

    text = _PLACEHOLDER.sub(replace, template.template)
    return Command(template.title, template.language, text, tuple(missing))


def _family(key: str, raw: Mapping[str, Any]) -> Family:
    if raw.get("source") not in SOURCES:
        raise CatalogError(f"guide family {key}: source must be one of {sorted(SOURCES)}")
    commands = []
    for index, command in enumerate(raw.get("commands", [])):
        template = CommandTemplate(command["title"], command["language"], command["template"])
        if template.language not in LANGUAGES:
            raise CatalogError(f"guide family {key}, command {index}: unknown language")
        for is_fact, name, quoting in template.placeholders:
            if quoting not in QUOTINGS:
                raise CatalogError(f"guide family {key}: unknown quoting {quoting!r}")
            if is_fact and name not in FACTS:
                raise CatalogError(f"guide family {key}: unknown Faraday value {name!r}")
        commands.append(template)
    if not raw.get("summary") or not raw.get("steps"):
        raise CatalogError(f"guide family {key}: a summary and steps are required")
    return Family(
        key=key,
        source=raw["source"],
        summary=raw["summary"],
        steps=tuple(raw["steps"]),
        commands=tuple(commands),
        network=bool(raw.get("network", False)),
    )


def parse_guides(data: Mapping[str, Any], catalog: Catalog) -> Guides:
    """Build and check the guides against the catalog; raise CatalogError when invalid.

    Every catalog type needs a guide, and a command may only name fields that every type of
    its family has.
    """
    general_url = data.get("general_url", "")
    if not general_url.startswith("https://"):
        raise CatalogError("setup guides: general_url must be an https address")
    families = {key: _family(key, raw) for key, raw in data.get("families", {}).items()}
    types: dict[str, Guide] = {}
    for type_key, raw in data.get("types", {}).items():
        connection_type = catalog.get(type_key)
        if connection_type is None:
            raise CatalogError(f"setup guide for {type_key!r}, which the catalog doesn't list")
        family = families.get(raw.get("family"))
        if family is None:
            raise CatalogError(f"setup guide for {type_key}: unknown family {raw.get('family')!r}")
        for command in family.commands:
            for is_fact, name, _ in command.placeholders:
                if not is_fact and connection_type.field(name) is None:
                    raise CatalogError(f"setup guide for {type_key}: it has no field {name!r}")
        url = raw.get("url") or general_url
        if not url.startswith("https://"):
            raise CatalogError(f"setup guide for {type_key}: url must be an https address")
        types[type_key] = Guide(type_key, family, url, bool(raw.get("url")), raw.get("note", ""))
    missing = sorted(set(catalog.types) - set(types))
    if missing:
        raise CatalogError(f"no setup guide for: {', '.join(missing)}")
    return Guides(general_url=general_url, families=families, types=types)


def load_guides_file(path: Path = DATA_FILE, catalog: Catalog | None = None) -> Guides:
    with path.open(encoding="utf-8") as fh:
        return parse_guides(json.load(fh), catalog or get_catalog())


@lru_cache(maxsize=1)
def get_guides() -> Guides:
    """The project's setup guides, checked on first use and cached for the life of the process."""
    return load_guides_file()
