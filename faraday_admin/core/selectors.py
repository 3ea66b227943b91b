"""Reads for the Settings page."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from faraday_admin.core import crypto
from faraday_admin.core.models import StoredApiKey
from faraday_admin.core.upstream import FaradaySetup, KeySource, current_setup


@dataclass(frozen=True)
class ApiKeyStatus:
    """Which key the app uses, and what is stored; holds no key, only last-4 digits."""

    source: KeySource
    last4: str
    stored: StoredApiKey | None
    # A row exists but can't be decrypted (SECRET_KEY or FIELD_ENCRYPTION_KEY changed).
    stored_unreadable: bool

    @property
    def from_environment(self) -> bool:
        return self.source is KeySource.ENVIRONMENT

    @property
    def can_test(self) -> bool:
        return self.source is not KeySource.NONE

    @property
    def demo_fallback(self) -> bool:
        """Without a saved key (and none in the environment), the simulator answers."""
        return settings.FARADAY_DEMO


def api_key_status(*, setup: FaradaySetup | None = None) -> ApiKeyStatus:
    setup = setup or current_setup()
    stored = StoredApiKey.objects.select_related("updated_by").filter(pk=StoredApiKey.SINGLETON_ID)
    row = stored.first()
    return ApiKeyStatus(
        source=setup.source,
        last4=setup.key_last4,
        stored=row,
        stored_unreadable=row is not None and crypto.decrypt(row.encrypted_key) is None,
    )
