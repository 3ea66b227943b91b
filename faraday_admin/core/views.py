"""Health probe and the Settings page (the stored Faraday API key). Thin views."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from faraday_admin.audit.decorators import write_permission_required
from faraday_admin.audit.models import Action
from faraday_admin.core import roles, selectors, services
from faraday_admin.core.forms import ApiKeyForm
from faraday_admin.core.key_test_problems import describe_key_test_error
from faraday_admin.core.responses import (
    CONFLICT,
    INVALID,
    TOO_MANY_REQUESTS,
    UPSTREAM_FAILED,
    redirect_to,
)
from faraday_admin.core.upstream import current_setup
from faraday_admin.faraday_client import FaradayError

SETTINGS_TEMPLATE = "core/settings.html"


def _render(request: HttpRequest, *, status: int = 200, partial: str | None = None, **context):
    context.setdefault("form", ApiKeyForm())
    context["key"] = selectors.api_key_status()
    template = f"{SETTINGS_TEMPLATE}#{partial}" if partial else SETTINGS_TEMPLATE
    return render(request, template, context, status=status)


def _back_to_settings(request: HttpRequest) -> HttpResponse:
    return redirect_to(request, reverse("core:settings"))


@sensitive_post_parameters()
@write_permission_required(roles.MANAGE_API_KEY, Action.KEY_SAVE)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render(request)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        services.api_key_save_rejected(actor=request.user, error_codes=form.error_codes())
        return _render(request, form=form, status=INVALID)
    try:
        stored = services.api_key_save(actor=request.user, api_key=form.cleaned_data["api_key"])
    except services.ApiKeyFromEnvironment:
        return _render(request, save_refused=True, status=CONFLICT)
    messages.success(
        request,
        f"Saved. The app now uses the key ending …{stored.last4}. "
        "Use “Test key” to check that Faraday accepts it.",
    )
    return _back_to_settings(request)


@write_permission_required(roles.MANAGE_API_KEY, Action.KEY_CLEAR)
@require_POST
def api_key_clear_view(request: HttpRequest) -> HttpResponse:
    if services.api_key_clear(actor=request.user):
        messages.success(request, "Removed the saved API key.")
    else:
        messages.info(request, "There was no saved API key to remove.")
    return _back_to_settings(request)


@write_permission_required(roles.MANAGE_API_KEY, Action.KEY_TEST)
@require_POST
def api_key_test_view(request: HttpRequest) -> HttpResponse:
    partial = "key-test-outcome" if request.htmx else None
    try:
        account = services.api_key_test(actor=request.user)
    except services.NoApiKey:
        return _render(request, tested=True, no_key=True, status=INVALID, partial=partial)
    except FaradayError as error:
        return _render(
            request,
            tested=True,
            problem=describe_key_test_error(error, source=current_setup().source),
            status=UPSTREAM_FAILED,
            partial=partial,
        )
    return _render(request, tested=True, account=account, partial=partial)


def _form_again_url(request: HttpRequest) -> str:
    """Where the person gets their form back: the page they posted to shows it on a GET."""
    return request.path if request.method == "POST" else reverse("home")


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form whose CSRF check failed (open too long, signed out or in on another tab): plain
    words and a way back to the form, inside the app. For htmx the notice goes above the page,
    which keeps what was typed on screen."""
    context = {"form_url": _form_again_url(request)}
    if request.htmx:
        response = render(request, "403_csrf.html#stale-form-notice", context, status=CONFLICT)
        return reswap(retarget(response, "#main"), "afterbegin")
    return render(request, "403_csrf.html", context, status=403)


def bad_request_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a form too large to take, a malformed request, or a bad Host header."""
    context = {"form_url": _form_again_url(request)}
    if isinstance(exception, DisallowedHost):
        # Rendering with the request would ask for the host again; this page stands alone.
        return HttpResponseBadRequest(render_to_string("400.html", context))
    return render(request, "400.html", context, status=400)


class SignInView(LoginView):
    """Django's sign-in, plus the single sign-on button; with PASSWORD_SIGN_IN off, a posted
    password isn't even looked at."""

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_SIGN_IN:
            return redirect(f"{reverse('login')}?password=off")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["password_sign_in"] = settings.PASSWORD_SIGN_IN
        context["sso_name"] = settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else ""
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context


def sign_in_locked_out_view(request: HttpRequest, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE), for /login/ and /admin/login/:
    the sign-in page again, saying when to try next."""
    context = {
        "form": AuthenticationForm(request),
        "password_sign_in": settings.PASSWORD_SIGN_IN,
        "sso_name": settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else "",
        "locked_until": timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME),
        "cooloff_minutes": round(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=TOO_MANY_REQUESTS)


@login_not_required
@never_cache
@require_GET
def healthz_view(request):
    """200 when the database answers, else 503: for load balancers and the HEALTHCHECK."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
