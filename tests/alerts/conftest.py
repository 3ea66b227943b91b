"""Alerts fixtures: status changes as history records them, users with and without email, and
the app reachable "over the network" in-process (respx hands its requests to Django's client)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
import respx
from django.test import Client

from faraday_admin.audit.models import Action, Outcome
from faraday_admin.audit.services import audit_record
from faraday_admin.core import roles
from tests.web.conftest import make_role_user

CONNECTION_ID = "5e0dfa56-2d52-4c06-a870-bc79c71e86a3"
APP_URL = "http://testserver"
SLACK_URL = "https://hooks.slack.com/services/T000/B000/CANARYslacktoken1234"
TEAMS_URL = "https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=CANARYteamssig9876"
HOOK_URL = "https://hooks.example.com/faraday-alerts"
HOOK_SECRET = "whsec_Q0FOQVJZLXdlYmhvb2stc2VjcmV0LTAxMjM0NTY3"
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def change(to_status, from_status="ready", *, at=T0, message="", connection_id=CONNECTION_ID):
    """A StatusChange as history's contract describes it."""
    return SimpleNamespace(
        faraday_connection_id=connection_id,
        connection_name="Shop database",
        connection_type="postgres",
        from_status=from_status,
        to_status=to_status,
        observed_at=at,
        status_message=message,
    )


def record_creation(user, connection_id=CONNECTION_ID):
    audit_record(
        actor=user,
        action=Action.CREATE,
        outcome=Outcome.SUCCESS,
        connection_type="postgres",
        connection_name="Shop database",
        faraday_connection_id=connection_id,
    )


def user_with_email(role, username, email=None):
    user = make_role_user(role, username)
    user.email = email if email is not None else f"{username}@example.com"
    user.save()
    return user


@pytest.fixture
def alert_settings(settings):
    settings.APP_PUBLIC_URL = APP_URL
    settings.ALERTS_COLLAPSE_MINUTES = 15
    settings.ALERTS_MAX_ATTEMPTS = 3
    settings.ALERTS_SLACK_WEBHOOK_URL = ""
    settings.ALERTS_TEAMS_WEBHOOK_URL = ""
    settings.ALERTS_WEBHOOK_URL = ""
    settings.ALERTS_WEBHOOK_SECRET = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def live_mode(alert_settings):
    """A real Faraday key is configured: not demo mode, so no demo receiver either."""
    alert_settings.FARADAY_API_KEY = "fdy-live-key-for-tests"
    return alert_settings


@pytest.fixture
def creator(db):
    return user_with_email(roles.ONBOARDER, "creator")


class Clock:
    """Moves django.utils.timezone.now for the alerts code."""

    def __init__(self, monkeypatch, at):
        self.at = at
        monkeypatch.setattr("django.utils.timezone.now", lambda: self.at)

    def advance(self, **kwargs):
        self.at += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, T0)


class AppTransport(httpx.BaseTransport):
    """Hands an httpx request to the app through Django's test client: the app's receivers
    answer as over the network, without one."""

    def __init__(self):
        self.client = Client()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        skipped = {"host", "content-length", "content-type", "accept-encoding", "connection"}
        response = self.client.generic(
            request.method,
            request.url.raw_path.decode(),
            data=request.read(),
            content_type=request.headers.get("content-type", ""),
            headers={k: v for k, v in request.headers.items() if k.lower() not in skipped},
        )
        return httpx.Response(response.status_code, content=response.content, request=request)


@pytest.fixture
def network(alert_settings):
    """respx for the outside world; requests to APP_URL reach the app itself."""
    transport = AppTransport()
    with respx.mock(assert_all_called=False) as router:
        router.route(host="testserver").mock(side_effect=transport.handle_request)
        yield router
