from django.urls import path

from faraday_admin.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.preferences_view, name="preferences"),
    path("shared/", views.shared_channel_view, name="shared-channel"),
    path("faraday-webhook/", views.faraday_webhook_view, name="faraday-webhook"),
    path("faraday-webhook/register/", views.faraday_webhook_register_view, name="webhook-register"),
    path("faraday-webhook/remove/", views.faraday_webhook_remove_view, name="webhook-remove"),
    path("demo-receiver/", views.demo_receiver_view, name="demo-receiver"),
    path("demo-receiver/hook/", views.demo_receiver_hook_view, name="demo-receiver-hook"),
    path("demo-break/<str:connection_id>/", views.demo_break_view, name="demo-break"),
]
