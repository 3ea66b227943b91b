"""Rebuild `connection_types.json` from Faraday's OpenAPI document, keeping our editorial extras.

Faraday publishes its API as OpenAPI (https://app.faraday.ai/api.json) and, generated from it,
a TypeScript client whose models file (`faraday_models.json`) this module reads too, by turning
it into the same schemas (`models_to_openapi`). Each connection type's create options are a
schema named `ConnectionOptions<Type>Post` whose `type` property holds the type key. Beside it,
`ConnectionOptions<Type>MergePatch` says which fields an edit may clear with null (`nullable`),
and the response schema `ConnectionOptions<Type>` has the fields only Faraday sets (a generated
public key), listed as the type's `read_only_fields`. From these this module takes what Faraday
owns and keeps what we own:

From the document (Faraday's word wins):
    the set of types and of their fields; each field's kind (`enum` when the property lists
    `enum`, else its `type`: string, integer or boolean), `required`, `description`, `choices`,
    `pattern`, and `minimum`/`maximum` (`exclusiveMinimum`/`exclusiveMaximum` are turned into
    inclusive bounds).

Kept from the current file for types and fields that still exist (ours):
    `label`, `category`, `suggested_value`, `min`/`max` when the document gives none, any other
    key we added, and the top-level sections (`about`, `connection_name`, statuses, error codes).
    A pattern the document does not give is kept only when we carried it over ourselves
    (`pattern_source` other than "reference"/"openapi"); a documented pattern that Faraday
    dropped is dropped with it.

Secret fields: a field is secret when the document marks it `writeOnly` or `format: password`.
Otherwise an existing field keeps our flag (an editorial choice: Klaviyo's public `api_key` is a
site ID and deliberately not secret), and a new field is secret when its name carries a hint
(`loader.looks_secret`: password, passphrase, secret, token, private, credential, api_key).
The document has no way to say "not secret", so a sync never un-hides a field; it can only hide
one.

New types get a label from the schema's `title`, else from its description ("AWS Aurora MySQL
connection options" -> "AWS Aurora MySQL"), else from the key; their category is guessed from the
key and fields (`*_csv` or a bucket -> file storage, `*_ads`/audiences -> advertising, host +
port + database -> database) and otherwise falls back to "marketing_and_commerce", the catch-all
for the SaaS apps that make up most of Faraday's newer connection types. Guesses are listed in the
report so that someone reviews them. A new integer field named `port` gets 1-65535 when the
document has no bounds. Optional properties of a kind the form cannot render (arrays, objects,
numbers) are skipped with a note; a required one is an error.
"""

from __future__ import annotations

import copy
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from faraday_admin.catalog.loader import humanize_key, looks_secret, parse_catalog

# Faraday's published document; the command's help names it.
FARADAY_OPENAPI_URL = "https://app.faraday.ai/api.json"
FETCH_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

_SCHEMA_NAME = re.compile(r"^ConnectionOptions(?P<name>[A-Z0-9][A-Za-z0-9]*)Post$")
_DOCUMENTED_SOURCES = frozenset({"reference", "openapi"})
_FIELD_KEY_ORDER = (
    "name",
    "kind",
    "required",
    "description",
    "choices",
    "nullable",
    "secret",
    "pattern",
    "pattern_source",
    "suggested_value",
    "min",
    "max",
)
_TYPE_KEY_ORDER = ("type", "label", "category")
_FALLBACK_CATEGORY = "marketing_and_commerce"
_MAX_REF_DEPTH = 20


class SyncError(ValueError):
    """The OpenAPI document cannot be read or turned into a catalog; the message says why."""


@dataclass
class SyncResult:
    """The new data file structure, what changed, and notes a person should read."""

    data: dict[str, Any]
    changes: list[str]
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading the document


