"""This app's own refusals and notices: what it won't send, and why, in plain words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faraday_admin.catalog import KEY_PAIR_TYPES, ConnectionType, get_catalog
from faraday_admin.connections.problems import and_join

# ---- refusals this app makes itself ---------------------------------------------------------

FORM_EXPIRED = "This form had expired. Check the details and submit again."
ALREADY_SUBMITTED_FOUND = "That form was already submitted; here is the connection it created."
ALREADY_SUBMITTED = (
    "That form was already submitted (or is being submitted in another tab). "
    "Check the list before creating it again."
)
MANAGED_ACTION = "This connection is managed by Faraday: ask Faraday support to change it."
MANAGED_EDIT = "This connection is managed by Faraday and can't be edited here."
DEMO_KEY_INSTALLED = (
    "Demo: the key is now installed on the simulated warehouse, as your IT team would do it. "
    "Press “I've done it — check again” to have Faraday sign in."
)
DEMO_KEY_NOT_INSTALLED = (
    "Nothing was installed: this only works in demo mode, for a Snowflake or ClickHouse connection."
)
NOTHING_CHANGED = "You didn't change anything, so nothing was sent to Faraday."
REVERT_NOTHING_TO_DO = (
    "The connection already has the values from before that edit, so there is nothing to revert."
)
REVERT_GONE = (
    "This connection has been deleted in Faraday, so the edit can't be reverted. Its history "
    "stays in the audit log."
)
REVERT_UNAVAILABLE = (
    "That change can't be reverted: it isn't a successful edit of this connection made in this "
    "app, or it changed only secrets, which were never stored."
)
OUTSIDE_CHANGE_ACKNOWLEDGED = "Noted: the change made outside this app is acknowledged."
OUTSIDE_CHANGE_ALREADY_ACKNOWLEDGED = "Someone has already acknowledged that change."
DEMO_OUTSIDE_NOT_CHANGED = (
    "Nothing was changed: this only works in demo mode, on a connection Faraday doesn't manage."
)


def demo_outside_changed(what: str) -> str:
    return (
        f"Demo: changed it as someone outside this app would ({what}). The app notices on its "
        "next read of Faraday."
    )


ALREADY_ARCHIVED = "This connection is already archived."
NOT_ARCHIVED = "This connection isn't archived."
ACTED_ON_CONNECTION_GONE = (
    "Nothing was sent: this connection no longer exists in Faraday. Someone may have deleted it."
)
EDITED_CONNECTION_GONE = (
    "Your changes weren't saved: this connection no longer exists in Faraday. "
    "Someone may have deleted it."
)


def unknown_type_edit(type_key: str) -> str:
    return (
        f"This app doesn't know the connection type “{type_key}” yet, so it can't edit it. "
        "An engineer can update the catalog with sync_connection_types."
    )


def still_used_by(count: int, archived: int) -> str:
    plural = "s" if count != 1 else ""
    if archived == count:
        archived_note = " They are archived, but archived ones still count."
    elif archived:
        archived_note = f" {archived} of them {'is' if archived == 1 else 'are'} archived, "
        archived_note += "but archived ones still count."
    else:
        archived_note = ""
    return (
        f"This connection is used by {count} dataset{plural} or target{plural} (listed below)."
        f"{archived_note} Delete them or point them at another connection in Faraday first, "
        "or archive this connection instead."
    )


def key_pair_only(type_keys: frozenset[str]) -> str:
    """ "Only ClickHouse and Snowflake connections use key-pair credentials." from the catalog."""
    catalog = get_catalog()
    labels = sorted(
        (catalog.types[key].label if key in catalog.types else key for key in type_keys),
        key=str.casefold,
    )
    return f"Only {and_join(labels)} connections use key-pair credentials."


# ---- the paste box ----------------------------------------------------------------------------

PASTE_NEEDS_TYPE = (
    "That was read, but it doesn't say what kind of connection it is. Choose the connection "
    "type above, then press “Fill in the form” again."
)
PASTE_UNKEPT = (
    "The password in what you pasted wasn't kept, because this form is out of date. Reload the "
    "page and paste again, or type the password yourself."
)


def pasted_password_unused(connection_type: ConnectionType) -> str:
    return (
        f"The password in what you pasted isn't used: {connection_type.label} connections have "
        "no password field."
    )


# ---- a refusal as data: what the audit row stores, worded again wherever it is shown ----------

_REFUSAL_WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "managed_action": lambda d: MANAGED_ACTION,
    "managed_edit": lambda d: MANAGED_EDIT,
    "unknown_type_edit": lambda d: unknown_type_edit(d["type"]),
    "still_used": lambda d: still_used_by(d["count"], d["archived"]),
    "key_pair_only": lambda d: key_pair_only(KEY_PAIR_TYPES),
    "already_archived": lambda d: ALREADY_ARCHIVED,
    "not_archived": lambda d: NOT_ARCHIVED,
    "revert_nothing_to_do": lambda d: REVERT_NOTHING_TO_DO,
}


@dataclass(frozen=True)
class Refusal:
    """A write this app won't send: a code from _REFUSAL_WORDS and the data it is worded from."""

    code: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return _REFUSAL_WORDS[self.code](self.data)

    @property
    def audit_data(self) -> dict[str, Any]:
        return {"refusal": self.code, **self.data}


def refused_audit_words(data: Mapping[str, Any]) -> str:
    """An audit row's "refused" detail in words (registered with audit.details)."""
    return f"not sent: {Refusal(data['refusal'], data)}"
