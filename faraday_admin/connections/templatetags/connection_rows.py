"""The connections list's rows and status badges, rendered in Python.

Profiled over 1,000 connections, the nested partial, include and `with` nodes of 50 rows were
most of the list page's CPU (some 37,700 template nodes a page). These build the same HTML with
format_html, so every value is still escaped, in a few calls a row.
"""

from __future__ import annotations

import time
from functools import lru_cache

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import get_language

register = template.Library()

_ICONS = {
    "new": ("○", "New"),
    "starting": ("◔", "Starting"),
    "running": ("◑", "Running"),
    "ready": ("✓", "Ready"),
    "error": ("✕", "Error"),
}
_DIRECTIONS = {
    "bidirectional": "Source and destination",
    "source_only": "Source only",
    "destination_only": "Destination only",
}
# Constants written here, so already safe HTML.
_UNUSABLE = SafeString("Faraday couldn't use this connection.")
_ARCHIVED = SafeString(
    '<span class="badge badge-archived"><span class="icon" aria-hidden="true">▣</span> '
    "Archived</span>"
)


@register.simple_tag
def status_badge(connection) -> SafeString:
    """The status as text and icon (not colour alone), with "Archived" beside it when it is."""
    icon, label = _ICONS.get(connection.status, ("?", capfirst(connection.status)))
    badge = format_html(
        '\n<span class="badge badge-{}"><span class="icon" aria-hidden="true">{}</span> {}'
        "</span>\n",
        connection.status,
        icon,
        label,
    )
    return _ARCHIVED + badge if connection.is_archived else badge


# Built rows by (connection id, label, creator, oob, locale) → (the Connection, head, tail).
# Bounded: 1,000 connections four times over, a few hundred bytes each; emptied when full.
_BUILT_ROWS: dict[tuple, tuple] = {}
_BUILT_ROWS_MAX = 4096
_LOCALE = "connection_rows.locale"


def forget_built_rows() -> None:
    """Drop the rows built so far (a cold start, in the bench)."""
    _BUILT_ROWS.clear()


def _row_parts(connection, type_label: str, created_here_by: str | None, oob: bool, locale, marks):
    """Everything in a row except the relative time ("3 minutes ago"), which moves with the
    clock: built once per connection as fetched (the same Connection object, kept by the
    read cache until its next fill), not once per request. `locale` (time zone and language)
    is part of the key because the dates' words depend on it."""
    key = (connection.id, type_label, created_here_by, oob, locale, marks)
    built = _BUILT_ROWS.get(key)
    if built is not None and built[0] is connection:
        return built[1], built[2]
    head, tail = _build_row_parts(connection, type_label, created_here_by, oob, marks)
    if len(_BUILT_ROWS) >= _BUILT_ROWS_MAX:
        _BUILT_ROWS.clear()
    _BUILT_ROWS[key] = (connection, head, tail)
    return head, tail


_CHANGED_OUTSIDE = SafeString(
    ' <span class="badge badge-outside"><span class="icon" aria-hidden="true">⚠</span> '
    "Changed outside this app</span>"
)
_OUTSIDE_CREATOR = "Created outside this app"


def _build_row_parts(connection, type_label, created_here_by, oob: bool, marks):
    changed_outside, created_outside = marks
    error = ""
    if connection.status == "error":
        error = format_html(
            '<p class="row-error">{}</p>',
            connection.status_error or connection.contents_error or _UNUSABLE,
        )
    direction = connection.directionality
    moment = connection.created_at
    if moment:
        local = timezone.localtime(moment)
        created_open = format_html(
            '<time datetime="{}" title="{}">',
            local.isoformat(),
            dateformat.format(local, "j F Y, H:i:s T"),
        )
        created_close = SafeString("</time>")
    else:
        created_open, created_close = SafeString("—"), ""
    head = format_html(
        '\n<tr id="row-{id}"{oob}>\n'
        "  \n"
        '  <th scope="row"><a id="open-{id}" href="{url}">{name}</a>{outside}</th>\n'
        "  <td>{type_label}</td>\n"
        "  <td>{badge}\n"
        "    {error}</td>\n"
        "  <td>{direction}</td>\n"
        "  <td>{created_open}",
        id=connection.id,
        oob=SafeString(' hx-swap-oob="true"') if oob else "",
        url=reverse("connections:detail", args=[connection.id]),
        name=connection.name,
        outside=_CHANGED_OUTSIDE if changed_outside else "",
        type_label=type_label,
        badge=status_badge(connection),
        error=error,
        direction=_DIRECTIONS.get(direction, direction or "—"),
        created_open=created_open,
    )
    tail = format_html(
        "{created_close}</td>\n  <td>{created_here_by}</td>\n</tr>\n",
        created_close=created_close,
        created_here_by=created_here_by or (_OUTSIDE_CREATOR if created_outside else "—"),
    )
    return head, tail


@lru_cache(maxsize=4096)
def _natural_time(moment, _second: int, _locale) -> SafeString:
    """naturaltime, worked out once per second: its words ("5 seconds ago") change no faster,
    and it was a third of a warm list page's CPU."""
    return conditional_escape(naturaltime(moment))


@register.simple_tag(takes_context=True)
def connection_row(context, row, oob: bool = False) -> SafeString:
    """One list row; `oob` marks it for htmx to swap into place by id (status polling)."""
    connection = row.connection
    locale = context.render_context.get(_LOCALE)
    if locale is None:  # once per page, not once per row
        locale = context.render_context[_LOCALE] = (
            timezone.get_current_timezone_name(),
            get_language(),
        )
    marks = (row.changed_outside, row.created_outside)
    head, tail = _row_parts(connection, row.type_label, row.created_here_by, oob, locale, marks)
    if not connection.created_at:
        return head + tail
    return head + _natural_time(connection.created_at, int(time.time()), locale) + tail
