from io import StringIO

import pytest
from django.core.management import call_command

from faraday_admin.simulator.models import SimulatedConnection

pytestmark = pytest.mark.django_db


def test_seed_demo_in_demo_mode_adds_examples_once():
    call_command("seed_demo", stdout=StringIO())
    seeded = SimulatedConnection.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert seeded > 0
    assert SimulatedConnection.objects.count() == seeded


def test_seed_demo_with_a_key_configured_adds_nothing(settings):
    settings.FARADAY_API_KEY = "live-key"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert SimulatedConnection.objects.count() == 0
    assert "no demo data" in out.getvalue()
