"""Thin views: parse the request, call a selector or service, pick a template (or a partial)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, push_url

from faraday_admin.catalog import get_catalog
from faraday_admin.connections import selectors, services
from faraday_admin.connections.forms import form_class_for
from faraday_admin.connections.messages import describe_error
from faraday_admin.core import roles
from faraday_admin.faraday_client import FaradayError, NotFound, ValidationFailed

LIST_TEMPLATE = "connections/connection_list.html"
CREATE_TEMPLATE = "connections/connection_create.html"
DETAIL_TEMPLATE = "connections/connection_detail.html"
EDIT_TEMPLATE = "connections/connection_edit.html"
CONFIRM_TEMPLATE = "connections/connection_confirm.html"
UPSTREAM_FAILED = 502
INVALID = 422


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# ---- list -----------------------------------------------------------------------------------


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_list_view(request):
    filters = selectors.ListFilters.from_query(request.GET)
    context: dict[str, Any] = {
        "filters": filters,
        "catalog": get_catalog(),
        "sorts": selectors.SORTS,
        "archived_choices": selectors.ARCHIVED_CHOICES,
    }
    try:
        context["listing"] = selectors.connection_list(filters=filters)
    except FaradayError as error:
        context["problem"] = describe_error(error)
        return render(request, LIST_TEMPLATE, context, status=UPSTREAM_FAILED)
    return render(request, LIST_TEMPLATE, context)


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_rows_view(request):
    """Live status: fresh rows for the still-active ids, swapped in out of band."""
    ids = request.GET.getlist("ids")[: selectors.PAGE_SIZE]
    try:
        rows = selectors.connection_rows_by_id(ids=ids)
    except FaradayError as error:
        # Keep polling: a blip upstream shouldn't freeze the badges for good.
        context = {"active_ids": ids, "problem": describe_error(error)}
        return render(request, f"{LIST_TEMPLATE}#status-poller", context)
    active_ids = [r.connection.id for r in rows if r.connection.status in selectors.ACTIVE_STATUSES]
    return render(request, f"{LIST_TEMPLATE}#rows-update", {"rows": rows, "active_ids": active_ids})


# ---- create ---------------------------------------------------------------------------------


@cache
def _never_carried() -> frozenset[str]:
    # A name that is secret in any type (api_key is, for some) is never carried to another.
    secret = {f.name for t in get_catalog().types.values() for f in t.fields if f.secret}
    return frozenset({*secret, "type", "q", "submission_token", "csrfmiddlewaretoken", "action"})


def _carried_values(data) -> dict[str, str]:
    """Non-secret values typed so far, to keep when the type changes."""
    return {k: v for k, v in data.items() if k not in _never_carried()}


def _unbound_form(type_key: str, carried: dict[str, str]):
    connection_type = get_catalog().get(type_key)
    if connection_type is None:
        return None
    form_class = form_class_for(type_key)
    return form_class(initial={k: v for k, v in carried.items() if k in form_class.base_fields})


def _render_create(request, *, form, token, query="", problem=None, status=200, partial=None):
    context = {
        "form": form,
        "selected_type": form.connection_type.type if form else "",
        "type_groups": selectors.connection_types_search(query),
        "query": query,
        "submission_token": token,
        "problem": problem,
    }
    template = f"{CREATE_TEMPLATE}#{partial}" if partial else CREATE_TEMPLATE
    return render(request, template, context, status=status)


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def connection_create_view(request):
    if request.method == "GET":
        form = _unbound_form(request.GET.get("type", ""), {})
        token = services.submission_token_issue(user=request.user)
        return _render_create(request, form=form, token=token, query=request.GET.get("q", ""))

    token = request.POST.get("submission_token", "")
    type_key = request.POST.get("type", "")
    query = request.POST.get("q", "")
    if request.POST.get("action") == "choose-type" or type_key not in get_catalog().types:
        # The no-JavaScript way to switch type: re-render with the shared values kept.
        form = _unbound_form(type_key, _carried_values(request.POST))
        status = 200 if request.POST.get("action") == "choose-type" else INVALID
        if form is None and status == INVALID:
            messages.error(request, "Choose a connection type first.")
        return _render_create(request, form=form, token=token, query=query, status=status)

    form = form_class_for(type_key)(request.POST)
    partial = "create-form" if request.htmx else None
    if not form.is_valid():
        services.connection_create_rejected(actor=request.user, form=form)
        return _render_create(request, form=form, token=token, status=INVALID, partial=partial)
    try:
        connection = services.connection_create(actor=request.user, token=token, form=form)
    except services.SubmissionAlreadyUsed as used:
        if used.faraday_id:
            messages.info(
                request, "That form was already submitted; here is the connection it created."
            )
            return _redirect(request, reverse("connections:detail", args=[used.faraday_id]))
        messages.warning(
            request,
            "That form was already submitted (or is being submitted in another tab). "
            "Check the list before creating it again.",
        )
        return _redirect(request, reverse("connections:list"))
    except ValidationFailed as error:
        services.validation_errors_onto_form(form, error.validation_errors)
        return _render_create(
            request,
            form=form,
            token=token,
            problem=describe_error(error),
            status=INVALID,
            partial=partial,
        )
    except FaradayError as error:
        return _render_create(
            request,
            form=form,
            token=token,
            problem=describe_error(error),
            status=UPSTREAM_FAILED,
            partial=partial,
        )
    messages.success(
        request, f"Connection “{connection.name}” created. Faraday is checking it now."
    )
    return _redirect(request, reverse("connections:detail", args=[connection.id]))


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_GET
def connection_type_fields_view(request):
    """The chosen type's fields (htmx swap), keeping the values both types share."""
    type_key = request.GET.get("type", "")
    form = _unbound_form(type_key, _carried_values(request.GET))
    response = render(request, f"{CREATE_TEMPLATE}#type-fields", {"form": form})
    query = f"?type={type_key}" if form else ""
    return push_url(response, reverse("connections:create") + query)


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_GET
def connection_type_picker_view(request):
    context = {
        "type_groups": selectors.connection_types_search(request.GET.get("q", "")),
        "selected_type": request.GET.get("type", ""),
        "query": request.GET.get("q", ""),
    }
    return render(request, f"{CREATE_TEMPLATE}#type-select", context)


