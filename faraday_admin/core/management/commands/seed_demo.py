from django.core.management.base import BaseCommand

from faraday_admin.core.upstream import current_setup
from faraday_admin.simulator.engine import seed_demo_data


class Command(BaseCommand):
    help = "In demo mode, give the simulator a few example connections (once; never twice)."

    def handle(self, *args, **options):
        if not current_setup().demo:
            self.stdout.write("A Faraday API key is configured: no demo data needed.")
            return
        if seed_demo_data():
            self.stdout.write("Demo mode: added a few simulated example connections.")
        else:
            self.stdout.write("Demo mode: the simulator already has connections.")
