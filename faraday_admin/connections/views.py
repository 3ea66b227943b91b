"""Thin views: parse the request, call a selector or service, pick a template (or a partial)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, reselect, reswap, retarget

from faraday_admin.audit.decorators import too_many_refusals_response, write_permission_required
from faraday_admin.audit.models import Action
from faraday_admin.audit.services import refused_write_allowed
from faraday_admin.catalog import KEY_PAIR_TYPES, get_catalog
from faraday_admin.connections import finish_steps, selectors, services
from faraday_admin.connections import messages as words
from faraday_admin.connections.forms import (
    carried_values,
    edit_form,
    form_class_for,
    unbound_form,
)
from faraday_admin.connections.handoff_views import handoff_from_create
from faraday_admin.connections.messages import describe_error
from faraday_admin.connections.paste import MAX_LENGTH as PASTE_MAX_LENGTH
from faraday_admin.core import roles, upstream
from faraday_admin.faraday_client import FaradayError, NotFound, ValidationFailed
from faraday_admin.history import selectors as history

LIST_TEMPLATE = "connections/connection_list.html"
CREATE_TEMPLATE = "connections/connection_create.html"
DETAIL_TEMPLATE = "connections/connection_detail.html"
EDIT_TEMPLATE = "connections/connection_edit.html"
CONFIRM_TEMPLATE = "connections/connection_confirm.html"
GUIDE_TEMPLATE = "connections/includes/setup_guide.html"
UPSTREAM_FAILED = 502
INVALID = 422


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# ---- list -----------------------------------------------------------------------------------


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_list_view(request):
    filters = selectors.ListFilters.from_query(request.GET)
    context: dict[str, Any] = {"filters": filters}
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
        polled = selectors.connection_rows_by_id(ids=ids)
    except FaradayError as error:
        # Keep polling: a blip upstream shouldn't freeze the badges for good.
        context = {"active_ids": ids, "problem": describe_error(error)}
        return render(request, f"{LIST_TEMPLATE}#status-poller", context)
    rows = polled.rows
    active_ids = [r.connection.id for r in rows if not r.connection.is_terminal]
    # Only active ids are polled, so a final status here is news.
    finished = [r for r in rows if r.connection.is_terminal]
    # An id Faraday no longer lists would otherwise keep its last badge, unpolled, for good.
    returned = {r.connection.id for r in rows}
    unlisted_ids = [i for i in dict.fromkeys(ids) if i not in returned]
    context = {
        "rows": rows,
        "active_ids": active_ids,
        "finished": finished,
        "unlisted_ids": unlisted_ids,
        "as_of": polled.as_of,
    }
    return render(request, f"{LIST_TEMPLATE}#rows-update", context)


# ---- create ---------------------------------------------------------------------------------


def _type_options_context(query: str, selected_type: str) -> dict[str, Any]:
    groups = selectors.connection_types_search(query)
    return {
        "type_groups": groups,
        "kept_type": selectors.chosen_type_left_out(groups, selected_type),
        "selected_type": selected_type,
        "query": query,
    }


def _render_create(
    request, *, form, token, problem=None, status=200, partial=None, type_missing=False, paste=None
):
    # The search text comes along with a POST too (htmx includes it), so the list stays narrowed.
    query = (request.POST if request.method == "POST" else request.GET).get("q", "")
    context = {
        "form": services.form_with_pasted_password(form, user=request.user, token=str(token)),
        **_type_options_context(query, form.connection_type.type if form else ""),
        "submission_token": token,
        "problem": problem,
        # Said inside the form, so an htmx swap of the form shows it too.
        "type_missing": type_missing,
        "paste": paste,
        "paste_max_length": PASTE_MAX_LENGTH,
    }
    template = f"{CREATE_TEMPLATE}#{partial}" if partial else CREATE_TEMPLATE
    return render(request, template, context, status=status)


@sensitive_post_parameters()
@write_permission_required(roles.CREATE_CONNECTION, Action.CREATE, type_from_post=True)
@require_http_methods(["GET", "POST"])
def connection_create_view(request):
    if request.method == "GET":
        form = unbound_form(request.GET.get("type", ""), {})
        token = services.submission_token_issue(user=request.user)
        return _render_create(request, form=form, token=token)

    token = request.POST.get("submission_token", "")
    type_key = request.POST.get("type", "")
    partial = "create-form" if request.htmx else None
    if request.POST.get("action") == "paste" or "paste_as" in request.POST:
        return _paste(request, token=token, type_key=type_key)
    if request.POST.get("action") == "handoff" and type_key in get_catalog().types:
        return _redirect(request, handoff_from_create(request))
    if request.POST.get("action") == "choose-type" or type_key not in get_catalog().types:
        # The no-JavaScript way to switch type: re-render with the shared values kept.
        form = unbound_form(type_key, carried_values(request.POST))
        status = 200 if request.POST.get("action") == "choose-type" else INVALID
        if status == INVALID:
            services.connection_create_without_type(actor=request.user, type_key=type_key)
        return _render_create(
            request,
            form=form,
            token=token,
            status=status,
            partial=partial,
            type_missing=form is None and status == INVALID,
        )

    data = services.pasted_password_into(
        user=request.user, token=token, data=request.POST, type_key=type_key
    )
    form = form_class_for(type_key)(data)
    if not form.is_valid():
        services.connection_create_rejected(actor=request.user, form=form)
        return _render_create(request, form=form, token=token, status=INVALID, partial=partial)
    try:
        connection = services.connection_create(actor=request.user, token=token, form=form)
    except services.SubmissionTokenUnknown:
        # Not a double submission: keep what was typed and let the person send it again.
        form.add_error(None, words.FORM_EXPIRED)
        fresh = services.submission_token_issue(user=request.user)
        return _render_create(request, form=form, token=fresh, status=INVALID, partial=partial)
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


def _paste(request, *, token: str, type_key: str) -> HttpResponse:
    """The paste box: read what was pasted (or apply a proposed type the person confirmed) and
    show the fields filled, through the same swap as a type choice. Nothing goes to Faraday."""
    confirmed = request.POST.get("paste_as")
    if confirmed is not None:
        type_key = confirmed
        outcome = services.paste_apply(
            user=request.user,
            token=token,
            type_key=type_key,
            fields_json=request.POST.get("pasted_fields", ""),
            data=request.POST,
        )
    else:
        outcome = services.paste_read(
            user=request.user,
            token=token,
            text=request.POST.get("pasted", ""),
            type_key=type_key,
            data=request.POST,
        )
    if not request.htmx:
        return _render_create(request, form=outcome.form, token=token, paste=outcome)
    fields = {"form": outcome.form, "paste": outcome}
    if confirmed is None:
        return render(request, f"{CREATE_TEMPLATE}#type-fields", fields)
    # A confirmed type is a type choice: the select's options, and its fields out of band.
    options = _type_options_context(request.POST.get("q", ""), type_key)
    response = render(request, f"{CREATE_TEMPLATE}#type-options", options)
    response.write(
        render_to_string(f"{CREATE_TEMPLATE}#type-fields", {**fields, "oob": True}, request)
    )
    query = f"?type={type_key}" if outcome.form else ""
    return push_url(response, reverse("connections:create") + query)


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_GET
def connection_type_fields_view(request):
    """The chosen type's fields (htmx swap), keeping the values both types share."""
    type_key = request.GET.get("type", "")
    form = services.form_with_pasted_password(
        unbound_form(type_key, carried_values(request.GET)),
        user=request.user,
        token=request.GET.get("submission_token", ""),
    )
    response = render(request, f"{CREATE_TEMPLATE}#type-fields", {"form": form})
    query = f"?type={type_key}" if form else ""
    return push_url(response, reverse("connections:create") + query)


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_GET
def connection_guide_commands_view(request):
    """The setup guide's commands, filled again with what has been typed (htmx swap)."""
    form = unbound_form(request.GET.get("type", ""), carried_values(request.GET))
    if form is None:
        return HttpResponse(status=204)
    return render(request, f"{GUIDE_TEMPLATE}#guide-commands", {"form": form})


