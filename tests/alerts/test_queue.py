"""Which status changes make an alert, who it goes to, and how flapping is collapsed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from faraday_admin.alerts import receivers, services
from faraday_admin.alerts.messages import alert_text
from faraday_admin.alerts.models import Alert, AlertDelivery, Channel, Scope
from faraday_admin.catalog import get_catalog
from faraday_admin.connections.problems import connection_error_hint
from faraday_admin.core import roles
from tests.alerts.conftest import (
    CONNECTION_ID,
    HOOK_SECRET,
    HOOK_URL,
    SLACK_URL,
    T0,
    change,
    record_creation,
    user_with_email,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_mode")]
ERROR = "Faraday could not sign in to this connection because the password was rejected."


def deliveries():
    return sorted(AlertDelivery.objects.values_list("channel", "recipient"))


def test_ready_to_error_alerts_the_creator_by_email_by_default(alert_settings, creator, clock):
    record_creation(creator)

    alert = services.alert_for_status_change(change=change("error", message=ERROR))

    assert alert.kind == Alert.Kind.BROKE
    assert alert.status_message == ERROR
    assert deliveries() == [(Channel.EMAIL, "creator@example.com")]


def test_the_signal_receiver_queues_the_same_alert(alert_settings, creator, clock):
    record_creation(creator)

    receivers.on_status_changed(sender=None, change=change("error", "running", message=ERROR))

    assert Alert.objects.get().kind == Alert.Kind.BROKE


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [("", "error"), ("error", "error"), ("ready", "running"), ("new", "ready"), ("", "ready")],
)
def test_first_sight_and_other_changes_make_no_alert(
    alert_settings, creator, clock, from_status, to_status
):
    record_creation(creator)

    assert services.alert_for_status_change(change=change(to_status, from_status)) is None
    assert not Alert.objects.exists()


def test_ready_again_is_told_only_after_people_were_told_it_broke(alert_settings, creator, clock):
    record_creation(creator)
    assert services.alert_for_status_change(change=change("ready", "error")) is None

    services.alert_for_status_change(change=change("error", message=ERROR))
    clock.advance(minutes=30)
    recovered = services.alert_for_status_change(change=change("ready", "running", at=clock.at))

    assert recovered.kind == Alert.Kind.RECOVERED
    assert recovered.send_after == clock.at
    assert AlertDelivery.objects.filter(alert=recovered).count() == 1


def test_people_who_chose_all_hear_about_every_connection_and_none_hears_nothing(
    alert_settings, creator, clock
):
    record_creation(creator)
    everything = user_with_email(roles.VIEWER, "watcher")
    services.email_preference_save(user=everything, scope=Scope.ALL)
    services.email_preference_save(user=creator, scope=Scope.NONE)
    user_with_email(roles.ADMIN, "quiet-admin")  # default: only their own connections
    no_address = user_with_email(roles.VIEWER, "no-address", email="")
    services.email_preference_save(user=no_address, scope=Scope.ALL)

    services.alert_for_status_change(change=change("error"))

    assert deliveries() == [(Channel.EMAIL, "watcher@example.com")]


def test_someone_without_a_role_hears_nothing_even_when_they_chose_all(
    alert_settings, clock, django_user_model
):
    outsider = django_user_model.objects.create_user("outsider", "outsider@example.com", "x")
    services.email_preference_save(user=outsider, scope=Scope.ALL)

    services.alert_for_status_change(change=change("error"))

    assert deliveries() == []


def test_shared_channels_follow_the_admins_choice(alert_settings, creator, clock):
    alert_settings.ALERTS_SLACK_WEBHOOK_URL = SLACK_URL
    alert_settings.ALERTS_WEBHOOK_URL = HOOK_URL
    alert_settings.ALERTS_WEBHOOK_SECRET = HOOK_SECRET
    admin = user_with_email(roles.ADMIN, "boss")
    services.shared_channel_preference_save(actor=admin, channel=Channel.SLACK, scope=Scope.MINE)
    services.shared_channel_preference_save(actor=admin, channel=Channel.WEBHOOK, scope=Scope.NONE)

    services.alert_for_status_change(change=change("error", connection_id="made-elsewhere"))
    assert deliveries() == []

    record_creation(creator)
    services.alert_for_status_change(change=change("error"))
    assert deliveries() == [(Channel.EMAIL, "creator@example.com"), (Channel.SLACK, "")]


def test_flapping_folds_into_one_waiting_alert_that_counts_the_changes(
    alert_settings, creator, clock
):
    record_creation(creator)
    first = services.alert_for_status_change(change=change("error", message=ERROR))

    clock.advance(minutes=2)
    held = services.alert_for_status_change(change=change("ready", "error", at=clock.at))
    clock.advance(minutes=2)
    again = services.alert_for_status_change(
        change=change("error", "ready", at=clock.at, message=ERROR)
    )

    assert held.pk == again.pk != first.pk
    assert Alert.objects.count() == 2
    again.refresh_from_db()
    assert again.kind == Alert.Kind.BROKE
    assert again.transitions == 2
    assert again.send_after == first.send_after + timedelta(minutes=15)
    assert AlertDelivery.objects.filter(alert=again).get().next_attempt_at == again.send_after
    assert "changed 2 times since the last alert" in alert_text(again).text
    assert "at most every 15 minutes" in alert_text(again).text


def test_a_change_after_the_window_is_its_own_alert(alert_settings, creator, clock):
    record_creation(creator)
    services.alert_for_status_change(change=change("error"))
    clock.advance(minutes=16)

    recovered = services.alert_for_status_change(change=change("ready", "error", at=clock.at))

    assert recovered.send_after == clock.at
    assert recovered.transitions == 1


def _still(observed_at, since=T0):
    return receivers.on_still_in_error(
        sender=None,
        connection_id=CONNECTION_ID,
        connection_name="Shop database",
        connection_type="postgres",
        since=since,
        status_message=ERROR,
        observed_at=observed_at,
    )


def test_still_in_error_is_told_once_after_24_hours(alert_settings, creator, clock):
    record_creation(creator)

    _still(T0 + timedelta(hours=23, minutes=59))
    assert not Alert.objects.exists()

    clock.at = T0 + timedelta(hours=24, minutes=5)
    _still(clock.at)
    clock.advance(minutes=5)
    _still(clock.at)
    clock.advance(hours=30)
    _still(clock.at)

    still = Alert.objects.get()
    assert still.kind == Alert.Kind.STILL_IN_ERROR
    assert still.error_since == T0
    text = alert_text(still)
    assert text.subject == "Connection Shop database is still in error after 24 hours"
    assert "in error since 2026-12-04 09:00 UTC" in text.text


def test_a_new_stretch_in_error_gets_its_own_still_in_error_alert(alert_settings, creator, clock):
    record_creation(creator)
    clock.at = T0 + timedelta(days=1, hours=1)
    _still(clock.at)
    later = T0 + timedelta(days=3)
    clock.at = later + timedelta(days=1, hours=1)
    _still(clock.at, since=later)

    assert Alert.objects.filter(kind=Alert.Kind.STILL_IN_ERROR).count() == 2


def test_the_message_says_what_faraday_said_who_can_fix_it_and_links_back(
    alert_settings, creator, clock
):
    record_creation(creator)

    alert = services.alert_for_status_change(change=change("error", message=ERROR))
    text = alert_text(alert)

    assert text.subject == "Connection Shop database stopped working"
    assert text.lines == (
        "The Faraday connection “Shop database” (Postgres) stopped working at "
        "2026-12-04 09:00 UTC: Faraday couldn't use this connection.",
        f"Faraday said: {ERROR}",
        "Who can fix it: your IT team.",
        # The detail page's own words for this type, not a copy.
        connection_error_hint(get_catalog().get("postgres")),
    )
    assert text.lines[-1].startswith("What to check: the user name and password")
    assert text.link == f"http://testserver/connections/{CONNECTION_ID}/"
