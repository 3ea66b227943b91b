from django.urls import path

from faraday_admin.core import settings_views

app_name = "core"

urlpatterns = [
    path("", settings_views.settings_view, name="settings"),
    path("api-key/clear/", settings_views.api_key_clear_view, name="key-clear"),
    path("api-key/test/", settings_views.api_key_test_view, name="key-test"),
]
