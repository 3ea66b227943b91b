"""'Finish on your side' on the detail page: Faraday's key in the exact command Snowflake or
ClickHouse wants, 'I've done it — check again', the waiting reading of an error, and the grants
of bucket, service-account and bastion types."""

from __future__ import annotations

import html
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.connections.finish_steps import clickhouse_key_base64, snowflake_key_body
from faraday_admin.connections.models import KeyInstallMark
from tests.payloads import CONNECTION_ID, listed_connection_json
from tests.web.list_helpers import serve_detail

pytestmark = pytest.mark.django_db

DETAIL_URL = reverse("connections:detail", args=[CONNECTION_ID])
INSTALLED_URL = reverse("connections:key-installed", args=[CONNECTION_ID])
BODY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAy+Fw2qv4Roud3l6tjPH4zxybHjmZ5rhtCz9jppCV8UTW"
    "vEXxa88IGRIHbJ/PwKW/mR8LXdfI7l/9vCMXX4mkIDAQAB"
)
PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    + "\n".join(BODY[i : i + 64] for i in range(0, len(BODY), 64))
    + "\n-----END PUBLIC KEY-----\n"
)
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8yJ0kV1bzQe3p+2/faraday faraday-conn-123"


def snowflake(**overrides):
    options = {
        "type": "snowflake",
        "user": "FARADAY",
        "warehouse": "WH",
        "database": "DB",
        "rsa_public_key": PEM,
    }
    return listed_connection_json(options={**options, **overrides.pop("options", {})}, **overrides)


def clickhouse(**overrides):
    options = {
        "type": "clickhouse",
        "user": "faraday",
        "host": "ch.example.com",
        "port": 9440,
        "database": "shop",
        "ssh_public_key": SSH_KEY,
    }
    return listed_connection_json(options={**options, **overrides.pop("options", {})}, **overrides)


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return admin_user


@pytest.fixture
def viewer_in(client, viewer):
    client.force_login(viewer)
    return viewer


def page_text(client) -> str:
    return html.unescape(client.get(DETAIL_URL).content.decode())


def test_key_shapes_are_cut_the_way_each_system_wants():
    assert snowflake_key_body(PEM) == BODY
    assert snowflake_key_body(BODY) == BODY
    assert clickhouse_key_base64(SSH_KEY) == "AAAAC3NzaC1lZDI1NTE5AAAAIG8yJ0kV1bzQe3p+2/faraday"
    assert clickhouse_key_base64("ssh-rsa AAAA x") == ""


def test_snowflake_shows_the_exact_alter_user_command_with_a_copy_button(
    client, admin, faraday_router
):
    serve_detail(faraday_router, snowflake(status="new"))
    text = page_text(client)
    assert "Finish on your side" in text
    assert f"ALTER USER \"FARADAY\" SET RSA_PUBLIC_KEY='{BODY}';" in text
    assert "BEGIN PUBLIC KEY" not in text  # neither in the command nor as a raw settings row
    assert "Rsa public key" not in text
    assert 'data-copy="finish-command-1"' in text
    assert "I've done it — check again" in text


def test_clickhouse_shows_the_create_user_command_with_the_base64_part(
    client, admin, faraday_router
):
    serve_detail(faraday_router, clickhouse(status="new"))
    text = page_text(client)
    assert (
        "CREATE USER `faraday` IDENTIFIED WITH ssh_key BY KEY "
        "'AAAAC3NzaC1lZDI1NTE5AAAAIG8yJ0kV1bzQe3p+2/faraday' TYPE 'ssh-ed25519';"
    ) in text
    assert "faraday-conn-123" not in text  # the comment isn't part of the key
    assert "Ssh public key" not in text


def test_a_user_name_with_quotes_is_quoted_for_each_system(client, admin, faraday_router):
    serve_detail(faraday_router, snowflake(options={"user": 'a"b'}, status="new"))
    assert 'ALTER USER "a""b" SET' in page_text(client)


def test_an_error_before_the_key_is_installed_reads_as_waiting(client, admin, faraday_router):
    serve_detail(faraday_router, snowflake(status="error", status_error="JWT token is invalid."))
    text = page_text(client)
    assert "Waiting for the key to be installed" in text
    assert "Faraday couldn't use this connection." not in text
    assert "Who can fix this:</strong> your IT team" in text
    assert "Could you install Faraday's public key for that user?" in text


