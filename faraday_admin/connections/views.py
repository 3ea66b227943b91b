"""Thin views: parse the request, call a selector or service, pick a template (or a partial)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url, reswap, retarget

from faraday_admin.audit.decorators import write_permission_required
from faraday_admin.audit.models import Action
from faraday_admin.catalog import KEY_PAIR_TYPES, get_catalog
from faraday_admin.connections import finish_steps, problems, refusals, selectors, services
from faraday_admin.connections.actions import ACTIONS
from faraday_admin.connections.forms import (
    carried_values,
    edit_form,
    unbound_form,
)
from faraday_admin.connections.handoff_views import handoff_from_create
from faraday_admin.connections.paste import MAX_LENGTH as PASTE_MAX_LENGTH
from faraday_admin.core import roles, upstream
from faraday_admin.core.problems import describe_error
from faraday_admin.core.responses import CONFLICT, INVALID, UPSTREAM_FAILED, redirect_to
from faraday_admin.faraday_client import FaradayError, NotFound
from faraday_admin.history import selectors as history

LIST_TEMPLATE = "connections/connection_list.html"
CREATE_TEMPLATE = "connections/connection_create.html"
DETAIL_TEMPLATE = "connections/connection_detail.html"
EDIT_TEMPLATE = "connections/connection_edit.html"
CONFIRM_TEMPLATE = "connections/connection_confirm.html"
GUIDE_TEMPLATE = "connections/includes/setup_guide.html"


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
    request, *, form, token, problem=None, status=200, type_missing=False, paste=None
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
    # A form sent over htmx gets the form back; a page load or a plain POST, the whole page.
    partial = request.htmx and request.method == "POST"
    template = f"{CREATE_TEMPLATE}#create-form" if partial else CREATE_TEMPLATE
    return render(request, template, context, status=status)


# The status a failed write answers with, where the page is shown again.
FAILED_STATUS = {
    services.Reason.INVALID: INVALID,
    services.Reason.REFUSED: CONFLICT,
    services.Reason.UPSTREAM: UPSTREAM_FAILED,
    services.Reason.UNREADABLE: UPSTREAM_FAILED,
    services.Reason.GONE: 404,
}


@sensitive_post_parameters()
@write_permission_required(roles.CREATE_CONNECTION, Action.CREATE, type_from_post=True)
@require_http_methods(["GET", "POST"])
def connection_create_view(request):
    if request.method == "GET":
        form = unbound_form(request.GET.get("type", ""), {})
        token = services.submission_token_issue(user=request.user)
        return _render_create(request, form=form, token=token)
    token, type_key = request.POST.get("submission_token", ""), request.POST.get("type", "")
    action = request.POST.get("action")
    if action == "paste" or "paste_as" in request.POST:
        return _paste(request, token=token, type_key=type_key)
    if action == "handoff" and type_key in get_catalog().types:
        return redirect_to(request, handoff_from_create(request))
    if action == "choose-type":  # the no-JavaScript way to switch type, shared values kept
        form = unbound_form(type_key, carried_values(request.POST))
        return _render_create(request, form=form, token=token)
    try:
        connection = services.connection_create(
            actor=request.user, token=token, type_key=type_key, data=request.POST
        )
    except services.WriteFailed as failed:
        return _create_failed(request, failed, token=token)
    messages.success(
        request, f"Connection “{connection.name}” created. Faraday is checking it now."
    )
    return redirect_to(request, reverse("connections:detail", args=[connection.id]))


def _create_failed(request, failed: services.WriteFailed, *, token: str) -> HttpResponse:
    if failed.reason is services.Reason.ALREADY_SUBMITTED:
        if failed.faraday_id:
            messages.info(request, failed.message)
            return redirect_to(request, reverse("connections:detail", args=[failed.faraday_id]))
        messages.warning(request, failed.message)
        return redirect_to(request, reverse("connections:list"))
    return _render_create(
        request,
        form=failed.form,  # None: no known type was chosen
        token=failed.token or token,
        problem=failed.problem,
        status=FAILED_STATUS[failed.reason],
        type_missing=failed.form is None,
    )


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


def _upstream_problem_page(request, failed: services.WriteFailed, *, title: str) -> HttpResponse:
    """The page said instead of the connection's, when reading it failed."""
    return render(
        request,
        "connections/connection_unavailable.html",
        {"problem": failed.problem, "title": title},
        status=FAILED_STATUS[failed.reason],
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
        "error_hint": problems.connection_error_hint(connection_type),
        "finish": finish,
        "waiting_for_key": waiting,
        "status_problem": problems.status_problem(
            row.connection, connection_type, waiting_for_key=waiting
        ),
    }


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def connection_detail_view(request, connection_id: str):
    try:
        detail = services.connection_action_open(connection_id=connection_id)
    except services.WriteFailed as failed:
        return _upstream_problem_page(request, failed, title="Connection")
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
        polled = selectors.connection_row_polled(connection_id=connection_id)
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
    row = polled.rows[0]
    context = {
        **_status_context(row),
        "announce": bool(shown) and shown != row.connection.status,
        # Still final: one poll fewer to go. On the move: the usual polling takes over.
        "follow": max(follow - 1, 0) if row.connection.is_terminal else 0,
        "as_of": polled.as_of,
    }
    return render(request, template, context)


