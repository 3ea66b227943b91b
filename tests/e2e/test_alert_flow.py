"""Alerts in a real Chromium: a person subscribes, the simulator breaks their connection, the
sweep records it, send_alerts delivers, and the demo receiver shows the alert with a link that
leads back to the connection."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from faraday_admin.alerts.models import DemoReceivedAlert
from faraday_admin.core import roles
from tests.e2e.conftest import finish_check, log_in
from tests.e2e.flows import create_postgres
from tests.e2e.test_accessibility import assert_no_serious_violations
from tests.web.conftest import make_role_user

pytestmark = pytest.mark.e2e
PASSWORD = "unused-pw-123"  # make_role_user's


def test_a_broken_connection_reaches_the_demo_receiver_with_a_link_back(
    page, live_server, e2e_settings, mailoutbox
):
    e2e_settings.APP_PUBLIC_URL = live_server.url
    e2e_settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = make_role_user(roles.ADMIN, "alice")
    admin.email = "alice@example.com"
    admin.save()
    log_in(page, admin, PASSWORD)

    page.get_by_role("link", name="Alerts").click()
    by_email = page.get_by_role("region", name="By email")
    by_email.get_by_label("All connections").check()
    by_email.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Email alerts: all connections.")

    detail_url = create_postgres(page, "Alerts – Shop database")
    connection_id = detail_url.rstrip("/").split("/")[-1].split("?")[0]
    finish_check(connection_id)
    call_command("sweep_connections")

    page.goto(f"/connections/{connection_id}/")
    page.get_by_role("button", name="Break this connection (demo)").click()
    expect(page.locator(".messages")).to_contain_text("the simulator broke this connection")
    call_command("sweep_connections")
    call_command("send_alerts")

    page.goto("/alerts/demo-receiver/")
    received = page.locator("#demo-received li").first
    expect(received).to_contain_text("Alerts – Shop database")
    expect(received).to_contain_text("Who can fix it: your IT team.")
    received.get_by_role("link", name="Open Alerts – Shop database").click()
    page.wait_for_url(f"**/connections/{connection_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts – Shop database")

    [email] = mailoutbox
    assert email.to == ["alice@example.com"]
    assert email.subject == "Connection Alerts – Shop database stopped working"


def test_the_alerts_pages_have_no_serious_accessibility_violations(
    csp_bypassed_page, live_server, e2e_settings, axe_source, artifacts
):
    e2e_settings.APP_PUBLIC_URL = live_server.url
    DemoReceivedAlert.objects.create(
        webhook_id="alert_1_1",
        event_type="connection.errored",
        connection_name="Shop database",
        text="The Faraday connection “Shop database” stopped working.",
        link=f"{live_server.url}/connections/5e0dfa56-2d52-4c06-a870-bc79c71e86a3/",
    )
    page = csp_bypassed_page
    log_in(page, make_role_user(roles.ADMIN, "alice"), PASSWORD)
    for path, step in (
        ("/alerts/", "alerts-preferences"),
        ("/alerts/demo-receiver/", "demo-receiver"),
        ("/settings/", "settings-with-alerts"),
    ):
        page.goto(path)
        assert_no_serious_violations(page, axe_source, artifacts, step)
