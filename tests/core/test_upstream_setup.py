"""The key setup is read once per request, and never kept past one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from faraday_admin.core import crypto
from faraday_admin.core.models import StoredApiKey
from faraday_admin.core.upstream import KeySource, current_setup, get_faraday_client
from faraday_admin.faraday_client import AuthFailed

pytestmark = pytest.mark.django_db


def _key_queries(captured) -> int:
    return sum("core_storedapikey" in q["sql"] for q in captured.captured_queries)


def test_page_in_demo_mode_reads_the_stored_key_once(admin_client):
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(reverse("connections:list"))

    assert response.status_code == 200
    assert b"Demo mode" in response.content
    assert _key_queries(captured) == 1


def test_setup_outside_a_request_sees_a_key_saved_after_the_first_read():
    assert current_setup().source is KeySource.DEMO
    StoredApiKey.objects.create(encrypted_key=crypto.encrypt("stored-key-0123456789"), last4="6789")

    assert current_setup().source is KeySource.STORED


def test_key_saved_on_the_settings_page_is_used_by_the_next_request(admin_client):
    admin_client.post(reverse("core:settings"), {"api_key": "saved-key-abcdef0123456789"})

    response = admin_client.get(reverse("core:settings"))

    assert b"Demo mode" not in response.content
    assert b"6789" in response.content


def test_unreadable_saved_key_means_no_key_not_demo_mode(settings):
    StoredApiKey.objects.create(encrypted_key="not-a-fernet-token", last4="abcd")

    assert current_setup().source is KeySource.NONE
    with pytest.raises(AuthFailed) as caught:
        get_faraday_client()
    assert caught.value.code == "MISSING_API_KEY"


def test_environment_key_with_a_stray_space_is_worded_not_a_crash(admin_client, settings):
    settings.FARADAY_API_KEY = "live key with spaces"

    response = admin_client.get(reverse("connections:list"))

    assert response.status_code == 502
    assert b"recognise the API key" in response.content