# ---- detail and edit ------------------------------------------------------------------------


def _upstream_problem_page(request, error: FaradayError, *, title: str) -> HttpResponse:
    status = 404 if isinstance(error, NotFound) else UPSTREAM_FAILED
    return render(
        request,
        "connections/connection_unavailable.html",
        {"problem": describe_error(error), "title": title},
        status=status,
    )


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_detail_view(request, connection_id: str):
    try:
        detail = selectors.connection_detail(connection_id=connection_id)
    except FaradayError as error:
        return _upstream_problem_page(request, error, title="Connection")
    context = {
        "detail": detail,
        "row": detail.row,
        "connection_type": get_catalog().get(detail.row.connection.type),
        "options": selectors.option_rows(detail.row.connection),
        "active_statuses": selectors.ACTIVE_STATUSES,
        "rotatable_types": services.ROTATABLE_TYPES,
    }
    return render(request, DETAIL_TEMPLATE, context)


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_status_view(request, connection_id: str):
    """The detail page's live status section; it stops polling once the status is final."""
    try:
        row = selectors.connection_row(connection_id=connection_id)
    except FaradayError as error:
        return render(
            request,
            f"{DETAIL_TEMPLATE}#connection-status",
            {"problem": describe_error(error), "poll_id": connection_id},
        )
    context = {"row": row, "active_statuses": selectors.ACTIVE_STATUSES}
    return render(request, f"{DETAIL_TEMPLATE}#connection-status", context)


