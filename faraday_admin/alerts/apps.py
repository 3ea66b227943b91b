from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "faraday_admin.alerts"
    label = "alerts"
