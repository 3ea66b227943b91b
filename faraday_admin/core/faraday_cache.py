"""The shared read-through cache for Faraday reads (the list, a connection, its dependents).

It sits on Django's cache framework, so every process sharing CACHE_URL (Redis) shares it:

- Entries are per Faraday account: their keys carry an HMAC of the API URL and key, never the
  key. They hold Faraday's answer bodies, which never carry a secret (Faraday doesn't echo them).
- A write made here bumps the account's generation (`invalidate`); every key carries the
  generation, so the next read on any process misses and asks Faraday. A fill that started
  before the write lands under the old generation, where nobody reads it.
- On a miss one request asks Faraday (a lock taken with `cache.add`, holding a token so only
  its holder lets it go) while the others poll for its answer; a holder that is stuck longer
  than FARADAY_CACHE_LOCK_SECONDS is not waited for.
- A 429 sets a shared "backing off until" entry for the Retry-After; meanwhile reads are served
  from the last answer kept (marked with its time) instead of adding requests.
- Each process keeps the parsed form of the bodies it read last (keyed by the fill's token), so
  1,000 connections are decoded once per cache fill, not once per request. It is derived from
  the shared cache only, so processes still keep no state of their own.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from math import ceil
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.crypto import salted_hmac

from faraday_admin.faraday_client import RateLimited

T = TypeVar("T")

# Without a usable Retry-After, back off this long after a 429.
DEFAULT_BACKOFF_SECONDS = 10.0
# How often a request waiting on another's fill looks for the answer.
WAIT_STEP_SECONDS = 0.02
_MEMO_SIZE = 256


@dataclass(frozen=True)
class Read(Generic[T]):
    value: T
    # Set when Faraday asked us to wait and this is the last answer kept: when it was fetched.
    as_of: datetime | None = None


def account_scope(api_url: str, api_key: str) -> str:
    """The cache key prefix of one Faraday account: an HMAC of its URL and key, never the key."""
    digest = salted_hmac("faraday-cache-scope", f"{api_url}\n{api_key}", algorithm="sha256")
    return f"faraday:{digest.hexdigest()[:32]}"


def _enabled() -> bool:
    return settings.FARADAY_CACHE_SECONDS > 0


class _Memo:
    """Parsed bodies by (scope, name) → (token, value): this process's decoded copies."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[str, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], token: str):
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != token:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: tuple[str, str], token: str, value: object) -> None:
        with self._lock:
            self._items[key] = (token, value)
            self._items.move_to_end(key)
            while len(self._items) > _MEMO_SIZE:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_memo = _Memo()


def forget_parsed() -> None:
    """Drop this process's parsed copies (tests; the shared entries are untouched)."""
    _memo.clear()


def _gen_key(scope: str) -> str:
    return f"{scope}:gen"


def _backoff_key(scope: str) -> str:
    return f"{scope}:backoff"


def _body_key(scope: str, name: str) -> str:
    # Not per generation: the last answer, kept to show while backing off.
    return f"{scope}:body:{name}"


def _new_generation(scope: str) -> int:
    # A clock value, not 0: a generation lost (evicted) never comes back to an old one.
    cache.add(_gen_key(scope), time.time_ns(), timeout=None)
    return cache.get(_gen_key(scope)) or 0


def invalidate(scope: str) -> None:
    """After a write: every process's next read of this account asks Faraday again."""
    if not _enabled():
        return
    try:
        cache.incr(_gen_key(scope))
    except ValueError:  # no generation yet (or evicted): a new one does the same
        cache.set(_gen_key(scope), time.time_ns(), timeout=None)


def backing_off_until(scope: str) -> float | None:
    """The epoch time until which Faraday asked this account to wait, if it still applies."""
    until = cache.get(_backoff_key(scope))
    return until if until and until > time.time() else None


def record_rate_limited(scope: str, retry_after: float | None) -> float:
    """Share a 429's wait with every process; returns the epoch time it ends."""
    wait = retry_after if retry_after and retry_after > 0 else DEFAULT_BACKOFF_SECONDS
    until = time.time() + wait
    cache.set(_backoff_key(scope), until, timeout=ceil(wait))
    return until


