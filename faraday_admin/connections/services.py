"""Writes to Faraday and the rules around them.

Each write checks this app's business rules first (managed connections, dependents, key-pair
types, archived state), raising `ActionRefused` before anything is sent; then it calls the
client, writes exactly one audit row, and re-raises errors. Submissions refused before they
reach Faraday are audited too. Views catch `FaradayError` and word it with `messages`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, TypeVar

from django.db import DatabaseError, transaction
from django.http import QueryDict
from django.utils import timezone

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import (
    audit_complete,
    audit_permission_refused,
    audit_record,
    catalog_type_or_unknown,
    outcome_for_error,
)
from faraday_admin.catalog import KEY_PAIR_TYPES, ConnectionType, get_catalog
from faraday_admin.catalog.loader import humanize_key
from faraday_admin.connections import messages, paste, selectors
from faraday_admin.connections.forms import ConnectionForm, carried_values, unbound_form
from faraday_admin.connections.models import ConnectionRecord, SubmissionToken
from faraday_admin.connections.selectors import ConnectionDetail
from faraday_admin.core.crypto import encrypt
from faraday_admin.core.upstream import forget_cached_reads, get_faraday_client
from faraday_admin.faraday_client import (
    BadResponse,
    Connection,
    FaradayClient,
    FaradayError,
    NetworkError,
    NotFound,
    ServerError,
    ValidationErrorItem,
    path_segments,
)
from faraday_admin.history import services as history

T = TypeVar("T")

# Faraday's clock and ours may disagree by a little: look this far before the POST was sent.
CLOCK_SKEW = timedelta(seconds=5)
# Answers after which a create may still have landed (a gateway gave up waiting on Faraday).
_GATEWAY_STATUSES = frozenset({502, 503, 504})


class SubmissionAlreadyUsed(Exception):
    """The create form's one-time token was used already (double click, refresh, second tab)."""

    def __init__(self, faraday_id: str):
        super().__init__("This form was already submitted.")
        self.faraday_id = faraday_id


class SubmissionTokenUnknown(Exception):
    """The create form's token isn't one this person holds: purged, someone else's, or garbled."""


class ActionRefused(Exception):
    """This app won't send the write; `str()` says why in plain words. Nothing is sent."""


class NothingChanged(Exception):
    """An edit form that changes nothing: there is no merge patch to send, and nothing is sent."""


@dataclass
class _AuditDraft:
    """One attempt's audit row. A write that goes to Faraday is recorded before it is sent
    (`begin`: a "pending" row, committed on its own) and completed by `write` after; anything
    refused before sending is written once, by `write`."""

    actor: Any
    action: Action
    connection_type: str = ""
    connection_name: str = ""
    connection_id: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    secret_names: frozenset[str] = frozenset()
    actor_label: str = ""
    entry: AuditEntry | None = None
    # What a successful edit changed (history.diffs), recorded with its outcome.
    changes: list[dict[str, Any]] | None = None

    def begin(self) -> None:
        """Record the attempt as sent, outcome pending, before anything is sent: should the
        database fail once Faraday has answered, the row still says who sent what, and when.
        Committed on its own because requests aren't atomic (ATOMIC_REQUESTS stays off)."""
        with transaction.atomic():
            self.entry = audit_record(
                actor=self.actor,
                action=self.action,
                outcome=Outcome.PENDING,
                connection_type=self.connection_type,
                connection_name=self.connection_name,
                faraday_connection_id=self.connection_id,
                options=self.options,
                secret_names=self.secret_names,
                detail="sent, outcome pending",
                actor_label=self.actor_label,
            )

    def write(
        self,
        outcome: Outcome,
        *,
        started: float | None = None,
        error: FaradayError | None = None,
        http_status: int | None = None,
        detail: str = "",
    ):
        duration_ms = None if started is None else round((time.monotonic() - started) * 1000)
        if self.entry is not None:
            audit_complete(
                self.entry,
                outcome=outcome,
                faraday_connection_id=self.connection_id,
                error=error,
                http_status=http_status,
                duration_ms=duration_ms,
                detail=detail,
                changes=self.changes,
            )
            return
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
            duration_ms=duration_ms,
            detail=detail,
            actor_label=self.actor_label,
            changes=self.changes,
        )


