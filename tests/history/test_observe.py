"""Observing Faraday's answers: status transitions, changes made outside this app (drift)
recorded once, connections created elsewhere adopted, and stale answers ignored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import audit_record
from faraday_admin.faraday_client import Connection
from faraday_admin.history import signals
from faraday_admin.history.models import Origin, StatusChange, TrackedConnection
from faraday_admin.history.services import (
    connection_observe,
    connection_refresh,
    connections_observe,
)
from tests.payloads import CONNECTION_ID, listed_connection_json
from tests.web.list_helpers import CANARY

pytestmark = pytest.mark.django_db


def _connection(**overrides) -> Connection:
    return Connection.from_json(listed_connection_json(**overrides))


def _postgres(host: str = "db.example.com", **overrides) -> Connection:
    options = {"host": host, "port": 5432, "database": "analytics", "schema": "public"}
    return _connection(options=options | {"user": "faraday"}, **overrides)


@pytest.fixture
def received():
    """Every status_changed signal sent, as (from, to) pairs."""
    seen = []

    def receiver(sender, change, **kwargs):
        seen.append((change.from_status, change.to_status))

    signals.status_changed.connect(receiver)
    yield seen
    signals.status_changed.disconnect(receiver)


def test_first_sight_records_the_status_once_and_marks_it_created_outside(received):
    connection_observe(connection=_postgres(status="ready"), source="list")
    connection_observe(connection=_postgres(status="ready"), source="detail")

    [change] = StatusChange.objects.all()
    assert (change.from_status, change.to_status) == ("", "ready")
    tracked = TrackedConnection.objects.get(faraday_connection_id=CONNECTION_ID)
    assert tracked.origin == Origin.OUTSIDE
    assert tracked.first_seen_at is not None
    assert received == [("", "ready")]


def test_a_connection_created_here_is_not_marked_created_outside():
    audit_record(
        actor=None,
        action=Action.CREATE,
        outcome=Outcome.SUCCESS,
        faraday_connection_id=CONNECTION_ID,
    )

    connection_observe(connection=_postgres(), source="list")

    assert TrackedConnection.objects.get().origin == Origin.HERE


def test_each_transition_is_recorded_with_faradays_error_text(received):
    for status in ("ready", "error", "error", "ready"):
        connection_observe(connection=_postgres(status=status), source="poll")

    transitions = list(
        StatusChange.objects.order_by("id").values_list(
            "from_status", "to_status", "status_message"
        )
    )
    assert transitions == [
        ("", "ready", ""),
        ("ready", "error", "Connection refused by db.example.com"),
        ("error", "ready", ""),
    ]
    assert received == [("", "ready"), ("ready", "error"), ("error", "ready")]


def test_a_change_made_outside_is_audited_once_with_its_diff_and_marked():
    connection_observe(connection=_postgres("db1.example.com"), source="list")

    for _read in range(3):
        connection_observe(connection=_postgres("db2.example.com"), source="list")

    [entry] = AuditEntry.objects.filter(action=Action.CHANGED_OUTSIDE)
    assert entry.changes == [
        {"field": "host", "label": "Host", "before": "db1.example.com", "after": "db2.example.com"}
    ]
    assert entry.faraday_connection_id == CONNECTION_ID
    assert TrackedConnection.objects.get().drift_at is not None


def test_a_rename_made_outside_is_drift_too():
    connection_observe(connection=_postgres(name="Shop"), source="list")
    connection_observe(connection=_postgres(name="Shop (old)"), source="list")

    [entry] = AuditEntry.objects.filter(action=Action.CHANGED_OUTSIDE)
    assert entry.changes[0]["field"] == "name"


def test_an_answer_to_a_write_made_here_replaces_the_snapshot_without_drift():
    connection_observe(connection=_postgres("db1.example.com"), source="list")
    connections_observe(connections=[_postgres("db2.example.com")], source="write", baseline=True)
    connection_observe(connection=_postgres("db2.example.com"), source="list")

    assert not AuditEntry.objects.filter(action=Action.CHANGED_OUTSIDE).exists()
    assert TrackedConnection.objects.get().drift_at is None


def test_an_answer_read_while_an_edit_from_here_is_pending_is_not_drift():
    connection_observe(connection=_postgres("db1.example.com"), source="list")
    audit_record(
        actor=None, action=Action.EDIT, outcome=Outcome.PENDING, faraday_connection_id=CONNECTION_ID
    )

    connection_observe(connection=_postgres("db2.example.com"), source="list")

    assert not AuditEntry.objects.filter(action=Action.CHANGED_OUTSIDE).exists()


def test_an_answer_read_before_the_last_recorded_one_changes_nothing():
    now = timezone.now()
    connections_observe(connections=[_postgres(status="ready")], source="list", read_at=now)
    connections_observe(connections=[_postgres(status="error")], source="sweep", read_at=now)

    # A slow read that began earlier still holds the old status and the old host.
    earlier = now - timedelta(seconds=2)
    stale = _postgres("old.example.com", status="ready")
    connections_observe(connections=[stale], source="list", read_at=earlier)

    assert list(StatusChange.objects.values_list("to_status", flat=True).order_by("id")) == [
        "ready",
        "error",
    ]
    assert not AuditEntry.objects.filter(action=Action.CHANGED_OUTSIDE).exists()


def test_a_secret_faraday_echoes_never_reaches_a_snapshot_or_an_audit_row():
    connection_observe(connection=_postgres("db1.example.com"), source="list")
    echoed = _connection(
        options={"host": "db2.example.com", "port": 5432, "password": CANARY, "user": "faraday"}
    )

    connection_observe(connection=echoed, source="list")

    tracked = TrackedConnection.objects.get()
    assert CANARY not in repr(tracked.config)
    assert all(CANARY not in repr(e.changes) for e in AuditEntry.objects.all())


def test_observing_1000_connections_that_did_not_change_writes_nothing(
    django_assert_max_num_queries,
):
    many = [_postgres(id=f"c-{i:04d}", name=f"conn-{i}") for i in range(1000)]
    connections_observe(connections=many, source="list")

    with django_assert_max_num_queries(1):
        connections_observe(connections=many, source="list")


def test_refresh_reads_past_the_cache_and_observes(faraday_router):
    route = faraday_router.get(f"/connections/{CONNECTION_ID}")
    route.respond(json=listed_connection_json(status="error"))

    connection_refresh(connection_id=CONNECTION_ID)

    assert route.call_count == 1
    assert StatusChange.objects.get().to_status == "error"


def test_refresh_of_a_deleted_connection_records_it_gone(faraday_router):
    connection_observe(connection=_postgres(), source="list")
    faraday_router.get(f"/connections/{CONNECTION_ID}").respond(
        404, json={"error": "NOT_FOUND", "note": "gone"}
    )

    connection_refresh(connection_id=CONNECTION_ID)

    assert TrackedConnection.objects.get().gone_at is not None
