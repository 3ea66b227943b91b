from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from faraday_admin.core import views as core_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="connections:list"), name="home"),
    path("healthz", core_views.healthz_view, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", include("faraday_admin.core.urls")),
    path("connections/", include("faraday_admin.connections.urls")),
    path("audit/", include("faraday_admin.audit.urls")),
    path("handoff/", include("faraday_admin.connections.handoff_urls")),
    path("admin/", admin.site.urls),
]
