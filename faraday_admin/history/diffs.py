"""Configurations and their differences: what an edit changed, what changed elsewhere, and what
a revert would send. No secret value ever enters a configuration or a change: a secret is only
ever "changed" or "unchanged".

A configuration is {"name": str, "options": {option: value}} with the non-secret options only.
A change is {"field", "label", "before", "after"}, or {"field", "label", "secret": True,
"changed": bool} for a secret.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from faraday_admin.catalog import get_catalog, looks_secret
from faraday_admin.catalog.loader import humanize_key
from faraday_admin.faraday_client import Connection

NAME = "name"
NAME_LABEL = "Name"
NOT_SET = "(not set)"


def _is_secret(type_key: str, option: str) -> bool:
    connection_type = get_catalog().get(type_key)
    spec = connection_type.field(option) if connection_type else None
    # Keys the catalog lacks (a newer type, an undocumented option) may hold secrets too.
    return spec.secret if spec is not None else looks_secret(option)


def _generated(type_key: str) -> frozenset[str]:
    """Options only Faraday sets (a public key it made): a rotation here changes them."""
    connection_type = get_catalog().get(type_key)
    if connection_type is None:
        return frozenset()
    return frozenset(f.name for f in connection_type.read_only_fields)


def config_of(connection: Connection) -> dict[str, Any]:
    """The connection's non-secret configuration as Faraday answered it."""
    generated = _generated(connection.type)
    options = {
        key: value
        for key, value in connection.options.items()
        if key not in generated and not _is_secret(connection.type, key)
    }
    return {NAME: connection.name, "options": options}


def config_digest(config: Mapping[str, Any]) -> str:
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _label(type_key: str, option: str) -> str:
    connection_type = get_catalog().get(type_key)
    spec = connection_type.field(option) if connection_type else None
    return spec.label if spec is not None else humanize_key(option)


def _option_order(type_key: str, keys: set[str]) -> list[str]:
    """Catalog order first (as the detail page lists them), then the rest by name."""
    connection_type = get_catalog().get(type_key)
    known = [f.name for f in connection_type.fields] if connection_type else []
    return [k for k in known if k in keys] + sorted(keys - set(known))


def config_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], *, type_key: str
) -> list[dict[str, Any]]:
    """The name and each non-secret option whose value differs, before → after (None: not set).
    Values of every kind (text, numbers, booleans, lists, objects) compare as JSON does."""
    changes = []
    if before.get(NAME) != after.get(NAME):
        changes.append(
            {
                "field": NAME,
                "label": NAME_LABEL,
                "before": before.get(NAME),
                "after": after.get(NAME),
            }
        )
    old, new = before.get("options", {}), after.get("options", {})
    for key in _option_order(type_key, set(old) | set(new)):
        if key == "type" or _is_secret(type_key, key) or old.get(key) == new.get(key):
            continue
        label = _label(type_key, key)
        changes.append(
            {"field": key, "label": label, "before": old.get(key), "after": new.get(key)}
        )
    return changes


def secret_changes(sent_options: Mapping[str, Any], *, type_key: str) -> list[dict[str, Any]]:
    """For each secret of the type (and any secret-looking option sent): whether the edit sent a
    new value or a null (removed), never the value."""
    connection_type = get_catalog().get(type_key)
    names = [f.name for f in connection_type.fields if f.secret] if connection_type else []
    names += sorted(k for k in sent_options if k not in names and _is_secret(type_key, k))
    return [
        {
            "field": name,
            "label": _label(type_key, name),
            "secret": True,
            "changed": name in sent_options and sent_options[name] != "",
        }
        for name in names
    ]


def edit_changes(
    before: Connection, after: Connection, sent_options: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """What an edit changed: Faraday's answer before the PATCH against its answer to it, plus
    each secret as changed or unchanged."""
    return [
        *config_changes(config_of(before), config_of(after), type_key=before.type),
        *secret_changes(sent_options, type_key=before.type),
    ]


def revert_patch(changes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The merge patch that puts an edit's non-secret fields back to their "before" values (a
    null removes an option the edit added). Empty when there is nothing to send."""
    patch: dict[str, Any] = {}
    for change in changes:
        if change.get("secret"):
            continue
        if change["field"] == NAME:
            patch[NAME] = change["before"]
        else:
            patch.setdefault("options", {})[change["field"]] = change["before"]
    return patch


def changed_since(
    changes: Sequence[Mapping[str, Any]], current: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The edit's non-secret fields whose current value is no longer the edit's "after": each as
    {"field", "label", "after" (the edit's), "current"}."""
    found = []
    for change in changes:
        if change.get("secret"):
            continue
        field = change["field"]
        now = current.get(NAME) if field == NAME else current.get("options", {}).get(field)
        if now != change["after"]:
            found.append(
                {"field": field, "label": change["label"], "after": change["after"], "current": now}
            )
    return found


def secrets_changed(changes: Sequence[Mapping[str, Any]]) -> list[str]:
    """Labels of the secrets an edit changed (they can't be reverted: never stored)."""
    return [c["label"] for c in changes if c.get("secret") and c.get("changed")]


def display_value(value: Any) -> str:
    """A value as a person reads it in a diff."""
    if value is None or value == "":
        return NOT_SET
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def change_text(change: Mapping[str, Any]) -> str:
    """One change in words: "Host: db1 → db2", or "Password: changed"."""
    if change.get("secret"):
        return f"{change['label']}: {'changed' if change.get('changed') else 'unchanged'}"
    before, after = display_value(change.get("before")), display_value(change.get("after"))
    return f"{change['label']}: {before} → {after}"
