"""Words for the history pages."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration_words(span: timedelta) -> str:
    """A duration as people say it, to its two largest units: "3 days 4 h", "12 min", "40 s"."""
    seconds = max(int(span.total_seconds()), 0)
    units = (("day", 86400), ("h", 3600), ("min", 60), ("s", 1))
    parts = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'s' if name == 'day' and count != 1 else ''}")
        if len(parts) == 2:
            break
    return " ".join(parts) or "0 s"
