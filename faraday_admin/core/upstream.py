"""Which Faraday the app talks to, and the one pooled client per process for it.

Key precedence: FARADAY_API_KEY from the environment, then the key an admin stored in the app.
With neither, the built-in simulator answers (demo mode) unless FARADAY_DEMO is off.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import lru_cache

import httpx
from asgiref.local import Local
from django.conf import settings

from faraday_admin.core import crypto, faraday_cache
from faraday_admin.core.models import StoredApiKey
from faraday_admin.faraday_client import (
    API_KEY_SHAPE,
    AuthFailed,
    FaradayClient,
    RetryPolicy,
    build_http_client,
)
from faraday_admin.faraday_client.retry import RETRY_STATUSES
from faraday_admin.simulator import engine
from faraday_admin.simulator.transport import SimulatorTransport

SIMULATOR_BASE_URL = "http://simulator.invalid/v1"
DEMO_API_KEY = "demo-key"


class KeySource(enum.StrEnum):
    ENVIRONMENT = "environment"
    STORED = "stored"
    DEMO = "demo"
    NONE = "none"


@dataclass(frozen=True)
class FaradaySetup:
    source: KeySource
    # Kept out of repr: Django's template debug log prints the context, which holds this.
    api_key: str | None = field(repr=False)

    @property
    def demo(self) -> bool:
        return self.source is KeySource.DEMO

    @property
    def key_last4(self) -> str:
        return self.api_key[-4:] if self.api_key and not self.demo else ""


# One key lookup per request, shared by the demo banner and the client factory. Kept only
# while a request runs, so commands and tests never see an answer from before a change.
_per_request = Local()


def request_began(**kwargs) -> None:
    _per_request.active = True
    _per_request.setup = None


def request_ended(**kwargs) -> None:
    _per_request.active = False
    _per_request.setup = None


def forget_current_setup() -> None:
    """Call after saving or clearing the stored key, so the rest of the request sees it."""
    _per_request.setup = None


def current_setup() -> FaradaySetup:
    """Which key to use and where it comes from (read once per request)."""
    if not getattr(_per_request, "active", False):
        return _read_setup()
    if _per_request.setup is None:
        _per_request.setup = _read_setup()
    return _per_request.setup


def _read_setup() -> FaradaySetup:
    if settings.FARADAY_API_KEY:
        return FaradaySetup(KeySource.ENVIRONMENT, settings.FARADAY_API_KEY)
    stored = StoredApiKey.objects.filter(pk=StoredApiKey.SINGLETON_ID).first()
    if stored is not None:
        key = crypto.decrypt(stored.encrypted_key)
        # An unreadable saved key (SECRET_KEY changed) must not quietly turn on demo mode:
        # people would "create" connections in the simulator believing them real.
        return FaradaySetup(KeySource.STORED, key) if key else FaradaySetup(KeySource.NONE, None)
    if settings.FARADAY_DEMO:
        return FaradaySetup(KeySource.DEMO, DEMO_API_KEY)
    return FaradaySetup(KeySource.NONE, None)


@lru_cache(maxsize=4)
def _pooled_http_client(
    base_url: str, timeout: float, connect_timeout: float, demo: bool
) -> httpx.Client:
    transport = SimulatorTransport(base_path=httpx.URL(base_url).path.rstrip("/")) if demo else None
    return build_http_client(
        base_url, timeout=timeout, connect_timeout=connect_timeout, transport=transport
    )


# Reads through the shared cache don't sleep on a 429 in a worker: its Retry-After is shared
# with every process instead (faraday_cache), and the last answer is shown meanwhile.
_CACHED_READ_RETRY = RetryPolicy(retry_statuses=RETRY_STATUSES - {429})


def cache_scope(setup: FaradaySetup | None = None) -> str:
    """The shared cache's key prefix for the account in use (a hash, never the key)."""
    setup = setup or current_setup()
    base_url = SIMULATOR_BASE_URL if setup.demo else settings.FARADAY_API_URL
    return faraday_cache.account_scope(base_url, setup.api_key or "")


def get_reading_client(setup: FaradaySetup | None = None) -> FaradayClient:
    """Like get_faraday_client, for reads through the shared cache: a 429 is raised at once."""
    return get_faraday_client(setup, retry=_CACHED_READ_RETRY)


def forget_cached_reads() -> None:
    """After a write: every process's next read of this account asks Faraday again."""
    setup = current_setup()
    if setup.api_key is not None:
        faraday_cache.invalidate(cache_scope(setup))


def demo_install_public_key(connection_id: str) -> bool:
    """Demo mode only: stand in for IT installing the connection's public key on the
    (simulated) warehouse. False outside demo mode or for a connection without a key pair."""
    if not current_setup().demo:
        return False
    return engine.install_public_key(connection_id)


def demo_change_from_outside(connection_id: str, *, option=None, value=None) -> str | None:
    """Demo mode only: change the simulated connection as someone outside this app would, and
    drop the cached reads (as their cache lifetime would). Returns what changed, or None
    (outside demo mode, or nothing that can be changed; see engine.change_from_outside)."""
    if not current_setup().demo:
        return None
    changed = engine.change_from_outside(connection_id, option=option, value=value)
    if changed is not None:
        forget_cached_reads()
    return changed


def demo_break_connection(connection_id: str) -> bool:
    """Demo mode only: break the (simulated) connection now, as a changed password would.
    False outside demo mode, or for a connection the simulator has not or that Faraday manages."""
    if not current_setup().demo:
        return False
    return engine.break_connection(connection_id)


@lru_cache(maxsize=1)
def _events_http_client() -> httpx.Client:
    # Short timeouts: a receiver that hangs must not hold up the demo action that sends.
    return httpx.Client(timeout=httpx.Timeout(5.0, connect=2.0))


def demo_send_simulator_events(http: httpx.Client | None = None) -> int:
    """Demo mode only: the simulator posts its due webhook events (signed) to the endpoints
    registered with it, over `http` (the network by default). Returns how many were accepted."""
    if not current_setup().demo:
        return 0
    return engine.send_due_events(http or _events_http_client())


def get_faraday_client(
    setup: FaradaySetup | None = None, *, retry: RetryPolicy | None = None
) -> FaradayClient:
    """A client for the configured Faraday (or the simulator). Raises AuthFailed without a key."""
    setup = setup or current_setup()
    if setup.api_key is None:
        raise AuthFailed(code="MISSING_API_KEY", note="No Faraday API key is configured.")
    if not API_KEY_SHAPE.fullmatch(setup.api_key):
        # e.g. a FARADAY_API_KEY with a stray space or newline: word it, don't crash every page.
        raise AuthFailed(
            code="MALFORMED_API_KEY", note="The configured key has invalid characters."
        )
    base_url = SIMULATOR_BASE_URL if setup.demo else settings.FARADAY_API_URL
    http = _pooled_http_client(
        base_url, settings.FARADAY_TIMEOUT, settings.FARADAY_CONNECT_TIMEOUT, setup.demo
    )
    return FaradayClient(http, setup.api_key, retry=retry)
