from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from faraday_admin.core import oidc
from faraday_admin.core import views as core_views

handler400 = core_views.bad_request_view

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="connections:list"), name="home"),
    path("healthz", core_views.healthz_view, name="healthz"),
    path("login/", core_views.SignInView.as_view(redirect_authenticated_user=True), name="login"),
    path(
        "oidc/authenticate/",
        login_not_required(oidc.SignOnStartView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        login_not_required(oidc.SignOnCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", include("faraday_admin.core.urls")),
    path("connections/", include("faraday_admin.connections.urls")),
    path("audit/", include("faraday_admin.audit.urls")),
    path("alerts/", include("faraday_admin.alerts.urls")),
    path("handoff/", include("faraday_admin.connections.handoff_urls")),
    path("admin/", admin.site.urls),
]
