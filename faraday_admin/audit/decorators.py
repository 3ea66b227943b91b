"""permission_required for views that change something: a refused POST is an attempt too."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from faraday_admin.audit.models import Action
from faraday_admin.audit.services import audit_permission_refused


def write_permission_required(
    perm: str, action: Action, *, type_from_post: bool = False
) -> Callable:
    """Like `permission_required(perm, raise_exception=True)`, and a POST refused for want of
    `perm` leaves a "rejected" audit row for `action` (reading a page is no attempt).
    `type_from_post`: record the connection type the POST names (the create form's)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                if request.method == "POST":
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