@permission_required(roles.CREATE_CONNECTION, raise_exception=True)
@require_GET
def connection_type_picker_view(request):
    """The type select's options narrowed to the search (htmx swap), keeping the chosen type;
    when that type's fields aren't shown (this search cut their request short), they come along."""
    type_key = request.GET.get("type", "")
    context = _type_options_context(request.GET.get("q", ""), type_key)
    response = render(request, f"{CREATE_TEMPLATE}#type-options", context)
    if type_key in get_catalog().types and request.GET.get("shown") != type_key:
        form = services.form_with_pasted_password(
            unbound_form(type_key, carried_values(request.GET)),
            user=request.user,
            token=request.GET.get("submission_token", ""),
        )
        fields = {"form": form, "oob": True}
        response.write(render_to_string(f"{CREATE_TEMPLATE}#type-fields", fields, request))
        push_url(response, reverse("connections:create") + f"?type={type_key}")
    return response


# ---- detail and edit ------------------------------------------------------------------------


def _upstream_problem_page(request, error: FaradayError, *, title: str) -> HttpResponse:
    status = 404 if isinstance(error, NotFound) else UPSTREAM_FAILED
    return render(
        request,
        "connections/connection_unavailable.html",
        {"problem": describe_error(error, has_fields=False), "title": title},
        status=status,
    )


