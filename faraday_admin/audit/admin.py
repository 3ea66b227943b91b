"""The audit log in Django's admin: view only, for everyone (superusers included)."""

from django.contrib import admin

from faraday_admin.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor_username",
        "action",
        "outcome",
        "connection_type",
        "connection_name",
        "faraday_connection_id",
        "faraday_error_code",
        "http_status",
    )
    list_filter = ("action", "outcome", "connection_type", "created_at", "actor_username")
    search_fields = (
        "actor_username",
        "connection_name",
        "faraday_connection_id",
        "faraday_error_id",
        "faraday_error_code",
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_per_page = 50
    # Every field read-only: the rows are evidence, and AuditEntry.save() refuses updates anyway.
    # The detail is shown in words; its stored code and data stay visible beside them.
    readonly_fields = ["detail_text", *(field.name for field in AuditEntry._meta.fields)]

    @admin.display(description="Detail")
    def detail_text(self, obj: AuditEntry) -> str:
        return obj.detail_text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
