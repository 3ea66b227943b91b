"""permission_required for views that change something: a refused POST is an attempt too."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from faraday_admin.audit.models import Action
from faraday_admin.audit.services import (
    audit_permission_refused,
    refused_write_allowed,
    refused_writes_retry_after,
)
from faraday_admin.core.responses import TOO_MANY_REQUESTS


def too_many_refusals_response(request):
    """The answer to a refused write past the per-user limit: wait, with Retry-After."""
    seconds = refused_writes_retry_after()
    response = render(request, "429.html", {"seconds": seconds}, status=TOO_MANY_REQUESTS)
    response["Retry-After"] = str(seconds)
    return response


def write_permission_required(
    perm: str, action: Action, *, type_from_post: bool = False
) -> Callable:
    """Like `permission_required(perm, raise_exception=True)`, and a POST refused for want of
    `perm` leaves a "rejected" audit row for `action` (reading a page is no attempt), up to
    REFUSED_WRITES_PER_MINUTE per person; past that it answers 429 and audits nothing.
    `type_from_post`: record the connection type the POST names (the create form's), if the
    catalog knows it ("unknown" otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                if request.method == "POST":
                    if not refused_write_allowed(actor=request.user):
                        return too_many_refusals_response(request)
                    audit_permission_refused(
                        actor=request.user,
                        action=action,
                        connection_id=str(kwargs.get("connection_id", "")),
                        connection_type=request.POST.get("type", "") if type_from_post else "",
                    )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorator
