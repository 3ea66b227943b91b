"""Hand-off pages: the creator's list (revoke, copy again) and the public one-time link page.

The link pages need no account and show only the hand-off they open: its form, its guide, and
after use the new connection's status.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from faraday_admin.catalog import get_catalog
from faraday_admin.connections import handoffs, problems, selectors, services
from faraday_admin.connections.forms import carried_values, form_class_for
from faraday_admin.connections.handoffs import HandOffState
from faraday_admin.connections.models import HandOff
from faraday_admin.core import roles
from faraday_admin.core.problems import describe_error
from faraday_admin.core.responses import CONFLICT, INVALID, TOO_MANY_REQUESTS, UPSTREAM_FAILED
from faraday_admin.faraday_client import FaradayError, NotFound

LIST_TEMPLATE = "connections/handoff_list.html"
LINK_TEMPLATE = "connections/handoff_link.html"
CLOSED_TEMPLATE = "connections/handoff_closed.html"
GUIDE_TEMPLATE = "connections/includes/setup_guide.html"


def _link(request, token: str) -> str:
    return request.build_absolute_uri(reverse("handoff:open", args=[token]))


# ---- the creator's side ---------------------------------------------------------------------


def handoff_from_create(request) -> str:
    """The create page's "Send to IT to finish": save the draft; the URL to go to next."""
    type_key = request.POST.get("type", "")
    try:
        handoff = handoffs.handoff_create(
            creator=request.user, type_key=type_key, data=request.POST
        )
    except handoffs.RateLimited:
        messages.error(request, "You've made many links in the last hour. Wait a while first.")
        return reverse("connections:create") + f"?type={type_key}"
    messages.success(
        request,
        "Link made. Copy it below and send it to whoever holds the password or key; it works once.",
    )
    return reverse("connections:handoffs") + f"#handoff-{handoff.pk}"


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_GET
def handoff_list_view(request):
    rows = handoffs.handoff_rows(request.user, lambda token: _link(request, token))
    return render(request, LIST_TEMPLATE, {"rows": rows, "email_on": settings.HANDOFF_EMAIL})


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_POST
def handoff_revoke_view(request, pk: int):
    handoff = get_object_or_404(HandOff, pk=pk)
    if not handoffs.may_manage(request.user, handoff):
        raise Http404  # not theirs: don't even confirm it exists
    try:
        handoffs.handoff_revoke(user=request.user, handoff=handoff)
    except handoffs.HandOffClosed as closed:
        messages.error(request, f"That link can't be withdrawn: it is {closed.state} already.")
    else:
        messages.success(request, "Link withdrawn: it no longer opens anything.")
    return redirect(reverse("connections:handoffs"))


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_POST
def handoff_email_view(request, pk: int):
    handoff = get_object_or_404(HandOff, pk=pk)
    if not settings.HANDOFF_EMAIL or not handoffs.may_manage(request.user, handoff):
        raise Http404
    to = request.POST.get("to", "").strip()
    if "@" not in to or len(to) > 254 or "\n" in to:
        messages.error(request, "Enter one email address, like it@example.com.")
    elif handoffs.handoff_state(handoff) is not HandOffState.WAITING:
        messages.error(request, "That link can't be used any more, so it wasn't sent.")
    else:
        link = _link(request, handoffs.handoff_token(handoff))
        handoffs.handoff_email(handoff=handoff, link=link, to=to)
        messages.success(request, f"Sent the link to {to}.")
    return redirect(reverse("connections:handoffs"))


# ---- the link (no account) ------------------------------------------------------------------


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _closed(request, *, state: str, handoff: HandOff | None = None, status: int = 410):
    context: dict[str, Any] = {"state": state, "handoff": handoff}
    if handoff is not None:
        connection_type = get_catalog().get(handoff.connection_type)
        context["type_label"] = (
            connection_type.label if connection_type else handoff.connection_type
        )
        context["status_visible"] = handoffs.handoff_status_visible(handoff)
        context["token"] = request.resolver_match.kwargs.get("token", "")
    return render(request, CLOSED_TEMPLATE, context, status=status)