def _save_not_sent(request, problem) -> HttpResponse:
    """An htmx save whose connection couldn't be read first. Without the connection the form
    can't be rebuilt, so the banner goes above the form as the person filled it in."""
    response = render(
        request,
        "includes/upstream_error.html",
        {"problem": problem, "focus": True},
        status=UPSTREAM_FAILED,
    )
    return reswap(retarget(response, "#edit-problem"), "innerHTML")


@sensitive_post_parameters()
@write_permission_required(roles.EDIT_CONNECTION, Action.EDIT)
@require_http_methods(["GET", "POST"])
def connection_edit_view(request, connection_id: str):
    try:
        if request.method == "GET":
            connection = services.connection_edit_open(connection_id=connection_id)
            return render(
                request, EDIT_TEMPLATE, {"connection": connection, "form": edit_form(connection)}
            )
        connection = services.connection_update(
            actor=request.user, connection_id=connection_id, data=request.POST
        )
    except services.WriteFailed as failed:
        return _edit_failed(request, failed, connection_id)
    messages.success(
        request, f"Saved changes to “{connection.name}”. Faraday is checking it again."
    )
    return redirect_to(request, _detail_url_following(connection.id))


def _edit_failed(request, failed: services.WriteFailed, connection_id: str) -> HttpResponse:
    Reason = services.Reason
    if failed.reason in (Reason.REFUSED, Reason.NOTHING_CHANGED):
        level = messages.INFO if failed.reason is Reason.NOTHING_CHANGED else messages.ERROR
        messages.add_message(request, level, failed.message)
        return redirect_to(request, reverse("connections:detail", args=[connection_id]))
    if failed.form is not None:
        context = {"connection": failed.connection, "form": failed.form, "problem": failed.problem}
        template = f"{EDIT_TEMPLATE}#edit-form" if request.htmx else EDIT_TEMPLATE
        return render(request, template, context, status=FAILED_STATUS[failed.reason])
    if request.method == "POST" and failed.reason is Reason.GONE:
        messages.error(request, failed.message)
        return redirect_to(request, reverse("connections:list"))
    if request.method == "POST" and request.htmx:
        return _save_not_sent(request, failed.problem)
    return _upstream_problem_page(request, failed, title="Edit connection")


@permission_required(roles.FORCE_UPDATE_CONNECTION, raise_exception=True)
@require_POST
def demo_install_key_view(request, connection_id: str):
    """Demo mode: install the key on the simulated warehouse, as IT would on the real one."""
    if upstream.demo_install_public_key(connection_id):
        messages.success(request, refusals.DEMO_KEY_INSTALLED)
    else:
        messages.error(request, refusals.DEMO_KEY_NOT_INSTALLED)
    return redirect_to(request, reverse("connections:detail", args=[connection_id]))


@write_permission_required(roles.FORCE_UPDATE_CONNECTION, Action.FORCE_UPDATE)
@require_POST
def connection_key_installed_view(request, connection_id: str):
    """ "I've done it — check again": note the key as installed, then force an update."""
    try:
        services.connection_key_installed(actor=request.user, connection_id=connection_id)
    except services.WriteFailed as failed:
        messages.error(request, failed.message)
        return redirect_to(request, reverse("connections:detail", args=[connection_id]))
    messages.success(request, "Thanks. Faraday is checking the connection again now.")
    return redirect_to(request, _detail_url_following(connection_id))


# ---- lifecycle actions: one confirmation page, then one service call -----------------------


def connection_action_view(request, connection_id: str, action: str):
    """The confirmation page of one of `actions.ACTIONS`, and sending it (urls.py wraps this
    in the action's permission)."""
    spec = ACTIONS[action]
    try:
        if request.method == "GET":
            detail = services.connection_action_open(connection_id=connection_id)
            refusal = services.connection_action_refusal(action=spec, detail=detail)
            return render(
                request, CONFIRM_TEMPLATE, _confirm_context(spec, detail, refusal=refusal)
            )
        cascade = request.POST.get("cascade") == "on"
        detail = services.connection_act(
            actor=request.user, action=spec, connection_id=connection_id, cascade=cascade
        )
    except services.WriteFailed as failed:
        return _action_failed(request, failed, spec)
    messages.success(request, spec.done.format(name=detail.row.connection.name))
    if spec.lands_on == "list":
        return redirect_to(request, reverse("connections:list"))
    if spec.lands_on == "follow":
        return redirect_to(request, _detail_url_following(connection_id))
    return redirect_to(request, reverse("connections:detail", args=[connection_id]))


def _confirm_context(spec, detail, **context) -> dict[str, Any]:
    return {"detail": detail, "row": detail.row, "action": spec.slug, "spec": spec, **context}


def _action_failed(request, failed: services.WriteFailed, spec) -> HttpResponse:
    if failed.detail is None:  # reading it first failed
        if request.method == "POST" and failed.reason is services.Reason.GONE:
            messages.error(request, failed.message)  # e.g. the second click of a delete
            return redirect_to(request, reverse("connections:list"))
        return _upstream_problem_page(request, failed, title=spec.title)
    refusal = failed.message if failed.reason is services.Reason.REFUSED else None
    context = _confirm_context(spec, failed.detail, refusal=refusal, problem=failed.problem)
    template = f"{CONFIRM_TEMPLATE}#confirm" if request.htmx else CONFIRM_TEMPLATE
    return render(request, template, context, status=FAILED_STATUS[failed.reason])


def connection_action_views() -> dict[str, Any]:
    """Each action's view, behind its permission (a refused POST is audited as its action)."""
    return {
        slug: write_permission_required(spec.permission, spec.audit_action)(connection_action_view)
        for slug, spec in ACTIONS.items()
    }
