"""The statuses this app answers a failed write with, and the redirect that works with htmx.

htmx 2 swaps a 4xx/5xx only where base.html's `responseHandling` says so: these are those codes.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect

INVALID = 422  # a form to correct
CONFLICT = 409  # refused by this app's own rules, or a form sent twice
TOO_MANY_REQUESTS = 429
UPSTREAM_FAILED = 502  # Faraday refused, failed or couldn't be reached


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """Go to `url`: the whole page for an htmx request (HX-Redirect), else a plain redirect."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