def _audited_call(
    draft: _AuditDraft,
    call: Callable[[FaradayClient], T],
    *,
    scrub: Callable[[FaradayError], None] | None = None,
) -> T:
    """Run `call` with a client and audit it: success, or the error's outcome (then re-raise).
    `scrub` cleans an error of typed secrets before it is audited or shown."""
    draft.begin()
    started = time.monotonic()
    try:
        client = get_faraday_client()
        result = call(client)
    except FaradayError as error:
        if scrub is not None:
            scrub(error)
        draft.write(outcome_for_error(error), started=started, error=error)
        raise
    finally:
        # Even a failed write may have changed something (a timeout after Faraday acted).
        forget_cached_reads()
    draft.write(Outcome.SUCCESS, started=started, http_status=client.last_status)
    return result


# ---- create ---------------------------------------------------------------------------------


def submission_token_issue(*, user) -> uuid.UUID:
    return SubmissionToken.objects.create(user=user).token


def _token_claim(*, user, token: str) -> SubmissionToken:
    """Claim the token atomically, so only one request of many can go on to Faraday.

    Raises SubmissionAlreadyUsed for a token of this user's that is claimed already, and
    SubmissionTokenUnknown for anything else that isn't an unclaimed token of theirs.
    """
    try:
        token_uuid = uuid.UUID(str(token))
    except ValueError:
        raise SubmissionTokenUnknown from None
    claimed = SubmissionToken.objects.filter(
        token=token_uuid, user=user, claimed_at__isnull=True
    ).update(claimed_at=timezone.now())
    if not claimed:
        used = SubmissionToken.objects.filter(token=token_uuid, user=user).first()
        if used is None:
            raise SubmissionTokenUnknown
        raise SubmissionAlreadyUsed(used.faraday_id)
    return SubmissionToken.objects.get(token=token_uuid)


def _may_have_landed(error: FaradayError) -> bool:
    """True when the POST may have created the connection although no success came back."""
    if isinstance(error, NetworkError):
        return error.kind in ("read_timeout", "protocol")
    if isinstance(error, ServerError):
        return error.status in _GATEWAY_STATUSES
    if isinstance(error, BadResponse):
        # A 2xx we couldn't read almost certainly created it; so may a gateway's HTML 5xx page.
        status = error.status or 0
        return 200 <= status < 300 or status >= 500
    return False


def _find_created(client, *, name: str, type_key: str, since) -> Connection | None:
    """After an ambiguous answer the POST may have landed: look for it rather than invite a twin.

    Only a connection created after `since` (just before our POST) counts, so a colleague's
    namesake made while the form was open is never taken for ours.
    """
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


def _form_rejected(draft: _AuditDraft, form: ConnectionForm) -> None:
    draft.write(Outcome.REJECTED, detail="; ".join(sorted(form.errors)))


def connection_create_without_type(*, actor, type_key: str) -> None:
    """Audit a create form sent with no connection type, or one the catalog doesn't know (its
    text isn't kept: it is recorded as "unknown")."""
    _AuditDraft(
        actor=actor, action=Action.CREATE, connection_type=catalog_type_or_unknown(type_key)
    ).write(
        Outcome.REJECTED,
        detail=(
            "not sent: a connection type this app doesn't know"
            if type_key
            else "not sent: no connection type chosen"
        ),
    )


def connection_create_rejected(*, actor, form: ConnectionForm, actor_label: str = "") -> None:
    """Audit a create form that this app refused before it reached Faraday."""
    _form_rejected(
        _AuditDraft(
            actor=actor,
            action=Action.CREATE,
            connection_type=form.connection_type.type,
            connection_name=str(form.data.get("name", "")),
            options=form.audit_options(),
            secret_names=form.connection_type.secret_field_names,
            actor_label=actor_label,
        ),
        form,
    )


