"""Writing audit rows. Callers pass what happened; nothing secret is ever stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.catalog import get_catalog
from faraday_admin.faraday_client import ApiError, BadResponse, FaradayError, NetworkError


def redact_options(options: Mapping[str, Any], secret_names: Iterable[str]) -> dict[str, Any]:
    """A copy of `options` with every secret value replaced by a marker. Blank secrets are
    dropped; a null one (an edit that removes the saved secret) stays null: it reveals nothing."""
    secrets = set(secret_names)
    return {
        key: (AuditEntry.SECRET_MARKER if key in secrets and value is not None else value)
        for key, value in options.items()
        if not (key in secrets and value == "")
    }


def _storable(value: Any, limit: int | None = None) -> Any:
    """`value` as PostgreSQL can store it: no NUL in text or JSON (U+FFFD shows where it was)."""
    if isinstance(value, str):
        value = value.replace("\x00", "\ufffd")
        return value[:limit] if limit else value
    if isinstance(value, Mapping):
        return {_storable(str(key)): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def outcome_for_error(error: FaradayError) -> Outcome:
    if isinstance(error, NetworkError):
        return Outcome.NETWORK_FAULT
    if isinstance(error, BadResponse):
        return Outcome.BAD_RESPONSE
    return Outcome.FARADAY_ERROR


def audit_record(
    *,
    actor,
    action: Action,
    outcome: Outcome,
    connection_type: str = "",
    connection_name: str = "",
    faraday_connection_id: str = "",
    options: Mapping[str, Any] | None = None,
    secret_names: Iterable[str] = (),
    error: FaradayError | None = None,
    http_status: int | None = None,
    duration_ms: int | None = None,
    detail: str = "",
    actor_username: str | None = None,
    actor_label: str = "",
    changes: list[dict[str, Any]] | None = None,
) -> AuditEntry:
    """Append one row. `options` is redacted here, so no caller can store a secret by mistake.
    `actor_username`: the name to record when there is no actor (a failed sign-in's);
    `actor_label` replaces the actor's user name in the row ("via link from alice")."""
    if error is not None:
        http_status = http_status or error.status
        if isinstance(error, NetworkError):
            detail = detail or f"network fault: {error.kind}"
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=_storable(
            actor_label or getattr(actor, "username", "") or actor_username or "", 150
        ),
        action=action,
        outcome=outcome,
        connection_type=_storable(connection_type, 64),
        connection_name=_storable(connection_name, 255),
        faraday_connection_id=_storable(faraday_connection_id, 64),
        # Faraday's code and id are free text to us: cut to the columns' size.
        faraday_error_code=_storable((error.code or "") if isinstance(error, ApiError) else "", 64),
        faraday_error_id=_storable((error.error_id or "") if error is not None else "", 64),
        http_status=http_status,
        duration_ms=duration_ms,
        options=_storable(redact_options(options or {}, secret_names)),
        changes=_storable(changes or []),
        detail=_storable(detail),
    )


UNKNOWN_TYPE = "unknown"
_REFUSALS_WINDOW = 60  # seconds


def catalog_type_or_unknown(type_key: str) -> str:
    """What a refused attempt may record as its connection type: a catalog key, "" for none,
    "unknown" for anything else (free text posted by anyone must not reach the log)."""
    if not type_key:
        return ""
    return type_key if type_key in get_catalog().types else UNKNOWN_TYPE


def refused_write_allowed(*, actor) -> bool:
    """Count one refused write for `actor` in the shared cache; False once they pass
    REFUSED_WRITES_PER_MINUTE in the current minute (then nothing more is audited for it)."""
    key = f"refused-writes:{getattr(actor, 'pk', None) or 'anonymous'}"
    cache.add(key, 0, timeout=_REFUSALS_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=_REFUSALS_WINDOW)
        count = 1
    return count <= settings.REFUSED_WRITES_PER_MINUTE


def refused_writes_retry_after() -> int:
    return _REFUSALS_WINDOW


def audit_complete(
    entry: AuditEntry,
    *,
    outcome: Outcome,
    faraday_connection_id: str | None = None,
    error: FaradayError | None = None,
    http_status: int | None = None,
    duration_ms: int | None = None,
    detail: str = "",
    changes: list[dict[str, Any]] | None = None,
) -> bool:
    """Give a pending row its outcome (as `audit_record` would have written it). Returns False
    when the row wasn't pending any more (completed already: nothing changes)."""
    fields: dict[str, Any] = {"outcome": outcome, "duration_ms": duration_ms}
    if error is not None:
        http_status = http_status or error.status
        if isinstance(error, NetworkError):
            detail = detail or f"network fault: {error.kind}"
        code = (error.code or "") if isinstance(error, ApiError) else ""
        fields["faraday_error_code"] = _storable(code, 64)
        fields["faraday_error_id"] = _storable(error.error_id or "", 64)
    fields["http_status"] = http_status
    fields["detail"] = _storable(detail)
    if changes is not None:
        fields["changes"] = _storable(changes)
    if faraday_connection_id is not None:
        fields["faraday_connection_id"] = _storable(faraday_connection_id, 64)
    return bool(AuditEntry.objects.filter(pk=entry.pk).complete_pending(**fields))


def audit_permission_refused(
    *, actor, action: Action, connection_id: str = "", connection_type: str = ""
) -> AuditEntry:
    """Audit a write that this app refused because the person's role doesn't allow it."""
    return audit_record(
        actor=actor,
        action=action,
        outcome=Outcome.REJECTED,
        connection_type=catalog_type_or_unknown(connection_type),
        faraday_connection_id=connection_id,
        detail="not sent: the person's role doesn't allow it",
    )
