"""htmx-aware variants: a fragment request must never get a whole page swapped into a corner.
Also the response headers every page shares (no caching of anything a person sees)."""

import time

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import patch_cache_control
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's login requirement; for htmx requests (say, a poll after the session expired),
    send the whole browser to the login page, coming back to the page the person was on."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Exempt views first: Django's order reads the session (the database) before looking,
        # so /healthz failed with a 500 instead of its 503 when a cookie came along.
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):
        if request.htmx and not request.htmx.history_restore_request:
            back_to = request.htmx.current_url_abs_path or "/"
            login = redirect_to_login(back_to, self.get_login_url(view_func))
            return HttpResponseClientRedirect(login.url)
        return super().handle_no_permission(request, view_func)


class PrivateNoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response the app renders: each page, fragment
    and export is one person's view of connections and the audit log, never for a shared cache
    or the browser's disk. (Static files are served before this, by whitenoise.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response


class HtmxErrorPageMiddleware:
    """A 403 or 404 page answering an htmx request: reload the page instead, so the person
    sees the error page whole (htmx would otherwise swap nothing and look stuck)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if htmx and not htmx.history_restore_request and response.status_code in (403, 404):
            response["HX-Refresh"] = "true"
        return response


class SessionIdleRefreshMiddleware:
    """Sessions last SESSION_COOKIE_AGE (the idle timeout) from their last save; a signed-in
    request saves it again, at most once a minute, so a poll every few seconds isn't a
    database write each. A request that never reads the session (/healthz) leaves it alone."""

    REFRESHED_KEY = "_idle_refreshed_at"
    EVERY_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            if now - session.get(self.REFRESHED_KEY, 0) >= self.EVERY_SECONDS:
                session[self.REFRESHED_KEY] = now
        return response