def read_openapi_document(source: str, *, client: httpx.Client | None = None) -> dict[str, Any]:
    """The JSON document at `source`, a file path or an http(s) URL; raise SyncError otherwise."""
    if re.match(r"^https?://", source, re.IGNORECASE):
        text = _fetch(source, client=client)
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise SyncError(f"cannot read {source}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise SyncError(f"{source} is not UTF-8 text") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SyncError(f"{source} is not JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError:
        raise SyncError(f"{source} is nested too deeply to read") from None
    if not isinstance(document, dict):
        raise SyncError(f"{source} is not an OpenAPI document (expected a JSON object)")
    return document


def _fetch(url: str, *, client: httpx.Client | None) -> str:
    try:
        if client is None:
            with httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=True) as own:
                response = own.get(url, headers={"Accept": "application/json"})
        else:
            response = client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        status = exc.response
        raise SyncError(
            f"fetching {url} failed: HTTP {status.status_code} {status.reason_phrase}"
        ) from exc
    except httpx.TimeoutException as exc:
        raise SyncError(f"fetching {url} timed out") from exc
    except httpx.HTTPError as exc:
        raise SyncError(f"fetching {url} failed: {exc}") from exc
    return response.text


# ---------------------------------------------------------------------------------------------
# Faraday's published client models, read as an OpenAPI document


def is_models_document(document: dict[str, Any]) -> bool:
    """True for the models file of Faraday's published client (`interfaces`, `unions`)."""
    return isinstance(document.get("interfaces"), dict) and isinstance(document.get("unions"), dict)


