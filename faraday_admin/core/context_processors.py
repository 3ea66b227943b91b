from django.utils.functional import SimpleLazyObject

from faraday_admin.core.upstream import current_setup


def faraday_mode(request):
    """`faraday_setup` for the demo banner; lazy, so a page that doesn't show it pays nothing."""
    return {"faraday_setup": SimpleLazyObject(current_setup)}
