"""Writes to Faraday and the rules around them: one service per write, owning the attempt.

Each write reads what it needs, checks this app's rules (managed connections, dependents,
key-pair types, archived state), sends, and audits every outcome: success, a refusal by this
app, a form it rejects, Faraday's answer, a fault on the way. It returns its result or raises
one `WriteFailed`, already audited, that carries the form with its errors, the worded problem
and a `Reason` a view maps to a template and status.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar

from django.db import DatabaseError, transaction
from django.http import QueryDict
from django.utils import timezone

from faraday_admin.audit.details import Detail
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import (
    audit_complete,
    audit_record,
    catalog_type_or_unknown,
    outcome_for_error,
)
from faraday_admin.catalog import ConnectionType, get_catalog
from faraday_admin.catalog.loader import humanize_key
from faraday_admin.connections import finish_steps, paste, refusals, selectors
from faraday_admin.connections.actions import ACTIONS, LifecycleAction
from faraday_admin.connections.form_errors import validation_errors_onto_form
from faraday_admin.connections.forms import (
    ConnectionForm,
    carried_values,
    edit_form,
    form_class_for,
    unbound_form,
)
from faraday_admin.connections.models import ConnectionRecord, SubmissionToken
from faraday_admin.connections.problems import describe_action_error
from faraday_admin.connections.refusals import Refusal
from faraday_admin.connections.selectors import ConnectionDetail
from faraday_admin.core.crypto import encrypt
from faraday_admin.core.problems import Problem, describe_error
from faraday_admin.core.upstream import forget_cached_reads, get_faraday_client
from faraday_admin.faraday_client import (
    BadResponse,
    Connection,
    FaradayClient,
    FaradayError,
    NetworkError,
    NotFound,
    ServerError,
    ValidationFailed,
)
from faraday_admin.history import services as history
from faraday_admin.history.selectors import RevertPlan, revert_plan

T = TypeVar("T")

# Faraday's clock and ours may disagree by a little: look this far before the POST was sent.
CLOCK_SKEW = timedelta(seconds=5)
# Answers after which a create may still have landed (a gateway gave up waiting on Faraday).
_GATEWAY_STATUSES = frozenset({502, 503, 504})


class Reason(StrEnum):
    """Why a write didn't happen (or may not have)."""

    INVALID = "invalid"  # the form: this app's checks, Faraday's validation, an expired form
    REFUSED = "refused"  # this app's own rule: nothing sent
    NOTHING_CHANGED = "nothing_changed"  # an edit that changes nothing: nothing sent
    ALREADY_SUBMITTED = "already_submitted"  # the create form's one-time token was used
    GONE = "gone"  # reading it first: the connection no longer exists; nothing sent
    UNREADABLE = "unreadable"  # reading it first failed; nothing sent
    UPSTREAM = "upstream"  # Faraday refused the write, or couldn't be asked


class WriteFailed(Exception):
    """A write that didn't happen, audited already. `message`: plain words for a notice;
    `problem`: Faraday's error worded for the `#upstream-error` banner; `form`: the form with
    its errors; `connection`/`detail`: what was read first; `token`: a fresh one-time token
    for the create form; `faraday_id`: the connection an earlier submission created."""

    def __init__(
        self,
        reason: Reason,
        message: str = "",
        *,
        problem: Problem | None = None,
        form: ConnectionForm | None = None,
        connection: Connection | None = None,
        detail: ConnectionDetail | None = None,
        token: uuid.UUID | None = None,
        faraday_id: str = "",
    ):
        if not message and problem is not None:
            message = f"{problem.title} {problem.next_step}"
        super().__init__(message or reason.value)
        self.reason = reason
        self.message = message
        self.problem = problem
        self.form = form
        self.connection = connection
        self.detail = detail
        self.token = token
        self.faraday_id = faraday_id


class SubmissionAlreadyUsed(Exception):
    """The create form's one-time token was used already (double click, refresh, second tab)."""

    def __init__(self, faraday_id: str):
        super().__init__("This form was already submitted.")
        self.faraday_id = faraday_id


