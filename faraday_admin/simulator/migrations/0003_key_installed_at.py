"""A key-pair connection signs in only once its public key is installed on the customer's side.
Connections made before this knew no such step: count their keys as installed from creation."""

from django.db import migrations, models
from django.db.models import F


def _installed_from_creation(apps, schema_editor):
    connections = apps.get_model("simulator", "SimulatedConnection")
    connections.objects.filter(options__type__in=["snowflake", "clickhouse"]).update(
        key_installed_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("simulator", "0002_public_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="simulatedconnection",
            name="key_installed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(_installed_from_creation, migrations.RunPython.noop),
    ]
