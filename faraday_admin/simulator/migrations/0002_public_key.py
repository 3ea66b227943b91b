"""Faraday shows a key-pair connection's public key in its options from creation on, not a
fingerprint after a rotation: keep the key itself, and make one for existing connections."""

from django.db import migrations, models


def _give_keys(apps, schema_editor):
    from faraday_admin.simulator.engine import PUBLIC_KEY_OPTIONS, new_public_key

    connections = apps.get_model("simulator", "SimulatedConnection")
    for connection in connections.objects.filter(options__type__in=list(PUBLIC_KEY_OPTIONS)):
        connection.public_key = new_public_key(connection.options["type"])
        connection.save(update_fields=["public_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("simulator", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(model_name="simulatedconnection", name="key_fingerprint"),
        migrations.AddField(
            model_name="simulatedconnection",
            name="public_key",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(_give_keys, migrations.RunPython.noop),
    ]
