"""The sweep: one list request, transitions and drift recorded, one run at a time across hosts
(PostgreSQL advisory lock, or the lock row on SQLite), and its command's exit status."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db_connection
from django.db import connections
from django.utils import timezone

from faraday_admin.audit.models import Action, AuditEntry
from faraday_admin.history import signals
from faraday_admin.history.locks import _row_lock_take, database_lock
from faraday_admin.history.models import StatusChange, SweepLock, TrackedConnection
from faraday_admin.history.services import SWEEP_HOLD_AT_MOST, SWEEP_LOCK, sweep_run
from faraday_admin.simulator.engine import seed_demo_data
from faraday_admin.simulator.models import SimulatedConnection
from tests.payloads import error_json, listed_connection_json, many_connections

pytestmark = pytest.mark.django_db


def test_a_sweep_makes_one_list_request_and_records_each_transition(faraday_router):
    route = faraday_router.get("/connections")
    route.respond(json=many_connections(3))
    sweep_run()
    route.respond(json=[*many_connections(2), listed_connection_json("c-0002", status="error")])

    result = sweep_run()

    assert route.call_count == 2
    assert (result.ran, result.seen, result.status_changes, result.in_error) == (True, 3, 1, 1)
    broke = StatusChange.objects.get(faraday_connection_id="c-0002", from_status="ready")
    assert broke.to_status == "error"


def test_a_sweep_records_drift_and_connections_gone(faraday_router):
    route = faraday_router.get("/connections")
    route.respond(json=many_connections(2))
    sweep_run()
    renamed = listed_connection_json("c-0000", name="renamed elsewhere")
    route.respond(json=[renamed])

    result = sweep_run()

    assert (result.drifted, result.gone) == (1, 1)
    assert AuditEntry.objects.get(action=Action.CHANGED_OUTSIDE).faraday_connection_id == "c-0000"
    assert TrackedConnection.objects.get(faraday_connection_id="c-0001").gone_at is not None


def test_each_connection_still_in_error_is_announced_with_when_it_broke(faraday_router):
    route = faraday_router.get("/connections")
    route.respond(json=[listed_connection_json("c-1", status="error")])
    sweep_run()
    broke_at = StatusChange.objects.get().observed_at
    announced = []

    def receiver(sender, **kwargs):
        announced.append(kwargs)

    signals.still_in_error.connect(receiver)
    try:
        sweep_run()
    finally:
        signals.still_in_error.disconnect(receiver)

    [kwargs] = announced
    assert kwargs["connection_id"] == "c-1"
    assert kwargs["since"] == broke_at
    assert kwargs["status_message"] == "Connection refused by db.example.com"


@contextmanager
def lock_held_elsewhere() -> Iterator[None]:
    """The sweep's lock held by another database session (another host's sweep): PostgreSQL's
    advisory locks are re-entrant within one session, so it has to be another one."""
    taken, done = threading.Event(), threading.Event()

    def hold():
        try:
            with database_lock(SWEEP_LOCK, hold_at_most=SWEEP_HOLD_AT_MOST) as held:
                assert held
                taken.set()
                done.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(timeout=10)
    try:
        yield
    finally:
        done.set()
        holder.join(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_sweep_while_another_holds_the_lock_does_nothing(faraday_router):
    route = faraday_router.get("/connections")
    route.respond(json=many_connections(1))

    with lock_held_elsewhere():
        result = sweep_run()

    assert not result.ran
    assert route.call_count == 0
    assert sweep_run().ran  # released afterwards


def test_a_lock_row_left_by_a_crashed_run_is_taken_once_its_time_is_up():
    """The fallback lock (databases without advisory locks), exercised on any database."""
    assert _row_lock_take("crashy", "crashed-run", SWEEP_HOLD_AT_MOST)
    # The crashed run never released it; while its time isn't up nobody else gets it.
    assert not _row_lock_take("crashy", "next-run", SWEEP_HOLD_AT_MOST)
    SweepLock.objects.filter(name="crashy").update(locked_until=timezone.now() - timedelta(1))

    assert _row_lock_take("crashy", "next-run", SWEEP_HOLD_AT_MOST)
    assert SweepLock.objects.get(name="crashy").holder == "next-run"


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_running_at_once_do_the_work_once(faraday_router):
    """Two hosts' cron fire together: one sweeps, the other finds the lock taken and stops,
    without a list request. On PostgreSQL this is the advisory lock; on SQLite the lock row."""
    in_flight, release = threading.Event(), threading.Event()

    def slow_list(request):
        in_flight.set()
        release.wait(timeout=10)
        return httpx.Response(200, json=many_connections(5))

    route = faraday_router.get("/connections").mock(side_effect=slow_list)
    results = []

    def sweep():
        try:
            results.append(sweep_run())
        finally:
            connections.close_all()

    first = threading.Thread(target=sweep)
    first.start()
    assert in_flight.wait(timeout=10), "the first sweep never asked Faraday"
    second = threading.Thread(target=sweep)
    second.start()
    second.join(timeout=10)
    release.set()
    first.join(timeout=10)

    assert sorted(r.ran for r in results) == [False, True]
    assert route.call_count == 1
    assert StatusChange.objects.count() == 5
    assert TrackedConnection.objects.count() == 5


def test_the_command_reports_what_it_recorded(faraday_router, capsys):
    faraday_router.get("/connections").respond(json=many_connections(2))

    call_command("sweep_connections")

    assert "Swept 2 connection(s)" in capsys.readouterr().out


def test_the_command_fails_when_faraday_cannot_be_read(faraday_router):
    faraday_router.get("/connections").respond(500, json=error_json())

    with pytest.raises(CommandError, match="Faraday couldn't be read"):
        call_command("sweep_connections")


@pytest.mark.django_db(transaction=True)
def test_the_command_succeeds_doing_nothing_when_another_run_holds_the_lock(faraday_router, capsys):
    with lock_held_elsewhere():
        call_command("sweep_connections")

    assert "Another sweep is running" in capsys.readouterr().out


def test_the_lock_in_use_is_the_databases_own(faraday_router):
    """PostgreSQL's pass must exercise the advisory lock, not the fallback row."""
    with database_lock(SWEEP_LOCK, hold_at_most=SWEEP_HOLD_AT_MOST):
        rows = SweepLock.objects.count()
    assert rows == (0 if db_connection.vendor == "postgresql" else 1)


