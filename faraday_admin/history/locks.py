"""One run at a time across every host sharing the database: PostgreSQL's advisory locks, or a
lock row where the database has none (SQLite)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from faraday_admin.history.models import SweepLock


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def database_lock(name: str, *, hold_at_most: timedelta) -> Iterator[bool]:
    """Try to take the lock `name` without waiting; yields True when this caller holds it.

    On PostgreSQL it is a session advisory lock, released when the block ends or the database
    connection drops. Elsewhere a SweepLock row is held until the block ends or `hold_at_most`
    has passed (a run that crashed doesn't keep the next ones out for good).
    """
    if connection.vendor == "postgresql":
        key = _advisory_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    holder = uuid.uuid4().hex
    held = _row_lock_take(name, holder, hold_at_most)
    try:
        yield held
    finally:
        if held:
            SweepLock.objects.filter(name=name, holder=holder).update(
                holder="", locked_until=timezone.now()
            )


def _row_lock_take(name: str, holder: str, hold_at_most: timedelta) -> bool:
    now = timezone.now()
    try:
        with transaction.atomic():
            SweepLock.objects.create(name=name, holder=holder, locked_until=now + hold_at_most)
        return True
    except IntegrityError:
        pass  # the row exists: take it only if it is free or its holder ran out of time
    taken = SweepLock.objects.filter(name=name, locked_until__lte=now).update(
        holder=holder, locked_until=now + hold_at_most
    )
    return taken == 1
