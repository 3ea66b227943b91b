"""htmx-aware variants: a fragment request must never get a whole page swapped into a corner."""

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's login requirement; for htmx requests (say, a poll after the session expired),
    send the whole browser to the login page, coming back to the page the person was on."""

    def handle_no_permission(self, request, view_func):
        if request.htmx and not request.htmx.history_restore_request:
            back_to = request.htmx.current_url_abs_path or "/"
            login = redirect_to_login(back_to, self.get_login_url(view_func))
            return HttpResponseClientRedirect(login.url)
        return super().handle_no_permission(request, view_func)


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
