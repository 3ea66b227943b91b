"""Reading the query string of list pages (connections, audit log)."""

from __future__ import annotations

from django.http import QueryDict


def text_param(query: QueryDict, name: str, *, limit: int) -> str:
    """A free-text filter, stripped and cut to `limit`; "" when it holds a NUL character, which
    no name or type key contains, PostgreSQL refuses in a text parameter, and no page should
    echo back."""
    value = query.get(name, "")
    return "" if "\x00" in value else value.strip()[:limit]
