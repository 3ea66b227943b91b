"""The form renderer: Django's own, rendering each empty widget once per process."""

from __future__ import annotations

import threading

from django.forms.renderers import DjangoTemplates
from django.utils.translation import get_language

_KEPT = 2048  # widget variants remembered (emptied when full)
_SCALARS = (str, int, float, bool, type(None))


class _NotPlain(Exception):
    pass


def _frozen(value):
    """A hashable copy of a widget's context that tells apart everything its template reads
    (types too: 1 and True render differently). Anything else (a lazy string, an object) is
    not remembered."""
    if isinstance(value, dict):
        return (dict, *((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), *(_frozen(item) for item in value))
    if type(value) in _SCALARS or isinstance(value, str):
        return (type(value), value)
    raise _NotPlain


def _is_empty(value) -> bool:
    if isinstance(value, list | tuple):
        return all(_is_empty(item) for item in value)
    return value is None or value == ""


class FormRenderer(DjangoTemplates):
    """Each widget is some twenty template nodes (the input, then its attributes one by one),
    nine to twelve widgets a form, and the create page's type switch renders a whole form on
    every change of type. A widget with no value renders the same HTML for the same context,
    so that HTML is kept and reused. A widget holding a value (what someone typed or chose) is
    rendered each time: nobody's input is kept."""

    def __init__(self) -> None:
        super().__init__()
        self._html: dict[tuple, str] = {}
        self._lock = threading.Lock()

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if len(context) == 1 else None
        if not isinstance(widget, dict) or not _is_empty(widget.get("value")):
            return super().render(template_name, context, request)
        try:
            key = (template_name, get_language(), _frozen(widget))
        except _NotPlain:
            return super().render(template_name, context, request)
        found = self._html.get(key)
        if found is None:
            found = super().render(template_name, context, request)
            with self._lock:
                if len(self._html) >= _KEPT:
                    self._html.clear()
                self._html[key] = found
        return found
