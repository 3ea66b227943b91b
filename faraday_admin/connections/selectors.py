"""Reads from Faraday, through the shared cache (core.faraday_cache), then filtering and paging
done here.

Faraday's `GET /connections` has no filters or paging, so the whole list is fetched once per
cache lifetime (for every viewer and poller of the account, on every process), decoded once per
fill, and narrowed in memory. Pass `fresh=True` to read past the cache (a write's own check).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.utils import timezone

from faraday_admin.catalog import ConnectionType, get_catalog, looks_secret
from faraday_admin.connections.models import ConnectionRecord, SubmissionToken
from faraday_admin.core import faraday_cache
from faraday_admin.core.crypto import decrypt
from faraday_admin.core.query import QueryFilters, choice_param, text_param
from faraday_admin.core.upstream import cache_scope, get_faraday_client, get_reading_client
from faraday_admin.faraday_client import Connection, ResourceRef
from faraday_admin.faraday_client.client import parse_connection_body, parse_resource_refs_body
from faraday_admin.faraday_client.models import parse_connections
from faraday_admin.history import selectors as history
from faraday_admin.history.services import connections_observe, list_observe

PAGE_SIZE = 50
# Ties are broken by id, so equal names or times keep one order from page to page.
SORTS = {
    "-created": (
        "Newest first",
        lambda c: (c.created_at.timestamp() if c.created_at else 0, c.id),
        True,
    ),
    "created": (
        "Oldest first",
        lambda c: (c.created_at.timestamp() if c.created_at else 0, c.id),
        False,
    ),
    "name": ("Name A–Z", lambda c: (c.name.casefold(), c.id), False),
    "-name": ("Name Z–A", lambda c: (c.name.casefold(), c.id), True),
}
BROKEN_WITHIN = timedelta(hours=24)
ARCHIVED_CHOICES = {"hide": "Hide archived", "show": "Show archived", "only": "Only archived"}


@dataclass(frozen=True)
class ListFilters(QueryFilters):
    q: str = ""
    status: str = ""
    type: str = ""
    category: str = ""
    archived: str = "hide"
    sort: str = "-created"
    page: str = "1"
    # "24h": only connections that went into error in the last 24 hours (history's record).
    broken: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> ListFilters:
        catalog = get_catalog()
        categories = {t.category for t in catalog.types.values()}
        archived = choice_param(query, "archived", ARCHIVED_CHOICES, default="hide")
        if query.get("status") == "archived":
            # Archived is a flag beside the status, not a status: it means "only archived".
            archived = "only"
        return cls(
            q=text_param(query, "q", limit=200),
            status=choice_param(query, "status", catalog.statuses),
            type=choice_param(query, "type", catalog.types),
            category=choice_param(query, "category", categories),
            archived=archived,
            sort=choice_param(query, "sort", SORTS, default="-created"),
            page=query.get("page", "1"),
            broken=choice_param(query, "broken", {"24h"}),
        )

    def matches(self, connection: Connection) -> bool:
        if self.archived == "hide" and connection.is_archived:
            return False
        if self.archived == "only" and not connection.is_archived:
            return False
        if self.status and connection.status != self.status:
            return False
        if self.type and connection.type != self.type:
            return False
        if self.category:
            connection_type = get_catalog().get(connection.type)
            if connection_type is None or connection_type.category != self.category:
                return False
        return not self.q or self.q.casefold() in connection.name.casefold()

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.status
            or self.type
            or self.category
            or self.archived != "hide"
            or self.broken
        )

    @property
    def show_archived_query(self) -> str:
        """The query string for the same list with archived connections shown."""
        return self.query_string(archived="show")


@dataclass(frozen=True)
class ConnectionRow:
    connection: Connection
    type_label: str
    created_here_by: str | None
    # Marks from the history app: a change made outside this app not yet acknowledged, and a
    # connection that was created elsewhere.
    changed_outside: bool = False
    created_outside: bool = False


@dataclass(frozen=True)
class ConnectionListing:
    page: Page
    rows: list[ConnectionRow]
    total: int
    active_ids: list[str]
    # Archived connections that only the default "Hide archived" left out (0 otherwise).
    archived_hidden: int = 0
    # Set while Faraday asks us to wait: the time of the last answer shown instead.
    as_of: datetime | None = None


_MATCHES_KEPT = 64  # filter combinations remembered per fill (emptied when full)


class _ConnectionList(tuple):
    """One fill's connections, with each sort order and each filter combination asked for
    worked out once for all the requests that read this fill."""

    @cached_property
    def _sorted(self) -> dict[str, list[Connection]]:
        return {}

    @cached_property
    def _matching(self) -> dict[ListFilters, list[Connection]]:
        return {}

    def sorted_by(self, sort: str) -> list[Connection]:
        if sort not in self._sorted:
            _label, key, reverse = SORTS[sort]
            self._sorted[sort] = sorted(self, key=key, reverse=reverse)
        return self._sorted[sort]

    @cached_property
    def _creators(self) -> dict[tuple[str, ...], dict[str, str]]:
        return {}

    def created_here_by(self, ids: tuple[str, ...]) -> dict[str, str]:
        """Who created which of these connections here, looked up once per fill and page (a
        create here starts a new fill; one recorded otherwise shows within a cache lifetime)."""
        found = self._creators.get(ids)
        if found is None:
            if len(self._creators) >= _MATCHES_KEPT:
                self._creators.clear()
            found = self._creators[ids] = _created_here_by(ids)
        return found

    def matching(self, filters: ListFilters) -> list[Connection]:
        """The connections the filters keep, in their sort order (filtering keeps the order)."""
        key = replace(filters, page="1")
        found = self._matching.get(key)
        if found is None:
            if len(self._matching) >= _MATCHES_KEPT:
                self._matching.clear()
            found = [c for c in self.sorted_by(filters.sort) if filters.matches(c)]
            self._matching[key] = found
        return found


def _parse_list(body: bytes) -> _ConnectionList:
    return _ConnectionList(parse_connections(body))


# Each read from Faraday (not each page view: a cache fill serves every viewer) is observed by
# the history app, which records status transitions and changes made outside this app.
def _all_connections(*, fresh: bool = False) -> faraday_cache.Read[_ConnectionList]:
    if fresh:
        read_at = timezone.now()
        connections = get_faraday_client().list_connections()
        connections_observe(connections=connections, source="list", read_at=read_at)
        return faraday_cache.Read(_ConnectionList(connections))

    scope = cache_scope()

    def fetch():
        read_at = timezone.now()
        connections, body = get_reading_client().list_connections_with_body()
        list_observe(scope=scope, body=body, connections=connections, read_at=read_at)
        return _ConnectionList(connections), body

    return faraday_cache.read(scope, "connections", fetch, _parse_list)


def _created_here_by(ids: Sequence[str]) -> dict[str, str]:
    return dict(
        ConnectionRecord.objects.filter(faraday_id__in=ids).values_list(
            "faraday_id", "created_by_username"
        )
    )


def _rows(
    connections: list[Connection], creators: dict[str, str] | None = None
) -> list[ConnectionRow]:
    catalog = get_catalog()
    if creators is None:
        creators = _created_here_by([c.id for c in connections])
    marks = history.marks_for(connection_ids=[c.id for c in connections])
    return [
        ConnectionRow(
            connection=c,
            type_label=catalog.types[c.type].label if c.type in catalog.types else c.type,
            created_here_by=creators.get(c.id),
            changed_outside=bool((mark := marks.get(c.id)) and mark.changed_outside_at),
            created_outside=bool(mark and mark.created_outside and c.id not in creators),
        )
        for c in connections
    ]


def connection_list(*, filters: ListFilters) -> ConnectionListing:
    """One page of connections matching the filters; at most one upstream request."""
    read = _all_connections()
    everything = read.value
    # What broke lately is the database's to say, per request; the rest is cached per fill.
    connections = everything.matching(replace(filters, broken=""))
    if filters.broken:
        broke = history.broken_within(period=BROKEN_WITHIN)
        connections = [c for c in connections if c.id in broke]
    page = Paginator(connections, PAGE_SIZE).get_page(filters.page)
    shown = list(page.object_list)
    rows = _rows(shown, everything.created_here_by(tuple(c.id for c in shown)))
    # Anything not yet final is followed, including statuses Faraday hasn't documented.
    active = [row.connection.id for row in rows if not row.connection.is_terminal]
    archived_hidden = 0
    if not connections and not filters.is_filtered:
        # Counted so an empty page can say the connections are archived, not missing.
        with_archived = replace(filters, archived="only")
        archived_hidden = sum(1 for c in everything if with_archived.matches(c))
    return ConnectionListing(
        page=page,
        rows=rows,
        total=len(connections),
        active_ids=active,
        archived_hidden=archived_hidden,
        as_of=read.as_of,
    )


@dataclass(frozen=True)
class PolledRows:
    rows: list[ConnectionRow]
    as_of: datetime | None = None


def connection_rows_by_id(*, ids: list[str]) -> PolledRows:
    """Fresh rows for the given ids (live status polling), in the order asked, from the same
    cached list as the list page: at most one upstream request, whatever the number of rows."""
    if not ids:
        return PolledRows([])
    read = _all_connections()
    by_id = {c.id: c for c in read.value}
    return PolledRows(_rows([by_id[i] for i in dict.fromkeys(ids) if i in by_id]), read.as_of)


@dataclass(frozen=True)
class ConnectionDetail:
    row: ConnectionRow
    datasets: list[ResourceRef]
    targets: list[ResourceRef]
    # Set while Faraday asks us to wait: the time of the oldest answer shown instead.
    as_of: datetime | None = None

    @property
    def dependents(self) -> list[ResourceRef]:
        return [*self.datasets, *self.targets]


def _connection(connection_id: str, *, fresh: bool) -> faraday_cache.Read[Connection]:
    if fresh:
        read_at = timezone.now()
        connection = get_faraday_client().get_connection(connection_id)
        connections_observe(connections=[connection], source="detail", read_at=read_at)
        return faraday_cache.Read(connection)

    def fetch():
        read_at = timezone.now()
        connection, body = get_reading_client().get_connection_with_body(connection_id)
        connections_observe(connections=[connection], source="detail", read_at=read_at)
        return connection, body

    return faraday_cache.read(
        cache_scope(), f"connection:{connection_id}", fetch, parse_connection_body
    )


def _dependents(connection_id: str, kind: str, *, fresh: bool) -> faraday_cache.Read:
    if fresh:
        client = get_faraday_client()
        return faraday_cache.Read(
            client.list_connection_datasets(connection_id)
            if kind == "datasets"
            else client.list_connection_targets(connection_id)
        )
    return faraday_cache.read(
        cache_scope(),
        f"{kind}:{connection_id}",
        lambda: get_reading_client().list_connection_dependents_with_body(connection_id, kind),
        lambda body: parse_resource_refs_body(body, kind),
    )


def connection_get(*, connection_id: str, fresh: bool = False) -> Connection:
    return _connection(connection_id, fresh=fresh).value


def connection_row(*, connection_id: str) -> ConnectionRow:
    return _rows([connection_get(connection_id=connection_id)])[0]


def connection_row_polled(*, connection_id: str) -> PolledRows:
    """One connection's row for its status poll, with the time of the answer when it is the
    last one kept while Faraday asks us to wait."""
    read = _connection(connection_id, fresh=False)
    return PolledRows(_rows([read.value]), read.as_of)


def connection_detail(*, connection_id: str, fresh: bool = False) -> ConnectionDetail:
    """The connection and what uses it: three reads (each cached unless `fresh`)."""
    reads = [
        _connection(connection_id, fresh=fresh),
        _dependents(connection_id, "datasets", fresh=fresh),
        _dependents(connection_id, "targets", fresh=fresh),
    ]
    stale = [r.as_of for r in reads if r.as_of is not None]
    return ConnectionDetail(
        row=_rows([reads[0].value])[0],
        datasets=reads[1].value,
        targets=reads[2].value,
        as_of=min(stale) if stale else None,
    )


# Words people type for a type that its label doesn't contain.
_TYPE_ALIASES = {
    "postgres": "pg postgresql psql",
    "mysql": "mariadb",
    "sql_server": "mssql microsoft",
    "bigquery": "bq google gcp",
    "gcp": "google gcp",
    "aws": "amazon aws",
    "s3": "amazon aws bucket",
    "azure": "microsoft",
    "facebook": "meta instagram",
    "csv": "file upload",
}


def _search_text(connection_type) -> str:
    words = [
        connection_type.type.replace("_", " "),
        connection_type.label,
        connection_type.category_label,
    ]
    words += [alias for key, alias in _TYPE_ALIASES.items() if key in connection_type.type]
    return " ".join(words).casefold()


def connection_types_search(query: str) -> list[tuple[str, list]]:
    """Types grouped by category label; each query word must appear in a type's search text."""
    words = query.casefold().split()
    groups = []
    for _key, label, members in get_catalog().by_category():
        found = [t for t in members if all(w in _search_text(t) for w in words)]
        if found:
            groups.append((label, found))
    return groups


