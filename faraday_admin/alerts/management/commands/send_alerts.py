"""`manage.py send_alerts`: deliver the alerts that are due (run it every minute or so)."""

from django.core.management.base import BaseCommand

from faraday_admin.alerts import services
from faraday_admin.core import upstream


class Command(BaseCommand):
    help = "Deliver due alerts (email, Slack, Teams, webhook), retrying failed ones with backoff."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="Most deliveries in one run.")

    def handle(self, *args, limit, **options):
        # Demo mode: the simulator's due webhook events go out first (to this app's receiver).
        upstream.demo_send_simulator_events()
        result = services.alerts_send(limit=limit)
        self.stdout.write(
            f"Sent {result.sent}, will retry {result.retrying}, gave up on {result.failed}."
        )
