"""Reads for the pages: a connection's history (audit entries with their diffs, status timeline,
where it came from) and the list's markers and "broken lately" filter."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.history import diffs
from faraday_admin.history.models import Origin, StatusChange, TrackedConnection

HISTORY_LIMIT = 200
TIMELINE_LIMIT = 20
FLAP_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Mark:
    """What the list and detail pages say beside a connection."""

    created_outside: bool
    first_seen_at: datetime
    changed_outside_at: datetime | None


def marks_for(*, connection_ids: Sequence[str]) -> dict[str, Mark]:
    """Each tracked connection's mark, in one query."""
    rows = TrackedConnection.objects.filter(
        faraday_connection_id__in=list(connection_ids)
    ).values_list("faraday_connection_id", "origin", "first_seen_at", "drift_at")
    return {
        cid: Mark(origin == Origin.OUTSIDE, first_seen, drift_at)
        for cid, origin, first_seen, drift_at in rows
    }


def broken_within(*, period: timedelta, now: datetime | None = None) -> frozenset[str]:
    """Ids of connections that went into error during the last `period`."""
    since = (now or timezone.now()) - period
    return frozenset(
        StatusChange.objects.filter(to_status="error", observed_at__gte=since)
        .values_list("faraday_connection_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class HistoryEntry:
    entry: AuditEntry
    change_texts: list[str]
    # An edit made here whose non-secret fields can be put back (Admins see the link).
    revertable: bool


@dataclass(frozen=True)
class TimelineStep:
    change: StatusChange
    # How long the status lasted (until the next change, or until now for the current one).
    lasted: timedelta
    current: bool
    # Read like a connection by the status badge tag.
    is_archived = False

    @property
    def status(self) -> str:
        return self.change.to_status


@dataclass(frozen=True)
class StatusTimeline:
    steps: list[TimelineStep] = field(default_factory=list)
    in_error_since: datetime | None = None
    # How many times it went into error during FLAP_WINDOW.
    breaks_lately: int = 0
    flap_window_days: int = FLAP_WINDOW.days


@dataclass(frozen=True)
class ConnectionHistory:
    mark: Mark | None
    entries: list[HistoryEntry]
    timeline: StatusTimeline


def _revertable(entry: AuditEntry) -> bool:
    return (
        entry.action == Action.EDIT
        and entry.outcome == Outcome.SUCCESS
        and bool(diffs.revert_patch(entry.changes or [], type_key=entry.connection_type))
    )


def connection_history(
    *, connection_id: str, with_entries: bool = True, now: datetime | None = None
) -> ConnectionHistory:
    """The connection's audit entries newest first (with their diffs; none unless
    `with_entries`), its status timeline and its mark (created or changed outside this app)."""
    now = now or timezone.now()
    found = AuditEntry.objects.filter(faraday_connection_id=connection_id)
    entries = [
        HistoryEntry(
            entry=entry,
            change_texts=[diffs.change_text(c) for c in entry.changes or []],
            revertable=_revertable(entry),
        )
        for entry in (found[:HISTORY_LIMIT] if with_entries else ())
    ]
    marks = marks_for(connection_ids=[connection_id])
    return ConnectionHistory(
        mark=marks.get(connection_id),
        entries=entries,
        timeline=status_timeline(connection_id=connection_id, now=now),
    )


def status_timeline(*, connection_id: str, now: datetime) -> StatusTimeline:
    changes = list(
        StatusChange.objects.filter(faraday_connection_id=connection_id)[:TIMELINE_LIMIT]
    )
    if not changes:
        return StatusTimeline()
    steps = []
    until = now
    for index, change in enumerate(changes):  # newest first
        steps.append(TimelineStep(change, until - change.observed_at, current=index == 0))
        until = change.observed_at
    latest = changes[0]
    breaks = StatusChange.objects.filter(
        faraday_connection_id=connection_id,
        to_status="error",
        observed_at__gte=now - FLAP_WINDOW,
    ).count()
    return StatusTimeline(
        steps=steps,
        in_error_since=latest.observed_at if latest.to_status == "error" else None,
        breaks_lately=breaks,
    )


def edit_entry(*, connection_id: str, entry_id: int) -> AuditEntry | None:
    """The successful edit `entry_id` of this connection, when it can be reverted; else None."""
    entry = AuditEntry.objects.filter(
        pk=entry_id,
        faraday_connection_id=connection_id,
        action=Action.EDIT,
        outcome=Outcome.SUCCESS,
    ).first()
    return entry if entry is not None and _revertable(entry) else None


def is_gone(*, connection_id: str) -> bool:
    """True when Faraday was last seen without it (a 404, or missing from a sweep)."""
    return TrackedConnection.objects.filter(
        faraday_connection_id=connection_id, gone_at__isnull=False
    ).exists()


@dataclass(frozen=True)
class RevertPlan:
    """What reverting an edit would send, and what the confirmation must warn about."""

    entry: AuditEntry
    # The merge patch: the edit's "before" values of its non-secret fields.
    patch: dict
    # Fields whose current value is no longer the edit's "after" (changed since).
    changed_since: list[dict]
    # Labels of secrets the edit changed: never stored, so they can't be put back.
    secrets: list[str]
    # Labels of other fields Faraday won't take back (emptying a field it requires).
    not_revertable: list[str]
    # Every field already holds its "before" value: there is nothing to send.
    already_reverted: bool
    # What the revert does, field by field ("Host: db2.example.com → db1.example.com").
    steps: list[str] = field(default_factory=list)

    @property
    def patch_json(self) -> str:
        return json.dumps(self.patch, indent=2, ensure_ascii=False)


def revert_plan(*, entry: AuditEntry, current) -> RevertPlan:
    """The plan to put back `entry`'s non-secret fields on `current` (the connection as Faraday
    has it now)."""
    changes = entry.changes or []
    config = diffs.config_of(current)
    patch = diffs.revert_patch(changes, type_key=current.type)
    options = {k: v for k, v in patch.get("options", {}).items() if k != "type"}
    back = all(config["options"].get(k) == v for k, v in options.items()) and (
        diffs.NAME not in patch or config[diffs.NAME] == patch[diffs.NAME]
    )
    sent = {*options, *([diffs.NAME] if diffs.NAME in patch else [])}
    return RevertPlan(
        entry=entry,
        patch=patch,
        changed_since=diffs.changed_since(changes, config),
        secrets=diffs.secrets_changed(changes),
        not_revertable=diffs.not_revertable(changes, type_key=current.type),
        already_reverted=bool(patch) and back,
        steps=[
            diffs.change_text({**c, "before": c["after"], "after": c["before"]})
            for c in changes
            if not c.get("secret") and c["field"] in sent
        ],
    )