def connection_create(
    *, actor, token: str, form: ConnectionForm, actor_label: str = ""
) -> Connection:
    """Create the connection in Faraday once per token. `actor_label` names the actor in the
    audit rows when it isn't the signed-in person ("via link from alice", for a hand-off).

    Returns the new Connection. Raises SubmissionTokenUnknown or SubmissionAlreadyUsed (nothing
    sent; audited here as rejected), or the client's FaradayError (after releasing the token,
    so the person can correct and resubmit the same form). After an answer that leaves it
    unclear whether the POST landed (a read timeout, a broken connection, a gateway's
    502/503/504), it looks for the connection and returns it when found.
    """
    connection_type: ConnectionType = form.connection_type
    name = form.cleaned_data["name"]
    options = form.options_payload()
    draft = _AuditDraft(
        actor=actor,
        action=Action.CREATE,
        connection_type=connection_type.type,
        connection_name=name,
        options=options,
        secret_names=connection_type.secret_field_names,
        actor_label=actor_label,
    )
    try:
        claimed = _token_claim(user=actor, token=token)
    except SubmissionTokenUnknown:
        draft.write(Outcome.REJECTED, detail="not sent: the form's one-time code wasn't recognised")
        raise
    except SubmissionAlreadyUsed as used:
        draft.connection_id = used.faraday_id
        draft.write(Outcome.REJECTED, detail="not sent: this form was already submitted")
        raise
    try:
        draft.begin()
    except DatabaseError:
        _token_release(claimed)  # nothing was sent: the same form may be sent again
        raise
    started = time.monotonic()
    client = sent_at = None
    try:
        # Inside the try: a missing key (AuthFailed) must also release the token and be audited.
        client = get_faraday_client()
        sent_at = timezone.now()
        connection = client.create_connection(name=name, options=options)
        http_status, detail = client.last_status, ""
    except FaradayError as error:
        if sent_at is not None:
            forget_cached_reads()  # it may have landed
        found = None
        if sent_at is not None and _may_have_landed(error):  # set once a client sent the POST
            found = _find_created(
                client, name=name, type_key=connection_type.type, since=sent_at - CLOCK_SKEW
            )
        if found is None:
            _token_release(claimed)
            _redact_secrets(error, form)
            draft.write(outcome_for_error(error), started=started, error=error)
            raise
        # The POST's own answer never arrived (or was a gateway's): no status to record.
        connection, http_status = found, None
        detail = f"found in the list after an unclear answer ({_error_label(error)})"
    forget_cached_reads()
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
        SubmissionToken.objects.filter(pk=claimed.pk).update(
            faraday_id=connection.id, pasted_password=""
        )
        draft.connection_id = connection.id
        draft.write(Outcome.SUCCESS, started=started, http_status=http_status, detail=detail)
    history.connection_created_record(connection=connection)
    return connection


def _error_label(error: FaradayError) -> str:
    return error.kind if isinstance(error, NetworkError) else f"HTTP {error.status}"


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
        # The error code and id are shown and audited too, and are free text to us.
        error.code = scrub(error.code)
        error.error_id = scrub(error.error_id)
        error.validation_errors = tuple(
            replace(item, message=scrub(item.message), suggestion=scrub(item.suggestion))
            for item in error.validation_errors
        )


# ---- paste what IT sent ----------------------------------------------------------------------

# The one secret a paste can fill (the formats it reads carry no other).
PASTED_SECRET = "password"  # noqa: S105 (a field name)
# Sent with the form only where the password field shows the held password's note, so a held
# password is never used on a form that didn't say so.
PASTED_MARKER = "use_pasted_password"


@dataclass(frozen=True)
class PasteOutcome:
    """What the create form shows after a paste: its fields (filled, or as they were) and words.

    `problem`: the paste couldn't be read (nothing changed). `proposals`: types the paste
    implies, offered as buttons with `keep_type` (the chosen type, when the paste doesn't fit
    it); `fields_json` carries the paste's field values to those buttons. The password is never
    in here: it is held with the form's one-time token.
    """

    form: ConnectionForm | None
    source: str = ""
    problem: str = ""
    proposals: tuple[ConnectionType, ...] = ()
    keep_type: ConnectionType | None = None
    fields_json: str = ""
    not_used: tuple[str, ...] = ()
    password_note: str = ""

    @property
    def filled(self) -> int:
        return len(self.form.pasted) if self.form else 0


