"""Reading the query string of list pages (connections, audit log)."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import fields
from typing import Any, ClassVar

from django.http import QueryDict


def text_param(query: QueryDict, name: str, *, limit: int) -> str:
    """A free-text filter, stripped and cut to `limit`; "" when it holds a NUL character, which
    no name or type key contains, PostgreSQL refuses in a text parameter, and no page should
    echo back."""
    value = query.get(name, "")
    return "" if "\x00" in value else value.strip()[:limit]


def choice_param(query: QueryDict, name: str, choices: Container[str], *, default: str = "") -> str:
    """A filter that takes one of `choices`; anything else (a stale or typed link) is `default`."""
    value = query.get(name, default)
    return value if value in choices else default


class QueryFilters:
    """A page's filters as given in the URL, for a frozen dataclass whose every field has a
    default (one of them `page`). `QUERY_NAMES` maps a field to its URL name where they differ."""

    QUERY_NAMES: ClassVar[dict[str, str]] = {}

    def query_string(self, **overrides: Any) -> str:
        """The filters as a query string (for paging, sort and export links), without defaults.

        The page is left out unless given: paging links add their own, and a second `page`
        would make the link carry two.
        """
        defaults = type(self)()
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        query = QueryDict(mutable=True)
        for key, value in {**values, "page": defaults.page, **overrides}.items():
            if value and value != getattr(defaults, key):
                query[self.QUERY_NAMES.get(key, key)] = value
        return query.urlencode()
