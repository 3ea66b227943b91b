from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "faraday_admin.core"
    label = "core"