# After a change Faraday checks again, the detail page keeps polling this many times (5 s each)
# while the status still reads final: Faraday may take a moment to move it.
FOLLOW_POLLS = 6


def _detail_url_following(connection_id: str) -> str:
    return reverse("connections:detail", args=[connection_id]) + f"?follow={FOLLOW_POLLS}"


def _follow_polls(request) -> int:
    """Polls left to follow a final status, from the request (clamped; junk counts as none)."""
    value = request.GET.get("follow", "")
    return min(int(value), FOLLOW_POLLS) if value.isascii() and value.isdigit() else 0


def _status_context(row: selectors.ConnectionRow) -> dict[str, Any]:
    connection_type = get_catalog().get(row.connection.type)
    finish = finish_steps.finish_step(row.connection, connection_type)
    waiting = finish_steps.waiting_for_key(row.connection, finish)
    return {
        "row": row,
        "connection_type": connection_type,
        "error_hint": words.connection_error_hint(connection_type),
        "finish": finish,
        "waiting_for_key": waiting,
        "status_problem": words.status_problem(
            row.connection, connection_type, waiting_for_key=waiting
        ),
    }


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_detail_view(request, connection_id: str):
    try:
        detail = selectors.connection_detail(connection_id=connection_id)
    except FaradayError as error:
        return _upstream_problem_page(request, error, title="Connection")
    context = {
        **_status_context(detail.row),
        "detail": detail,
        "options": selectors.option_rows(detail.row.connection),
        "key_pair_types": KEY_PAIR_TYPES,
        "follow": _follow_polls(request) if detail.row.connection.is_terminal else 0,
        "history": history.connection_history(connection_id=connection_id, with_entries=False),
    }
    return render(request, DETAIL_TEMPLATE, context)


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_status_view(request, connection_id: str):
    """The detail page's live status section; it polls until the status is final (or gone)."""
    template = f"{DETAIL_TEMPLATE}#connection-status"
    shown = request.GET.get("shown", "")  # the status on screen, to read out a change once
    follow = _follow_polls(request)
    try:
        row = selectors.connection_row(connection_id=connection_id)
    except NotFound:
        # Deleted meanwhile: nothing more to follow, so the section comes back without a poll.
        return render(request, template, {"gone": True})
    except FaradayError as error:
        context = {
            "problem": describe_error(error),
            "poll_id": connection_id,
            "shown": shown,
            "follow": follow,
        }
        return render(request, template, context)
    context = {
        **_status_context(row),
        "announce": bool(shown) and shown != row.connection.status,
        # Still final: one poll fewer to go. On the move: the usual polling takes over.
        "follow": max(follow - 1, 0) if row.connection.is_terminal else 0,
    }
    return render(request, template, context)


