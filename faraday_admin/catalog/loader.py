"""Load and validate `connection_types.json` once per process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from faraday_admin.catalog.patterns import EcmaPattern, compile_ecmascript

DATA_FILE = Path(__file__).with_name("connection_types.json")

KINDS = frozenset({"string", "integer", "boolean", "enum"})

# The types whose credentials are a key pair Faraday can rotate (POST …/rotate_credentials).
KEY_PAIR_TYPES = frozenset({"snowflake", "clickhouse"})

# Display order and plain-words names; the keys are the data file's `category` values.
CATEGORY_LABELS = {
    "database": "Databases",
    "warehouse": "Warehouses",
    "file_storage": "File storage",
    "advertising": "Advertising",
    "marketing_and_commerce": "Marketing and commerce",
    "faraday_managed": "Faraday-managed",
}

# Words that read better than a mechanical title-case of the option key.
_LABEL_WORDS = {
    "id": "ID",
    "url": "URL",
    "http": "HTTP",
    "aws": "AWS",
    "api": "API",
    "json": "JSON",
    "ssh": "SSH",
    "rsa": "RSA",
}


# Words in an option's name that say it holds a secret, for fields the catalog doesn't
# describe yet (a newer type, an undocumented key, a new field in Faraday's document).
_SECRET_WORDS = ("password", "passphrase", "secret", "token", "private", "credential", "api_key")


def looks_secret(name: str) -> bool:
    """True when an option name says it holds a secret."""
    return any(word in name.casefold() for word in _SECRET_WORDS)


class CatalogError(ValueError):
    """The data file does not describe a valid catalog."""


def humanize_key(key: str) -> str:
    words = [_LABEL_WORDS.get(word, word) for word in key.split("_")]
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]])


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    required: bool
    secret: bool
    description: str
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    suggested_value: int | str | None = None
    pattern: str | None = None
    pattern_source: str | None = None
    # An edit may clear it with null (Faraday's MergePatch model admits null here).
    nullable: bool = False

    @property
    def label(self) -> str:
        return humanize_key(self.name)

    @cached_property
    def compiled_pattern(self) -> EcmaPattern | None:
        return compile_ecmascript(self.pattern) if self.pattern else None


@dataclass(frozen=True)
class ReadOnlyField:
    """An option only Faraday sets and answers with (a public key it generated); never sent."""

    name: str
    description: str

    @property
    def label(self) -> str:
        return humanize_key(self.name)


@dataclass(frozen=True)
class ConnectionType:
    type: str
    label: str
    category: str
    fields: tuple[FieldSpec, ...]
    read_only_fields: tuple[ReadOnlyField, ...] = ()

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def secret_field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.secret)


@dataclass(frozen=True)
class Catalog:
    types: dict[str, ConnectionType]
    name_field: FieldSpec
    statuses: tuple[str, ...]

    def get(self, type_key: str) -> ConnectionType | None:
        return self.types.get(type_key)

    def by_category(self) -> list[tuple[str, str, list[ConnectionType]]]:
        """[(category key, category label, types sorted by label)] in display order."""
        groups = []
        for key, label in CATEGORY_LABELS.items():
            members = sorted(
                (t for t in self.types.values() if t.category == key), key=lambda t: t.label.lower()
            )
            if members:
                groups.append((key, label, members))
        return groups


def _field_from_dict(raw: dict[str, Any], where: str) -> FieldSpec:
    try:
        spec = FieldSpec(
            name=raw["name"],
            kind=raw["kind"],
            required=bool(raw["required"]),
            secret=bool(raw.get("secret", False)),
            description=raw.get("description", ""),
            choices=tuple(raw.get("choices", ())),
            min=raw.get("min"),
            max=raw.get("max"),
            suggested_value=raw.get("suggested_value"),
            pattern=raw.get("pattern"),
            pattern_source=raw.get("pattern_source"),
            nullable=bool(raw.get("nullable", False)),
        )
    except KeyError as exc:
        raise CatalogError(f"{where}: missing key {exc}") from exc
    if spec.kind not in KINDS:
        raise CatalogError(f"{where}: unknown kind {spec.kind!r}")
    if spec.kind == "enum" and not spec.choices:
        raise CatalogError(f"{where}: an enum needs choices")
    if spec.pattern is not None:
        try:
            spec.compiled_pattern  # noqa: B018 - compile now so a bad pattern fails at start-up
        except ValueError as exc:
            raise CatalogError(f"{where}: pattern {spec.pattern!r}: {exc}") from exc
    return spec


def parse_catalog(data: dict[str, Any]) -> Catalog:
    """Build a Catalog from the data file's structure; raise CatalogError when it is invalid."""
    types: dict[str, ConnectionType] = {}
    for raw_type in data.get("types", []):
        key = raw_type.get("type")
        if not key or key in types:
            raise CatalogError(f"missing or duplicate type key {key!r}")
        category = raw_type.get("category")
        if category not in CATEGORY_LABELS:
            raise CatalogError(f"{key}: unknown category {category!r}")
        fields = tuple(_field_from_dict(f, f"{key}.{f.get('name')}") for f in raw_type["fields"])
        try:
            read_only = tuple(
                ReadOnlyField(name=f["name"], description=f.get("description", ""))
                for f in raw_type.get("read_only_fields", [])
            )
        except (KeyError, TypeError) as exc:
            raise CatalogError(f"{key}: a read-only field needs a name") from exc
        names = [f.name for f in (*fields, *read_only)]
        if len(set(names)) != len(names) or "type" in names:
            raise CatalogError(f"{key}: duplicate or reserved field name")
        types[key] = ConnectionType(
            type=key,
            label=raw_type.get("label") or key,
            category=category,
            fields=fields,
            read_only_fields=read_only,
        )
    if not types:
        raise CatalogError("the catalog lists no connection types")
    return Catalog(
        types=types,
        name_field=_field_from_dict(data["connection_name"], "connection_name"),
        statuses=tuple(data["statuses"]),
    )


def load_catalog_file(path: Path = DATA_FILE) -> Catalog:
    with path.open(encoding="utf-8") as fh:
        return parse_catalog(json.load(fh))


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """The project's catalog, validated on first use and cached for the life of the process."""
    return load_catalog_file()