def form_with_pasted_password(form: ConnectionForm | None, *, user, token: str):
    """Mark the form's password field as filled by the held pasted password, when one is held."""
    if (
        form is not None
        and PASTED_SECRET in form.connection_type.secret_field_names
        and selectors.pasted_password(user=user, token=token)
    ):
        form.pasted_secrets = frozenset({PASTED_SECRET})
    return form


def _pasted_form(type_key: str, carried, fields, *, user, token: str) -> ConnectionForm | None:
    form = unbound_form(type_key, {**carried, **fields})
    if form is not None:
        form.pasted = frozenset(name for name in fields if name in form.base_fields)
    return form_with_pasted_password(form, user=user, token=token)


def _not_used(reading: paste.Reading, connection_type: ConnectionType | None) -> tuple[str, ...]:
    names = {f.name for f in connection_type.fields} if connection_type else set()
    extra = [humanize_key(name) for name in reading.fields if connection_type and name not in names]
    return (*reading.not_used, *extra)


def paste_read(*, user, token: str, text: str, type_key: str, data) -> PasteOutcome:
    """Read pasted text for the create form of `type_key` (may be none), with `data` (what is
    typed so far) kept. Fills the chosen type's fields when the paste fits that type, otherwise
    proposes the types it implies; a password in it is held with the one-time `token`."""
    carried = carried_values(data)
    reading = paste.read_pasted(text)
    if isinstance(reading, paste.Unreadable):
        form = form_with_pasted_password(unbound_form(type_key, carried), user=user, token=token)
        return PasteOutcome(form=form, problem=reading.message)
    password_note = ""
    if reading.password_found and not pasted_password_hold(
        user=user, token=token, password=reading.password
    ):
        password_note = messages.PASTE_UNKEPT
    catalog = get_catalog()
    chosen = catalog.get(type_key)
    proposals = tuple(
        catalog.types[key]
        for key in reading.suggested_types
        if key in catalog.types and key != type_key
    )
    fields_json = json.dumps(dict(reading.fields)) if proposals else ""
    if chosen is not None and reading.fits(type_key):
        return PasteOutcome(
            form=_pasted_form(type_key, carried, reading.fields, user=user, token=token),
            source=reading.source,
            proposals=proposals,
            fields_json=fields_json,
            not_used=_not_used(reading, chosen),
            password_note=password_note or _password_unused(reading, chosen),
        )
    form = form_with_pasted_password(unbound_form(type_key, carried), user=user, token=token)
    return PasteOutcome(
        form=form,
        source=reading.source,
        proposals=proposals,
        keep_type=chosen,
        fields_json=fields_json,
        problem="" if proposals or chosen else messages.PASTE_NEEDS_TYPE,
        password_note=password_note,
    )


def paste_apply(*, user, token: str, type_key: str, fields_json: str, data) -> PasteOutcome:
    """Fill `type_key`'s fields from a proposal's values (the person confirmed the type)."""
    try:
        loaded = json.loads(fields_json)
    except ValueError:
        loaded = {}
    fields = {
        k: v
        for k, v in (loaded.items() if isinstance(loaded, dict) else ())
        if isinstance(k, str) and isinstance(v, str) and k in paste.FIELD_NAMES
    }
    connection_type = get_catalog().get(type_key)
    reading = paste.Reading(source="", fields=fields)
    return PasteOutcome(
        form=_pasted_form(type_key, carried_values(data), fields, user=user, token=token),
        not_used=_not_used(reading, connection_type),
    )


def _password_unused(reading: paste.Reading, connection_type: ConnectionType) -> str:
    if reading.password_found and PASTED_SECRET not in connection_type.secret_field_names:
        return messages.pasted_password_unused(connection_type)
    return ""