_ANCHOR = re.compile(r'<a\s[^>]*href="(?P<url>https?://[^"]+)"[^>]*>(?P<text>.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def plain_description(text: str) -> str:
    """The models' HTML descriptions as the catalog keeps them: plain text, a link's address in
    brackets after its words (the form turns bare addresses back into links)."""
    text = _ANCHOR.sub(lambda m: f"{m['text']} ({m['url']})", text)
    return html.unescape(_TAG.sub("", text)).strip()


def _model_property(type_expr: str, description: str, enums: dict[str, Any]) -> dict[str, Any]:
    alternatives = [part.strip() for part in type_expr.split("|")]
    concrete = [alt for alt in alternatives if alt != "null"]
    base = concrete[0] if len(concrete) == 1 else type_expr
    if base in enums:
        prop: dict[str, Any] = {"type": "string", "enum": list(enums[base])}
    elif base == "number":
        # TypeScript has only `number`; every numeric connection option (a port) is whole.
        prop = {"type": "integer"}
    elif base in ("string", "boolean"):
        prop = {"type": base}
    else:
        prop = {"type": "object"}  # arrays and nested models: no form input
    if "null" in alternatives:
        prop["nullable"] = True
    if description:
        prop["description"] = plain_description(description)
    return prop


def models_to_openapi(models: dict[str, Any]) -> dict[str, Any]:
    """The connection-options part of an OpenAPI document, built from the models file, so one
    sync reads both: Post schemas (what a create takes), MergePatch (what an edit may null) and
    the response schemas (what only Faraday sets)."""
    enums = models.get("enums") or {}
    interfaces = models["interfaces"]
    schemas: dict[str, Any] = {}
    for union in ("ConnectionOptionsPost", "ConnectionOptionsMergePatch", "ConnectionOptions"):
        members = (models["unions"].get(union) or {}).get("members") or []
        for key, interface in members:
            if interface not in interfaces:
                raise SyncError(f"{union} names {interface}, which the file doesn't define")
            fields = interfaces[interface]
            properties = {
                name: _model_property(spec["type"], spec.get("description", ""), enums)
                for name, spec in fields.items()
            }
            properties["type"] = {"type": "string", "enum": [key]}
            schemas[interface] = {
                "type": "object",
                "properties": properties,
                "required": sorted(n for n, spec in fields.items() if not spec["optional"]),
            }
    if not schemas:
        raise SyncError("the models file has no ConnectionOptionsPost union")
    return {"components": {"schemas": schemas}, "x-without-patterns": True}


# ---------------------------------------------------------------------------------------------
# Schemas


class _Schemas:
    """`components.schemas` with local `$ref` and `allOf` resolved."""

    def __init__(self, document: dict[str, Any]):
        schemas = (document.get("components") or {}).get("schemas")
        if not isinstance(schemas, dict):
            raise SyncError("the document has no components.schemas; is it an OpenAPI document?")
        self.schemas = schemas
        self.base_names: dict[str, str] = {}  # type key -> "ConnectionOptions<Name>"
        # The client models carry no patterns: silence there is not Faraday dropping one.
        self.has_patterns = not document.get("x-without-patterns", False)

    def resolve(self, schema: Any, where: str, depth: int = 0) -> dict[str, Any]:
        """`schema` with `$ref` followed and `allOf` merged (properties, required, the rest)."""
        if depth > _MAX_REF_DEPTH:
            raise SyncError(f"{where}: $ref chain too deep (a cycle?)")
        if not isinstance(schema, dict):
            raise SyncError(f"{where}: expected a schema object")
        schema = dict(schema)
        ref = schema.pop("$ref", None)
        merged: dict[str, Any] = {}
        if ref is not None:
            prefix = "#/components/schemas/"
            if not isinstance(ref, str) or not ref.startswith(prefix):
                raise SyncError(f"{where}: only local references are supported, not {ref!r}")
            target = ref.removeprefix(prefix)
            if target not in self.schemas:
                raise SyncError(f"{where}: $ref to a missing schema {target!r}")
            merged = self.resolve(self.schemas[target], f"{where} -> {target}", depth + 1)
        parts = [merged]
        parts.extend(
            self.resolve(part, f"{where}.allOf[{i}]", depth + 1)
            for i, part in enumerate(schema.pop("allOf", None) or [])
        )
        parts.append(schema)  # siblings of $ref/allOf (a description, say) win
        result: dict[str, Any] = {}
        for part in parts:
            properties = {**result.get("properties", {}), **part.get("properties", {})}
            required = [*result.get("required", []), *part.get("required", [])]
            result.update(part)
            if properties:
                result["properties"] = properties
            if required:
                result["required"] = list(dict.fromkeys(required))
        return result

    def connection_option_schemas(self) -> dict[str, dict[str, Any]]:
        """{type key: resolved schema} for every `ConnectionOptions<Type>Post` with a `type`."""
        mapping = self._discriminator_mapping()
        found: dict[str, dict[str, Any]] = {}
        for name, raw in sorted(self.schemas.items()):
            match = _SCHEMA_NAME.match(name)
            if not match:
                continue
            schema = self.resolve(raw, name)
            type_property = schema.get("properties", {}).get("type")
            if type_property is None:
                continue  # a shared sub-schema, not a connection type
            key = self._type_key(name, self.resolve(type_property, f"{name}.type"), mapping)
            if key in found:
                raise SyncError(f"{name}: type {key!r} is described by two schemas")
            found[key] = schema
            self.base_names[key] = name.removesuffix("Post")
        if not found:
            raise SyncError("the document has no ConnectionOptions<Type>Post schemas")
        return found

    def companion(self, key: str, suffix: str) -> dict[str, Any] | None:
        """The type's sibling schema (`MergePatch`, or "" for the response), resolved; None when
        the document has none."""
        name = self.base_names[key] + suffix
        return self.resolve(self.schemas[name], name) if name in self.schemas else None

    def _discriminator_mapping(self) -> dict[str, str]:
        """{schema name: type key} from any `discriminator.mapping` (e.g. ConnectionOptionsPost)."""
        mapping: dict[str, str] = {}
        for schema in self.schemas.values():
            discriminator = schema.get("discriminator") if isinstance(schema, dict) else None
            if isinstance(discriminator, dict) and discriminator.get("propertyName") == "type":
                for key, ref in (discriminator.get("mapping") or {}).items():
                    mapping[str(ref).rsplit("/", 1)[-1]] = key
        return mapping

    @staticmethod
    def _type_key(name: str, type_property: dict[str, Any], mapping: dict[str, str]) -> str:
        values = type_property.get("enum") or []
        if "const" in type_property:
            values = [type_property["const"]]
        if len(values) == 1 and isinstance(values[0], str):
            return values[0]
        if name in mapping:
            return mapping[name]
        if isinstance(type_property.get("default"), str):
            return type_property["default"]
        raise SyncError(f"{name}: its type property names no single type key (enum or const)")


# ---------------------------------------------------------------------------------------------
# Building the catalog structure


def _kind(prop: dict[str, Any]) -> str | None:
    if "enum" in prop:
        # Choices travel as form strings, so only string enums round-trip unchanged.
        values = [v for v in prop["enum"] if v is not None]
        return "enum" if values and all(isinstance(v, str) for v in values) else None
    declared = prop.get("type")
    if isinstance(declared, list):  # OpenAPI 3.1: ["string", "null"]
        declared = next((t for t in declared if t != "null"), None) if len(declared) <= 2 else None
    if isinstance(prop.get("const"), str):
        return "enum"
    if declared in ("string", "integer", "boolean"):
        return declared
    return None


def _nullable(prop: dict[str, Any]) -> bool:
    """Whether a property admits null: OpenAPI 3.0's `nullable`, or 3.1's type list."""
    declared = prop.get("type")
    return prop.get("nullable") is True or (isinstance(declared, list) and "null" in declared)


def _bounds(prop: dict[str, Any]) -> tuple[int | None, int | None]:
    low, high = prop.get("minimum"), prop.get("maximum")
    # OpenAPI 3.1 gives a number; 3.0 a boolean beside minimum/maximum.
    exclusive_low, exclusive_high = prop.get("exclusiveMinimum"), prop.get("exclusiveMaximum")
    if isinstance(exclusive_low, int | float) and not isinstance(exclusive_low, bool):
        low = exclusive_low + 1
    elif exclusive_low is True and low is not None:
        low += 1
    if isinstance(exclusive_high, int | float) and not isinstance(exclusive_high, bool):
        high = exclusive_high - 1
    elif exclusive_high is True and high is not None:
        high -= 1
    return (None if low is None else int(low)), (None if high is None else int(high))


def _ordered(raw: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    known = {key: raw[key] for key in order if key in raw}
    return {**known, **{key: value for key, value in raw.items() if key not in known}}


def _build_field(
    name: str,
    prop: dict[str, Any],
    required: bool,
    old: dict[str, Any] | None,
    where: str,
    *,
    has_patterns: bool = True,
) -> dict[str, Any]:
    kind = _kind(prop)
    if kind is None:
        what = "a non-string enum" if "enum" in prop else repr(prop.get("type"))
        raise SyncError(f"{where}: unsupported property type {what}")
    old = old or {}
    raw: dict[str, Any] = {
        # Editorial keys we added and the document knows nothing about survive.
        key: value
        for key, value in old.items()
        if key not in _FIELD_KEY_ORDER
    }
    description = str(prop.get("description") or "").strip()
    raw.update(
        name=name,
        kind=kind,
        required=required,
        description=description or old.get("description") or humanize_key(name),
    )
    if kind == "enum":
        values = prop["enum"] if "enum" in prop else [prop["const"]]
        raw["choices"] = [str(v) for v in values if v is not None]
    documented_secret = prop.get("writeOnly") is True or prop.get("format") == "password"
    raw["secret"] = documented_secret or bool(old.get("secret", looks_secret(name)))

    pattern = prop.get("pattern") if kind == "string" else None  # JSON Schema: strings only
    if isinstance(pattern, str):
        # "reference" (the printed reference page) is kept to avoid churn; a carry-over of ours
        # that the document now confirms becomes the document's.
        kept = old.get("pattern") == pattern and old.get("pattern_source") in _DOCUMENTED_SOURCES
        raw["pattern"] = pattern
        raw["pattern_source"] = old["pattern_source"] if kept else "openapi"
    elif (
        kind == "string"
        and old.get("pattern")
        and (old.get("pattern_source") not in _DOCUMENTED_SOURCES or not has_patterns)
    ):
        raw["pattern"] = old["pattern"]  # our own carry-over, not Faraday's
        if "pattern_source" in old:
            raw["pattern_source"] = old["pattern_source"]

    if kind == "integer":
        low, high = _bounds(prop)
        if low is None and high is None and not old and name == "port":
            low, high = 1, 65535
        low = low if low is not None else old.get("min")
        high = high if high is not None else old.get("max")
        suggested = old.get("suggested_value") if old else prop.get("default")
        for key, value in (("suggested_value", suggested), ("min", low), ("max", high)):
            if value is not None:
                raw[key] = value
    return _ordered(raw, _FIELD_KEY_ORDER)


def _label_for_new_type(key: str, schema: dict[str, Any]) -> str:
    title = str(schema.get("title") or "").strip()
    if title and not _SCHEMA_NAME.match(title):
        return title
    for line in str(schema.get("description") or "").splitlines():
        line = line.strip()
        if not line or line.startswith("("):  # "(Parameters used to POST a new value of ...)"
            continue
        label = re.sub(r"\s+connection options\.?$", "", line, flags=re.IGNORECASE).strip()
        if label and len(label) <= 40:
            return label
        break
    return humanize_key(key)


def _guess_category(key: str, field_names: set[str]) -> str:
    if key.endswith("_csv") or "bucket_name" in field_names:
        return "file_storage"
    if key.endswith("_ads") or "audience" in key:
        return "advertising"
    if {"host", "port", "database"} <= field_names:
        return "database"
    return _FALLBACK_CATEGORY


def _read_only_fields(
    post: dict[str, Any], response: dict[str, Any], old: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Options Faraday sets and answers with but never takes (a public key it generated)."""
    old_entries = {f["name"]: f for f in (old or {}).get("read_only_fields", [])}
    sent = post.get("properties", {})
    answered = response.get("properties", {})
    names = {name for name, prop in sent.items() if prop.get("readOnly") is True}
    names |= {name for name in answered if name not in sent}
    entries = []
    for name in sorted(names - {"type"}):
        prop = answered.get(name) or sent[name]
        description = str(prop.get("description") or "").strip()
        entry = {**old_entries.get(name, {}), "name": name}
        entry["description"] = description or entry.get("description") or humanize_key(name)
        entries.append(entry)
    return entries


def _build_type(
    key: str, schema: dict[str, Any], old: dict[str, Any] | None, schemas: _Schemas
) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    old_fields = {f["name"]: f for f in (old or {}).get("fields", [])}
    required = set(schema.get("required", []))
    merge_patch = schemas.companion(key, "MergePatch")
    patch_props = (merge_patch or {}).get("properties", {})
    fields = []
    for name, raw_prop in sorted(schema.get("properties", {}).items()):
        if name == "type":
            continue
        where = f"{key}.{name}"
        prop = schemas.resolve(raw_prop, where)
        if prop.get("readOnly") is True:
            continue  # never sent when creating a connection
        if _kind(prop) is None and name not in required:
            notes.append(
                f"skipped {where}: a {prop.get('type', 'untyped')} field has no form input"
            )
            continue
        built = _build_field(
            name,
            prop,
            name in required,
            old_fields.get(name),
            where,
            has_patterns=schemas.has_patterns,
        )
        if merge_patch is not None:
            # Only an edit may send null, and only where Faraday's edit model admits it.
            patch_prop = schemas.resolve(patch_props.get(name, {}), f"{where} (MergePatch)")
            built["nullable"] = _nullable(patch_prop)
        elif "nullable" in old_fields.get(name, {}):
            built["nullable"] = old_fields[name]["nullable"]  # this document can't say
        fields.append(_ordered(built, _FIELD_KEY_ORDER))
    if old is not None:
        extras = {
            k: v
            for k, v in old.items()
            if k not in (*_TYPE_KEY_ORDER, "fields", "read_only_fields")
        }
        raw = {"type": key, "label": old.get("label"), "category": old.get("category"), **extras}
    else:
        category = _guess_category(key, {f["name"] for f in fields})
        raw = {"type": key, "label": _label_for_new_type(key, schema), "category": category}
        notes.append(
            f"new type {key}: label {raw['label']!r} and category {category!r} are guesses;"
            " review them"
        )
    raw["fields"] = fields
    response = schemas.companion(key, "")
    if response is None:  # this document can't say: keep what we knew
        read_only = (old or {}).get("read_only_fields", [])
    else:
        read_only = _read_only_fields(schema, response, old)
    if read_only:
        raw["read_only_fields"] = read_only
    else:
        raw.pop("read_only_fields", None)
    return raw, notes


def sync_catalog_data(document: dict[str, Any], current: dict[str, Any]) -> SyncResult:
    """The data file `current` brought in line with the OpenAPI `document`.

    Returns a SyncResult whose `data` has passed `parse_catalog`; raises SyncError when the
    document cannot be read as connection types, and CatalogError when the result is invalid.
    """
    schemas = _Schemas(document)
    found = schemas.connection_option_schemas()
    old_types = {t["type"]: t for t in current.get("types", [])}
    types, notes = [], []
    for key in sorted(found):
        raw, type_notes = _build_type(key, found[key], old_types.get(key), schemas)
        types.append(raw)
        notes.extend(type_notes)
    data = copy.deepcopy({k: v for k, v in current.items() if k != "types"})
    data["types"] = types
    parse_catalog(data)
    return SyncResult(data=data, changes=diff_catalog_data(current, data), notes=notes)


# ---------------------------------------------------------------------------------------------
# Reporting and writing


def _show(value: Any, *, quote: bool = False) -> str:
    """A value as a person reads it: unescaped, so a pattern's `\\d` reads as in the docs."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return f'"{value}"' if quote else str(value)


_COMPARED = (
    "kind",
    "required",
    "nullable",
    "secret",
    "pattern",
    "choices",
    "min",
    "max",
    "description",
)


def diff_catalog_data(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """One line per change between two data structures: types, then fields, in key order."""
    old_types = {t["type"]: t for t in old.get("types", [])}
    new_types = {t["type"]: t for t in new.get("types", [])}
    lines = []
    for key in sorted(new_types.keys() - old_types.keys()):
        t = new_types[key]
        names = ", ".join(f["name"] for f in t["fields"]) or "no fields"
        lines.append(f"+ type {key} ({t['label']}, {t['category']}): {names}")
    lines.extend(f"- type {key}" for key in sorted(old_types.keys() - new_types.keys()))
    for key in sorted(old_types.keys() & new_types.keys()):
        old_read_only = {f["name"] for f in old_types[key].get("read_only_fields", [])}
        new_read_only = {f["name"] for f in new_types[key].get("read_only_fields", [])}
        lines.extend(
            f"+ read-only field {key}.{name}" for name in sorted(new_read_only - old_read_only)
        )
        lines.extend(
            f"- read-only field {key}.{name}" for name in sorted(old_read_only - new_read_only)
        )
        old_fields = {f["name"]: f for f in old_types[key]["fields"]}
        new_fields = {f["name"]: f for f in new_types[key]["fields"]}
        for name in sorted(new_fields.keys() - old_fields.keys()):
            f = new_fields[name]
            flags = ["required" if f["required"] else "optional"] + (
                ["secret"] if f["secret"] else []
            )
            lines.append(f"+ field {key}.{name} ({f['kind']}, {', '.join(flags)})")
        lines.extend(
            f"- field {key}.{name}" for name in sorted(old_fields.keys() - new_fields.keys())
        )
        for name in sorted(old_fields.keys() & new_fields.keys()):
            before, after = old_fields[name], new_fields[name]
            for attr in _COMPARED:
                if before.get(attr) == after.get(attr):
                    continue
                if attr == "description":
                    lines.append(f"~ field {key}.{name}: description changed")
                else:
                    quote = attr == "pattern"  # so that edge spaces show
                    was = _show(before.get(attr), quote=quote)
                    now = _show(after.get(attr), quote=quote)
                    lines.append(f"~ field {key}.{name}: {attr} {was} -> {now}")
    return lines


def dump_catalog_data(data: dict[str, Any]) -> str:
    """The data file's text: two-space JSON, ASCII escapes, keys in data order, final newline."""
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"
