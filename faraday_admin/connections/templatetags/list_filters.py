"""The connections list's filter menus, rendered in Python once per process.

Their options depend only on the catalog and on the selected value (which ListFilters has
already checked against the same choices), so each (menu, selected) pair is built once: the
template loops cost about a tenth of a list page's CPU.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from faraday_admin.catalog import get_catalog
from faraday_admin.connections.selectors import ARCHIVED_CHOICES, SORTS

register = template.Library()


def _option(value: str, label: str, selected: str) -> SafeString:
    if value == selected:
        return format_html('<option value="{}" selected>{}</option>', value, label)
    return format_html('<option value="{}">{}</option>', value, label)


def _options(choices: list[tuple[str, str]], selected: str) -> SafeString:
    return format_html_join("", "{}", ((_option(v, label, selected),) for v, label in choices))


@lru_cache(maxsize=256)  # five menus, each keyed by its own checked values: bounded
def _menu(name: str, selected: str) -> SafeString:
    catalog = get_catalog()
    groups = catalog.by_category()
    if name == "status":
        return _options(
            [("", "Any status"), *((s, capfirst(s)) for s in catalog.statuses)], selected
        )
    if name == "category":
        return _options(
            [("", "Any category"), *((key, label) for key, label, _ in groups)], selected
        )
    if name == "type":
        optgroups = format_html_join(
            "",
            '<optgroup label="{}">{}</optgroup>',
            (
                (label, _options([(t.type, t.label) for t in types], selected))
                for _, label, types in groups
            ),
        )
        return format_html("{}{}", _options([("", "Any type")], selected), optgroups)
    if name == "archived":
        return _options(list(ARCHIVED_CHOICES.items()), selected)
    if name == "sort":
        return _options([(key, spec[0]) for key, spec in SORTS.items()], selected)
    raise ValueError(f"no list filter menu named {name!r}")


@register.simple_tag
def filter_options(name: str, selected: str) -> SafeString:
    """The <option>s of the list filter `name` ("status", "category", "type", "archived" or
    "sort") with `selected` marked."""
    return _menu(name, selected)