def _unclaimed_token(*, user, token: str):
    try:
        token_uuid = uuid.UUID(str(token))
    except ValueError:
        return SubmissionToken.objects.none()
    return SubmissionToken.objects.filter(token=token_uuid, user=user, claimed_at__isnull=True)


def pasted_password_hold(*, user, token: str, password: str) -> bool:
    """Keep a pasted password, encrypted, with the create form's unclaimed one-time token.

    Returns False (nothing kept) when the token isn't an unclaimed token of the user's.
    """
    return bool(_unclaimed_token(user=user, token=token).update(pasted_password=encrypt(password)))


def pasted_password_forget(*, user, token: str) -> None:
    """Drop the held password: the person typed their own."""
    _unclaimed_token(user=user, token=token).update(pasted_password="")


def pasted_password_into(*, user, token: str, data: QueryDict, type_key: str) -> QueryDict:
    """The create form's data with the held pasted password filled in where the form showed it
    (a marker input) and the person typed none; a typed password wins and drops the held one."""
    connection_type = get_catalog().get(type_key)
    if not data.get(PASTED_MARKER) or connection_type is None:
        return data
    if PASTED_SECRET not in connection_type.secret_field_names:
        return data
    if data.get(PASTED_SECRET):
        pasted_password_forget(user=user, token=token)
        return data
    held = selectors.pasted_password(user=user, token=token)
    if not held:
        return data
    data = data.copy()
    data[PASTED_SECRET] = held
    return data


# ---- edit -----------------------------------------------------------------------------------


def connection_edit_check(*, connection: Connection) -> None:
    """Raise ActionRefused when this app may not edit the connection (managed, or of a type
    the catalog doesn't describe); return None when it may."""
    if connection.managed:
        raise ActionRefused(messages.MANAGED_EDIT)
    if get_catalog().get(connection.type) is None:
        raise ActionRefused(messages.unknown_type_edit(connection.type))


def _edit_draft(actor, connection: Connection, form: ConnectionForm, options) -> _AuditDraft:
    return _AuditDraft(
        actor=actor,
        action=Action.EDIT,
        connection_type=connection.type,
        connection_name=str(form.data.get("name", "")),
        connection_id=connection.id,
        options=options,
        secret_names=form.connection_type.secret_field_names,
    )


def connection_update_rejected(*, actor, connection: Connection, form: ConnectionForm) -> None:
    """Audit an edit form that this app refused before it reached Faraday."""
    _form_rejected(_edit_draft(actor, connection, form, form.audit_options()), form)


def connection_update(*, actor, connection: Connection, form: ConnectionForm) -> Connection:
    """PATCH what the person changed, as a merge patch (`ConnectionForm.merge_patch`). Returns
    the updated Connection.

    Raises ActionRefused (nothing sent; audit it with connection_write_refused), NothingChanged
    (nothing to send), or the client's FaradayError (audited).
    """
    connection_edit_check(connection=connection)
    patch = form.merge_patch()
    if not patch:
        raise NothingChanged
    draft = _edit_draft(actor, connection, form, patch.get("options", {}))

    def send(client: FaradayClient) -> Connection:
        updated = client.update_connection(
            connection.id, name=patch.get("name"), options=patch.get("options")
        )
        # `connection` is Faraday's answer read just before the PATCH: the diff's "before".
        draft.changes = history.edit_changes_record(
            before=connection, after=updated, sent_options=patch.get("options", {})
        )
        return updated

    return _audited_call(draft, send, scrub=lambda error: _redact_secrets(error, form))


# ---- lifecycle actions ----------------------------------------------------------------------

_AUDIT_ACTIONS = {
    "edit": Action.EDIT,
    "archive": Action.ARCHIVE,
    "unarchive": Action.UNARCHIVE,
    "delete": Action.DELETE,
    "force-update": Action.FORCE_UPDATE,
    "rotate": Action.ROTATE,
}
LIFECYCLE_ACTIONS = frozenset(_AUDIT_ACTIONS) - {"edit"}


