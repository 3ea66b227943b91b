"""Sign-in throttling (issue 12, item 1): lockout per user name and per address after
SIGN_IN_FAILURE_LIMIT failures, a cool-off, a page saying when to try again, an Admin's unlock,
and every failure and lockout in the audit log without the password typed."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core.logging import OneLineRefusals
from tests.web.conftest import make_role_user

pytestmark = pytest.mark.django_db

PASSWORD = "right-pw-0123456789"
CANARY = "typed-wrong-pw-Qq77"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def person() -> User:
    user = make_role_user("Viewer", "pat")
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(username: str, password: str, *, ip: str = "10.0.0.1", url: str | None = None):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(url or reverse("login"), {"username": username, "password": password})
    return client, response


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_defaults_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_the_right_password_after_too_many_wrong_ones_is_refused_with_when_to_try_again(person):
    statuses = [_sign_in("pat", CANARY)[1].status_code for _ in range(LIMIT - 1)]
    assert statuses == [200] * (LIMIT - 1)  # the form again, "check the spelling"

    locking = _sign_in("pat", CANARY)[1]
    client, after = _sign_in("pat", PASSWORD)

    assert locking.status_code == 429
    assert after.status_code == 429
    assert not _signed_in(client)
    text = after.content.decode()
    assert "Too many failed sign-ins" in text
    assert "Try again after" in text and "in 15 minutes" in text


def test_a_user_name_is_locked_whatever_address_the_tries_come_from(person):
    for number in range(LIMIT):
        _sign_in("pat", CANARY, ip=f"10.0.0.{number + 1}")

    client, response = _sign_in("pat", PASSWORD, ip="10.9.9.9")

    assert response.status_code == 429
    assert not _signed_in(client)


def test_an_address_is_locked_whatever_user_names_it_tries(person):
    for number in range(LIMIT):
        _sign_in(f"guess-{number}", CANARY, ip="10.6.6.6")

    client, response = _sign_in("pat", PASSWORD, ip="10.6.6.6")
    elsewhere, fine = _sign_in("pat", PASSWORD, ip="10.7.7.7")

    assert response.status_code == 429 and not _signed_in(client)
    assert fine.status_code == 302 and _signed_in(elsewhere)


def test_after_the_cool_off_the_right_password_signs_in(person):
    for _ in range(LIMIT):
        _sign_in("pat", CANARY)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    client, response = _sign_in("pat", PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_the_admin_sign_in_page_is_throttled_too(person):
    admin_login = reverse("admin:login")
    for _ in range(LIMIT):
        _sign_in("pat", CANARY, url=admin_login)

    client, response = _sign_in("pat", PASSWORD, url=admin_login)

    assert response.status_code == 429
    assert not _signed_in(client)
    assert AuditEntry.objects.filter(action=Action.SIGN_IN).count() == LIMIT + 1


def test_an_admin_unlocks_a_locked_user_from_the_admin_site(person):
    for _ in range(LIMIT):
        _sign_in("pat", CANARY)
    admin = Client()
    admin.force_login(make_role_user("Admin", "boss"))

    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    attempt = AccessAttempt.objects.get(username="pat")
    deleted = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    client, response = _sign_in("pat", PASSWORD)

    assert listing.status_code == 200 and b"pat" in listing.content
    assert deleted.status_code == 302
    assert response.status_code == 302 and _signed_in(client)


def test_a_viewer_cannot_unlock(person):
    viewer = Client()
    viewer.force_login(person)

    response = viewer.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 302  # to the admin's own sign-in: not staff


def test_every_failure_and_the_lockout_are_audited_without_the_password(person):
    for _ in range(LIMIT + 1):
        _sign_in("pat", CANARY, ip="10.1.2.3")

    rows = list(AuditEntry.objects.filter(action=Action.SIGN_IN).order_by("id"))
    assert [r.outcome for r in rows] == [Outcome.REJECTED] * (LIMIT - 1) + [Outcome.LOCKED_OUT] * 2
    assert all(r.actor_username == "pat" for r in rows)
    assert (
        "10.1.2.3" in rows[0].detail_text and "wrong user name or password" in rows[0].detail_text
    )
    assert "locked out until" in rows[-1].detail_text
    stored = " ".join(
        f"{r.detail_text} {r.detail_data} {r.options} {r.actor_username}" for r in rows
    )
    assert CANARY not in stored
    assert not AccessAttempt.objects.filter(post_data__contains=CANARY).exists()


def test_each_failure_is_one_log_line_without_the_password(person):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, OneLineRefusals) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        _sign_in("pat", CANARY)
    finally:
        handler.setStream(previous)

    lines = [line for line in stream.getvalue().splitlines() if "sign-in refused" in line]
    assert len(lines) == 1
    assert "'pat'" in lines[0]
    assert CANARY not in stream.getvalue()


def test_a_forwarded_for_header_from_an_untrusted_address_is_ignored(person):
    for number in range(LIMIT):
        client = Client(REMOTE_ADDR="10.5.5.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
        client.post(reverse("login"), {"username": f"guess-{number}", "password": CANARY})

    _client, response = _sign_in("pat", PASSWORD, ip="10.5.5.5")

    assert response.status_code == 429  # all five counted against 10.5.5.5


def test_a_trusted_proxy_passes_on_the_address_it_saw(person):
    for number in range(LIMIT):
        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
        client.post(reverse("login"), {"username": f"guess-{number}", "password": CANARY})

    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    response = client.post(reverse("login"), {"username": "pat", "password": PASSWORD})

    assert response.status_code == 302  # the proxy itself was never locked out
