"""The Alerts page, the Settings page's Alerts section and its webhook buttons, and the demo's
"break this connection"."""

from __future__ import annotations

import pytest
import respx
from django.test import Client

from faraday_admin.alerts.models import EmailPreference, FaradayWebhookEndpoint, Scope
from faraday_admin.alerts.selectors import shared_scopes
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core import crypto, roles
from faraday_admin.simulator.engine import seed_demo_data
from faraday_admin.simulator.models import SimulatedConnection, SimulatedWebhookEndpoint
from tests.alerts.conftest import HOOK_SECRET, HOOK_URL, SLACK_URL, TEAMS_URL, user_with_email
from tests.web.html import parse

pytestmark = pytest.mark.django_db


def signed_in(role, username, email=None):
    client = Client()
    client.force_login(user_with_email(role, username, email))
    return client


def test_the_alerts_page_shows_the_default_and_saves_a_choice(alert_settings):
    client = signed_in(roles.VIEWER, "vera")

    page = parse(client.get("/alerts/"))
    checked = page.find("input", name="scope", checked="")
    assert checked.attrs["value"] == Scope.MINE
    assert "vera@example.com" in page.text
    assert page.find("section", **{"aria-labelledby": "shared-heading"}) is None

    response = client.post("/alerts/", {"scope": "all"})
    assert response.status_code == 302
    assert EmailPreference.objects.get().scope == Scope.ALL
    assert "Email alerts: all connections." in client.get("/alerts/").content.decode()


def test_a_choice_that_is_not_offered_is_refused_with_the_form_again(alert_settings):
    client = signed_in(roles.VIEWER, "vera")

    response = client.post("/alerts/", {"scope": "everyone"})

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_without_an_email_address_the_page_says_so(alert_settings):
    client = signed_in(roles.VIEWER, "nomail", email="")

    assert "Your account has no email address" in client.get("/alerts/").content.decode()


def test_the_alerts_link_is_in_the_users_menu(alert_settings):
    client = signed_in(roles.VIEWER, "vera")

    header = parse(client.get("/connections/")).find("form", **{"class": "logout"})
    assert header.find("a", href="/alerts/") is not None


def test_admins_choose_what_each_shared_channel_posts_about(alert_settings):
    alert_settings.ALERTS_SLACK_WEBHOOK_URL = SLACK_URL
    client = signed_in(roles.ADMIN, "boss")

    page = parse(client.get("/alerts/"))
    assert page.find("section", **{"aria-labelledby": "shared-heading"}) is not None
    response = client.post("/alerts/shared/", {"channel": "slack", "scope": "mine"})

    assert response.status_code == 302
    assert shared_scopes() == {"slack": "mine", "teams": "all", "webhook": "all"}
    assert client.post("/alerts/shared/", {"channel": "email", "scope": "all"}).status_code == 302
    assert shared_scopes()["slack"] == "mine"


def test_settings_shows_each_channel_masked_and_never_a_secret(alert_settings):
    alert_settings.ALERTS_SLACK_WEBHOOK_URL = SLACK_URL
    alert_settings.ALERTS_TEAMS_WEBHOOK_URL = TEAMS_URL
    alert_settings.ALERTS_WEBHOOK_URL = HOOK_URL
    alert_settings.ALERTS_WEBHOOK_SECRET = HOOK_SECRET
    alert_settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    alert_settings.EMAIL_HOST = "smtp.example.com"
    alert_settings.EMAIL_PORT = 587
    alert_settings.EMAIL_HOST_PASSWORD = "CANARY-smtp-password"
    client = signed_in(roles.ADMIN, "boss")

    section = parse(client.get("/settings/")).find(
        "section", **{"aria-labelledby": "alerts-heading"}
    )
    text = section.text

    assert "SMTP server smtp.example.com:587" in text
    assert "https://hooks.slack.com/…1234" in text
    assert "https://prod-00.westus.logic.azure.com/…9876" in text
    assert "https://hooks.example.com/…erts" in text
    assert "Set (ALERTS_WEBHOOK_SECRET)" in text
    assert "CANARY" not in str(section)
    assert HOOK_SECRET[6:] not in client.get("/settings/").content.decode()


