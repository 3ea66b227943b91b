"""`manage.py send_alerts`: deliver the alerts that are due. Run it every minute or so (cron, a
scheduler), on any number of hosts: each delivery is claimed by one sender only."""

import os
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from faraday_admin.alerts import services
from faraday_admin.core import upstream


class Command(BaseCommand):
    help = "Deliver due alerts (email, Slack, Teams, webhook), retrying failed ones with backoff."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="Most deliveries in one run.")
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="Keep sending, this many seconds apart, until the process that started it ends "
            "(scripts/run's background loop).",
        )

    def handle(self, *args, limit, every=None, **options):
        if every is None:
            self._send_once(limit)
            return
        parent = os.getppid()
        while os.getppid() == parent:
            self._send_once(limit)
            close_old_connections()
            time.sleep(max(every, 1.0))

    def _send_once(self, limit: int) -> None:
        # Demo mode: the simulator's due webhook events go out first (to this app's receiver).
        upstream.demo_send_simulator_events()
        result = services.alerts_send(limit=limit)
        services.received_webhooks_prune()
        self.stdout.write(
            f"Sent {result.sent}, will retry {result.retrying}, gave up on {result.failed}."
        )
        self.stdout.flush()
