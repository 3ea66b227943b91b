"""Recording what the app sees of each connection: status transitions, configuration changes
made outside this app ("drift"), first sight of connections created elsewhere, and the sweep.

Every read of Faraday that fills the shared cache (list, detail, polling), each sweep and each
webhook passes its answer to `connections_observe`, so 50 viewers of one cached list cost one
observation. Each fact is recorded once, however many processes observe the same answer: rows
change only through conditional updates, and a read that began before the row's last update
(so may hold an older answer) changes nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from faraday_admin.audit.details import Detail
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import audit_record
from faraday_admin.core.upstream import forget_cached_reads, get_faraday_client
from faraday_admin.faraday_client import Connection, NotFound
from faraday_admin.history import diffs, signals
from faraday_admin.history.locks import database_lock
from faraday_admin.history.models import ObservedList, Origin, StatusChange, TrackedConnection

SOURCES = frozenset({"list", "detail", "poll", "sweep", "webhook", "write"})
# Who the audit log names for what was seen in Faraday but not done here.
OUTSIDE_ACTOR = "someone outside this app"
SWEEP_LOCK = "faraday-admin:sweep-connections"
# A sweep that crashed on a database without advisory locks holds its lock row this long.
SWEEP_HOLD_AT_MOST = timedelta(minutes=10)
_CREATED_HERE = (Outcome.SUCCESS, Outcome.CONFIRMED_LATER)
# Up to this many connections are looked up by id; a whole list reads every row instead (an IN
# of 1,000 ids costs SQLite ten times more than reading the table).
_FEW = 50


@dataclass(frozen=True)
class Observed:
    """What one observation recorded (ids of the connections concerned)."""

    first_seen: tuple[str, ...] = ()
    status_changed: tuple[str, ...] = ()
    drifted: tuple[str, ...] = ()


def _status_message(connection: Connection) -> str:
    return (connection.status_error or "") if connection.status == "error" else ""


def connection_observe(*, connection: Connection, source: str) -> None:
    """Record what one answer from Faraday shows (status transition, drift, first sight).
    `source`: "list", "detail", "poll", "sweep" or "webhook"."""
    connections_observe(connections=[connection], source=source)


def connections_observe(
    *,
    connections: Sequence[Connection],
    source: str,
    read_at: datetime | None = None,
    baseline: bool = False,
) -> Observed:
    """Record what one answer from Faraday shows for each connection in it.

    `read_at`: when the read began (default now); a row updated by a later read is left as it
    is. `baseline`: the answer to a create or edit made here, so its configuration replaces the
    snapshot without counting as a change made outside. One query reads every snapshot; only
    what changed is written.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    if not connections:
        return Observed()
    read_at = read_at or timezone.now()
    by_id = {c.id: c for c in connections}
    # One query of two short columns: a row whose digest of (configuration, status) matches
    # the answer needs nothing more, which is every row when nothing changed.
    tracked = TrackedConnection.objects.all()
    if len(by_id) <= _FEW:
        tracked = tracked.filter(faraday_connection_id__in=list(by_id))
    known = dict(tracked.values_list("faraday_connection_id", "observed_digest"))
    new, changed = {}, {}
    for connection_id, connection in by_id.items():
        config = diffs.config_of(connection)
        observed = known.get(connection_id)
        if observed is None:
            new[connection_id] = (config, diffs.config_digest(config))
        elif observed != diffs.observed_digest(config, connection.status):
            changed[connection_id] = (config, diffs.config_digest(config))
    if source != "list" and (new or changed):
        _observed_lists_invalidate()
    status_changed, drifted = [], []
    for connection_id, (config, digest) in changed.items():
        moved, outside = _changes_record(by_id[connection_id], config, digest, read_at, baseline)
        if moved:
            status_changed.append(connection_id)
        if outside:
            drifted.append(connection_id)
    first_seen = _first_sight(by_id, new, read_at) if new else []
    return Observed(tuple(first_seen), tuple(status_changed), tuple(drifted))


def list_observe(
    *, scope: str, body: bytes, connections: Sequence[Connection], read_at: datetime
) -> Observed:
    """Observe one account's list answer (`scope`: its cache scope), unless it is byte for byte
    the last one observed in full and nothing was recorded since by another read or a write
    made here: then everything it shows is recorded already, and a cold cache fill costs one
    query and a hash instead of a digest per connection."""
    digest = hashlib.sha256(body).hexdigest()
    last = ObservedList.objects.filter(scope=scope).first()
    if (
        last is not None
        and last.body_digest == digest
        and (last.invalidated_at is None or last.invalidated_at < last.read_at)
    ):
        return Observed()
    observed = connections_observe(connections=connections, source="list", read_at=read_at)
    # Single statements, not a read then a write in one transaction: on SQLite shared by
    # several processes the latter fails at once when another process is writing.
    if not ObservedList.objects.filter(scope=scope).update(body_digest=digest, read_at=read_at):
        ObservedList.objects.bulk_create(
            [ObservedList(scope=scope, body_digest=digest, read_at=read_at)],
            ignore_conflicts=True,
        )
    return observed


