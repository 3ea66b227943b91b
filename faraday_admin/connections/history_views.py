"""The History tab, acknowledging a change made outside this app, and reverting an edit. Thin:
history's selectors say what to show and send, connections' services send and audit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from faraday_admin.audit.decorators import write_permission_required
from faraday_admin.audit.models import Action
from faraday_admin.connections import refusals as words
from faraday_admin.connections import selectors, services
from faraday_admin.connections.views import FAILED_STATUS
from faraday_admin.core import roles, upstream
from faraday_admin.core.problems import describe_error
from faraday_admin.core.responses import CONFLICT
from faraday_admin.faraday_client import FaradayError, NotFound
from faraday_admin.history import selectors as history
from faraday_admin.history.services import outside_change_acknowledge

HISTORY_TEMPLATE = "connections/connection_history.html"
REVERT_TEMPLATE = "connections/connection_revert.html"
# A deleted connection can't be reverted: this app's refusal, not a page that isn't there.
_REVERT_FAILED_STATUS = {**FAILED_STATUS, services.Reason.GONE: CONFLICT}


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_history_view(request, connection_id: str):
    """Its audit entries newest first, with each edit's diff. Shown for a deleted connection
    too (its history outlives it), and when Faraday can't be read (the log is ours)."""
    context: dict[str, Any] = {
        "connection_id": connection_id,
        "history": history.connection_history(connection_id=connection_id),
    }
    try:
        context["row"] = selectors.connection_row(connection_id=connection_id)
    except NotFound:
        context["gone"] = True
    except FaradayError as error:
        context["problem"] = describe_error(error, has_fields=False)
    entries = context["history"].entries
    if "row" not in context and not entries:
        raise Http404("No such connection, and no history of one.")
    # Faraday's name, or the last one the log recorded for a connection it no longer has.
    context["name"] = (
        context["row"].connection.name if "row" in context else entries[0].entry.connection_name
    )
    return render(request, HISTORY_TEMPLATE, context)


_BACK_TO = {"detail": "connections:detail", "history": "connections:history"}


@write_permission_required(roles.ACKNOWLEDGE_OUTSIDE_CHANGE, Action.OUTSIDE_ACKNOWLEDGE)
@require_POST
def outside_change_acknowledge_view(request, connection_id: str):
    if outside_change_acknowledge(actor=request.user, connection_id=connection_id):
        messages.success(request, words.OUTSIDE_CHANGE_ACKNOWLEDGED)
    else:
        messages.info(request, words.OUTSIDE_CHANGE_ALREADY_ACKNOWLEDGED)
    back = _BACK_TO.get(request.POST.get("back", ""), "connections:detail")
    return redirect(reverse(back, args=[connection_id]))


@write_permission_required(roles.REVERT_EDIT, Action.EDIT)
@require_http_methods(["GET", "POST"])
def connection_revert_view(request, connection_id: str, entry_id: int):
    """A confirmation showing the PATCH it will send, then the revert (itself an audited edit)."""
    entry = history.edit_entry(connection_id=connection_id, entry_id=entry_id)
    if entry is None:
        raise Http404(words.REVERT_UNAVAILABLE)
    context: dict[str, Any] = {"entry": entry, "connection_id": connection_id}
    try:
        if request.method == "POST":
            connection = services.connection_revert(
                actor=request.user, connection_id=connection_id, entry=entry
            )
        else:
            connection, context["plan"] = services.connection_revert_open(
                connection_id=connection_id, entry=entry
            )
    except services.WriteFailed as failed:
        return _revert_failed(request, failed, context)
    if request.method == "GET":
        context["connection"] = connection
        return render(request, REVERT_TEMPLATE, context)
    messages.success(request, f"Reverted that edit of “{connection.name}”.")
    return redirect(reverse("connections:history", args=[connection_id]))


def _revert_failed(request, failed: services.WriteFailed, context: dict[str, Any]) -> HttpResponse:
    if failed.problem is not None and failed.reason is not services.Reason.GONE:
        context["problem"] = failed.problem
    else:
        context["refusal"] = failed.message
    context["connection"] = failed.connection
    return render(request, REVERT_TEMPLATE, context, status=_REVERT_FAILED_STATUS[failed.reason])


@permission_required(roles.DEMO_OUTSIDE_CHANGE, raise_exception=True)
@require_POST
def demo_outside_change_view(request, connection_id: str):
    """Demo mode: change the simulated connection as someone outside this app would."""
    changed = upstream.demo_change_from_outside(connection_id)
    if changed:
        messages.success(request, words.demo_outside_changed(changed))
    else:
        messages.error(request, words.DEMO_OUTSIDE_NOT_CHANGED)
    return redirect(reverse("connections:detail", args=[connection_id]))
