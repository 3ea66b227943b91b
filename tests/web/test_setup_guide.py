"""The setup guide beside the create form: shown for every type, swapped with the type, its
commands filled with what was typed (never a secret), Faraday's values from settings."""

import html

import pytest
from django.test import override_settings

from tests.web.create_helpers import ALL_TYPES, CANARY, CREATE_URL, FIELDS_URL, HTMX
from tests.web.html import is_partial

GUIDE_URL = "/connections/new/guide/"


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_the_create_page_shows_the_types_guide_beside_its_fields(
    client, signed_in_onboarder, type_key
):
    body = client.get(CREATE_URL, {"type": type_key}).content.decode()
    assert 'id="setup-guide"' in body
    # In the same layout block as the fields, before them (so it sits above on a narrow screen).
    layout = body.index('class="with-guide"')
    assert layout < body.index('id="setup-guide"') < body.index("<fieldset>", layout)


def test_choosing_another_type_swaps_the_guide_with_the_fields(client, signed_in_onboarder):
    content = client.get(FIELDS_URL, {"type": "s3_csv"}, headers=HTMX).content
    assert is_partial(content)
    body = content.decode()
    assert "Setting up S3" in body
    assert "Bucket policy for Faraday (S3)" in body
    assert "Setting up Snowflake" not in body


def test_no_type_no_guide(client, signed_in_onboarder):
    assert 'id="setup-guide"' not in client.get(CREATE_URL).content.decode()


def test_commands_are_filled_with_typed_values_quoted_for_sql(client, signed_in_onboarder):
    response = client.get(
        GUIDE_URL,
        {"type": "postgres", "user": 'rob"; DROP TABLE x; --', "schema": "sales"},
        headers=HTMX,
    )
    text = html.unescape(response.content.decode())
    assert 'GRANT USAGE ON SCHEMA "sales" TO "rob""; DROP TABLE x; --";' in text
    assert "Still to fill in: database." in text


def test_a_secret_sent_to_the_guide_never_comes_back(client, signed_in_onboarder):
    response = client.get(GUIDE_URL, {"type": "postgres", "password": CANARY, "user": "alice"})
    body = response.content.decode()
    assert "&quot;alice&quot;" in body
    assert CANARY not in body
    response = client.get(GUIDE_URL, {"type": "databricks", "token": CANARY})
    assert CANARY not in response.content.decode()


def test_the_guide_commands_need_the_create_permission(client_for):
    assert client_for("Viewer").get(GUIDE_URL, {"type": "postgres"}).status_code == 403


def test_an_unknown_type_gets_no_commands(client, signed_in_onboarder):
    assert client.get(GUIDE_URL, {"type": "nope"}).status_code == 204


@override_settings(FARADAY_IP_ADDRESSES=["34.0.0.1", "34.0.0.2"])
def test_faradays_ip_addresses_come_from_settings(client, signed_in_onboarder):
    body = client.get(CREATE_URL, {"type": "mysql"}).content.decode()
    assert "<code>34.0.0.1</code>, <code>34.0.0.2</code>" in body


@override_settings(FARADAY_IP_ADDRESSES=[], FARADAY_SSH_PUBLIC_KEY="")
def test_without_the_settings_the_guide_says_to_ask_faraday_support(client, signed_in_onboarder):
    body = html.unescape(client.get(CREATE_URL, {"type": "mysql"}).content.decode())
    assert "Ask Faraday support for their current list." in body
    assert "ask Faraday support for the key" in body


@override_settings(FARADAY_SSH_PUBLIC_KEY="ssh-ed25519 AAAAC3Nza faraday")
def test_sftp_shows_faradays_ssh_key_from_settings_with_a_copy_button(client, signed_in_onboarder):
    body = client.get(CREATE_URL, {"type": "sftp"}).content.decode()
    assert "ssh-ed25519 AAAAC3Nza faraday" in body
    assert 'data-copy="command-1"' in body


def test_vendor_based_guides_say_faraday_is_silent(client, signed_in_onboarder):
    vendor = html.unescape(client.get(CREATE_URL, {"type": "postgres"}).content.decode())
    assert "Faraday's own documentation doesn't spell these steps out" in vendor
    faraday = html.unescape(client.get(CREATE_URL, {"type": "snowflake"}).content.decode())
    assert "Faraday's own documentation doesn't spell these steps out" not in faraday
    assert "https://faraday.ai/docs/how-to/connections/snowflake" in faraday


def test_a_refused_submit_keeps_the_guide_filled_with_what_was_typed(client, signed_in_onboarder):
    response = client.post(
        CREATE_URL, {"type": "postgres", "name": "", "user": "alice", "password": CANARY}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "&quot;alice&quot;" in body
    assert CANARY not in body