class SubmissionTokenUnknown(Exception):
    """The create form's token isn't one this person holds: purged, someone else's, or garbled."""


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
    # Said on the row unless its outcome has words of its own (a revert names its edit).
    detail: Detail | None = None

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
                detail=Detail("pending"),
                actor_label=self.actor_label,
            )

    def write(
        self,
        outcome: Outcome,
        *,
        started: float | None = None,
        error: FaradayError | None = None,
        http_status: int | None = None,
        detail: Detail | None = None,
    ):
        duration_ms = None if started is None else round((time.monotonic() - started) * 1000)
        detail = detail or self.detail
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


def _form_rejected(draft: _AuditDraft, form: ConnectionForm) -> WriteFailed:
    draft.write(Outcome.REJECTED, detail=Detail("form_invalid", {"fields": sorted(form.errors)}))
    return WriteFailed(Reason.INVALID, form=form)


def _upstream_failed(error: FaradayError, form: ConnectionForm, **context) -> WriteFailed:
    """Faraday's refusal or fault, worded; its validation errors go onto the form's fields."""
    if isinstance(error, ValidationFailed):
        validation_errors_onto_form(form, error.validation_errors)
        return WriteFailed(Reason.INVALID, form=form, problem=describe_error(error), **context)
    return WriteFailed(Reason.UPSTREAM, form=form, problem=describe_error(error), **context)


