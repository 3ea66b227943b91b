"""Reads from Faraday: one upstream request per page, then filtering and paging done here.

Faraday's `GET /connections` has no filters or paging, so the list is fetched once and narrowed
in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import QueryDict

from faraday_admin.catalog import ConnectionType, get_catalog, looks_secret
from faraday_admin.connections.models import ConnectionRecord
from faraday_admin.core.query import text_param
from faraday_admin.core.upstream import get_faraday_client
from faraday_admin.faraday_client import Connection, ResourceRef

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
ARCHIVED_CHOICES = {"hide": "Hide archived", "show": "Show archived", "only": "Only archived"}


@dataclass(frozen=True)
class ListFilters:
    q: str = ""
    status: str = ""
    type: str = ""
    category: str = ""
    archived: str = "hide"
    sort: str = "-created"
    page: str = "1"

    @classmethod
    def from_query(cls, query: QueryDict) -> ListFilters:
        catalog = get_catalog()
        status = query.get("status", "")
        type_key = query.get("type", "")
        category = query.get("category", "")
        archived = query.get("archived", "hide")
        sort = query.get("sort", "-created")
        if status == "archived":
            # Archived is a flag beside the status, not a status: it means "only archived".
            status, archived = "", "only"
        return cls(
            q=text_param(query, "q", limit=200),
            status=status if status in catalog.statuses else "",
            type=type_key if type_key in catalog.types else "",
            category=category if category in {t.category for t in catalog.types.values()} else "",
            archived=archived if archived in ARCHIVED_CHOICES else "hide",
            sort=sort if sort in SORTS else "-created",
            page=query.get("page", "1"),
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
        return bool(self.q or self.status or self.type or self.category or self.archived != "hide")

    @property
    def show_archived_query(self) -> str:
        """The query string for the same list with archived connections shown."""
        return self.query_string(archived="show")

    def query_string(self, **overrides: Any) -> str:
        """The filters as a query string (for paging and sort links), without defaults.

        The page is left out unless given: paging links add their own, and a second `page`
        would make the link carry two.
        """
        query = QueryDict(mutable=True)
        values = {**self.__dict__, "page": "1", **overrides}
        defaults = ListFilters()
        for key, value in values.items():
            if value and value != getattr(defaults, key):
                query[key] = value
        return query.urlencode()


@dataclass(frozen=True)
class ConnectionRow:
    connection: Connection
    type_label: str
    created_here_by: str | None


@dataclass(frozen=True)
class ConnectionListing:
    page: Page
    rows: list[ConnectionRow]
    total: int
    active_ids: list[str]
    # Archived connections that only the default "Hide archived" left out (0 otherwise).
    archived_hidden: int = 0


def _rows(connections: list[Connection]) -> list[ConnectionRow]:
    catalog = get_catalog()
    creators = dict(
        ConnectionRecord.objects.filter(faraday_id__in=[c.id for c in connections]).values_list(
            "faraday_id", "created_by_username"
        )
    )
    return [
        ConnectionRow(
            connection=c,
            type_label=catalog.types[c.type].label if c.type in catalog.types else c.type,
            created_here_by=creators.get(c.id),
        )
        for c in connections
    ]


def connection_list(*, filters: ListFilters) -> ConnectionListing:
    """One page of connections matching the filters; one upstream request."""
    everything = get_faraday_client().list_connections()
    connections = [c for c in everything if filters.matches(c)]
    _label, key, reverse = SORTS[filters.sort]
    connections.sort(key=key, reverse=reverse)
    page = Paginator(connections, PAGE_SIZE).get_page(filters.page)
    rows = _rows(list(page.object_list))
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
    )


def connection_rows_by_id(*, ids: list[str]) -> list[ConnectionRow]:
    """Fresh rows for the given ids (live status polling); one upstream request."""
    if not ids:
        return []
    return _rows(get_faraday_client().list_connections(ids=ids))


@dataclass(frozen=True)
class ConnectionDetail:
    row: ConnectionRow
    datasets: list[ResourceRef]
    targets: list[ResourceRef]

    @property
    def dependents(self) -> list[ResourceRef]:
        return [*self.datasets, *self.targets]


def connection_get(*, connection_id: str) -> Connection:
    return get_faraday_client().get_connection(connection_id)


def connection_row(*, connection_id: str) -> ConnectionRow:
    return _rows([connection_get(connection_id=connection_id)])[0]


def connection_detail(*, connection_id: str) -> ConnectionDetail:
    """The connection and what uses it: three upstream requests."""
    client = get_faraday_client()
    connection = client.get_connection(connection_id)
    return ConnectionDetail(
        row=_rows([connection])[0],
        datasets=client.list_connection_datasets(connection_id),
        targets=client.list_connection_targets(connection_id),
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
    """The connection's options in catalog order; a secret shows as set, never its value."""
    connection_type = get_catalog().get(connection.type)
    specs = {f.name: f for f in connection_type.fields} if connection_type else {}
    order = [*specs, *sorted(k for k in connection.options if k not in specs and k != "type")]
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
