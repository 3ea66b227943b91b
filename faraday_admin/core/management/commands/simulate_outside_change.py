"""`manage.py simulate_outside_change ID`: in demo mode, change a simulated connection as someone
outside this app would (Faraday's dashboard, its API), so drift can be shown."""

import json

from django.core.management.base import BaseCommand, CommandError

from faraday_admin.core.upstream import current_setup, demo_change_from_outside


class Command(BaseCommand):
    help = (
        "Change a connection in the built-in simulator as if someone did it outside this app "
        "(demo mode only: a real Faraday is never touched)."
    )

    def add_arguments(self, parser):
        parser.add_argument("connection_id")
        parser.add_argument(
            "--option", help="The option to set (default: a plain one, or the name)."
        )
        parser.add_argument(
            "--value", help="Its new value, as JSON where it parses (5433, true), else as text."
        )

    def handle(self, *args, connection_id, option=None, value=None, **options):
        if (option is None) != (value is None):
            raise CommandError("Give --option and --value together, or neither.")
        if not current_setup().demo:
            raise CommandError(
                "A Faraday API key is configured: this only changes the built-in simulator, "
                "in demo mode."
            )
        changed = demo_change_from_outside(connection_id, option=option, value=_parsed(value))
        if changed is None:
            raise CommandError(
                "Nothing changed: no such simulated connection, it is managed by Faraday, or "
                "the option is a secret or the type."
            )
        self.stdout.write(f"Changed outside this app: {changed}")


def _parsed(value: str | None):
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value
