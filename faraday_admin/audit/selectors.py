"""Reads of the audit log: filters from the query string, one page of rows, or every row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from faraday_admin.audit.changes import change_text
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import UNKNOWN_TYPE
from faraday_admin.catalog import get_catalog
from faraday_admin.catalog.loader import humanize_key
from faraday_admin.core.query import QueryFilters, choice_param, text_param

PAGE_SIZE = 50
EXPORT_CHUNK_SIZE = 2000


def _date_text(query: QueryDict, name: str) -> str:
    # A NUL is shown as U+FFFD, as a browser would: the date then fails to parse and the page
    # says so, and no NUL is echoed into the form or the links.
    return query.get(name, "").replace("\x00", "\ufffd").strip()[:10]


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AuditFilters(QueryFilters):
    """The audit log's filters as given in the URL; values that can't apply are dropped."""

    QUERY_NAMES = {"date_from": "from", "date_to": "to"}

    actor: str = ""
    action: str = ""
    outcome: str = ""
    type: str = ""
    date_from: str = ""
    date_to: str = ""
    page: str = "1"

    @classmethod
    def from_query(cls, query: QueryDict) -> AuditFilters:
        return cls(
            actor=text_param(query, "actor", limit=150),
            action=choice_param(query, "action", Action.values),
            outcome=choice_param(query, "outcome", Outcome.values),
            type=text_param(query, "type", limit=64),
            date_from=_date_text(query, "from"),
            date_to=_date_text(query, "to"),
            page=query.get("page", "1"),
        )

    @property
    def start(self) -> date | None:
        return _parse_date(self.date_from)

    @property
    def end(self) -> date | None:
        return _parse_date(self.date_to)

    @property
    def date_errors(self) -> list[str]:
        """Plain-words problems with the dates; such a date is ignored rather than failing."""
        errors = []
        if self.date_from and self.start is None:
            errors.append(
                f"“{self.date_from}” isn't a date, so “From” was ignored. "
                "Use a date like 2026-01-31."
            )
        if self.date_to and self.end is None:
            errors.append(
                f"“{self.date_to}” isn't a date, so “To” was ignored. Use a date like 2026-01-31."
            )
        if self.start and self.end and self.start > self.end:
            errors.append("“From” is after “To”, so no entry can match. Swap the dates.")
        return errors

    @property
    def is_filtered(self) -> bool:
        return any((self.actor, self.action, self.outcome, self.type, self.start, self.end))


def _local_midnight(day: date) -> datetime | None:
    """The instant `day` starts in TIME_ZONE, or None when that instant is outside the range a
    datetime can hold in UTC (0001-01-01 east of UTC): such a bound leaves nothing out."""
    midnight = timezone.make_aware(datetime.combine(day, time.min))
    try:
        midnight.astimezone(UTC)
    except OverflowError:
        return None
    return midnight


def audit_entry_list(*, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The entries matching the filters, newest first. Dates are whole days in TIME_ZONE."""
    entries = AuditEntry.objects.all()
    if filters.actor:
        entries = entries.filter(actor_username=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.outcome:
        entries = entries.filter(outcome=filters.outcome)
    if filters.type == UNKNOWN_TYPE:
        # Every type the catalog doesn't know, including free text recorded before it was kept out.
        entries = entries.exclude(connection_type="").exclude(
            connection_type__in=list(get_catalog().types)
        )
    elif filters.type:
        entries = entries.filter(connection_type=filters.type)
    start = _local_midnight(filters.start) if filters.start else None
    if start:
        entries = entries.filter(created_at__gte=start)
    # 9999-12-31 has no next day: the calendar's last day means no upper bound.
    end = None
    if filters.end and filters.end < date.max:
        end = _local_midnight(filters.end + timedelta(days=1))
    if end:
        entries = entries.filter(created_at__lt=end)
    return entries.order_by("-created_at", "-id")


@dataclass(frozen=True)
class OptionShown:
    label: str
    value: Any
    secret: bool


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    type_label: str
    options: list[OptionShown]
    connection_url: str | None
    # What an edit (or a change made outside this app) changed, in words.
    changes: list[str]


UNKNOWN_TYPE_LABEL = "Unknown type"


def type_label(type_key: str) -> str:
    connection_type = get_catalog().get(type_key)
    if connection_type:
        return connection_type.label
    return UNKNOWN_TYPE_LABEL if type_key == UNKNOWN_TYPE else type_key


def audit_row(entry: AuditEntry) -> AuditRow:
    connection_type = get_catalog().get(entry.connection_type)
    options = []
    for key, value in (entry.options or {}).items():
        spec = connection_type.field(key) if connection_type else None
        options.append(
            OptionShown(
                label=spec.label if spec else humanize_key(key),
                value=value,
                secret=value == AuditEntry.SECRET_MARKER,
            )
        )
    return AuditRow(
        entry=entry,
        type_label=type_label(entry.connection_type),
        options=options,
        connection_url=_connection_url(entry.faraday_connection_id),
        changes=[change_text(change) for change in entry.changes or []],
    )


def _connection_url(connection_id: str) -> str | None:
    if not connection_id:
        return None
    try:
        return reverse("connections:detail", args=[connection_id])
    except NoReverseMatch:  # an id the URL pattern can't carry (a "/" in it): show it unlinked
        return None


@dataclass(frozen=True)
class AuditListing:
    page: Page
    rows: list[AuditRow]


def audit_entry_page(*, filters: AuditFilters) -> AuditListing:
    """One page of PAGE_SIZE matching entries (an out-of-range page gives the last one)."""
    paginator = Paginator(audit_entry_list(filters=filters), PAGE_SIZE)
    page = paginator.get_page(filters.page)
    return AuditListing(page=page, rows=[audit_row(entry) for entry in page.object_list])


def audit_entry_export(*, filters: AuditFilters) -> Iterator[AuditEntry]:
    """Every matching entry, read in chunks so a long log never sits in memory at once."""
    return audit_entry_list(filters=filters).iterator(chunk_size=EXPORT_CHUNK_SIZE)


def audit_actor_choices() -> list[str]:
    """The user names that appear in the log, for the actor filter."""
    return list(
        AuditEntry.objects.order_by("actor_username")
        .values_list("actor_username", flat=True)
        .distinct()
    )


def audit_type_choices() -> list[tuple[str, str]]:
    """(type key, label) for every catalog type, by label, then one "Unknown type" choice when
    the log holds any other type: however many, they collapse into it."""
    known = get_catalog().types
    choices = sorted(((key, type_label(key)) for key in known), key=lambda p: p[1].casefold())
    others = AuditEntry.objects.exclude(connection_type="").exclude(connection_type__in=list(known))
    if others.exists():
        choices.append((UNKNOWN_TYPE, UNKNOWN_TYPE_LABEL))
    return choices
