"""Writes to Faraday: each calls the client, writes exactly one audit row, and re-raises errors.

Views catch `FaradayError` and word it with `messages.describe_error`.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from faraday_admin.audit.models import Action, Outcome
from faraday_admin.audit.services import audit_record, outcome_for_error
from faraday_admin.catalog import ConnectionType
from faraday_admin.connections.forms import ConnectionForm
from faraday_admin.connections.models import ConnectionRecord, SubmissionToken
from faraday_admin.core.upstream import get_faraday_client
from faraday_admin.faraday_client import Connection, FaradayClient, FaradayError, NetworkError
from faraday_admin.faraday_client.errors import ValidationErrorItem

T = TypeVar("T")


class SubmissionAlreadyUsed(Exception):
    """The create form's one-time token was used already (double click, refresh, second tab)."""

    def __init__(self, faraday_id: str):
        super().__init__("This form was already submitted.")
        self.faraday_id = faraday_id


@dataclass
class _AuditDraft:
    actor: Any
    action: Action
    connection_type: str = ""
    connection_name: str = ""
    connection_id: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    secret_names: frozenset[str] = frozenset()

    def write(
        self,
        outcome: Outcome,
        *,
        started: float,
        error: FaradayError | None = None,
        http_status: int | None = None,
    ):
        audit_record(
            actor=self.actor,
            action=self.action,
            outcome=outcome,
            connection_type=self.connection_type,
            connection_name=self.connection_name,
            faraday_connection_id=self.connection_id,
            options=self.options,
            secret_names=self.secret_names,
            error=error,
            http_status=http_status,
            duration_ms=round((time.monotonic() - started) * 1000),
        )


def _audited_call(draft: _AuditDraft, call: Callable[[FaradayClient], T]) -> T:
    """Run `call` with a client and audit it: success, or the error's outcome (then re-raise)."""
    started = time.monotonic()
    try:
        client = get_faraday_client()
        result = call(client)
    except FaradayError as error:
        draft.write(outcome_for_error(error), started=started, error=error)
        raise
    draft.write(Outcome.SUCCESS, started=started, http_status=client.last_status)
    return result


def submission_token_issue(*, user) -> uuid.UUID:
    return SubmissionToken.objects.create(user=user).token


def _token_claim(*, user, token: str) -> SubmissionToken:
    """Claim the token atomically, so only one request of many can go on to Faraday."""
    try:
        token_uuid = uuid.UUID(str(token))
    except ValueError:
        raise SubmissionAlreadyUsed("") from None
    claimed = SubmissionToken.objects.filter(
        token=token_uuid, user=user, claimed_at__isnull=True
    ).update(claimed_at=timezone.now())
    if not claimed:
        used = SubmissionToken.objects.filter(token=token_uuid, user=user).first()
        raise SubmissionAlreadyUsed(used.faraday_id if used else "")
    return SubmissionToken.objects.get(token=token_uuid)


def _find_created_after_timeout(client, *, name: str, type_key: str, since) -> Connection | None:
    """After a read timeout the POST may have landed: look for it rather than invite a twin."""
    try:
        candidates = client.list_connections()
    except FaradayError:
        return None
    matches = [
        c
        for c in candidates
        if c.name == name and c.type == type_key and c.created_at and c.created_at >= since
    ]
    return max(matches, key=lambda c: c.created_at) if matches else None


def connection_create_rejected(*, actor, form: ConnectionForm) -> None:
    """Audit a submission that this app refused before it reached Faraday."""
    audit_record(
        actor=actor,
        action=Action.CREATE,
        outcome=Outcome.REJECTED,
        connection_type=form.connection_type.type,
        connection_name=str(form.data.get("name", "")),
        options=form.audit_options(),
        secret_names=form.connection_type.secret_field_names,
        detail="; ".join(sorted(form.errors)),
    )


def connection_create(*, actor, token: str, form: ConnectionForm) -> Connection:
    """Create the connection in Faraday once per token.

    Returns the new Connection. Raises SubmissionAlreadyUsed, or the client's FaradayError
    (after releasing the token, so the person can correct and resubmit the same form).
    """
    claimed = _token_claim(user=actor, token=token)
    connection_type: ConnectionType = form.connection_type
    name = form.cleaned_data["name"]
    draft = _AuditDraft(
        actor=actor,
        action=Action.CREATE,
        connection_type=connection_type.type,
        connection_name=name,
        options=form.options_payload(),
        secret_names=connection_type.secret_field_names,
    )
    started = time.monotonic()
    try:
        # Inside the try: a missing key (AuthFailed) must also release the token and be audited.
        client = get_faraday_client()
        connection = client.create_connection(name=name, options=form.options_payload())
    except NetworkError as error:
        found = None
        if error.kind in ("read_timeout", "protocol"):
            found = _find_created_after_timeout(
                client, name=name, type_key=connection_type.type, since=claimed.created_at
            )
        if found is None:
            _token_release(claimed)
            draft.write(outcome_for_error(error), started=started, error=error)
            raise
        connection = found
        client.last_status = None  # the POST's own status never arrived
    except FaradayError as error:
        _token_release(claimed)
        draft.write(outcome_for_error(error), started=started, error=error)
        _redact_secrets(error, form)
        raise
    with transaction.atomic():
        ConnectionRecord.objects.update_or_create(
            faraday_id=connection.id,
            defaults={
                "connection_type": connection_type.type,
                "name": connection.name[:255],  # Faraday sets no length limit on names
                "created_by": actor,
                "created_by_username": actor.get_username(),
            },
        )
        SubmissionToken.objects.filter(pk=claimed.pk).update(faraday_id=connection.id)
        draft.connection_id = connection.id
        draft.write(Outcome.SUCCESS, started=started, http_status=client.last_status)
    return connection


