"""The site's main navigation, built in Python.

Everyone with the same permissions on the same page sees the same links, so each variant is
rendered once per process: a page asks only which links its viewer may follow and which is
current, instead of reversing six URLs and resolving their conditions in template nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import ResolverMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join

from faraday_admin.core import roles

register = template.Library()


@dataclass(frozen=True)
class _Link:
    url_name: str
    label: str
    # A permission, or None for staff only (Django's admin).
    permission: str | None
    is_current: Callable[[ResolverMatch], bool]

    def shown_to(self, user) -> bool:
        return user.has_perm(self.permission) if self.permission else user.is_staff


_LINKS = (
    _Link(
        "connections:list",
        "Connections",
        roles.VIEW_CONNECTIONS,
        lambda m: m.url_name == "list" and m.namespace == "connections",
    ),
    _Link(
        "connections:create",
        "New connection",
        roles.CREATE_CONNECTION,
        lambda m: m.url_name == "create",
    ),
    _Link(
        "connections:handoffs",
        "Hand-offs",
        roles.CREATE_CONNECTION,
        lambda m: m.url_name == "handoffs",
    ),
    _Link("audit:list", "Audit log", roles.VIEW_AUDIT, lambda m: m.namespace == "audit"),
    _Link("core:settings", "Settings", roles.MANAGE_API_KEY, lambda m: m.namespace == "core"),
    _Link("admin:auth_user_changelist", "Users", None, lambda m: False),
)


_ITEM = '        <li><a href="{}">{}</a></li>'
_CURRENT_ITEM = '        <li><a href="{}" aria-current="page">{}</a></li>'


@register.simple_tag(takes_context=True)
def main_nav(context) -> str:
    """The signed-in person's links, the current page's marked `aria-current="page"`."""
    request = context["request"]
    match = request.resolver_match
    shown = tuple(
        (index, match is not None and link.is_current(match))
        for index, link in enumerate(_LINKS)
        if link.shown_to(request.user)
    )
    return _nav_html(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, shown)


@lru_cache(maxsize=256)
def _nav_html(_prefix: str, _urlconf: str, shown: tuple[tuple[int, bool], ...]) -> str:
    # The script prefix and URL conf are part of the key: reverse() reads both.
    items = format_html_join(
        "\n",
        "{}",
        (
            (format_html(_CURRENT_ITEM if current else _ITEM, reverse(link.url_name), link.label),)
            for link, current in ((_LINKS[index], current) for index, current in shown)
        ),
    )
    return format_html('<nav aria-label="Main">\n      <ul>\n{}\n      </ul>\n    </nav>', items)
