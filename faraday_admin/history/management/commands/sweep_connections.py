"""Read every connection once and record status transitions and changes made outside this app.

Safe to run from cron or a scheduler on several hosts at once: only one run does the work at a
time (a database lock); the others say so and exit 0. It exits non-zero only when the sweep
itself fails (Faraday can't be read, the database fails).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from faraday_admin.faraday_client import FaradayError
from faraday_admin.history.services import sweep_run


class Command(BaseCommand):
    help = (
        "Read every connection once (one list request to Faraday) and record status "
        "transitions, changes made outside this app and connections seen for the first time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="Keep sweeping, this many seconds apart (demo mode's background loop); a "
            "failed sweep is reported and the next one still runs.",
        )

    def handle(self, *args, every=None, **options):
        if every is None:
            self._sweep_once()
            return
        while True:
            try:
                self._sweep_once()
            except CommandError as error:
                self.stderr.write(str(error))
            close_old_connections()
            time.sleep(max(every, 1.0))

    def _sweep_once(self) -> None:
        try:
            result = sweep_run()
        except FaradayError as error:
            raise CommandError(f"Sweep failed: Faraday couldn't be read ({error}).") from error
        if not result.ran:
            self.stdout.write("Another sweep is running; this one did nothing.")
            return
        self.stdout.write(
            f"Swept {result.seen} connection(s) in {result.seconds:.2f} s: "
            f"{result.status_changes} status change(s), {result.drifted} changed outside this "
            f"app, {result.first_seen} seen for the first time, {result.gone} gone, "
            f"{result.in_error} in error."
        )
