"""The connections list's rows and status badges, rendered in Python.

Profiled over 1,000 connections, the nested partial, include and `with` nodes of 50 rows were
most of the list page's CPU (some 37,700 template nodes a page). These build the same HTML with
format_html, so every value is still escaped, in a few calls a row.
"""

from __future__ import annotations

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


@lru_cache(maxsize=4096)  # 1,000 connections four times over; a few hundred bytes each
def _row_parts(connection, type_label: str, created_here_by: str | None, oob: bool, locale):
    """Everything in a row except the relative time ("3 minutes ago"), which moves with the
    clock: built once per connection as fetched, not once per request. `locale` (time zone and
    language) is part of the key because the dates' words depend on it."""
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
        '  <th scope="row"><a id="open-{id}" href="{url}">{name}</a></th>\n'
        "  <td>{type_label}</td>\n"
        "  <td>{badge}\n"
        "    {error}</td>\n"
        "  <td>{direction}</td>\n"
        "  <td>{created_open}",
        id=connection.id,
        oob=SafeString(' hx-swap-oob="true"') if oob else "",
        url=reverse("connections:detail", args=[connection.id]),
        name=connection.name,
        type_label=type_label,
        badge=status_badge(connection),
        error=error,
        direction=_DIRECTIONS.get(direction, direction or "—"),
        created_open=created_open,
    )
    tail = format_html(
        "{created_close}</td>\n  <td>{created_here_by}</td>\n</tr>\n",
        created_close=created_close,
        created_here_by=created_here_by or "—",
    )
    return head, tail


@register.simple_tag
def connection_row(row, oob: bool = False) -> SafeString:
    """One list row; `oob` marks it for htmx to swap into place by id (status polling)."""
    connection = row.connection
    locale = (timezone.get_current_timezone_name(), get_language())
    head, tail = _row_parts(connection, row.type_label, row.created_here_by, oob, locale)
    if not connection.created_at:
        return head + tail
    return head + conditional_escape(naturaltime(connection.created_at)) + tail