def test_ive_done_it_marks_the_key_and_forces_an_update(client, admin, faraday_router):
    serve_detail(faraday_router, snowflake(status="error", status_error="JWT token is invalid."))
    force = faraday_router.post(f"/connections/{CONNECTION_ID}/force_update").respond(204)

    response = client.post(INSTALLED_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(DETAIL_URL + "?follow=")
    assert force.call_count == 1
    assert KeyInstallMark.objects.filter(faraday_id=CONNECTION_ID).count() == 1
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.outcome) == (Action.FORCE_UPDATE, Outcome.SUCCESS)
    # Now an error is a real error: the key is said to be installed.
    text = page_text(client)
    assert "Waiting for the key to be installed" not in text
    assert "Faraday couldn't use this connection." in text
    assert "Marked as installed." in text


def test_after_a_rotation_the_new_key_is_waiting_again(client, admin, faraday_router):
    serve_detail(faraday_router, snowflake(status="error"))
    faraday_router.post(f"/connections/{CONNECTION_ID}/force_update").respond(204)
    client.post(INSTALLED_URL)
    new_pem = PEM.replace("MIIBIjAN", "MIIBIjAO")
    serve_detail(faraday_router, snowflake(status="error", options={"rsa_public_key": new_pem}))
    text = page_text(client)
    assert "Waiting for the key to be installed" in text
    assert "MIIBIjAO" in text


def test_a_viewer_sees_the_step_but_not_the_button(client, viewer_in, faraday_router):
    serve_detail(faraday_router, snowflake(status="new"))
    text = page_text(client)
    assert "ALTER USER" in text
    assert "I've done it — check again</button>" not in text
    assert client.post(INSTALLED_URL).status_code == 403


def test_a_missing_key_says_faraday_hasnt_sent_it(client, admin, faraday_router):
    serve_detail(faraday_router, snowflake(status="new", options={"rsa_public_key": None}))
    assert "Faraday hasn't sent this connection's public key yet" in page_text(client)


def test_once_ready_the_step_is_folded_away(client, admin, faraday_router):
    serve_detail(faraday_router, snowflake(status="ready"))
    body = client.get(DETAIL_URL).content.decode()
    assert "(done: Faraday is connected)" in body
    assert re.search(r"<details><summary>Show the steps again</summary>.*ALTER USER", body, re.S)


def test_s3_shows_the_bucket_policy_for_the_connections_bucket(client, admin, faraday_router):
    options = {"type": "s3_csv", "bucket_name": "faraday-acme-x1", "aws_region": "us-east-1"}
    serve_detail(faraday_router, listed_connection_json(options=options, status="error"))
    text = page_text(client)
    assert "Bucket policy for Faraday (S3)" in text
    assert '"arn:aws:s3:::faraday-acme-x1/*"' in text
    assert "arn:aws:iam::113233973114:user/stagecraft-download_s3" in text


@override_settings(FARADAY_BIGQUERY_SERVICE_ACCOUNT="fdy@proj.iam.gserviceaccount.com")
def test_bigquery_grants_roles_to_the_service_account_from_settings(client, admin, faraday_router):
    options = {"type": "bigquery", "project_id": "acme-1", "dataset_name": "sales"}
    serve_detail(faraday_router, listed_connection_json(options=options, status="new"))
    text = page_text(client)
    assert (
        "bq add-iam-policy-binding --member=serviceAccount:fdy@proj.iam.gserviceaccount.com "
        "--role=roles/bigquery.dataViewer acme-1:sales"
    ) in text


@override_settings(FARADAY_SSH_PUBLIC_KEY="ssh-ed25519 AAAAfaraday faraday")
def test_a_bastion_gets_faradays_ssh_key_from_settings(client, admin, faraday_router):
    options = {
        "type": "postgres",
        "host": "db.internal",
        "port": 5432,
        "database": "d",
        "schema": "public",
        "user": "fdy",
        "ssh_bastion": "jump@bastion.example.com",
    }
    serve_detail(faraday_router, listed_connection_json(options=options, status="new"))
    text = page_text(client)
    assert "authorized_keys of jump on the bastion" in text
    assert "ssh-ed25519 AAAAfaraday faraday" in text


def test_a_plain_password_type_without_a_bastion_has_no_step(client, admin, faraday_router):
    serve_detail(faraday_router, listed_connection_json(status="new"))
    assert "Finish on your side" not in page_text(client)
