from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from faraday_admin.connections.models import SubmissionToken


class Command(BaseCommand):
    help = (
        "Delete create-form tokens older than --days (default 7). Run it daily, like "
        "Django's clearsessions: every visit to the create page issues one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days: int, **options):
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = SubmissionToken.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} form token(s) older than {days} days.")
