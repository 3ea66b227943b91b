"""Demo mode's way to change a connection "from outside": the simulator's engine and the
`simulate_outside_change` command (which never touches a real Faraday)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from faraday_admin.simulator.engine import change_from_outside, seed_demo_data
from faraday_admin.simulator.models import SimulatedConnection

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    seed_demo_data()
    return SimulatedConnection.objects.get(options__type="postgres")


def test_a_plain_option_changes_visibly_and_faraday_checks_it_again(postgres):
    started = postgres.cycle_started_at

    said = change_from_outside(str(postgres.id))

    postgres.refresh_from_db()
    assert said == "schema: public → public_outside"
    assert postgres.options["schema"] == "public_outside"
    assert postgres.cycle_started_at > started


def test_a_given_option_takes_the_given_value(postgres):
    assert change_from_outside(str(postgres.id), option="port", value=6543) == "port: 5432 → 6543"
    postgres.refresh_from_db()
    assert postgres.options["port"] == 6543


def test_secrets_managed_connections_and_unknown_ids_are_left_alone(postgres):
    managed = SimulatedConnection.objects.get(managed=True)

    assert change_from_outside(str(postgres.id), option="password", value="x") is None
    assert change_from_outside(str(managed.id)) is None
    assert change_from_outside("not-a-uuid") is None


def test_a_connection_without_a_plain_option_is_renamed(postgres):
    s3 = SimulatedConnection.objects.get(options__type="s3_csv")
    s3.options = {"type": "s3_csv", "aws_region": "us-east-1"}
    s3.save()

    assert change_from_outside(str(s3.id)) == (
        "name: S3 - Nightly exports → S3 - Nightly exports (renamed outside)"
    )


def test_the_command_changes_the_connection_in_demo_mode(postgres):
    out = StringIO()

    call_command(
        "simulate_outside_change",
        str(postgres.id),
        "--option",
        "port",
        "--value",
        "5433",
        stdout=out,
    )

    assert "port: 5432 → 5433" in out.getvalue()
    postgres.refresh_from_db()
    assert postgres.options["port"] == 5433


def test_the_command_refuses_with_a_faraday_key_configured(postgres, settings):
    settings.FARADAY_API_KEY = "live-key"

    with pytest.raises(CommandError, match="only changes the built-in simulator"):
        call_command("simulate_outside_change", str(postgres.id))

    postgres.refresh_from_db()
    assert postgres.options["schema"] == "public"


def test_the_command_says_when_nothing_could_change():
    with pytest.raises(CommandError, match="Nothing changed"):
        call_command("simulate_outside_change", "9d2c3e4f-0000-4000-8000-000000000000")
