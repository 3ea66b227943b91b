"""Hand-offs: a create form sent to whoever holds the credentials, through a one-time link.

Writes (create, revoke, submit) and reads (find by token, list) for hand-offs live here, apart
from services.py, because they are one feature; a submission goes through the same
`services.connection_create` as the create page.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from faraday_admin.audit.details import Detail
from faraday_admin.audit.models import Action, Outcome
from faraday_admin.audit.services import audit_record
from faraday_admin.catalog import get_catalog
from faraday_admin.connections import services
from faraday_admin.connections.models import HandOff
from faraday_admin.core import roles
from faraday_admin.faraday_client import Connection

# Once used, the link still shows the new connection's status this long (and nothing else).
STATUS_WINDOW = timedelta(hours=1)
_TOKEN_SALT = "faraday_admin.connections.handoff"  # noqa: S105 - an HMAC salt, not a secret


class HandOffState(StrEnum):
    WAITING = "waiting"
    DONE = "done"
    EXPIRED = "expired"
    REVOKED = "revoked"


class HandOffClosed(Exception):
    """The link can't be used: `state` says why (done, expired or revoked)."""

    def __init__(self, handoff: HandOff, state: HandOffState):
        super().__init__(state)
        self.handoff = handoff
        self.state = state


class RateLimited(Exception):
    """Too many requests from one address to the link pages, or too many links from a person."""


def handoff_token(handoff: HandOff) -> str:
    """The link's token: 256 bits, derived from the stored nonce with SECRET_KEY (never stored)."""
    return salted_hmac(_TOKEN_SALT, handoff.nonce, algorithm="sha256").hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def handoff_state(handoff: HandOff, *, now=None) -> HandOffState:
    now = now or timezone.now()
    if handoff.used_at:
        return HandOffState.DONE
    if handoff.revoked_at:
        return HandOffState.REVOKED
    if handoff.expires_at <= now:
        return HandOffState.EXPIRED
    return HandOffState.WAITING


def draft_values(type_key: str, data) -> tuple[str, dict[str, Any]]:
    """The name and the non-secret fields of the type from submitted form data (blank dropped)."""
    connection_type = get_catalog().types[type_key]
    values = {
        spec.name: data.get(spec.name)
        for spec in connection_type.fields
        if not spec.secret and data.get(spec.name) not in (None, "")
    }
    return str(data.get("name", ""))[:255], values


def rate_limit(*, key: str, limit: int, seconds: int = 60) -> None:
    """Count one request under `key` in a fixed window; raise RateLimited past `limit`."""
    cache_key = f"handoff-rate:{key}"
    if cache.add(cache_key, 1, timeout=seconds):
        return
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=seconds)
        return
    if count > limit:
        raise RateLimited


def handoff_create(*, creator, type_key: str, data) -> HandOff:
    """Save a draft of the create form (never a secret) and a new one-time link for it.

    Raises RateLimited when the person made too many links in the last hour.
    """
    rate_limit(key=f"create:{creator.pk}", limit=30, seconds=3600)
    name, values = draft_values(type_key, data)
    nonce = secrets.token_hex(32)
    handoff = HandOff(
        nonce=nonce,
        created_by=creator,
        created_by_username=creator.get_username(),
        connection_type=type_key,
        name=name,
        values=values,
        expires_at=timezone.now() + timedelta(hours=settings.HANDOFF_EXPIRY_HOURS),
    )
    handoff.token_hash = _hash(handoff_token(handoff))
    with transaction.atomic():
        handoff.save()
        _audit(creator, Action.HANDOFF_SEND, handoff)
    return handoff


def _audit(actor, action: Action, handoff: HandOff) -> None:
    # The draft holds no secret; the link itself is never recorded, only when it expires.
    audit_record(
        actor=actor,
        action=action,
        outcome=Outcome.SUCCESS,
        connection_type=handoff.connection_type,
        connection_name=handoff.name,
        options={"type": handoff.connection_type, **handoff.values},
        detail=Detail(
            "handoff",
            {"handoff": handoff.pk, "valid_until": f"{handoff.expires_at:%Y-%m-%d %H:%M}"},
        ),
    )


def may_manage(user, handoff: HandOff) -> bool:
    """Its creator or an admin may see its link again and revoke it."""
    return handoff.created_by_id == user.pk or user.has_perm(roles.MANAGE_API_KEY)


def handoff_revoke(*, user, handoff: HandOff) -> None:
    """Revoke a waiting link. Raises HandOffClosed when it is done, expired or revoked already."""
    state = handoff_state(handoff)
    if state is not HandOffState.WAITING:
        raise HandOffClosed(handoff, state)
    with transaction.atomic():
        withdrawn = HandOff.objects.filter(pk=handoff.pk, used_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by_username=user.get_username()
        )
        if withdrawn:
            _audit(user, Action.HANDOFF_WITHDRAW, handoff)
    handoff.refresh_from_db()


