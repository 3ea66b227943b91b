from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "faraday_admin.alerts"
    label = "alerts"

    def ready(self) -> None:
        from faraday_admin.alerts import receivers
        from faraday_admin.history import signals

        signals.status_changed.connect(
            receivers.on_status_changed, dispatch_uid="alerts.on_status_changed"
        )
        signals.still_in_error.connect(
            receivers.on_still_in_error, dispatch_uid="alerts.on_still_in_error"
        )
