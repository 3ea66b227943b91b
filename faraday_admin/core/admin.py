"""Django's admin, for managing users and their roles.

The stored Faraday API key (StoredApiKey) is deliberately not registered: it is managed on the
Settings page only, and never shown beyond its last 4 characters.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

admin.site.site_header = "Faraday Connections Admin: users"
admin.site.site_title = "Faraday Connections Admin"
admin.site.index_title = "Users and roles"
admin.site.site_url = "/"

User = get_user_model()


class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "roles", "is_active", "last_login")
    list_filter = ("groups", "is_active", "is_superuser")

    @admin.display(description="Roles")
    def roles(self, obj) -> str:
        return ", ".join(group.name for group in obj.groups.all()) or "None"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request, obj=None):
        # Staff status follows the Admin role (core.signals); only superusers grant superuser
        # status or single permissions, so an Admin can't raise anyone above the Admin role.
        readonly = [*super().get_readonly_fields(request, obj), "is_staff"]
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
