"""Faraday resources as frozen dataclasses; the only place JSON answers are interpreted.

Every `from_json` raises BadResponse when the data cannot be what Faraday promises, so callers
never see a KeyError or TypeError from a surprising answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeVar

import msgspec

from faraday_admin.faraday_client.errors import BadResponse

TERMINAL_STATUSES = frozenset({"ready", "error"})

T = TypeVar("T")


@dataclass(frozen=True)
class ContentsItem:
    """Something Faraday found behind a connection, such as a table."""

    name: str
    row_count: int | None = None
    object_size: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> ContentsItem:
        """Return the item from either shape Faraday uses: a bare name or a row object.

        Raises BadResponse for anything else.
        """
        if isinstance(data, str):
            return cls(name=data)
        fields = _object(data, "contents item")
        return cls(
            name=_required_str(fields, "name", "contents item"),
            row_count=_optional_int(fields, "row_count", "contents item"),
            object_size=_optional_int(fields, "object_size", "contents item"),
        )


@dataclass(frozen=True)
class Connection:
    """A Faraday connection.

    `options` is a read-only view that may hold secrets, so repr leaves it out; it is left out
    of the hash too (a mapping is unhashable) but still counts for equality.
    """

    id: str
    name: str
    type: str
    options: Mapping[str, Any] = field(repr=False, hash=False)
    status: str
    status_changed_at: datetime | None
    status_error: str | None
    directionality: str | None
    contents: tuple[ContentsItem, ...]
    contents_error: str | None
    managed: bool
    archived_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    last_read_input_at: datetime | None
    last_updated_config_at: datetime | None
    last_updated_output_at: datetime | None
    resource_type: str = "connections"

    @property
    def is_archived(self) -> bool:
        """True once archived: Faraday stops updating it but still lists it."""
        return self.archived_at is not None

    @property
    def is_terminal(self) -> bool:
        """True once Faraday has stopped working on the connection (ready or error)."""
        return self.status in TERMINAL_STATUSES

    @property
    def contents_has_details(self) -> bool:
        """True when any contents item carries a row count or size worth showing."""
        return any(
            item.row_count is not None or item.object_size is not None for item in self.contents
        )

    @classmethod
    def from_json(cls, data: Any) -> Connection:
        """Return the Connection described by a decoded JSON object.

        Unknown statuses are kept as they are: Faraday's own page shows "pending", which the
        documented list lacks. Raises BadResponse on a wrong JSON type, a missing id, name,
        status or options type, or an unparseable timestamp.
        """
        what = "connection"
        fields = _object(data, what)
        options = _object(fields.get("options"), "connection options")
        raw_contents = fields.get("contents")
        if raw_contents is not None and not isinstance(raw_contents, list):
            raise BadResponse("connection contents is not a list")
        resource_type = _optional_str(fields, "resource_type", what)
        return cls(
            id=_required_id(fields, what),
            name=_required_str(fields, "name", what),
            type=_required_str(options, "type", "connection options"),
            options=MappingProxyType(dict(options)),
            status=_required_str(fields, "status", what),
            status_changed_at=_optional_datetime(fields, "status_changed_at", what),
            status_error=_optional_str(fields, "status_error", what),
            directionality=_optional_str(fields, "directionality", what),
            contents=tuple(ContentsItem.from_json(item) for item in raw_contents or ()),
            contents_error=_optional_str(fields, "contents_error", what),
            managed=bool(_optional_bool(fields, "managed", what)),
            archived_at=_optional_datetime(fields, "archived_at", what),
            created_at=_optional_datetime(fields, "created_at", what),
            updated_at=_optional_datetime(fields, "updated_at", what),
            last_read_input_at=_optional_datetime(fields, "last_read_input_at", what),
            last_updated_config_at=_optional_datetime(fields, "last_updated_config_at", what),
            last_updated_output_at=_optional_datetime(fields, "last_updated_output_at", what),
            resource_type=resource_type or "connections",
        )


@dataclass(frozen=True)
class ResourceRef:
    """A dataset or target that uses a connection."""

    id: str
    name: str
    resource_type: str | None
    status: str | None
    archived_at: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> ResourceRef:
        """Return the reference; raises BadResponse without a string id and name."""
        what = "resource"
        fields = _object(data, what)
        return cls(
            id=_required_id(fields, what),
            name=_required_str(fields, "name", what),
            resource_type=_optional_str(fields, "resource_type", what),
            status=_optional_str(fields, "status", what),
            archived_at=_optional_datetime(fields, "archived_at", what),
        )


@dataclass(frozen=True)
class Account:
    """The account that owns the API key."""

    id: str
    name: str | None

    @classmethod
    def from_json(cls, data: Any) -> Account:
        """Return the account; raises BadResponse without a string id. An odd name becomes None."""
        fields = _object(data, "account")
        name = fields.get("name")
        return cls(
            id=_required_id(fields, "account"),
            name=name if isinstance(name, str) else None,
        )


WEBHOOK_EVENT_TYPES = ("resource.errored", "resource.ready_with_update")


@dataclass(frozen=True)
class WebhookEndpoint:
    """Where Faraday posts its events. `secret` (the `whsec_` signing key) comes only in the
    answer to a create; repr leaves it out."""

    id: str
    url: str
    enabled_events: tuple[str, ...]
    status: str
    secret: str | None = field(repr=False, default=None)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_json(cls, data: Any) -> WebhookEndpoint:
        """Return the endpoint; raises BadResponse without an id, url, status or event list."""
        what = "webhook endpoint"
        fields = _object(data, what)
        events = fields.get("enabled_events")
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise BadResponse(f"{what} 'enabled_events' is not a list of strings")
        return cls(
            id=_required_id(fields, what),
            url=_required_str(fields, "url", what),
            enabled_events=tuple(events),
            status=_required_str(fields, "status", what),
            secret=_optional_str(fields, "secret", what),
            created_at=_optional_datetime(fields, "created_at", what),
            updated_at=_optional_datetime(fields, "updated_at", what),
        )


class _WireContentsItem(msgspec.Struct):
    name: str
    row_count: int | None = None
    object_size: int | None = None


class _WireConnection(msgspec.Struct):
    """The shape Connection.from_json accepts, for msgspec's typed decoder (no options check:
    `type` is read from the dict below)."""

    id: str
    name: str
    options: dict[str, Any]
    status: str
    status_changed_at: datetime | None = None
    status_error: str | None = None
    directionality: str | None = None
    contents: list[str | _WireContentsItem] | None = None
    contents_error: str | None = None
    managed: bool | None = None
    archived_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_read_input_at: datetime | None = None
    last_updated_config_at: datetime | None = None
    last_updated_output_at: datetime | None = None
    resource_type: str | None = None


_decode_connections = msgspec.json.Decoder(list[_WireConnection]).decode


def _utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _built(cls: type[T], fields: dict[str, Any]) -> T:
    """An instance of the frozen dataclass `cls` from all its fields, without the frozen
    __init__'s one guarded setattr per field (most of the cost of 1,000 connections)."""
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


