"""The Alerts page (each person's choice, and admins' for the shared channels), the Settings
page's webhook buttons, the two signed receivers (Faraday's events, the demo receiver) and the
demo's "break this connection". Thin: the work is in services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from faraday_admin.alerts import selectors, services
from faraday_admin.alerts.forms import SCOPE_HELP, EmailPreferenceForm, SharedChannelForm
from faraday_admin.alerts.models import Channel, Scope
from faraday_admin.audit.decorators import write_permission_required
from faraday_admin.audit.models import Action
from faraday_admin.core import roles, upstream
from faraday_admin.core.problems import describe_error
from faraday_admin.faraday_client import FaradayError
from faraday_admin.history.services import connection_refresh

PREFERENCES_TEMPLATE = "alerts/preferences.html"
INVALID = 422
UPSTREAM_FAILED = 502


def _preferences_context(request: HttpRequest, form: EmailPreferenceForm | None = None) -> dict:
    context = {
        "form": form
        or EmailPreferenceForm(initial={"scope": selectors.email_scope(user=request.user)}),
        "scope_help": SCOPE_HELP,
    }
    if request.user.has_perm(roles.MANAGE_API_KEY):
        context["shared"] = [row for row in selectors.channel_rows() if row.channel != "email"]
        context["scopes"] = Scope.choices
    return context


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, PREFERENCES_TEMPLATE, _preferences_context(request))
    form = EmailPreferenceForm(request.POST)
    if not form.is_valid():
        return render(
            request, PREFERENCES_TEMPLATE, _preferences_context(request, form), status=422
        )
    preference = services.email_preference_save(
        user=request.user, scope=Scope(form.cleaned_data["scope"])
    )
    messages.success(request, f"Saved. Email alerts: {preference.get_scope_display().lower()}.")
    return redirect("alerts:preferences")


@permission_required(roles.MANAGE_API_KEY, raise_exception=True)
@require_POST
def shared_channel_view(request: HttpRequest) -> HttpResponse:
    form = SharedChannelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what the channel posts about, then save again.")
        return redirect("alerts:preferences")
    channel = Channel(form.cleaned_data["channel"])
    preference = services.shared_channel_preference_save(
        actor=request.user, channel=channel, scope=Scope(form.cleaned_data["scope"])
    )
    messages.success(
        request, f"Saved. {channel.label} posts about: {preference.get_scope_display().lower()}."
    )
    return redirect("alerts:preferences")


@write_permission_required(roles.MANAGE_API_KEY, Action.WEBHOOK_REGISTER)
@require_POST
def faraday_webhook_register_view(request: HttpRequest) -> HttpResponse:
    try:
        services.faraday_webhook_register(actor=request.user)
    except services.NoPublicUrl:
        messages.error(
            request,
            "Nothing was sent: the app doesn't know its public address. Ask whoever runs it to "
            "set APP_PUBLIC_URL (the address people open the app at), then try again.",
        )
    except FaradayError as error:
        problem = describe_error(error, has_fields=False)
        messages.error(
            request, f"Faraday didn't register the webhook. {problem.title} {problem.next_step}"
        )
    else:
        messages.success(
            request,
            "Registered. Faraday now tells this app at once when a connection breaks or is "
            "ready again; the sweep stays the safety net.",
        )
    return redirect(reverse("core:settings") + "#alerts-heading")


@write_permission_required(roles.MANAGE_API_KEY, Action.WEBHOOK_REMOVE)
@require_POST
def faraday_webhook_remove_view(request: HttpRequest) -> HttpResponse:
    try:
        removed = services.faraday_webhook_remove(actor=request.user)
    except FaradayError as error:
        problem = describe_error(error, has_fields=False)
        messages.error(request, f"The webhook was not removed. {problem.title} {problem.next_step}")
    else:
        if removed:
            messages.success(request, "Removed. Faraday no longer sends events to this app.")
        else:
            messages.info(request, "No Faraday webhook was registered.")
    return redirect(reverse("core:settings") + "#alerts-heading")


def _refused(refused: services.WebhookRefused) -> JsonResponse:
    return JsonResponse({"error": refused.reason}, status=refused.status)


@csrf_exempt  # signed instead: the signature is the proof a CSRF token would be
@login_not_required
@require_POST
def faraday_webhook_view(request: HttpRequest) -> HttpResponse:
    """Faraday's events: a connection errored or is ready; read it now (status, drift, alert)."""
    try:
        services.faraday_event_receive(
            headers=request.headers, body=request.body, refresh=connection_refresh
        )
    except services.WebhookRefused as refused:
        return _refused(refused)
    except FaradayError:
        # Not counted as received: Faraday sends it again, and the sweep is the safety net.
        return JsonResponse({"error": "could not read the connection from Faraday"}, status=503)
    return JsonResponse({"status": "ok"})


@csrf_exempt  # signed instead, like any webhook receiver
@login_not_required
@require_POST
def demo_receiver_hook_view(request: HttpRequest) -> HttpResponse:
    try:
        services.demo_receiver_record(headers=request.headers, body=request.body)
    except services.WebhookRefused as refused:
        return _refused(refused)
    return JsonResponse({"status": "ok"})


@permission_required(roles.VIEW_CONNECTIONS, raise_exception=True)
@require_GET
def demo_receiver_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "alerts/demo_receiver.html", {"received": selectors.demo_received(limit=20)}
    )


@permission_required(roles.MANAGE_API_KEY, raise_exception=True)
@require_POST
def demo_break_view(request: HttpRequest, connection_id: str) -> HttpResponse:
    """Demo mode: the simulator breaks the connection, and sends Faraday's event for it."""
    if upstream.demo_break_connection(connection_id):
        upstream.demo_send_simulator_events()
        messages.success(
            request,
            "Demo: the simulator broke this connection (as if its password changed). The next "
            "sweep, or Faraday's webhook if registered, records it and the alert goes out. "
            "“Update now” checks it again and it recovers.",
        )
    else:
        messages.error(
            request, "Nothing was broken: this only works in demo mode, on a connection you own."
        )
    return redirect("connections:detail", connection_id=connection_id)
