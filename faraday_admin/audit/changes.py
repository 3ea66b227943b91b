"""The words for an audit row's `changes` (written by the history app): "Host: db1 → db2", or
"Password: changed" for a secret, whose value is never stored."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

NOT_SET = "(not set)"


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


def changes_text(changes: Iterable[Mapping[str, Any]]) -> str:
    """All of an entry's changes, one a line (the CSV's "Changes" column)."""
    return "\n".join(change_text(change) for change in changes)
