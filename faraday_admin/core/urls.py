from django.urls import path

from faraday_admin.core import views

app_name = "core"

urlpatterns = [
    path("", views.settings_view, name="settings"),
    path("api-key/clear/", views.api_key_clear_view, name="key-clear"),
    path("api-key/test/", views.api_key_test_view, name="key-test"),
]
