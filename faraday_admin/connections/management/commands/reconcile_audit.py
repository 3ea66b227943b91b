"""Settle audit rows left "sent, outcome pending" by reading Faraday (run every few minutes)."""

from django.core.management.base import BaseCommand

from faraday_admin.connections.services import audit_reconcile_pending


class Command(BaseCommand):
    help = "Settle audit rows left 'sent, outcome pending' by reading Faraday."

    def handle(self, *args, **options):
        settled = audit_reconcile_pending()
        self.stdout.write(f"Settled {settled} pending audit row(s).")