def _observed_lists_invalidate() -> None:
    # A list observation still running (read before now) then leaves its answer unskippable.
    ObservedList.objects.update(invalidated_at=timezone.now())


def _changes_record(connection, config, digest, read_at, baseline) -> tuple[bool, bool]:
    """Record what changed for one tracked connection: its status (a StatusChange, signalled)
    and its configuration (the new snapshot; unless `baseline`, an audit entry "changed outside
    this app" and the mark). The row is locked, so of several observers of the same answer one
    records it. Returns (status changed, change made outside recorded)."""
    with transaction.atomic():
        row = (
            TrackedConnection.objects.select_for_update()
            .filter(faraday_connection_id=connection.id)
            .first()
        )
        if row is None or row.seen_at > read_at:
            return False, False  # a newer answer was recorded already
        fields = {
            "connection_name": connection.name[:255],
            "seen_at": read_at,
            "gone_at": None,
            "observed_digest": diffs.observed_digest(config, connection.status),
        }
        changes = []
        if digest != row.config_digest:
            changes = diffs.config_changes(row.config, config, type_key=connection.type)
            fields.update(config=config, config_digest=digest)
        outside = bool(changes) and not baseline and not _edit_in_flight(connection.id)
        if outside:
            fields["drift_at"] = read_at
        moved = connection.status != row.status
        if moved:
            fields.update(status=connection.status, status_message=_status_message(connection))
        # Conditional as well as locked: SQLite has no row locks, and there the first of two
        # observers to write wins while the other records nothing.
        if not TrackedConnection.objects.filter(
            pk=row.pk, observed_digest=row.observed_digest, seen_at=row.seen_at
        ).update(**fields):
            return False, False
        if outside:
            audit_record(
                actor=None,
                actor_username=OUTSIDE_ACTOR,
                action=Action.CHANGED_OUTSIDE,
                outcome=Outcome.SUCCESS,
                connection_type=connection.type,
                connection_name=connection.name,
                faraday_connection_id=connection.id,
                changes=changes,
                detail=Detail("changed_outside"),
            )
        if moved:
            _status_change_write(connection, row.status, read_at)
    return moved, outside


def _edit_in_flight(connection_id: str) -> bool:
    """An edit sent from here and not yet answered: what we see may be that edit landing."""
    return AuditEntry.objects.filter(
        faraday_connection_id=connection_id, action=Action.EDIT, outcome=Outcome.PENDING
    ).exists()


def _status_change_write(connection: Connection, from_status: str, at: datetime) -> None:
    change = StatusChange.objects.create(
        faraday_connection_id=connection.id,
        connection_name=connection.name[:255],
        connection_type=connection.type[:64],
        from_status=from_status,
        to_status=connection.status[:32],
        observed_at=at,
        status_message=_status_message(connection),
    )
    signals.status_changed.send(sender=StatusChange, change=change)


def _first_sight(by_id, configs, read_at: datetime) -> list[str]:
    """Start tracking connections seen for the first time; those not created here (no create
    in the audit log) are marked as created outside this app, seen first now."""
    new_ids = list(configs)
    created_here = set(
        AuditEntry.objects.filter(
            action=Action.CREATE, outcome__in=_CREATED_HERE, faraday_connection_id__in=new_ids
        ).values_list("faraday_connection_id", flat=True)
    )
    with transaction.atomic():
        TrackedConnection.objects.bulk_create(
            [
                TrackedConnection(
                    faraday_connection_id=cid,
                    connection_name=by_id[cid].name[:255],
                    connection_type=by_id[cid].type[:64],
                    origin=Origin.HERE if cid in created_here else Origin.OUTSIDE,
                    first_seen_at=read_at,
                    config=configs[cid][0],
                    config_digest=configs[cid][1],
                    observed_digest=diffs.observed_digest(configs[cid][0], by_id[cid].status),
                    status=by_id[cid].status[:32],
                    status_message=_status_message(by_id[cid]),
                    seen_at=read_at,
                )
                for cid in new_ids
            ],
            ignore_conflicts=True,
        )
        # Another process may have inserted some first: the rows stamped with this read's
        # time are this call's, and only they are recorded (once).
        mine = list(
            TrackedConnection.objects.filter(
                faraday_connection_id__in=new_ids, first_seen_at=read_at
            ).values_list("faraday_connection_id", flat=True)
        )
        for cid in mine:
            _status_change_write(by_id[cid], "", read_at)
    return mine


