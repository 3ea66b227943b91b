"""Faraday's published API models (`faraday_models.json`) and a checker of documents against them.

The file is what Faraday's own TypeScript client declares for connections and webhook endpoints:
per interface, each field's name, whether it is optional, and its type written as TypeScript
(`string`, `number`, `boolean`, `string | null`, an enum's or interface's name, `Array<T>`).
`unions` are the tagged unions of connection options, chosen by their `type` member.

`problems(document, "ConnectionPost")` lists everything in a document that the models refuse:
unknown members, missing required ones, wrong JSON kinds, values outside an enum, and `null`
where the type does not admit it. Paths are JSON pointers and messages follow ajv, the
validator behind Faraday's schema, so the simulator can answer exactly as Faraday does.
It knows nothing of patterns or bounds: the models don't carry them (the catalog does).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

MODELS_FILE = Path(__file__).with_name("faraday_models.json")

# The three shapes of connection options: what a create sends, what an edit sends, what
# Faraday answers with. Each names a union of per-type interfaces.
POST = "ConnectionOptionsPost"
MERGE_PATCH = "ConnectionOptionsMergePatch"
RESPONSE = "ConnectionOptions"
_ARRAY = re.compile(r"^Array<(?P<item>.+)>$")
_RECORD = re.compile(r"^\{ \[key: string\]: (?P<value>.+); \}$")


@dataclass(frozen=True)
class ModelField:
    name: str
    optional: bool
    type: str  # TypeScript, as published
    description: str = ""

    @property
    def nullable(self) -> bool:
        return "null" in _alternatives(self.type)


@dataclass(frozen=True)
class SchemaProblem:
    """One thing the models refuse: a JSON pointer, ajv's message and the failed keyword."""

    path: str
    message: str
    keyword: str


def pointer(*parts: str) -> str:
    """RFC 6901 JSON pointer: `~` and `/` inside a key are escaped."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _alternatives(type_expr: str) -> list[str]:
    return [part.strip() for part in type_expr.split("|")]


class ApiModels:
    def __init__(self, data: dict[str, Any]):
        self.enums: dict[str, list[Any]] = data["enums"]
        self.interfaces: dict[str, dict[str, ModelField]] = {
            name: {
                field: ModelField(
                    name=field,
                    optional=bool(spec["optional"]),
                    type=spec["type"],
                    description=spec.get("description", ""),
                )
                for field, spec in members.items()
            }
            for name, members in data["interfaces"].items()
        }
        self.unions: dict[str, dict[str, str]] = {
            name: dict(union["members"]) for name, union in data["unions"].items()
        }

    def connection_types(self) -> frozenset[str]:
        return frozenset(self.unions[POST])

    def options_model(self, type_key: str, shape: str) -> dict[str, ModelField]:
        """The fields of one type's options in `shape` (POST, MERGE_PATCH or RESPONSE)."""
        return self.interfaces[self.unions[shape][type_key]]

    def problems(self, value: Any, type_expr: str, path: str = "") -> list[SchemaProblem]:
        """Everything in `value` that the TypeScript type `type_expr` refuses."""
        alternatives = _alternatives(type_expr)
        if value is None:
            if "null" in alternatives:
                return []
            return [SchemaProblem(path or "/", f"must be {self._kind_names(alternatives)}", "type")]
        concrete = [alt for alt in alternatives if alt != "null"]
        if len(concrete) != 1:
            raise ValueError(f"unsupported type {type_expr!r}")
        return self._check(value, concrete[0], path, alternatives)

    def _kind_names(self, alternatives: list[str]) -> str:
        return ",".join(self._kind_name(alt) for alt in alternatives)

    def _kind_name(self, type_expr: str) -> str:
        if type_expr in ("string", "number", "boolean", "null", "object"):
            return type_expr
        if type_expr in self.enums:
            return "string"
        if _ARRAY.match(type_expr):
            return "array"
        return "object"

    def _check(
        self, value: Any, type_expr: str, path: str, alternatives: list[str]
    ) -> list[SchemaProblem]:
        wrong_kind = [
            SchemaProblem(path or "/", f"must be {self._kind_names(alternatives)}", "type")
        ]
        if type_expr == "string":
            return [] if isinstance(value, str) else wrong_kind
        if type_expr == "number":
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            return [] if is_number else wrong_kind
        if type_expr == "boolean":
            return [] if isinstance(value, bool) else wrong_kind
        if type_expr == "object":
            return [] if isinstance(value, dict) else wrong_kind
        if type_expr in self.enums:
            if value in self.enums[type_expr] and not isinstance(value, bool):
                return []
            return [
                SchemaProblem(path or "/", "must be equal to one of the allowed values", "enum")
            ]
        if match := _ARRAY.match(type_expr):
            if not isinstance(value, list):
                return wrong_kind
            return [
                problem
                for index, item in enumerate(value)
                for problem in self.problems(item, match["item"], f"{path}/{index}")
            ]
        if match := _RECORD.match(type_expr):
            if not isinstance(value, dict):
                return wrong_kind
            return [
                problem
                for key, item in value.items()
                for problem in self.problems(item, match["value"], path + pointer(key))
            ]
        if type_expr in self.unions:
            return self._check_union(value, type_expr, path, wrong_kind)
        if type_expr in self.interfaces:
            if not isinstance(value, dict):
                return wrong_kind
            return self._check_object(value, self.interfaces[type_expr], path)
        raise ValueError(f"unsupported type {type_expr!r}")

    def _check_union(
        self, value: Any, union: str, path: str, wrong_kind: list[SchemaProblem]
    ) -> list[SchemaProblem]:
        # A tagged union: its `type` member picks the interface that the rest must match.
        if not isinstance(value, dict):
            return wrong_kind
        if "type" not in value:
            return [SchemaProblem(f"{path}/type", "must have required property 'type'", "required")]
        tag = value["type"]
        if not isinstance(tag, str):
            return [SchemaProblem(f"{path}/type", "must be string", "type")]
        member = self.unions[union].get(tag)
        if member is None:
            return [
                SchemaProblem(f"{path}/type", "must be equal to one of the allowed values", "enum")
            ]
        return self._check_object(value, self.interfaces[member], path)

    def _check_object(
        self, value: dict[str, Any], fields: dict[str, ModelField], path: str
    ) -> list[SchemaProblem]:
        found = [
            SchemaProblem(
                path + pointer(name), "must NOT have additional properties", "additionalProperties"
            )
            for name in value
            if name not in fields
        ]
        for name, spec in fields.items():
            where = path + pointer(name)
            if name not in value:
                if not spec.optional:
                    found.append(
                        SchemaProblem(where, f"must have required property '{name}'", "required")
                    )
                continue
            found.extend(self.problems(value[name], spec.type, where))
        return found


def parse_models(data: Any) -> ApiModels:
    """ApiModels from the file's structure; ValueError when it isn't that structure."""
    try:
        return ApiModels(data)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"not Faraday's API models file: {exc!r}") from exc


@lru_cache(maxsize=1)
def get_api_models() -> ApiModels:
    """The project's copy of Faraday's models, read once per process."""
    with MODELS_FILE.open(encoding="utf-8") as fh:
        return parse_models(json.load(fh))