def connection_action_check(*, action: str, detail: ConnectionDetail) -> None:
    """Raise ActionRefused when this app won't send `action` for the connection; else None.

    Raises ValueError for an action that isn't one of LIFECYCLE_ACTIONS.
    """
    if action not in LIFECYCLE_ACTIONS:
        raise ValueError(f"unknown lifecycle action {action!r}")
    connection = detail.row.connection
    if connection.managed:
        raise ActionRefused(messages.MANAGED_ACTION)
    if action == "delete" and detail.dependents:
        archived = sum(1 for ref in detail.dependents if ref.archived_at is not None)
        raise ActionRefused(messages.still_used_by(len(detail.dependents), archived))
    if action == "rotate" and connection.type not in KEY_PAIR_TYPES:
        raise ActionRefused(messages.key_pair_only(KEY_PAIR_TYPES))
    if action == "archive" and connection.is_archived:
        raise ActionRefused(messages.ALREADY_ARCHIVED)
    if action == "unarchive" and not connection.is_archived:
        raise ActionRefused(messages.NOT_ARCHIVED)


def connection_action_perform(
    *, actor, action: str, detail: ConnectionDetail, cascade: bool = False
) -> None:
    """Send one lifecycle action and audit it; `cascade` (archive, unarchive) takes the
    connection's datasets and targets along.

    Raises ActionRefused (nothing sent; audit it with connection_write_refused), ValueError
    for an unknown action, or the client's FaradayError (audited).
    """
    connection_action_check(action=action, detail=detail)
    connection = detail.row.connection
    calls: dict[str, Callable[[FaradayClient], Any]] = {
        "archive": lambda c: c.archive_connection(connection.id, cascade_to_all=cascade),
        "unarchive": lambda c: c.unarchive_connection(connection.id, cascade_to_all=cascade),
        "delete": lambda c: c.delete_connection(connection.id),
        "force-update": lambda c: c.force_update_connection(connection.id),
        "rotate": lambda c: c.rotate_connection_credentials(connection.id, type=connection.type),
    }
    draft = _AuditDraft(
        actor=actor,
        action=_AUDIT_ACTIONS[action],
        connection_type=connection.type,
        connection_name=connection.name,
        connection_id=connection.id,
    )
    _audited_call(draft, calls[action])


def connection_write_refused(
    *, actor, action: str, connection: Connection, refused: ActionRefused
) -> None:
    """Audit a write (`action`: "edit" or a lifecycle action) that this app refused to send."""
    _AuditDraft(
        actor=actor,
        action=_AUDIT_ACTIONS[action],
        connection_type=connection.type,
        connection_name=connection.name,
        connection_id=connection.id,
    ).write(Outcome.REJECTED, detail=f"not sent: {refused}")


def connection_write_forbidden(*, actor, action: str, connection_id: str) -> None:
    """Audit a write (`action`: "edit" or a lifecycle action) refused because the person's role
    doesn't allow it; the connection isn't read for someone who may not change it."""
    audit_permission_refused(
        actor=actor, action=_AUDIT_ACTIONS[action], connection_id=connection_id
    )


def connection_write_unsent(*, actor, action: str, connection_id: str, error: FaradayError) -> None:
    """Audit a write (`action`: "edit" or a lifecycle action) that was never sent because
    reading the connection first failed with `error`."""
    detail = "not sent: reading the connection first failed"
    if isinstance(error, NetworkError):
        detail += f" (network fault: {error.kind})"
    _AuditDraft(actor=actor, action=_AUDIT_ACTIONS[action], connection_id=connection_id).write(
        outcome_for_error(error), error=error, detail=detail
    )


# ---- Faraday's validation errors onto the form ----------------------------------------------


def field_for_path(path: str, field_names: Sequence[str]) -> str | None:
    """The form field a validation path points at, or None when it names none of them."""
    parts = list(path_segments(path))
    if parts[:1] == ["options"]:
        parts = parts[1:]
        if len(parts) == 1 and parts[0] in field_names:
            return parts[0]
        return None
    if len(parts) == 1 and (parts[0] == "name" or parts[0] in field_names):
        return parts[0]
    return None