def connections_gone(*, connection_ids: Sequence[str], at: datetime | None = None) -> int:
    """Note that Faraday no longer has these connections; returns how many were newly gone."""
    # A blank digest makes the next sighting (if it comes back) go the slow way, which clears
    # gone_at.
    _observed_lists_invalidate()
    return TrackedConnection.objects.filter(
        faraday_connection_id__in=list(connection_ids), gone_at__isnull=True
    ).update(gone_at=at or timezone.now(), observed_digest="")


def connection_refresh(*, connection_id: str) -> None:
    """Read one connection from Faraday now (past the shared cache, which is then dropped so
    pages show the news) and observe it (source "webhook"). A 404 records it as gone.

    Raises the client's FaradayError for any other upstream fault.
    """
    read_at = timezone.now()
    try:
        connection = get_faraday_client().get_connection(connection_id)
    except NotFound:
        connections_gone(connection_ids=[connection_id])
        forget_cached_reads()
        return
    connections_observe(connections=[connection], source="webhook", read_at=read_at)
    forget_cached_reads()


def edit_changes_record(
    *, before: Connection, after: Connection, sent_options
) -> list[dict[str, object]]:
    """After an edit made here succeeded: what it changed (Faraday's answer before the PATCH
    against its answer to it; secrets only as changed or unchanged), with Faraday's answer kept
    as the new baseline for spotting changes made elsewhere."""
    connections_observe(connections=[after], source="write", baseline=True)
    return diffs.edit_changes(before, after, sent_options)


def connection_created_record(*, connection: Connection) -> None:
    """After a create made here succeeded: its configuration becomes the baseline."""
    connections_observe(connections=[connection], source="write", baseline=True)


# ---- the sweep --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    # False when another run held the lock: this one did nothing (and that isn't a failure).
    ran: bool
    seen: int = 0
    first_seen: int = 0
    status_changes: int = 0
    drifted: int = 0
    gone: int = 0
    in_error: int = 0
    seconds: float = 0.0


def sweep_run() -> SweepResult:
    """Read every connection once (one list request) and record what changed: status
    transitions, drift, first sight, connections gone; then tell listeners which connections
    are still in error. Only one run at a time does this, on any number of hosts.

    Raises the client's FaradayError when Faraday can't be read.
    """
    started = time.monotonic()
    with database_lock(SWEEP_LOCK, hold_at_most=SWEEP_HOLD_AT_MOST) as held:
        if not held:
            return SweepResult(ran=False)
        read_at = timezone.now()
        connections = get_faraday_client().list_connections()
        observed = connections_observe(connections=connections, source="sweep", read_at=read_at)
        listed = {c.id for c in connections}
        missing = [
            cid
            for cid in TrackedConnection.objects.filter(gone_at__isnull=True).values_list(
                "faraday_connection_id", flat=True
            )
            if cid not in listed
        ]
        gone = connections_gone(connection_ids=missing, at=read_at) if missing else 0
        in_error = [c for c in connections if c.status == "error"]
        _still_in_error_send(in_error, read_at)
    return SweepResult(
        ran=True,
        seen=len(connections),
        first_seen=len(observed.first_seen),
        status_changes=len(observed.status_changed),
        drifted=len(observed.drifted),
        gone=gone,
        in_error=len(in_error),
        seconds=time.monotonic() - started,
    )


def _still_in_error_send(in_error: Sequence[Connection], now: datetime) -> None:
    if not in_error:
        return
    since = dict(
        StatusChange.objects.filter(
            faraday_connection_id__in=[c.id for c in in_error], to_status="error"
        )
        .values("faraday_connection_id")
        .annotate(since=Max("observed_at"))
        .values_list("faraday_connection_id", "since")
    )
    for connection in in_error:
        with transaction.atomic():
            signals.still_in_error.send(
                sender=StatusChange,
                connection_id=connection.id,
                connection_name=connection.name,
                connection_type=connection.type,
                since=since.get(connection.id, now),
                status_message=_status_message(connection),
                observed_at=now,
            )


# ---- acknowledging a change made outside ----------------------------------------------------


def outside_change_acknowledge(*, actor, connection_id: str, connection_name: str = "") -> bool:
    """Clear the "changed outside this app" mark, audited. False (nothing written) when there
    was no mark: someone else acknowledged it first."""
    with transaction.atomic():
        tracked = (
            TrackedConnection.objects.select_for_update()
            .filter(faraday_connection_id=connection_id, drift_at__isnull=False)
            .first()
        )
        if tracked is None:
            return False
        TrackedConnection.objects.filter(pk=tracked.pk).update(drift_at=None)
        audit_record(
            actor=actor,
            action=Action.OUTSIDE_ACKNOWLEDGE,
            outcome=Outcome.SUCCESS,
            connection_type=tracked.connection_type,
            connection_name=connection_name or tracked.connection_name,
            faraday_connection_id=connection_id,
            detail=Detail("outside_acknowledged", {"seen": tracked.drift_at.isoformat()}),
        )
    return True
