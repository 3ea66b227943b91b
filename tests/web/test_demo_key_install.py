"""Demo mode plays IT's part in "Finish on your side": a key-pair connection stays in error until
its key is installed on the (simulated) warehouse and Faraday checks again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse

from faraday_admin.core.upstream import get_faraday_client
from faraday_admin.simulator.models import SimulatedConnection
from tests.web.html import parse

pytestmark = pytest.mark.django_db

DEMO_BUTTON = "Demo: install the key as IT would"


def _check_finishes(connection_id):
    """Let an hour pass: the simulated check (and any key installed since) move into the past,
    so the check's outcome reads as now."""
    hour = timedelta(hours=1)
    SimulatedConnection.objects.filter(id=connection_id).update(
        cycle_started_at=F("cycle_started_at") - hour,
        key_installed_at=F("key_installed_at") - hour,
    )
    cache.clear()  # the shared cache's copies of Faraday's answers have run out meanwhile


@pytest.fixture
def waiting_snowflake(db):
    connection = get_faraday_client().create_connection(
        name="Snow demo",
        options={"type": "snowflake", "database": "DB", "user": "FARADAY", "warehouse": "WH"},
    )
    _check_finishes(connection.id)
    return connection


def test_a_key_pair_connection_waits_for_its_key_and_offers_the_demo_install(
    client_for, waiting_snowflake
):
    client = client_for("Onboarder")
    page = parse(client.get(reverse("connections:detail", args=[waiting_snowflake.id])))

    step = page.find("section", id="finish-step")
    assert "waiting for the key" in page.text.casefold()
    assert DEMO_BUTTON in step.text


def test_installing_then_checking_again_makes_it_ready(client_for, waiting_snowflake):
    client = client_for("Onboarder")
    detail = reverse("connections:detail", args=[waiting_snowflake.id])

    installed = client.post(reverse("connections:demo-install-key", args=[waiting_snowflake.id]))
    client.post(reverse("connections:key-installed", args=[waiting_snowflake.id]))
    _check_finishes(waiting_snowflake.id)
    page = parse(client.get(detail))

    assert next(str(m) for m in get_messages(installed.wsgi_request)).startswith("Demo: the key")
    assert "Ready" in page.find("span", class_="badge").text
    assert DEMO_BUTTON not in page.text


def test_checking_again_without_installing_keeps_the_error(client_for, waiting_snowflake):
    client = client_for("Onboarder")

    client.post(reverse("connections:key-installed", args=[waiting_snowflake.id]))
    _check_finishes(waiting_snowflake.id)

    assert get_faraday_client().get_connection(waiting_snowflake.id).status == "error"


def test_the_demo_install_needs_the_update_permission_and_demo_mode(
    client_for, waiting_snowflake, settings
):
    url = reverse("connections:demo-install-key", args=[waiting_snowflake.id])

    assert client_for("Viewer").post(url).status_code == 403
    settings.FARADAY_API_KEY = "a-real-key-0123456789"
    refused = client_for("Onboarder").post(url)

    assert refused.status_code == 302
    assert SimulatedConnection.objects.get(id=waiting_snowflake.id).key_installed_at is None
