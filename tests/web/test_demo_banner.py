"""Demo mode says so on every page, the sign-in page included; a configured key removes it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_in_page_in_demo_mode_shows_the_demo_banner(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b"Demo mode:" in response.content
    assert b"nothing is sent to Faraday" in response.content


def test_sign_in_page_with_a_key_configured_has_no_demo_banner(client, settings):
    settings.FARADAY_API_KEY = "live-key"

    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b"Demo mode" not in response.content