def validation_errors_onto_form(form: ConnectionForm, errors: Sequence[ValidationErrorItem]):
    """Put each Faraday validation error on its field; the rest become form-level errors,
    labelled with what their path names ("Connection type: …", else "Faraday: …")."""
    field_names = [spec.name for spec in form.connection_type.fields]
    for item in errors:
        target = field_for_path(item.path, field_names)
        if target:
            form.add_error(target, messages.validation_message(item))
        else:
            form.add_error(None, messages.validation_item_text(item, form.connection_type))


# ---- pending audit rows the app lost track of -----------------------------------------------

# A write still in flight may be pending this long (timeouts plus retries stay well inside it).
RECONCILE_AFTER = timedelta(minutes=2)
# How long after the row was written Faraday may have stamped the connection it created.
_CREATED_WITHIN = timedelta(minutes=2)


def audit_reconcile_pending(*, now=None) -> int:
    """Settle the audit rows left "sent, outcome pending" (the database failed between sending
    and recording the answer) by reading Faraday. A create is looked for by name, type and
    time; a delete by whether the connection is gone; other writes can't be told from
    Faraday's state and are marked unconfirmed. Returns how many rows were settled; a Faraday
    that can't be read leaves them pending for next time."""
    cutoff = (now or timezone.now()) - RECONCILE_AFTER
    stale = list(AuditEntry.objects.filter(outcome=Outcome.PENDING, created_at__lt=cutoff))
    if not stale:
        return 0
    settled = 0
    listing: list[Connection] | None = None
    for entry in stale:
        try:
            client = get_faraday_client()
            if entry.action == Action.CREATE:
                listing = client.list_connections() if listing is None else listing
                settled += _reconcile_create(entry, listing)
            elif entry.action == Action.DELETE:
                settled += _reconcile_delete(entry, client)
            else:
                settled += audit_complete(
                    entry,
                    outcome=Outcome.UNCONFIRMED,
                    detail="sent; the app lost track of Faraday's answer. Check the "
                    "connection in Faraday.",
                )
        except FaradayError:
            break  # Faraday can't be read now: one wait is enough, the rest stay pending
    return settled


def _reconcile_create(entry: AuditEntry, listing: Sequence[Connection]) -> bool:
    claimed = set(
        AuditEntry.objects.filter(action=Action.CREATE)
        .exclude(faraday_connection_id="")
        .values_list("faraday_connection_id", flat=True)
    )
    earliest = entry.created_at - CLOCK_SKEW
    latest = entry.created_at + _CREATED_WITHIN
    matches = [
        c
        for c in listing
        if c.id not in claimed
        and c.name == entry.connection_name
        and c.type == entry.connection_type
        and c.created_at
        and earliest <= c.created_at <= latest
    ]
    if not matches:
        return audit_complete(
            entry,
            outcome=Outcome.NOT_FOUND_LATER,
            detail="checked later: no connection of this name and type was created in Faraday "
            "at that time",
        )
    found = min(matches, key=lambda c: c.created_at)
    ConnectionRecord.objects.get_or_create(
        faraday_id=found.id,
        defaults={
            "connection_type": entry.connection_type,
            "name": found.name[:255],
            "created_by": entry.actor,
            "created_by_username": entry.actor_username,
        },
    )
    return audit_complete(
        entry,
        outcome=Outcome.CONFIRMED_LATER,
        faraday_connection_id=found.id,
        detail="checked later: Faraday has it (found by name, type and time)",
    )


def _reconcile_delete(entry: AuditEntry, client: FaradayClient) -> bool:
    try:
        client.get_connection(entry.faraday_connection_id)
    except NotFound:
        return audit_complete(
            entry, outcome=Outcome.CONFIRMED_LATER, detail="checked later: the connection is gone"
        )
    return audit_complete(
        entry,
        outcome=Outcome.NOT_FOUND_LATER,
        detail="checked later: the connection still exists in Faraday",
    )