def handoffs_for(user) -> QuerySet[HandOff]:
    """The person's hand-offs, newest first (an admin sees everyone's)."""
    queryset = HandOff.objects.all()
    if not user.has_perm(roles.MANAGE_API_KEY):
        queryset = queryset.filter(created_by=user)
    return queryset


def handoff_by_token(token: str) -> HandOff | None:
    """The hand-off the token opens, or None for a token that opens nothing."""
    if not token or len(token) > 128:
        return None
    return HandOff.objects.filter(token_hash=_hash(token)).first()


def handoff_status_visible(handoff: HandOff) -> bool:
    """A used link shows its connection's status for a while after, and nothing more."""
    return bool(
        handoff.used_at and handoff.faraday_id and timezone.now() - handoff.used_at < STATUS_WINDOW
    )


def actor_label(handoff: HandOff) -> str:
    return f"via link from {handoff.created_by_username}"


def handoff_submit(*, handoff: HandOff, data: Mapping[str, Any]) -> Connection:
    """Create the connection from a filled-in link, once.

    Creates through `services.connection_create` as the link's creator, audited "via link from
    <creator>"; once the form is valid the link is claimed, so a second submission or a replay
    sends nothing (HandOffClosed). Raises the service's WriteFailed (audited there), after
    releasing the claim, so the form can be corrected and sent again.
    """
    claimed = False

    def claim() -> None:
        nonlocal claimed
        now = timezone.now()
        claimed = bool(
            HandOff.objects.filter(
                pk=handoff.pk,
                claimed_at__isnull=True,
                used_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=now,
            ).update(claimed_at=now)
        )
        if not claimed:
            handoff.refresh_from_db()
            state = handoff_state(handoff)
            # Claimed but not used: another submission is with Faraday right now.
            raise HandOffClosed(
                handoff, HandOffState.DONE if state is HandOffState.WAITING else state
            )

    creator = handoff.created_by
    token = services.submission_token_issue(user=creator)
    try:
        connection = services.connection_create(
            actor=creator,
            token=str(token),
            type_key=handoff.connection_type,
            data=data,
            actor_label=actor_label(handoff),
            before_send=claim,
        )
    except BaseException:
        if claimed:
            HandOff.objects.filter(pk=handoff.pk).update(claimed_at=None)
        raise
    HandOff.objects.filter(pk=handoff.pk).update(used_at=timezone.now(), faraday_id=connection.id)
    handoff.refresh_from_db()
    return connection


def handoff_message(handoff: HandOff, link: str) -> str:
    """The ready message for IT: who asks, for what, the link; never a secret."""
    connection_type = get_catalog().get(handoff.connection_type)
    label = connection_type.label if connection_type else handoff.connection_type
    expires = timezone.localtime(handoff.expires_at)
    name = f"“{handoff.name}” " if handoff.name else ""
    return (
        f"Hello,\n{handoff.created_by_username} asks you to finish setting up the {label} "
        f"connection {name}for Faraday. The link below shows what is needed and what has been "
        f"filled in; only you type the password or key there, and it goes straight to Faraday.\n"
        f"{link}\nThe link works once and expires on {expires:%Y-%m-%d %H:%M %Z}.\nThank you!"
    )


def handoff_mailto(handoff: HandOff, link: str) -> str:
    subject = "Please finish a Faraday connection"
    return f"mailto:?subject={quote(subject)}&body={quote(handoff_message(handoff, link))}"


def handoff_email(*, handoff: HandOff, link: str, to: str) -> None:
    """Email the link (only when HANDOFF_EMAIL is on); the message holds no secret."""
    if not settings.HANDOFF_EMAIL:
        raise RuntimeError("Emailing hand-off links is turned off (HANDOFF_EMAIL).")
    send_mail("Please finish a Faraday connection", handoff_message(handoff, link), None, [to])


@dataclass(frozen=True)
class HandOffRow:
    handoff: HandOff
    state: HandOffState
    type_label: str
    link: str
    mailto: str

    @property
    def link_id(self) -> str:
        return f"handoff-link-{self.handoff.pk}"


def handoff_rows(user, build_link) -> list[HandOffRow]:
    """The hand-off list page's rows; `build_link(token)` gives the absolute link."""
    now = timezone.now()
    types = get_catalog().types
    rows = []
    for handoff in handoffs_for(user)[:100]:
        link = build_link(handoff_token(handoff))
        connection_type = types.get(handoff.connection_type)
        label = connection_type.label if connection_type else handoff.connection_type
        state = handoff_state(handoff, now=now)
        rows.append(HandOffRow(handoff, state, label, link, handoff_mailto(handoff, link)))
    return rows