def _token_release(token: SubmissionToken) -> None:
    SubmissionToken.objects.filter(pk=token.pk).update(claimed_at=None)


def _redact_secrets(error: FaradayError, form: ConnectionForm) -> None:
    """Faraday may quote a rejected value in its note or messages: never show a typed secret."""
    secrets = [
        value
        for name in form.connection_type.secret_field_names
        if isinstance(value := form.cleaned_data.get(name), str) and value
    ]

    def scrub(text: str | None) -> str | None:
        for secret in secrets:
            text = text.replace(secret, "[secret]") if text else text
        return text

    if secrets:
        error.message = scrub(error.message)
        error.note = scrub(error.note)
        error.validation_errors = tuple(
            replace(item, message=scrub(item.message), suggestion=scrub(item.suggestion))
            for item in error.validation_errors
        )


def connection_update(*, actor, connection: Connection, form: ConnectionForm) -> Connection:
    """PATCH name and options; blank secret fields are not sent, so Faraday keeps them."""
    options = form.options_payload()
    draft = _AuditDraft(
        actor=actor,
        action=Action.EDIT,
        connection_type=connection.type,
        connection_name=form.cleaned_data["name"],
        connection_id=connection.id,
        options=options,
        secret_names=form.connection_type.secret_field_names,
    )
    try:
        return _audited_call(
            draft,
            lambda client: client.update_connection(
                connection.id, name=form.cleaned_data["name"], options=options
            ),
        )
    except FaradayError as error:
        _redact_secrets(error, form)
        raise


def _simple_action(action: Action, *, actor, connection: Connection, call) -> Any:
    draft = _AuditDraft(
        actor=actor,
        action=action,
        connection_type=connection.type,
        connection_name=connection.name,
        connection_id=connection.id,
    )
    return _audited_call(draft, call)


def connection_archive(*, actor, connection: Connection, cascade: bool) -> None:
    _simple_action(
        Action.ARCHIVE,
        actor=actor,
        connection=connection,
        call=lambda c: c.archive_connection(connection.id, cascade_to_all=cascade),
    )


def connection_unarchive(*, actor, connection: Connection, cascade: bool) -> None:
    _simple_action(
        Action.UNARCHIVE,
        actor=actor,
        connection=connection,
        call=lambda c: c.unarchive_connection(connection.id, cascade_to_all=cascade),
    )


def connection_delete(*, actor, connection: Connection) -> None:
    _simple_action(
        Action.DELETE,
        actor=actor,
        connection=connection,
        call=lambda c: c.delete_connection(connection.id),
    )


def connection_force_update(*, actor, connection: Connection) -> None:
    _simple_action(
        Action.FORCE_UPDATE,
        actor=actor,
        connection=connection,
        call=lambda c: c.force_update_connection(connection.id),
    )


ROTATABLE_TYPES = frozenset({"snowflake", "clickhouse"})


def connection_rotate_credentials(*, actor, connection: Connection) -> Connection:
    return _simple_action(
        Action.ROTATE,
        actor=actor,
        connection=connection,
        call=lambda c: c.rotate_connection_credentials(connection.id, type=connection.type),
    )


# Faraday's validation paths come in many spellings: "/options/host", "options.host",
# ".options.host", "$.options.host", "body.options.host", "options[host]", "host", "/name".
_PATH_SPLIT = re.compile(r"[./\[\]'\"]+")
_PATH_PREFIXES = ("$", "body", "data", "request", "instance")


def field_for_path(path: str, field_names: Sequence[str]) -> str | None:
    """The form field a validation path points at, or None when it names none of them."""
    parts = [p for p in _PATH_SPLIT.split(path or "") if p]
    while parts and parts[0] in _PATH_PREFIXES:
        parts = parts[1:]
    if parts[:1] == ["options"]:
        parts = parts[1:]
        if len(parts) == 1 and parts[0] in field_names:
            return parts[0]
        return None
    if len(parts) == 1 and (parts[0] == "name" or parts[0] in field_names):
        return parts[0]
    return None


def validation_errors_onto_form(form: ConnectionForm, errors: Sequence[ValidationErrorItem]):
    """Put each Faraday validation error on its field; the rest become form-level errors."""
    field_names = [spec.name for spec in form.connection_type.fields]
    for item in errors:
        message = item.message or "Faraday didn't accept this value."
        if item.suggestion:
            message = f"{message} {item.suggestion}"
        target = field_for_path(item.path, field_names)
        form.add_error(target, message if target else f"{item.path or 'request'}: {message}")
