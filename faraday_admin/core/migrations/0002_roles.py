"""The three roles as groups: Viewer, Onboarder, Admin.

The table below is a frozen copy of `core.roles.ROLE_PERMISSIONS` as of this migration (a test
checks they still agree); change the roles with a new data migration, not by editing this one.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Viewer": ("connections.view_connections", "audit.view_auditentry"),
    "Onboarder": (
        "connections.view_connections",
        "audit.view_auditentry",
        "connections.create_connection",
        "connections.edit_connection",
        "connections.force_update_connection",
    ),
    "Admin": (
        "connections.view_connections",
        "audit.view_auditentry",
        "connections.create_connection",
        "connections.edit_connection",
        "connections.force_update_connection",
        "connections.archive_connection",
        "connections.delete_connection",
        "connections.rotate_credentials",
        "core.manage_api_key",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
    ),
}
APP_LABELS = ("core", "connections", "audit", "auth")


def create_roles(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are normally created after `migrate` finishes (post_migrate); create them now.
    for label in APP_LABELS:
        create_permissions(global_apps.get_app_config(label), apps=apps, using=using, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.add(*permissions)


def delete_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=list(ROLE_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("connections", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