def read(
    scope: str,
    name: str,
    fetch: Callable[[], tuple[T, bytes]],
    parse: Callable[[bytes], T],
) -> Read[T]:
    """`name`'s value for the account `scope`: from the cache when fresh, else from `fetch`
    (which asks Faraday and returns the parsed value and the body to share). `parse` reads a
    body another process stored. Raises what `fetch` raises; RateLimited when Faraday asked us
    to wait and no earlier answer is kept."""
    if not _enabled():
        return Read(fetch()[0])
    values = cache.get_many([_gen_key(scope), _backoff_key(scope)])
    generation = values.get(_gen_key(scope)) or _new_generation(scope)
    head_key = f"{scope}:g{generation}:{name}"
    found = _cached(scope, name, head_key, parse)
    if found is not None:
        return Read(found)
    until = values.get(_backoff_key(scope))
    if until and until > time.time():
        return _last_answer(scope, name, parse, until)
    return _fill_once(scope, name, head_key, fetch, parse)


def _cached(scope: str, name: str, head_key: str, parse: Callable[[bytes], T]) -> T | None:
    token = cache.get(head_key)
    if token is None:
        return None
    value = _memo.get((scope, name), token)
    if value is not None:
        return value
    stored = cache.get(_body_key(scope, name))
    if stored is None or stored[0] != token:
        return None  # a newer fill replaced the body, or it was evicted: ask again
    value = parse(stored[2])
    _memo.put((scope, name), token, value)
    return value


# Deletes the lock only while it still holds the caller's token, in one step on the server.
_RELEASE_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _release(lock_key: str, token: int) -> None:
    """Let go of the fill lock if it is still ours. A holder slower than the lock's timeout
    finds it expired and maybe taken by another request, whose lock it must leave alone."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        # An int is stored as its digits (not pickled), so the script compares it as sent.
        key = backend.make_and_validate_key(lock_key)
        client = backend._cache.get_client(key, write=True)
        client.register_script(_RELEASE_IF_OWNER)(keys=[key], args=[token])
    elif cache.get(lock_key) == token:
        # Other backends (local memory): a plain check. Its gap, another request taking the
        # lock between these two calls, is far narrower than the one this closes.
        cache.delete(lock_key)


def _fill_once(scope, name, head_key, fetch, parse) -> Read:
    lock_key = f"{head_key}:lock"
    lock_seconds = settings.FARADAY_CACHE_LOCK_SECONDS
    deadline = time.monotonic() + lock_seconds
    while True:
        token = secrets.randbits(62)
        if cache.add(lock_key, token, timeout=ceil(lock_seconds)):
            try:
                # The previous holder may have filled it between our miss and our lock.
                found = _cached(scope, name, head_key, parse)
                if found is not None:
                    return Read(found)
                return _fill(scope, name, head_key, fetch, parse)
            finally:
                _release(lock_key, token)
        time.sleep(WAIT_STEP_SECONDS)
        found = _cached(scope, name, head_key, parse)
        if found is not None:
            return Read(found)
        if time.monotonic() >= deadline:
            # The holder is stuck: the page doesn't wait longer, it asks Faraday itself.
            return _fill(scope, name, head_key, fetch, parse)
        until = backing_off_until(scope)
        if until is not None:  # the holder got a 429
            return _last_answer(scope, name, parse, until)


def _fill(scope, name, head_key, fetch, parse) -> Read:
    try:
        value, body = fetch()
    except RateLimited as error:
        until = record_rate_limited(scope, error.retry_after)
        return _last_answer(scope, name, parse, until, error)
    token = uuid.uuid4().hex
    fetched_at = time.time()
    stale_seconds = settings.FARADAY_CACHE_STALE_SECONDS
    cache.set(_body_key(scope, name), (token, fetched_at, body), stale_seconds)
    cache.set(head_key, token, settings.FARADAY_CACHE_SECONDS)
    _memo.put((scope, name), token, value)
    return Read(value)


def _last_answer(scope, name, parse, until: float, error: RateLimited | None = None) -> Read:
    stored = cache.get(_body_key(scope, name))
    if stored is None:
        if error is not None:
            raise error
        raise RateLimited(
            "Faraday asked us to wait before asking again.",
            retry_after=max(0.0, until - time.time()),
            status=429,
        )
    token, fetched_at, body = stored
    value = _memo.get((scope, name), token)
    if value is None:
        value = parse(body)
        _memo.put((scope, name), token, value)
    return Read(value, as_of=datetime.fromtimestamp(fetched_at, tz=UTC))