def _from_wire(wire: _WireConnection) -> Connection:
    kind = wire.options.get("type")
    if not isinstance(kind, str) or not _ID_SHAPE.fullmatch(wire.id):
        raise ValueError("not the fast path's to word")
    return _built(
        Connection,
        {
            "id": wire.id,
            "name": wire.name,
            "type": kind,
            "options": MappingProxyType(wire.options),
            "status": wire.status,
            "status_changed_at": _utc(wire.status_changed_at),
            "status_error": wire.status_error,
            "directionality": wire.directionality,
            "contents": tuple(
                _built(ContentsItem, {"name": item, "row_count": None, "object_size": None})
                if isinstance(item, str)
                else _built(
                    ContentsItem,
                    {
                        "name": item.name,
                        "row_count": item.row_count,
                        "object_size": item.object_size,
                    },
                )
                for item in wire.contents or ()
            ),
            "contents_error": wire.contents_error,
            "managed": bool(wire.managed),
            "archived_at": _utc(wire.archived_at),
            "created_at": _utc(wire.created_at),
            "updated_at": _utc(wire.updated_at),
            "last_read_input_at": _utc(wire.last_read_input_at),
            "last_updated_config_at": _utc(wire.last_updated_config_at),
            "last_updated_output_at": _utc(wire.last_updated_output_at),
            "resource_type": wire.resource_type or "connections",
        },
    )


def parse_connections(body: bytes) -> list[Connection]:
    """Return the connections in a `GET /connections` answer body.

    msgspec's typed decoder reads a well-formed list about five times faster than json.loads
    plus Connection.from_json (measured on 1,000 connections); anything it refuses goes the
    slow way, so a bad answer raises the same BadResponse as before, worded the same.
    """
    try:
        return [_from_wire(wire) for wire in _decode_connections(body)]
    except (msgspec.DecodeError, ValueError):
        pass
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadResponse("Faraday's answer is empty or not JSON") from exc
    return parse_list(data, Connection.from_json, "connections")


def parse_list(data: Any, parse_item: Callable[[Any], T], what: str) -> list[T]:
    """Return `parse_item` applied to each element; raises BadResponse unless `data` is a list."""
    if not isinstance(data, list):
        raise BadResponse(f"expected a list of {what}, got {_json_type(data)}")
    return [parse_item(item) for item in data]


def _object(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise BadResponse(f"expected {what} to be a JSON object, got {_json_type(data)}")
    return data


def _required_str(fields: Mapping[str, Any], key: str, what: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str):
        raise BadResponse(f"{what} has no string {key!r}")
    return value


# Faraday's ids are UUIDs; anything outside this shape (empty, "/", very long) would address
# another resource or break the app's own URLs, so it is an unreadable answer.
_ID_SHAPE = re.compile(r"[A-Za-z0-9._~-]{1,64}")


def _required_id(fields: Mapping[str, Any], what: str) -> str:
    value = _required_str(fields, "id", what)
    if not value:
        raise BadResponse(f"{what} has an empty 'id'")
    if not _ID_SHAPE.fullmatch(value):
        raise BadResponse(f"{what} has an 'id' that is not an identifier")
    return value


def _optional_str(fields: Mapping[str, Any], key: str, what: str) -> str | None:
    value = fields.get(key)
    if value is not None and not isinstance(value, str):
        raise BadResponse(f"{what} {key!r} is not a string")
    return value


def _optional_int(fields: Mapping[str, Any], key: str, what: str) -> int | None:
    value = fields.get(key)
    # bool is an int in Python but never a count in JSON.
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise BadResponse(f"{what} {key!r} is not an integer")
    return value


def _optional_datetime(fields: Mapping[str, Any], key: str, what: str) -> datetime | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadResponse(f"{what} {key!r} is not a timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadResponse(f"{what} {key!r} is not an ISO-8601 timestamp") from None
    # Faraday writes UTC; a stamp without an offset is read as UTC, not as server-local time.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _optional_bool(fields: Mapping[str, Any], key: str, what: str) -> bool | None:
    value = fields.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadResponse(f"{what} {key!r} is not a boolean")
    return value


def _json_type(data: Any) -> str:
    if isinstance(data, Mapping):
        return "an object"
    if isinstance(data, list):
        return "an array"
    if data is None:
        return "null"
    return type(data).__name__
