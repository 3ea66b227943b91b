"""`manage.py faraday_simulator`: Faraday's connections API, simulated, over real HTTP."""

import threading

import httpx
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from faraday_admin.simulator.engine import seed_demo_data, send_events_until
from faraday_admin.simulator.models import SimulatedConnection
from faraday_admin.simulator.wsgi import make_server, server_url


class Command(BaseCommand):
    help = "Serve a simulated Faraday connections API (state in this project's database)."
    # It serves no project URLs or templates, so other apps' checks are no reason to refuse.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765, help="0 picks a free port.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--seed", action="store_true", help="Add demo connections if there are none."
        )

    def handle(self, *args, port, host, seed, **options):
        try:
            SimulatedConnection.objects.exists()
            if seed:
                seed_demo_data()
        except DatabaseError as exc:
            raise CommandError(
                f"The simulator's tables are missing or unreadable ({exc}); run "
                "`manage.py migrate simulator` first."
            ) from exc
        # Request threads open their own connections; this one would only sit idle.
        connections.close_all()
        try:
            server = make_server(host, port)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        url = server_url(server)
        self.stdout.write(f"Faraday simulator listening on {url}")
        self.stdout.write(f"Use FARADAY_API_URL={url} (any API key except 'expired', 'forbidden').")
        self.stdout.flush()
        # Webhook events (signed) go out to the registered endpoints as they fall due.
        stop = threading.Event()
        events = httpx.Client(timeout=httpx.Timeout(5.0, connect=2.0))
        sender = threading.Thread(target=send_events_until, args=(stop, events), daemon=True)
        sender.start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            stop.set()
            sender.join(timeout=10)
            events.close()
            server.server_close()