def test_register_without_a_public_address_sends_nothing_and_says_why(alert_settings):
    alert_settings.APP_PUBLIC_URL = ""
    client = signed_in(roles.ADMIN, "boss")

    response = client.post("/alerts/faraday-webhook/register/", follow=True)

    assert "set APP_PUBLIC_URL" in response.content.decode()
    assert not SimulatedWebhookEndpoint.objects.exists()
    row = AuditEntry.objects.get(action=Action.WEBHOOK_REGISTER)
    assert (row.outcome, row.detail_text) == (
        Outcome.REJECTED,
        "not sent: APP_PUBLIC_URL is not set",
    )


def test_a_register_faraday_refuses_is_audited_and_worded(live_mode):
    client = signed_in(roles.ADMIN, "boss")
    with respx.mock(assert_all_called=False) as router:
        router.post("https://api.faraday.test/v1/webhook_endpoints").respond(
            503, json={"error": "UNAVAILABLE", "id": "err-1", "note": "Down for maintenance."}
        )
        response = client.post("/alerts/faraday-webhook/register/", follow=True)

    assert "Faraday didn't register the webhook. Faraday is temporarily unavailable." in (
        parse(response).text
    )
    assert not FaradayWebhookEndpoint.objects.exists()
    row = AuditEntry.objects.get(action=Action.WEBHOOK_REGISTER)
    assert (row.outcome, row.http_status, row.faraday_error_id) == (
        Outcome.FARADAY_ERROR,
        503,
        "err-1",
    )


def test_register_then_remove_at_the_simulator(alert_settings):
    client = signed_in(roles.ADMIN, "boss")

    client.post("/alerts/faraday-webhook/register/")
    stored = FaradayWebhookEndpoint.objects.get()
    secret = SimulatedWebhookEndpoint.objects.get().secret
    page = client.get("/settings/").content.decode()
    assert stored.endpoint_id in page
    assert secret not in page
    assert secret[6:] not in AuditEntry.objects.get(action=Action.WEBHOOK_REGISTER).detail_text
    assert crypto.decrypt(stored.encrypted_secret) == secret

    client.post("/alerts/faraday-webhook/remove/")

    assert not FaradayWebhookEndpoint.objects.exists()
    assert not SimulatedWebhookEndpoint.objects.exists()
    assert AuditEntry.objects.get(action=Action.WEBHOOK_REMOVE).outcome == Outcome.SUCCESS


def test_break_is_offered_to_admins_in_demo_mode_and_breaks_the_connection(alert_settings):
    seed_demo_data()
    postgres = SimulatedConnection.objects.get(options__type="postgres")
    admin = signed_in(roles.ADMIN, "boss")
    onboarder = signed_in(roles.ONBOARDER, "olga")
    detail = f"/connections/{postgres.id}/"

    assert "Break this connection (demo)" in admin.get(detail).content.decode()
    assert "Break this connection (demo)" not in onboarder.get(detail).content.decode()
    response = admin.post(f"/alerts/demo-break/{postgres.id}/", follow=True)

    assert "the simulator broke this connection" in response.content.decode()
    assert SimulatedConnection.objects.get(pk=postgres.id).broken_at is not None


def test_break_does_nothing_with_a_real_faraday_key(live_mode):
    seed_demo_data()
    postgres = SimulatedConnection.objects.get(options__type="postgres")
    admin = signed_in(roles.ADMIN, "boss")

    response = admin.post(f"/alerts/demo-break/{postgres.id}/", follow=False)

    assert response.status_code == 302
    assert SimulatedConnection.objects.get(pk=postgres.id).broken_at is None