def _save_not_sent(request, error: FaradayError) -> HttpResponse:
    """An htmx save whose connection couldn't be read first. Without the connection the form
    can't be rebuilt, so the banner goes above the form as the person filled it in."""
    problem = describe_error(error, has_fields=False)
    response = render(
        request,
        "includes/upstream_error.html",
        {"problem": problem, "focus": True},
        status=UPSTREAM_FAILED,
    )
    return reselect(reswap(retarget(response, "#edit-problem"), "innerHTML"), "unset")


@sensitive_post_parameters()
@write_permission_required(roles.EDIT_CONNECTION, Action.EDIT)
@require_http_methods(["GET", "POST"])
def connection_edit_view(request, connection_id: str):
    try:
        # A save checks the connection as Faraday has it now, not as cached.
        connection = selectors.connection_get(
            connection_id=connection_id, fresh=request.method == "POST"
        )
    except FaradayError as error:
        if request.method == "POST":
            services.connection_write_unsent(
                actor=request.user, action="edit", connection_id=connection_id, error=error
            )
            if isinstance(error, NotFound):
                messages.error(request, words.EDITED_CONNECTION_GONE)
                return _redirect(request, reverse("connections:list"))
            if request.htmx:
                return _save_not_sent(request, error)
        return _upstream_problem_page(request, error, title="Edit connection")
    detail_url = reverse("connections:detail", args=[connection.id])
    try:
        services.connection_edit_check(connection=connection)
    except services.ActionRefused as refused:
        if request.method == "POST":
            services.connection_write_refused(
                actor=request.user, action="edit", connection=connection, refused=refused
            )
        messages.error(request, str(refused))
        return _redirect(request, detail_url)
    context: dict[str, Any] = {"connection": connection}
    if request.method == "GET":
        context["form"] = edit_form(connection)
        return render(request, EDIT_TEMPLATE, context)
    form = context["form"] = edit_form(connection, request.POST)
    if not form.is_valid():
        services.connection_update_rejected(actor=request.user, connection=connection, form=form)
        return render(request, EDIT_TEMPLATE, context, status=INVALID)
    try:
        services.connection_update(actor=request.user, connection=connection, form=form)
    except services.NothingChanged:
        messages.info(request, words.NOTHING_CHANGED)
        return _redirect(request, detail_url)
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
    return _redirect(request, _detail_url_following(connection.id))


@permission_required(roles.FORCE_UPDATE_CONNECTION, raise_exception=True)
@require_POST
def demo_install_key_view(request, connection_id: str):
    """Demo mode: install the key on the simulated warehouse, as IT would on the real one."""
    if upstream.demo_install_public_key(connection_id):
        messages.success(request, words.DEMO_KEY_INSTALLED)
    else:
        messages.error(request, words.DEMO_KEY_NOT_INSTALLED)
    return _redirect(request, reverse("connections:detail", args=[connection_id]))


