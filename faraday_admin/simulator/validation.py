"""Faraday's JSON-schema checks on connection bodies, reporting every problem at once.

Paths are JSON pointers into the request document (`/name`, `/options/host`), messages follow the
wording of ajv (the validator behind Faraday's schema), and `error_type` is the failed keyword.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings

from faraday_admin.catalog.loader import ConnectionType, FieldSpec, get_catalog
from faraday_admin.catalog.patterns import EcmaPattern, compile_ecmascript

CONNECTION_KEYS = ("name", "options")


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    error_type: str
    suggestion: str | None = None

    def as_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"path": self.path, "message": self.message}
        if self.suggestion:
            item["suggestion"] = self.suggestion
        item["context"] = {"errorType": self.error_type}
        return item


def pointer(*parts: str) -> str:
    """RFC 6901 JSON pointer: `~` and `/` inside a key are escaped."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


@cache
def _schema_pattern(source: str) -> EcmaPattern:
    # JSON Schema `pattern` is an unanchored search, while EcmaPattern matches the whole value:
    # pad both sides with ECMAScript's any-character class. Anchored patterns are unaffected.
    return compile_ecmascript(rf"[\s\S]*?(?:{source})[\s\S]*")


def matches_schema_pattern(source: str, value: str) -> bool:
    return _schema_pattern(source).fullmatch(value)


def is_json_integer(value: Any) -> bool:
    # JSON (and so ajv) has one number type: 5.0 is an integer, true is not.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _json_type_name(kind: str) -> str:
    return "string" if kind == "enum" else kind


def _check_field(spec: FieldSpec, value: Any, path: str) -> list[Problem]:
    if spec.kind == "integer":
        if not is_json_integer(value):
            return [Problem(path, "must be integer", "type", "Send a whole number, not text.")]
        if spec.min is not None and value < spec.min:
            return [Problem(path, f"must be >= {spec.min}", "minimum")]
        if spec.max is not None and value > spec.max:
            return [Problem(path, f"must be <= {spec.max}", "maximum")]
        return []
    if spec.kind == "boolean":
        return [] if isinstance(value, bool) else [Problem(path, "must be boolean", "type")]
    if not isinstance(value, str):
        return [Problem(path, f"must be {_json_type_name(spec.kind)}", "type")]
    if spec.kind == "enum" and value not in spec.choices:
        return [
            Problem(
                path,
                "must be equal to one of the allowed values",
                "enum",
                "Use one of: " + ", ".join(spec.choices) + ".",
            )
        ]
    if spec.pattern and not matches_schema_pattern(spec.pattern, value):
        return [Problem(path, f'must match pattern "{spec.pattern}"', "pattern")]
    return []


def _check_type_fields(ctype: ConnectionType, options: dict[str, Any]) -> list[Problem]:
    problems = [
        Problem(
            pointer("options", spec.name), f"must have required property '{spec.name}'", "required"
        )
        for spec in ctype.fields
        if spec.required and spec.name not in options
    ]
    for key, value in options.items():
        if key == "type":
            continue
        spec = ctype.field(key)
        if spec is None:
            problems.append(
                Problem(
                    pointer("options", key),
                    "must NOT have additional properties",
                    "additionalProperties",
                    f"Remove '{key}': {ctype.type} connections have no such option.",
                )
            )
        else:
            problems.extend(_check_field(spec, value, pointer("options", key)))
    return problems


def check_options(options: Any) -> list[Problem]:
    """Problems with an `options` object: its `type`, then that type's fields."""
    if not isinstance(options, dict):
        return [Problem("/options", "must be object", "type")]
    if "type" not in options:
        return [Problem("/options/type", "must have required property 'type'", "required")]
    type_key = options["type"]
    if not isinstance(type_key, str):
        return [Problem("/options/type", "must be string", "type")]
    ctype = get_catalog().get(type_key)
    if ctype is None:
        return [
            Problem(
                "/options/type",
                "must be equal to one of the allowed values",
                "enum",
                "Use one of the connection types in Faraday's documentation.",
            )
        ]
    return _check_type_fields(ctype, options)


def check_connection(document: dict[str, Any]) -> list[Problem]:
    """Every problem with a `{"name", "options"}` document, as POST /connections checks it."""
    problems = [
        Problem(pointer(key), "must NOT have additional properties", "additionalProperties")
        for key in document
        if key not in CONNECTION_KEYS
    ]
    name_spec = get_catalog().name_field
    if "name" not in document:
        problems.append(Problem("/name", "must have required property 'name'", "required"))
    elif not isinstance(document["name"], str):
        problems.append(Problem("/name", "must be string", "type"))
    elif not matches_schema_pattern(name_spec.pattern or "", document["name"]):
        problems.append(
            Problem(
                "/name",
                f'must match pattern "{name_spec.pattern}"',
                "pattern",
                "Give the connection a name that is not blank.",
            )
        )
    if "options" not in document:
        problems.append(Problem("/options", "must have required property 'options'", "required"))
    else:
        problems.extend(check_options(document["options"]))
    return problems


# Demo conventions the lifecycle must still recognise after secrets are masked.
DEMO_TRIGGERS = frozenset({"wrong-password"})
_MASK_PREFIX = "hmac-sha256:"


def _mask(value: Any) -> Any:
    """A secret as stored: a keyed digest (it still changes when the secret does), never the
    value itself. People type real passwords into demo mode too."""
    if not isinstance(value, str) or value in DEMO_TRIGGERS or value.startswith(_MASK_PREFIX):
        return value
    key = settings.SECRET_KEY.encode()
    return _MASK_PREFIX + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def normalize_options(options: dict[str, Any]) -> dict[str, Any]:
    """Valid options as stored: integral floats (5.0) become ints, like JavaScript numbers, and
    the type's secrets are masked."""
    connection_type = get_catalog().get(options.get("type", ""))
    secret = connection_type.secret_field_names if connection_type else frozenset()
    return {
        key: _mask(value)
        if key in secret
        else int(value)
        if isinstance(value, float) and value.is_integer()
        else value
        for key, value in options.items()
    }