def test_demo_only_sweeps_nothing_when_a_faraday_key_is_configured(faraday_router, capsys):
    route = faraday_router.get("/connections")

    call_command("sweep_connections", "--demo-only")

    assert route.call_count == 0
    assert "not sweeping" in capsys.readouterr().out


def test_demo_only_sweeps_the_simulator_in_demo_mode(capsys):
    seed_demo_data()

    call_command("sweep_connections", "--demo-only")

    assert f"Swept {SimulatedConnection.objects.count()} connection(s)" in capsys.readouterr().out


def test_every_keeps_sweeping_until_the_process_that_started_it_ends(
    faraday_router, capsys, monkeypatch
):
    from faraday_admin.history.management.commands import sweep_connections

    route = faraday_router.get("/connections")
    route.respond(json=many_connections(1))
    parents = iter([100, 100, 100, 100, 1])  # the server ended: init adopted the loop
    monkeypatch.setattr(sweep_connections.os, "getppid", lambda: next(parents))
    monkeypatch.setattr(sweep_connections.time, "sleep", lambda seconds: None)
    # It would close the test's own connection (inside its transaction, not autocommit).
    monkeypatch.setattr(sweep_connections, "close_old_connections", lambda: None)

    call_command("sweep_connections", "--every", "30")

    assert route.call_count == 3
    assert capsys.readouterr().out.count("Swept 1 connection(s)") == 3


def test_every_reports_a_failed_sweep_and_sweeps_again(faraday_router, capsys, monkeypatch):
    from faraday_admin.history.management.commands import sweep_connections

    route = faraday_router.get("/connections")
    route.side_effect = [
        httpx.Response(500, json=error_json()),
        httpx.Response(200, json=many_connections(1)),
    ]
    parents = iter([100, 100, 100, 1])
    monkeypatch.setattr(sweep_connections.os, "getppid", lambda: next(parents))
    monkeypatch.setattr(sweep_connections.time, "sleep", lambda seconds: None)
    # It would close the test's own connection (inside its transaction, not autocommit).
    monkeypatch.setattr(sweep_connections, "close_old_connections", lambda: None)

    call_command("sweep_connections", "--every", "30")

    captured = capsys.readouterr()
    assert "Faraday couldn't be read" in captured.err
    assert "Swept 1 connection(s)" in captured.out
