"""The audit log page and its CSV export. Reads come from selectors; before the page is read,
`audit_page_opening` lets the connections app settle rows left "sent, outcome pending"."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from faraday_admin.audit import selectors
from faraday_admin.audit.changes import changes_text
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.signals import audit_page_opening
from faraday_admin.core import roles

LIST_TEMPLATE = "audit/audit_list.html"

CSV_HEADER = (
    "Time (UTC)",
    "Actor",
    "Action",
    "Connection type",
    "Connection name",
    "Outcome",
    "Faraday connection ID",
    "Error code",
    "Faraday error ID",
    "HTTP status",
    "Duration (ms)",
    "Submitted options",
    "Detail",
    "Changes",
    "Changes (JSON)",
)
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, see OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@permission_required(roles.VIEW_AUDIT, raise_exception=True)
@require_GET
def audit_list_view(request: HttpRequest) -> HttpResponse:
    if not request.htmx:
        # Cheap when nothing is pending (one indexed query); reads Faraday only when some is.
        audit_page_opening.send(sender=None)
    filters = selectors.AuditFilters.from_query(request.GET)
    context = {
        "filters": filters,
        "listing": selectors.audit_entry_page(filters=filters),
        "actions": Action.choices,
        "outcomes": Outcome.choices,
        "actors": selectors.audit_actor_choices(),
        "types": selectors.audit_type_choices(),
    }
    template = f"{LIST_TEMPLATE}#audit-results" if request.htmx else LIST_TEMPLATE
    return render(request, template, context)


def safe_cell(value: Any) -> Any:
    """The value for a CSV cell: text that a spreadsheet would run as a formula gets a `'`."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def entry_csv_row(entry: AuditEntry) -> list[Any]:
    row = [
        entry.created_at.astimezone(UTC).isoformat(timespec="seconds"),
        entry.actor_username,
        entry.get_action_display(),
        selectors.type_label(entry.connection_type) if entry.connection_type else "",
        entry.connection_name,
        entry.get_outcome_display(),
        entry.faraday_connection_id,
        entry.faraday_error_code,
        entry.faraday_error_id,
        entry.http_status,
        entry.duration_ms,
        json.dumps(entry.options, ensure_ascii=False, sort_keys=True) if entry.options else "",
        entry.detail_text,
        changes_text(entry.changes or []),
        json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
    ]
    return [safe_cell(value) for value in row]


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The byte-order mark makes Excel read the file as UTF-8 (names with accents, “quotes”).
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for entry in entries:
        yield writer.writerow(entry_csv_row(entry))


@permission_required(roles.VIEW_AUDIT, raise_exception=True)
@require_GET
def audit_export_view(request: HttpRequest) -> StreamingHttpResponse:
    filters = selectors.AuditFilters.from_query(request.GET)
    entries = selectors.audit_entry_export(filters=filters)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return StreamingHttpResponse(
        csv_lines(entries),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'},
    )
