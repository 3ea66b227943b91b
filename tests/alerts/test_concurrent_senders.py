"""Two `send_alerts` running at once deliver each message once: on PostgreSQL the rows are
claimed with SELECT … FOR UPDATE SKIP LOCKED, elsewhere with a conditional update."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.db import connections
from django.utils import timezone

from faraday_admin.alerts import channels, services
from faraday_admin.alerts.models import AlertDelivery
from faraday_admin.audit.models import Action, AuditEntry
from faraday_admin.core import roles
from tests.alerts.conftest import change, record_creation, user_with_email

pytestmark = pytest.mark.usefixtures("live_mode")
MESSAGES = 12


def _queue_alerts():
    creator = user_with_email(roles.ONBOARDER, "creator")
    for number in range(MESSAGES):
        connection_id = f"conn-{number}"
        record_creation(creator, connection_id=connection_id)
        services.alert_for_status_change(change=change("error", connection_id=connection_id))


@pytest.mark.skipif(
    db_connection.vendor != "postgresql",
    reason="SQLite's shared in-memory test database refuses a second writer outright (\"database "
    'table is locked") instead of waiting; the conditional-update claim is tested below',
)
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_deliver_each_message_exactly_once(monkeypatch):
    _queue_alerts()
    send_email = channels.send_email
    start = threading.Barrier(2)
    sent_by = {}

    def slow_send(text, recipient):
        time.sleep(0.01)  # long enough for the other sender to look for work meanwhile
        send_email(text, recipient)
        sent_by.setdefault(text.link, []).append(threading.current_thread().name)

    monkeypatch.setattr(channels, "send_email", slow_send)
    results = []

    def sender():
        try:
            start.wait(timeout=10)
            results.append(services.alerts_send(limit=MESSAGES // 2))
            results.append(services.alerts_send(limit=MESSAGES))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender, name=f"sender-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(result.sent for result in results) == MESSAGES
    assert len(mail.outbox) == MESSAGES
    assert all(len(senders) == 1 for senders in sent_by.values())
    assert len(sent_by) == MESSAGES
    # Both really worked at once (each took its share), or this would prove nothing.
    assert {name for senders in sent_by.values() for name in senders} == {"sender-1", "sender-2"}
    assert set(AlertDelivery.objects.values_list("state", flat=True)) == {"sent"}
    assert AuditEntry.objects.filter(action=Action.ALERT_SEND).count() == MESSAGES


@pytest.mark.django_db
def test_a_row_claimed_by_one_sender_is_not_claimed_by_another(alert_settings):
    _queue_alerts()
    now = timezone.now()

    first = services._claim(now, MESSAGES)
    second = services._claim(now, MESSAGES)

    assert len(first) == MESSAGES
    assert second == []


def test_postgresqls_pass_claims_with_skip_locked():
    """scripts/test runs this suite on PostgreSQL too: there the SKIP LOCKED path is the one
    exercised above, not the fallback."""
    assert db_connection.features.has_select_for_update_skip_locked == (
        db_connection.vendor == "postgresql"
    )
