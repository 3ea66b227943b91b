from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "faraday_admin.core"
    label = "core"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from faraday_admin.core import (
            checks,  # noqa: F401 - importing registers the checks
            signals,
            upstream,
        )

        signals.connect()
        request_started.connect(upstream.request_began, dispatch_uid="faraday-setup-begin")
        request_finished.connect(upstream.request_ended, dispatch_uid="faraday-setup-end")
