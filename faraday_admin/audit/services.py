"""Writing audit rows. Callers pass what happened; nothing secret is ever stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.faraday_client import ApiError, BadResponse, FaradayError, NetworkError


def redact_options(options: Mapping[str, Any], secret_names: Iterable[str]) -> dict[str, Any]:
    """A copy of `options` with every secret value replaced by a marker (blank secrets dropped)."""
    secrets = set(secret_names)
    return {
        key: (AuditEntry.SECRET_MARKER if key in secrets else value)
        for key, value in options.items()
        if not (key in secrets and value in ("", None))
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
    actor_label: str = "",
) -> AuditEntry:
    """Append one row. `options` is redacted here, so no caller can store a secret by mistake.

    `actor_label` replaces the actor's user name in the row ("via link from alice")."""
    if error is not None:
        http_status = http_status or error.status
        if isinstance(error, NetworkError):
            detail = detail or f"network fault: {error.kind}"
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=(actor_label or getattr(actor, "username", "") or "")[:150],
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
        detail=_storable(detail),
    )


def audit_permission_refused(
    *, actor, action: Action, connection_id: str = "", connection_type: str = ""
) -> AuditEntry:
    """Audit a write that this app refused because the person's role doesn't allow it."""
    return audit_record(
        actor=actor,
        action=action,
        outcome=Outcome.REJECTED,
        connection_type=connection_type,
        faraday_connection_id=connection_id,
        detail="not sent: the person's role doesn't allow it",
    )
