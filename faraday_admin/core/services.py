"""Writes for the core app: the stored Faraday API key, staff status for Admins, the first user.

Every API key action writes exactly one audit row, and no row ever holds the key (only what
the Settings page shows anyway: its last four characters).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone

from faraday_admin.audit.details import Detail
from faraday_admin.audit.models import Action, Outcome
from faraday_admin.audit.services import audit_record, outcome_for_error
from faraday_admin.core import crypto, roles
from faraday_admin.core.models import StoredApiKey
from faraday_admin.core.upstream import (
    KeySource,
    current_setup,
    forget_current_setup,
    get_faraday_client,
)
from faraday_admin.faraday_client import Account, FaradayError, NetworkError

logger = logging.getLogger(__name__)

_SOURCE_WORDS = {
    KeySource.ENVIRONMENT: "environment key",
    KeySource.STORED: "stored key",
    KeySource.DEMO: "demo mode (simulator)",
    KeySource.NONE: "no key",
}


class ApiKeyFromEnvironment(Exception):
    """FARADAY_API_KEY is set, so a key saved in the app would never be used."""


class NoApiKey(Exception):
    """There is no key to test: none in the environment, none stored, and demo mode is off."""


def api_key_save(*, actor: AbstractBaseUser, api_key: str) -> StoredApiKey:
    """Encrypt and store the key (replacing any earlier one) and audit it.

    Returns the stored row. Raises ApiKeyFromEnvironment (audited as rejected) when the
    environment's key is in use. `api_key` must already be validated (see ApiKeyForm).
    """
    if current_setup().source is KeySource.ENVIRONMENT:
        audit_record(
            actor=actor,
            action=Action.KEY_SAVE,
            outcome=Outcome.REJECTED,
            detail=Detail("key_in_environment"),
        )
        raise ApiKeyFromEnvironment
    with transaction.atomic():
        stored, _ = StoredApiKey.objects.update_or_create(
            pk=StoredApiKey.SINGLETON_ID,
            defaults={
                "encrypted_key": crypto.encrypt(api_key),
                "last4": api_key[-4:],
                "updated_by": actor,
            },
        )
        forget_current_setup()
        audit_record(
            actor=actor,
            action=Action.KEY_SAVE,
            outcome=Outcome.SUCCESS,
            detail=Detail("key_saved", {"last4": stored.last4}),
        )
    return stored


def api_key_save_rejected(*, actor: AbstractBaseUser, error_codes: Iterable[str]) -> None:
    """Audit a key this app refused before storing it; only the error codes are recorded."""
    audit_record(
        actor=actor,
        action=Action.KEY_SAVE,
        outcome=Outcome.REJECTED,
        detail=Detail("key_invalid", {"errors": sorted(set(error_codes))}),
    )


def api_key_clear(*, actor: AbstractBaseUser) -> bool:
    """Delete the stored key and audit it. Returns True when a key was stored, False otherwise."""
    with transaction.atomic():
        deleted, _ = StoredApiKey.objects.filter(pk=StoredApiKey.SINGLETON_ID).delete()
        forget_current_setup()
        audit_record(
            actor=actor,
            action=Action.KEY_CLEAR,
            outcome=Outcome.SUCCESS,
            detail=Detail("key_removed" if deleted else "no_key_stored"),
        )
    return bool(deleted)


def api_key_test(*, actor: AbstractBaseUser) -> Account:
    """Ask Faraday which account the key in use belongs to (GET /accounts/current); audit it.

    Returns the Account. Raises NoApiKey when there is no key at all (audited as rejected), or
    the client's FaradayError (audited with its outcome, error code and error id).
    """
    setup = current_setup()
    source = _SOURCE_WORDS[setup.source]
    if setup.api_key is None:
        audit_record(
            actor=actor,
            action=Action.KEY_TEST,
            outcome=Outcome.REJECTED,
            detail=Detail("no_key_to_test"),
        )
        raise NoApiKey
    started = time.monotonic()
    try:
        account = get_faraday_client(setup).get_current_account()
    except FaradayError as error:
        network = {"network": error.kind} if isinstance(error, NetworkError) else {}
        audit_record(
            actor=actor,
            action=Action.KEY_TEST,
            outcome=outcome_for_error(error),
            error=error,
            duration_ms=_elapsed_ms(started),
            detail=Detail("key_tested", {"source": source, **network}),
        )
        raise
    audit_record(
        actor=actor,
        action=Action.KEY_TEST,
        outcome=Outcome.SUCCESS,
        http_status=200,
        duration_ms=_elapsed_ms(started),
        detail=Detail("key_tested", {"source": source, "account": account.name}),
    )
    return account


def sign_in_failed_record(
    *, username: str, ip_address: str, locked_out: bool, reason: str = ""
) -> None:
    """Audit and log one failed sign-in (never the password typed): `locked_out` when this
    failure locked the user name or address out, or it was locked already; `reason` for a
    refusal other than a wrong password (a single sign-on's)."""
    if locked_out:
        until = timezone.now() + settings.AXES_COOLOFF_TIME
        detail = Detail("sign_in_refused", {"ip": ip_address, "locked_until": until.isoformat()})
    else:
        detail = Detail("sign_in_refused", {"ip": ip_address, "reason": reason})
    entry = audit_record(
        actor=None,
        action=Action.SIGN_IN,
        outcome=Outcome.LOCKED_OUT if locked_out else Outcome.REJECTED,
        detail=detail,
        actor_username=username,
    )
    logger.warning("sign-in refused for user name %r %s", username[:150], entry.detail_text)


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def user_sync_staff(*, user: AbstractBaseUser) -> bool:
    """Give members of the Admin group staff status (to reach /admin/) and take it from others.

    Superusers keep theirs. Returns the user's staff status afterwards.
    """
    is_staff = user.is_superuser or user.groups.filter(name=roles.ADMIN).exists()
    if user.is_staff != is_staff:
        # update(), not save(): this runs from signal handlers, which save() would re-enter.
        type(user).objects.filter(pk=user.pk).update(is_staff=is_staff)
        user.is_staff = is_staff
    return is_staff


def admin_user_ensure(*, username: str = "admin") -> tuple[AbstractBaseUser | None, str | None]:
    """Create the first user when there is none: a superuser in the Admin group.

    Returns (user, password) when it created one, with the random password to show once, or
    (None, None) when any user exists already.
    """
    User = get_user_model()
    with transaction.atomic():
        if User.objects.exists():
            return None, None
        password = secrets.token_urlsafe(18)
        user = User.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(Group.objects.get(name=roles.ADMIN))
    return user, password
