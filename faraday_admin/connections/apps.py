from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "faraday_admin.connections"
    label = "connections"

    def ready(self):
        from faraday_admin.audit.details import register_words
        from faraday_admin.audit.signals import audit_page_opening
        from faraday_admin.connections.refusals import refused_audit_words
        from faraday_admin.connections.services import audit_reconcile_pending

        register_words("refused", refused_audit_words)

        def settle_pending_rows(sender, **kwargs):
            audit_reconcile_pending()

        audit_page_opening.connect(
            settle_pending_rows, weak=False, dispatch_uid="connections.settle_pending_rows"
        )