def connection_create(
    *,
    actor,
    token: str,
    type_key: str,
    data: Mapping[str, Any],
    actor_label: str = "",
    before_send: Callable[[], None] | None = None,
) -> Connection:
    """Create a connection of `type_key` from the submitted `data`, once per one-time `token`.
    `actor_label` names the actor in the audit rows when it isn't the signed-in person ("via
    link from alice", for a hand-off); `before_send` runs once the form is valid, before the
    token is claimed (a hand-off claims its link there; what it raises goes up unaudited).

    Every outcome is audited. Returns the new Connection. Raises WriteFailed: INVALID (no
    known type, and then no `form`; the form's own checks; an expired token, with a fresh
    `token`; Faraday's validation errors, on the form's fields), ALREADY_SUBMITTED (with the
    `faraday_id` it created, if any), or UPSTREAM (any other Faraday error, worded). The token
    is released after an error, so the same form can be corrected and sent again. After an
    answer that leaves it unclear whether the POST landed (a read timeout, a broken connection,
    a gateway's 502/503/504), it looks for the connection and returns it when found.
    """
    if type_key not in get_catalog().types:
        _AuditDraft(
            actor=actor,
            action=Action.CREATE,
            connection_type=catalog_type_or_unknown(type_key),
            actor_label=actor_label,
        ).write(
            Outcome.REJECTED,
            detail=Detail("unknown_type" if type_key else "no_type"),
        )
        raise WriteFailed(Reason.INVALID)
    connection_type: ConnectionType = get_catalog().types[type_key]
    form = form_class_for(type_key)(
        pasted_password_into(user=actor, token=token, data=data, type_key=type_key)
    )
    if not form.is_valid():
        raise _form_rejected(
            _AuditDraft(
                actor=actor,
                action=Action.CREATE,
                connection_type=type_key,
                connection_name=str(form.data.get("name", "")),
                options=form.audit_options(),
                secret_names=connection_type.secret_field_names,
                actor_label=actor_label,
            ),
            form,
        )
    if before_send is not None:
        before_send()
    name = form.cleaned_data["name"]
    options = form.options_payload()
    draft = _AuditDraft(
        actor=actor,
        action=Action.CREATE,
        connection_type=type_key,
        connection_name=name,
        options=options,
        secret_names=connection_type.secret_field_names,
        actor_label=actor_label,
    )
    try:
        claimed = _token_claim(user=actor, token=token)
    except SubmissionTokenUnknown:
        draft.write(Outcome.REJECTED, detail=Detail("token_unknown"))
        # Not a double submission: keep what was typed and let the person send it again.
        form.add_error(None, refusals.FORM_EXPIRED)
        raise WriteFailed(
            Reason.INVALID, form=form, token=submission_token_issue(user=actor)
        ) from None
    except SubmissionAlreadyUsed as used:
        draft.connection_id = used.faraday_id
        draft.write(Outcome.REJECTED, detail=Detail("already_submitted"))
        raise WriteFailed(
            Reason.ALREADY_SUBMITTED,
            refusals.ALREADY_SUBMITTED_FOUND if used.faraday_id else refusals.ALREADY_SUBMITTED,
            faraday_id=used.faraday_id,
        ) from None
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
        http_status, detail = client.last_status, None
    except FaradayError as error:
        if sent_at is not None:
            forget_cached_reads()  # it may have landed
        found = None
        if sent_at is not None and _may_have_landed(error):  # set once a client sent the POST
            found = _find_created(client, name=name, type_key=type_key, since=sent_at - CLOCK_SKEW)
        if found is None:
            _token_release(claimed)
            _redact_secrets(error, form)
            draft.write(outcome_for_error(error), started=started, error=error)
            raise _upstream_failed(error, form) from error
        # The POST's own answer never arrived (or was a gateway's): no status to record.
        connection, http_status = found, None
        detail = Detail("found_after_unclear_answer", {"answer": _error_label(error)})
    forget_cached_reads()
    with transaction.atomic():
        ConnectionRecord.objects.update_or_create(
            faraday_id=connection.id,
            defaults={
                "connection_type": type_key,
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
        password_note = refusals.PASTE_UNKEPT
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
        problem="" if proposals or chosen else refusals.PASTE_NEEDS_TYPE,
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
        return refusals.pasted_password_unused(connection_type)
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


# ---- reading the connection before a write ---------------------------------------------------


def _read_first(read: Callable[[], T], draft: _AuditDraft | None, *, gone: str = "") -> T:
    """The connection (or its detail) as a write needs it. When reading fails nothing is sent:
    raises WriteFailed GONE (it no longer exists, and `gone` says so) or UNREADABLE, audited
    with `draft` when there is one (a write was attempted; a page being read is no attempt)."""
    try:
        return read()
    except FaradayError as error:
        if draft is not None:
            network = {"network": error.kind} if isinstance(error, NetworkError) else {}
            draft.write(
                outcome_for_error(error), error=error, detail=Detail("read_failed", network)
            )
        problem = describe_error(error, has_fields=False)
        if isinstance(error, NotFound):
            raise WriteFailed(Reason.GONE, gone or problem.title, problem=problem) from error
        raise WriteFailed(Reason.UNREADABLE, problem.title, problem=problem) from error


def _refused(draft: _AuditDraft, refusal: Refusal, **context) -> WriteFailed:
    draft.write(Outcome.REJECTED, detail=Detail("refused", refusal.audit_data))
    return WriteFailed(Reason.REFUSED, str(refusal), **context)


def _connection_draft(actor, action: Action, connection: Connection, **fields) -> _AuditDraft:
    fields = {"connection_name": connection.name, **fields}
    return _AuditDraft(
        actor=actor,
        action=action,
        connection_type=connection.type,
        connection_id=connection.id,
        **fields,
    )


# ---- edit -----------------------------------------------------------------------------------


def connection_edit_refusal(connection: Connection) -> Refusal | None:
    """Why this app may not edit the connection (managed, or of a type the catalog doesn't
    describe); None when it may."""
    if connection.managed:
        return Refusal("managed_edit")
    if get_catalog().get(connection.type) is None:
        return Refusal("unknown_type_edit", {"type": connection.type})
    return None


def connection_edit_open(*, connection_id: str) -> Connection:
    """The connection for its edit page (read from the cache). Raises WriteFailed GONE,
    UNREADABLE or REFUSED; nothing is audited, as reading a page is no attempt."""
    connection = _read_first(lambda: selectors.connection_get(connection_id=connection_id), None)
    if refusal := connection_edit_refusal(connection):
        raise WriteFailed(Reason.REFUSED, str(refusal), connection=connection)
    return connection


def connection_update(*, actor, connection_id: str, data: Mapping[str, Any]) -> Connection:
    """Save the edit form's `data` for the connection, read fresh from Faraday first: PATCH
    what the person changed, as a merge patch (`ConnectionForm.merge_patch`). Every outcome
    is audited. Returns the updated Connection.

    Raises WriteFailed: GONE or UNREADABLE (reading it first failed), REFUSED (managed, or a
    type the catalog doesn't know), INVALID (this app's checks, or Faraday's validation errors
    on the form's fields), NOTHING_CHANGED (no patch: nothing sent, nothing audited), or
    UPSTREAM (any other Faraday error, worded). All but the first two carry the `connection`.
    """
    connection = _read_first(
        lambda: selectors.connection_get(connection_id=connection_id, fresh=True),
        _AuditDraft(actor=actor, action=Action.EDIT, connection_id=connection_id),
        gone=refusals.EDITED_CONNECTION_GONE,
    )
    if refusal := connection_edit_refusal(connection):
        raise _refused(
            _connection_draft(actor, Action.EDIT, connection), refusal, connection=connection
        )
    form = edit_form(connection, data)

    def draft(options) -> _AuditDraft:
        return _connection_draft(
            actor,
            Action.EDIT,
            connection,
            connection_name=str(form.data.get("name", "")),
            options=options,
            secret_names=form.connection_type.secret_field_names,
        )

    if not form.is_valid():
        failed = _form_rejected(draft(form.audit_options()), form)
        failed.connection = connection
        raise failed
    patch = form.merge_patch()
    if not patch:
        raise WriteFailed(
            Reason.NOTHING_CHANGED, refusals.NOTHING_CHANGED, form=form, connection=connection
        )
    attempt = draft(patch.get("options", {}))

    def send(client: FaradayClient) -> Connection:
        updated = client.update_connection(
            connection.id, name=patch.get("name"), options=patch.get("options")
        )
        # `connection` is Faraday's answer read just before the PATCH: the diff's "before".
        attempt.changes = history.edit_changes_record(
            before=connection, after=updated, sent_options=patch.get("options", {})
        )
        return updated

    try:
        return _audited_call(attempt, send, scrub=lambda error: _redact_secrets(error, form))
    except FaradayError as error:
        raise _upstream_failed(error, form, connection=connection) from error


def connection_revert_open(
    *, connection_id: str, entry: AuditEntry
) -> tuple[Connection, RevertPlan]:
    """The connection as Faraday has it now (not as cached) and what reverting `entry` would
    send, for the confirmation page. Raises WriteFailed GONE or UNREADABLE; nothing audited."""
    connection = _read_first(
        lambda: selectors.connection_get(connection_id=connection_id, fresh=True),
        None,
        gone=refusals.REVERT_GONE,
    )
    return connection, revert_plan(entry=entry, current=connection)


def connection_revert(*, actor, connection_id: str, entry: AuditEntry) -> Connection:
    """Put back `entry`'s "before" values of its non-secret fields (read against the connection
    as Faraday has it now), as an audited edit of its own with its diff. Returns the updated
    Connection.

    Raises WriteFailed: GONE or UNREADABLE (reading it first failed), REFUSED (it can't be
    edited here, or already holds those values: nothing sent), or UPSTREAM (Faraday's error,
    worded). Every outcome is audited.
    """
    revert = Detail("revert", {"entry": entry.pk})
    connection = _read_first(
        lambda: selectors.connection_get(connection_id=connection_id, fresh=True),
        _AuditDraft(actor=actor, action=Action.EDIT, connection_id=connection_id, detail=revert),
        gone=refusals.REVERT_GONE,
    )
    plan = revert_plan(entry=entry, current=connection)
    options = plan.patch.get("options", {})
    connection_type = get_catalog().get(connection.type)
    draft = _connection_draft(
        actor,
        Action.EDIT,
        connection,
        connection_name=plan.patch.get("name", connection.name),
        options=options,
        secret_names=connection_type.secret_field_names if connection_type else frozenset(),
        detail=revert,
    )
    if refusal := connection_edit_refusal(connection) or (
        Refusal("revert_nothing_to_do") if plan.already_reverted else None
    ):
        raise _refused(draft, refusal, connection=connection)

    def send(client: FaradayClient) -> Connection:
        updated = client.update_connection(
            connection.id, name=plan.patch.get("name"), options=options or None
        )
        draft.changes = history.edit_changes_record(
            before=connection, after=updated, sent_options=options
        )
        return updated

    try:
        return _audited_call(draft, send)
    except FaradayError as error:
        problem = describe_error(error, has_fields=False)
        raise WriteFailed(Reason.UPSTREAM, problem=problem, connection=connection) from error


# ---- lifecycle actions ----------------------------------------------------------------------


def connection_action_refusal(
    *, action: LifecycleAction, detail: ConnectionDetail
) -> Refusal | None:
    """Why this app won't send `action` for the connection (its str() says it in plain words);
    None when it will."""
    for rule in action.rules:
        if refusal := rule(detail):
            return refusal
    return None


def connection_action_open(*, connection_id: str) -> ConnectionDetail:
    """The connection and what uses it, for the action's confirmation page (read from the
    cache). Raises WriteFailed GONE or UNREADABLE; nothing is audited."""
    return _read_first(lambda: selectors.connection_detail(connection_id=connection_id), None)


def _action_send(
    *, actor, action: LifecycleAction, detail: ConnectionDetail, cascade: bool
) -> ConnectionDetail:
    connection = detail.row.connection
    draft = _connection_draft(actor, action.audit_action, connection)
    if refusal := connection_action_refusal(action=action, detail=detail):
        raise _refused(draft, refusal, detail=detail)
    try:
        _audited_call(draft, lambda c: action.send(c, connection.id, connection.type, cascade))
    except FaradayError as error:
        problem = describe_action_error(
            error, action=action.slug, cascade=cascade, dependents_listed=bool(detail.dependents)
        )
        raise WriteFailed(Reason.UPSTREAM, problem=problem, detail=detail) from error
    return detail


def connection_act(
    *, actor, action: LifecycleAction, connection_id: str, cascade: bool = False
) -> ConnectionDetail:
    """Send one lifecycle action, after reading the connection fresh from Faraday and checking
    this app's rules (`action.rules`); `cascade` (archive, unarchive) takes the connection's
    datasets and targets along. Every outcome is audited. Returns what was read first.

    Raises WriteFailed: GONE or UNREADABLE (reading it first failed), REFUSED (a rule; with the
    `detail`), or UPSTREAM (Faraday's error, worded for the confirmation page; with the `detail`).
    """
    detail = _read_first(
        lambda: selectors.connection_detail(connection_id=connection_id, fresh=True),
        _AuditDraft(actor=actor, action=action.audit_action, connection_id=connection_id),
        gone=refusals.ACTED_ON_CONNECTION_GONE,
    )
    return _action_send(actor=actor, action=action, detail=detail, cascade=cascade)


def connection_archive(*, actor, connection_id: str, cascade: bool = False) -> ConnectionDetail:
    return connection_act(
        actor=actor, action=ACTIONS["archive"], connection_id=connection_id, cascade=cascade
    )


def connection_unarchive(*, actor, connection_id: str, cascade: bool = False) -> ConnectionDetail:
    return connection_act(
        actor=actor, action=ACTIONS["unarchive"], connection_id=connection_id, cascade=cascade
    )


def connection_delete(*, actor, connection_id: str) -> ConnectionDetail:
    return connection_act(actor=actor, action=ACTIONS["delete"], connection_id=connection_id)


def connection_force_update(*, actor, connection_id: str) -> ConnectionDetail:
    return connection_act(actor=actor, action=ACTIONS["force-update"], connection_id=connection_id)


def connection_rotate(*, actor, connection_id: str) -> ConnectionDetail:
    return connection_act(actor=actor, action=ACTIONS["rotate"], connection_id=connection_id)


def connection_key_installed(*, actor, connection_id: str) -> None:
    """ "I've done it — check again": note Faraday's key as installed, then force an update.
    Every outcome is audited (as a force update). Raises WriteFailed as `connection_act` does;
    its `message` is the words for a notice on the detail page."""
    action = ACTIONS["force-update"]
    detail = _read_first(
        lambda: selectors.connection_detail(connection_id=connection_id),
        _AuditDraft(actor=actor, action=action.audit_action, connection_id=connection_id),
    )
    connection = detail.row.connection
    step = finish_steps.finish_step(connection, get_catalog().get(connection.type))
    if step is not None and step.kind == "key" and step.key_sha256:
        finish_steps.key_install_mark(connection=connection, step=step, user=actor)
    _action_send(actor=actor, action=action, detail=detail, cascade=False)


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
                    detail=Detail("lost_track"),
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
            detail=Detail("not_created_later"),
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
        detail=Detail("created_later"),
    )


def _reconcile_delete(entry: AuditEntry, client: FaradayClient) -> bool:
    try:
        client.get_connection(entry.faraday_connection_id)
    except NotFound:
        return audit_complete(entry, outcome=Outcome.CONFIRMED_LATER, detail=Detail("gone_later"))
    return audit_complete(
        entry,
        outcome=Outcome.NOT_FOUND_LATER,
        detail=Detail("still_there_later"),
    )