@permission_required(roles.EDIT_CONNECTION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def connection_edit_view(request, connection_id: str):
    try:
        connection = selectors.connection_get(connection_id=connection_id)
    except FaradayError as error:
        return _upstream_problem_page(request, error, title="Edit connection")
    detail_url = reverse("connections:detail", args=[connection.id])
    if connection.managed:
        messages.error(request, "This connection is managed by Faraday and can't be edited here.")
        return redirect(detail_url)
    if connection.type not in get_catalog().types:
        messages.error(
            request,
            f"This app doesn't know the connection type “{connection.type}” yet, so it can't "
            "edit it. An engineer can update the catalog with sync_connection_types.",
        )
        return redirect(detail_url)
    form_class = form_class_for(connection.type, editing=True)
    context: dict[str, Any] = {"connection": connection}
    if request.method == "GET":
        initial = {
            "name": connection.name,
            **{k: v for k, v in connection.options.items() if k in form_class.base_fields},
        }
        context["form"] = form_class(initial=initial)
        return render(request, EDIT_TEMPLATE, context)
    form = context["form"] = form_class(request.POST)
    if not form.is_valid():
        return render(request, EDIT_TEMPLATE, context, status=INVALID)
    try:
        services.connection_update(actor=request.user, connection=connection, form=form)
    except ValidationFailed as error:
        services.validation_errors_onto_form(form, error.validation_errors)
        context["problem"] = describe_error(error)
        return render(request, EDIT_TEMPLATE, context, status=INVALID)
    except FaradayError as error:
        context["problem"] = describe_error(error)
        return render(request, EDIT_TEMPLATE, context, status=UPSTREAM_FAILED)
    messages.success(
        request, f"Saved changes to “{form.cleaned_data['name']}”. Faraday is checking it again."
    )
    return _redirect(request, detail_url)


# ---- lifecycle actions: one confirmation page, then one service call -----------------------


@dataclass(frozen=True)
class LifecycleAction:
    permission: str
    title: str
    button: str
    explanation: str
    done: str
    shows_dependents: bool = False
    offers_cascade: bool = False
    refused_with_dependents: bool = False


ACTIONS = {
    "archive": LifecycleAction(
        roles.ARCHIVE_CONNECTION,
        "Archive connection",
        "Archive",
        "An archived connection stops receiving updates but stays visible. "
        "You can unarchive it later.",
        "Archived “{name}”.",
        shows_dependents=True,
        offers_cascade=True,
    ),
    "unarchive": LifecycleAction(
        roles.ARCHIVE_CONNECTION,
        "Unarchive connection",
        "Unarchive",
        "The connection starts receiving updates again.",
        "Unarchived “{name}”.",
        shows_dependents=True,
        offers_cascade=True,
    ),
    "delete": LifecycleAction(
        roles.DELETE_CONNECTION,
        "Delete connection",
        "Delete for good",
        "Deleting can't be undone.",
        "Deleted “{name}”.",
        shows_dependents=True,
        refused_with_dependents=True,
    ),
    "force-update": LifecycleAction(
        roles.FORCE_UPDATE_CONNECTION,
        "Update connection now",
        "Update now",
        "Faraday re-reads the connection now instead of waiting for its schedule.",
        "Faraday is updating “{name}” now.",
    ),
    "rotate": LifecycleAction(
        roles.ROTATE_CREDENTIALS,
        "Rotate key-pair credentials",
        "Rotate credentials",
        "Faraday creates a new key pair for this connection. Install the new public key where "
        "the old one was, or Faraday will lose access.",
        "Rotated the credentials of “{name}”.",
    ),
}


def _perform(action: str, *, user, detail: selectors.ConnectionDetail, cascade: bool) -> None:
    connection = detail.row.connection
    if action == "archive":
        services.connection_archive(actor=user, connection=connection, cascade=cascade)
    elif action == "unarchive":
        services.connection_unarchive(actor=user, connection=connection, cascade=cascade)
    elif action == "delete":
        services.connection_delete(actor=user, connection=connection)
    elif action == "force-update":
        services.connection_force_update(actor=user, connection=connection)
    else:
        services.connection_rotate_credentials(actor=user, connection=connection)


def _action_refusal(action: str, detail: selectors.ConnectionDetail) -> str | None:
    connection = detail.row.connection
    spec = ACTIONS[action]
    if connection.managed:
        return "This connection is managed by Faraday: ask Faraday support to change it."
    if spec.refused_with_dependents and detail.active_dependents:
        count = len(detail.active_dependents)
        return (
            f"This connection is used by {count} dataset{'s' if count != 1 else ''} or target"
            f"{'s' if count != 1 else ''} (listed below). Archive or re-point them first, "
            "or archive this connection instead."
        )
    if action == "rotate" and connection.type not in services.ROTATABLE_TYPES:
        return "Only Snowflake and ClickHouse connections use key-pair credentials."
    if action == "archive" and connection.is_archived:
        return "This connection is already archived."
    if action == "unarchive" and not connection.is_archived:
        return "This connection isn't archived."
    return None


@require_http_methods(["GET", "POST"])
def connection_action_view(request, connection_id: str, action: str):
    spec = ACTIONS[action]
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    try:
        detail = selectors.connection_detail(connection_id=connection_id)
    except FaradayError as error:
        return _upstream_problem_page(request, error, title=spec.title)
    context: dict[str, Any] = {"detail": detail, "row": detail.row, "action": action, "spec": spec}
    refusal = context["refusal"] = _action_refusal(action, detail)
    if request.method == "GET" or refusal:
        return render(
            request, CONFIRM_TEMPLATE, context, status=200 if request.method == "GET" else 409
        )
    try:
        _perform(
            action, user=request.user, detail=detail, cascade=request.POST.get("cascade") == "on"
        )
    except FaradayError as error:
        context["problem"] = describe_error(error)
        return render(request, CONFIRM_TEMPLATE, context, status=UPSTREAM_FAILED)
    messages.success(request, spec.done.format(name=detail.row.connection.name))
    target = "connections:list" if action == "delete" else "connections:detail"
    return _redirect(
        request, reverse(target) if action == "delete" else reverse(target, args=[connection_id])
    )