def _open_handoff(request, token: str) -> tuple[HandOff | None, HttpResponse | None]:
    """The waiting hand-off the token opens, or the page to show instead."""
    try:
        handoffs.rate_limit(
            key=f"link:{_client_address(request)}", limit=settings.HANDOFF_RATE_LIMIT_PER_MINUTE
        )
    except handoffs.RateLimited:
        return None, _closed(request, state="rate-limited", status=TOO_MANY_REQUESTS)
    handoff = handoffs.handoff_by_token(token)
    if handoff is None:
        return None, _closed(request, state="unknown", status=404)
    state = handoffs.handoff_state(handoff)
    if state is not HandOffState.WAITING:
        # A submit to a used link (a second click, a replayed request) is a conflict: nothing sent.
        done = CONFLICT if request.method == "POST" else 200
        status = done if state is HandOffState.DONE else 410
        return handoff, _closed(request, state=state, handoff=handoff, status=status)
    return handoff, None


def _render_link(request, handoff: HandOff, form, token: str, *, problem=None, status=200):
    connection_type = form.connection_type
    missing = [
        spec.label
        for spec in connection_type.fields
        if spec.required and (spec.secret or spec.name not in handoff.values)
    ]
    context = {
        "handoff": handoff,
        "form": form,
        "problem": problem,
        "missing": missing,
        "guide_commands_url": reverse("handoff:guide", args=[token]),
        "token": token,
    }
    return render(request, LINK_TEMPLATE, context, status=status)


@login_not_required
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def handoff_open_view(request, token: str):
    handoff, refused = _open_handoff(request, token)
    if refused is not None:
        return refused
    form_class = form_class_for(handoff.connection_type)
    if request.method == "GET":
        form = form_class(initial={"name": handoff.name, **handoff.values})
        return _render_link(request, handoff, form, token)
    try:
        handoffs.handoff_submit(handoff=handoff, data=request.POST)
    except handoffs.HandOffClosed as closed:
        return _closed(request, state=closed.state, handoff=closed.handoff, status=CONFLICT)
    except services.WriteFailed as failed:
        status = UPSTREAM_FAILED if failed.reason is services.Reason.UPSTREAM else INVALID
        return _render_link(
            request, handoff, failed.form, token, problem=failed.problem, status=status
        )
    return redirect(reverse("handoff:open", args=[token]))


@login_not_required
@require_GET
def handoff_guide_view(request, token: str):
    handoff, refused = _open_handoff(request, token)
    if refused is not None:
        return HttpResponse(status=204)
    form = form_class_for(handoff.connection_type)(initial=carried_values(request.GET))
    context = {"form": form, "guide_commands_url": reverse("handoff:guide", args=[token])}
    return render(request, f"{GUIDE_TEMPLATE}#guide-commands", context)


@login_not_required
@require_GET
def handoff_status_view(request, token: str):
    """The new connection's live status, for a while after the link was used; nothing else."""
    try:
        handoffs.rate_limit(
            key=f"link:{_client_address(request)}", limit=settings.HANDOFF_RATE_LIMIT_PER_MINUTE
        )
    except handoffs.RateLimited:
        return HttpResponse(status=TOO_MANY_REQUESTS)
    handoff = handoffs.handoff_by_token(token)
    if handoff is None or not handoffs.handoff_status_visible(handoff):
        raise Http404
    template = f"{CLOSED_TEMPLATE}#handoff-status"
    context: dict[str, Any] = {"handoff": handoff, "token": token}
    try:
        row = selectors.connection_row(connection_id=handoff.faraday_id)
    except NotFound:
        context["gone"] = True
        return render(request, template, context)
    except FaradayError as error:
        context["problem"] = describe_error(error)
        context["keep_polling"] = True
        return render(request, template, context)
    connection_type = get_catalog().get(row.connection.type)
    context |= {
        "row": row,
        "connection": row.connection,
        "status_problem": problems.status_problem(row.connection, connection_type),
    }
    return render(request, template, context)
