"""Admins may revert an edit made in this app (core.roles.REVERT_EDIT). Frozen like core's
0003: change the roles with a new data migration."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = {"Admin": ("history.revert_edit",)}


def _permissions(apps, using, names):
    Permission = apps.get_model("auth", "Permission")
    for name in names:
        app_label, codename = name.split(".")
        yield Permission.objects.using(using).get(
            content_type__app_label=app_label, codename=codename
        )


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    create_permissions(global_apps.get_app_config("history"), apps=apps, using=using, verbosity=0)
    Group = apps.get_model("auth", "Group")
    for role, names in ADDED.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.add(*_permissions(apps, using, names))


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    for role, names in ADDED.items():
        for group in Group.objects.using(using).filter(name=role):
            group.permissions.remove(*_permissions(apps, using, names))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_admin_unlocks_sign_in"),
        ("history", "0002_revert_permission"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
