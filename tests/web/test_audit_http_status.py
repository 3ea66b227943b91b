"""A successful write's audit row keeps the HTTP status Faraday answered with."""

import pytest
from django.urls import reverse

from faraday_admin.audit.models import AuditEntry, Outcome
from tests.fake_faraday import mocked_faraday
from tests.payloads import CONNECTION_ID, listed_connection_json
from tests.web.list_helpers import login, serve_detail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("action", "codename", "upstream_path", "status"),
    [
        ("force-update", "force_update_connection", "force_update", 204),
        ("archive", "archive_connection", "archive", 202),
    ],
)
def test_successful_action_audit_row_records_faradays_status(
    client, django_user_model, action, codename, upstream_path, status
):
    login(client, django_user_model, "view_connections", codename)
    with mocked_faraday() as faraday:
        router = faraday.router
        serve_detail(router, listed_connection_json())
        router.post(f"/connections/{CONNECTION_ID}/{upstream_path}").respond(status)
        response = client.post(reverse(f"connections:{action}", args=[CONNECTION_ID]))

    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.http_status) == (Outcome.SUCCESS, status)