@write_permission_required(roles.FORCE_UPDATE_CONNECTION, Action.FORCE_UPDATE)
@require_POST
def connection_key_installed_view(request, connection_id: str):
    """ "I've done it — check again": note the key as installed, then force an update."""
    try:
        detail = selectors.connection_detail(connection_id=connection_id)
    except FaradayError as error:
        services.connection_write_unsent(
            actor=request.user, action="force-update", connection_id=connection_id, error=error
        )
        messages.error(request, describe_error(error, has_fields=False).title)
        return _redirect(request, reverse("connections:detail", args=[connection_id]))
    connection = detail.row.connection
    step = finish_steps.finish_step(connection, get_catalog().get(connection.type))
    if step is not None and step.kind == "key" and step.key_sha256:
        finish_steps.key_install_mark(connection=connection, step=step, user=request.user)
    try:
        services.connection_action_perform(actor=request.user, action="force-update", detail=detail)
    except services.ActionRefused as refused:
        services.connection_write_refused(
            actor=request.user, action="force-update", connection=connection, refused=refused
        )
        messages.error(request, str(refused))
        return _redirect(request, reverse("connections:detail", args=[connection_id]))
    except FaradayError as error:
        problem = describe_error(error, has_fields=False)
        messages.error(request, f"{problem.title} {problem.next_step}")
        return _redirect(request, reverse("connections:detail", args=[connection_id]))
    messages.success(request, "Thanks. Faraday is checking the connection again now.")
    return _redirect(request, _detail_url_following(connection_id))


# ---- lifecycle actions: one confirmation page, then one service call -----------------------


@dataclass(frozen=True)
class LifecycleAction:
    """How an action's confirmation page looks and who may see it (the rules are services')."""

    permission: str
    title: str
    button: str
    explanation: str
    done: str
    shows_dependents: bool = False
    offers_cascade: bool = False


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
        "Rotated the credentials of “{name}”. Now install the new public key (see “Finish on "
        "your side” below) where the old one was, or Faraday will lose access.",
    ),
}


@require_http_methods(["GET", "POST"])
def connection_action_view(request, connection_id: str, action: str):
    spec = ACTIONS[action]
    if not request.user.has_perm(spec.permission):
        if request.method == "POST":
            if not refused_write_allowed(actor=request.user):
                return too_many_refusals_response(request)
            services.connection_write_forbidden(
                actor=request.user, action=action, connection_id=connection_id
            )
        raise PermissionDenied
    try:
        # Sending checks the rules against the connection as Faraday has it now, not as cached.
        detail = selectors.connection_detail(
            connection_id=connection_id, fresh=request.method == "POST"
        )
    except FaradayError as error:
        if request.method == "POST":
            services.connection_write_unsent(
                actor=request.user, action=action, connection_id=connection_id, error=error
            )
            if isinstance(error, NotFound):  # e.g. the second click of a delete
                messages.error(request, words.ACTED_ON_CONNECTION_GONE)
                return _redirect(request, reverse("connections:list"))
        return _upstream_problem_page(request, error, title=spec.title)
    context: dict[str, Any] = {"detail": detail, "row": detail.row, "action": action, "spec": spec}
    try:
        services.connection_action_check(action=action, detail=detail)
    except services.ActionRefused as refused:
        context["refusal"] = str(refused)
        if request.method == "GET":
            return render(request, CONFIRM_TEMPLATE, context)
        services.connection_write_refused(
            actor=request.user, action=action, connection=detail.row.connection, refused=refused
        )
        return render(request, CONFIRM_TEMPLATE, context, status=409)
    if request.method == "GET":
        return render(request, CONFIRM_TEMPLATE, context)
    cascade = request.POST.get("cascade") == "on"
    try:
        services.connection_action_perform(
            actor=request.user, action=action, detail=detail, cascade=cascade
        )
    except FaradayError as error:
        context["problem"] = words.describe_action_error(
            error, action=action, cascade=cascade, dependents_listed=bool(detail.dependents)
        )
        return render(request, CONFIRM_TEMPLATE, context, status=UPSTREAM_FAILED)
    messages.success(request, spec.done.format(name=detail.row.connection.name))
    if action == "delete":
        return _redirect(request, reverse("connections:list"))
    if action == "force-update":
        return _redirect(request, _detail_url_following(connection_id))
    return _redirect(request, reverse("connections:detail", args=[connection_id]))