def chosen_type_left_out(groups: list[tuple[str, list]], type_key: str) -> ConnectionType | None:
    """The chosen type when a search leaves it out: it stays listed (and selected) beside its
    fields, or the select would look unchosen and the form couldn't be sent."""
    chosen = get_catalog().get(type_key) if type_key else None
    if chosen is None or any(chosen in members for _label, members in groups):
        return None
    return chosen


@dataclass(frozen=True)
class OptionRow:
    label: str
    value: Any
    secret: bool
    name: str = ""


SECRET_SET = "Set (hidden)"  # noqa: S105 - a label, not a secret


def option_rows(connection: Connection) -> list[OptionRow]:
    """The connection's options in catalog order; a secret shows as set, never its value. What
    only Faraday sets (a public key it made) is left to the "Finish on your side" step."""
    connection_type = get_catalog().get(connection.type)
    specs = {f.name: f for f in connection_type.fields} if connection_type else {}
    generated = {f.name for f in connection_type.read_only_fields} if connection_type else set()
    extra = sorted(k for k in connection.options if k not in specs and k not in generated)
    order = [*specs, *(k for k in extra if k != "type")]
    rows = []
    for key in order:
        spec = specs.get(key)
        present = key in connection.options and connection.options[key] not in (None, "")
        # Keys the catalog lacks (a newer type, an undocumented option) may hold secrets too.
        secret = spec.secret if spec is not None else looks_secret(key)
        if secret:
            # Faraday doesn't echo secrets: a required one must be set even when absent here.
            value = SECRET_SET if present or (spec is not None and spec.required) else "Not set"
        else:
            value = connection.options[key] if present else "Not set"
        label = spec.label if spec else key.replace("_", " ").capitalize()
        rows.append(OptionRow(label=label, value=value, secret=secret, name=key))
    return rows


# ---- a password held from the paste box -------------------------------------------------------


def pasted_password(*, user, token: str) -> str | None:
    """The password held (encrypted) with the user's unclaimed create-form token, or None."""
    try:
        token_uuid = uuid.UUID(str(token))
    except ValueError:
        return None
    stored = (
        SubmissionToken.objects.filter(token=token_uuid, user=user, claimed_at__isnull=True)
        .values_list("pasted_password", flat=True)
        .first()
    )
    return decrypt(stored) if stored else None
