from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "faraday_admin.core"
    label = "core"

    def ready(self):
        from faraday_admin.core import signals

        signals.connect()
