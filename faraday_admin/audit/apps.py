from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "faraday_admin.audit"
    label = "audit"
