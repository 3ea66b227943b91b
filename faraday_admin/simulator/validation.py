"""Faraday's checks on connection bodies, reporting every problem at once.

The shape of a body (members, JSON kinds, enums, required members, where null is allowed) is
checked against Faraday's published models (`catalog.api_models`); the values against what the
catalog adds from Faraday's reference page (patterns, whole numbers, bounds). Paths are JSON
pointers into the request document (`/name`, `/options/host`), messages follow the wording of
ajv (the validator behind Faraday's schema), and `error_type` is the failed keyword.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings

from faraday_admin.catalog.api_models import SchemaProblem, get_api_models, pointer
from faraday_admin.catalog.loader import ConnectionType, FieldSpec, get_catalog
from faraday_admin.catalog.patterns import EcmaPattern, compile_ecmascript

__all__ = ["Problem", "check_connection", "check_merge_patch", "normalize_options", "pointer"]


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


def _type_of(options: Any) -> ConnectionType | None:
    return get_catalog().get(options.get("type")) if isinstance(options, dict) else None


def _from_schema(problem: SchemaProblem, ctype: ConnectionType | None) -> Problem:
    """The models' verdict with the suggestion Faraday adds to it."""
    suggestion = None
    name = problem.path.rsplit("/", 1)[-1]
    if problem.keyword == "additionalProperties" and problem.path.startswith("/options/"):
        kind = ctype.type if ctype else "these"
        suggestion = f"Remove '{name}': {kind} connections have no such option."
    elif problem.keyword == "enum" and problem.path == "/options/type":
        suggestion = "Use one of the connection types in Faraday's documentation."
    elif problem.keyword == "enum" and ctype and (spec := ctype.field(name)):
        suggestion = "Use one of: " + ", ".join(spec.choices) + "."
    elif (
        problem.keyword == "type" and ctype and getattr(ctype.field(name), "kind", "") == "integer"
    ):
        suggestion = "Send a whole number, not text."
    return Problem(problem.path, problem.message, problem.keyword, suggestion)


def _check_value(spec: FieldSpec, value: Any, path: str) -> list[Problem]:
    """What the catalog adds to a value whose JSON kind the models accepted."""
    if spec.kind == "integer":
        if not is_json_integer(value):
            return [Problem(path, "must be integer", "type", "Send a whole number, not text.")]
        if spec.min is not None and value < spec.min:
            return [Problem(path, f"must be >= {spec.min}", "minimum")]
        if spec.max is not None and value > spec.max:
            return [Problem(path, f"must be <= {spec.max}", "maximum")]
    elif (
        spec.pattern and isinstance(value, str) and not matches_schema_pattern(spec.pattern, value)
    ):
        return [Problem(path, f'must match pattern "{spec.pattern}"', "pattern")]
    return []


def _check_name(document: dict[str, Any]) -> list[Problem]:
    name_spec = get_catalog().name_field
    name = document.get("name")
    if isinstance(name, str) and not matches_schema_pattern(name_spec.pattern or "", name):
        return [
            Problem(
                "/name",
                f'must match pattern "{name_spec.pattern}"',
                "pattern",
                "Give the connection a name that is not blank.",
            )
        ]
    return []


def _check(document: Any, model: str) -> list[Problem]:
    if not isinstance(document, dict):
        return [Problem("/", "must be object", "type")]
    options = document.get("options")
    ctype = _type_of(options)
    problems = [_from_schema(p, ctype) for p in get_api_models().problems(document, model)]
    failed = {problem.path for problem in problems}
    problems.extend(p for p in _check_name(document) if p.path not in failed)
    if ctype is not None:
        for key, value in options.items():
            spec = ctype.field(key)
            path = pointer("options", key)
            if spec is not None and value is not None and path not in failed:
                problems.extend(_check_value(spec, value, path))
    return problems


def check_connection(document: Any) -> list[Problem]:
    """Every problem with a `{"name", "options"}` document, as POST /connections checks it."""
    return _check(document, "ConnectionPost")


def check_merge_patch(patch: Any) -> list[Problem]:
    """Every problem with a PATCH /connections/{id} body, as Faraday's MergePatch model has it:
    members optional, `options.type` required, null only where the model admits it."""
    return _check(patch, "ConnectionMergePatch")


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
