"""The shared read-through cache, on local memory and on Redis: hits, per-account keys, no
secret stored, invalidation, lifetime, coalescing, a stuck lock holder, and 429 back-off."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from faraday_admin.core import faraday_cache
from faraday_admin.core.faraday_cache import account_scope, read
from faraday_admin.faraday_client import RateLimited

URL = "https://api.faraday.test/v1"
CANARY_KEY = "canary-key-7f3c9a1e5b"
SCOPE = account_scope(URL, CANARY_KEY)


class Upstream:
    """Stands in for Faraday: counts the requests, answers with a numbered body."""

    def __init__(self, delay: float = 0.0, fail: Exception | None = None):
        self.calls = 0
        self.delay = delay
        self.fail = fail
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.calls += 1
            number = self.calls
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        body = f"answer {number}".encode()
        return parse(body), body


def parse(body: bytes) -> str:
    return body.decode()


def another_process() -> None:
    """What a second process sees: only the shared cache, none of this one's parsed copies."""
    faraday_cache.forget_parsed()


def test_second_read_comes_from_the_cache_on_any_process(shared_cache):
    upstream = Upstream()

    first = read(SCOPE, "connections", upstream, parse)
    another_process()
    second = read(SCOPE, "connections", upstream, parse)

    assert (first.value, second.value) == ("answer 1", "answer 1")
    assert upstream.calls == 1
    assert second.as_of is None


def test_the_same_fill_is_decoded_once_per_process(shared_cache):
    upstream = Upstream()
    decoded = []

    def counting_parse(body: bytes) -> str:
        decoded.append(body)
        return parse(body)

    read(SCOPE, "connections", upstream, counting_parse)
    another_process()
    for _ in range(5):
        read(SCOPE, "connections", upstream, counting_parse)

    assert len(decoded) == 1  # the other process's first read; its next four reuse it


def test_each_account_has_its_own_entries(shared_cache):
    upstream = Upstream()
    other = account_scope(URL, "another-key")

    read(SCOPE, "connections", upstream, parse)
    value = read(other, "connections", upstream, parse).value

    assert value == "answer 2"
    assert other != SCOPE
    assert account_scope("https://elsewhere.test/v1", CANARY_KEY) != SCOPE


def test_the_key_is_in_no_cache_key_and_no_value(shared_cache):
    upstream = Upstream()
    read(SCOPE, "connections", upstream, parse)
    faraday_cache.record_rate_limited(SCOPE, 30)

    if shared_cache == "redis":
        raw = cache._cache.get_client()
        keys = [k.decode() for k in raw.keys("*")]
        stored = b"".join(raw.get(k) or b"" for k in keys)
    else:
        keys = list(cache._cache)
        stored = b"".join(cache._cache.values())
    assert keys
    assert not [k for k in keys if CANARY_KEY in k]
    assert CANARY_KEY.encode() not in stored


def test_invalidate_makes_every_process_ask_again(shared_cache):
    upstream = Upstream()
    read(SCOPE, "connections", upstream, parse)

    faraday_cache.invalidate(SCOPE)
    another_process()

    assert read(SCOPE, "connections", upstream, parse).value == "answer 2"
    assert upstream.calls == 2


def test_invalidate_works_before_anything_was_read(shared_cache):
    faraday_cache.invalidate(SCOPE)
    upstream = Upstream()

    read(SCOPE, "connections", upstream, parse)
    read(SCOPE, "connections", upstream, parse)

    assert upstream.calls == 1


def test_a_fill_that_began_before_a_write_is_not_served_after_it(shared_cache):
    """A read racing a write: its answer may predate the write, so nobody gets it afterwards."""
    upstream = Upstream()

    def fetch_while_someone_writes():
        answer = upstream()
        faraday_cache.invalidate(SCOPE)  # the write lands while the answer is on its way
        return answer

    read(SCOPE, "connections", fetch_while_someone_writes, parse)

    assert read(SCOPE, "connections", upstream, parse).value == "answer 2"


@override_settings(FARADAY_CACHE_SECONDS=1)
def test_an_entry_lives_one_cache_lifetime(shared_cache):
    upstream = Upstream()
    read(SCOPE, "connections", upstream, parse)
    read(SCOPE, "connections", upstream, parse)
    assert upstream.calls == 1

    time.sleep(1.2)

    assert read(SCOPE, "connections", upstream, parse).value == "answer 2"


@override_settings(FARADAY_CACHE_SECONDS=0)
def test_a_lifetime_of_zero_turns_the_cache_off(shared_cache):
    upstream = Upstream()

    read(SCOPE, "connections", upstream, parse)
    read(SCOPE, "connections", upstream, parse)

    assert upstream.calls == 2


def test_concurrent_misses_ask_faraday_once(shared_cache):
    upstream = Upstream(delay=0.3)
    values: list[str] = []

    def viewer():
        values.append(read(SCOPE, "connections", upstream, parse).value)

    threads = [threading.Thread(target=viewer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert upstream.calls == 1
    assert values == ["answer 1"] * 8


@override_settings(FARADAY_CACHE_LOCK_SECONDS=0.3)
def test_a_stuck_lock_holder_does_not_block_the_page(shared_cache):
    generation = cache.get_or_set(f"{SCOPE}:gen", 1, None)
    cache.add(f"{SCOPE}:g{generation}:connections:lock", 1, 60)  # a holder that never answers
    upstream = Upstream()

    started = time.monotonic()
    value = read(SCOPE, "connections", upstream, parse).value

    assert value == "answer 1"
    assert 0.25 <= time.monotonic() - started < 2


def test_a_429_backs_off_every_process_and_shows_the_last_answer(shared_cache):
    upstream = Upstream()
    read(SCOPE, "connections", upstream, parse)
    faraday_cache.invalidate(SCOPE)  # a write: the next read must ask Faraday
    upstream.fail = RateLimited("slow down", retry_after=30, status=429)

    served = read(SCOPE, "connections", upstream, parse)
    another_process()
    again = read(SCOPE, "connections", upstream, parse)

    assert upstream.calls == 2  # the 429 itself; the other process added no request
    assert served.value == again.value == "answer 1"
    assert served.as_of is not None and again.as_of == served.as_of
    until = faraday_cache.backing_off_until(SCOPE)
    assert until is not None and 25 < until - time.time() <= 30


def test_a_429_with_nothing_kept_is_raised_and_still_shared(shared_cache):
    upstream = Upstream(fail=RateLimited("slow down", retry_after=20, status=429))

    with pytest.raises(RateLimited):
        read(SCOPE, "connections", upstream, parse)
    another_process()
    with pytest.raises(RateLimited) as raised:
        read(SCOPE, "connections", upstream, parse)

    assert upstream.calls == 1
    assert 15 < raised.value.retry_after <= 20


def test_a_429_without_retry_after_backs_off_a_default_while(shared_cache):
    upstream = Upstream(fail=RateLimited("slow down", status=429))

    with pytest.raises(RateLimited):
        read(SCOPE, "connections", upstream, parse)

    until = faraday_cache.backing_off_until(SCOPE)
    assert until is not None
    assert until - time.time() == pytest.approx(faraday_cache.DEFAULT_BACKOFF_SECONDS, abs=1)


@override_settings(FARADAY_CACHE_SECONDS=1)
def test_reads_ask_faraday_again_once_the_back_off_ends(shared_cache):
    upstream = Upstream(fail=RateLimited("slow down", retry_after=1, status=429))
    with pytest.raises(RateLimited):
        read(SCOPE, "connections", upstream, parse)

    time.sleep(1.2)
    upstream.fail = None

    assert read(SCOPE, "connections", upstream, parse).value == "answer 2"


def test_a_miss_that_wins_the_lock_after_a_fill_reads_that_fill(shared_cache, monkeypatch):
    """Missed just before another request stored its answer and let go of the lock: taking the
    lock next must not ask Faraday a second time."""
    upstream = Upstream()
    read(SCOPE, "connections", upstream, parse)  # the other request's fill
    looks = []
    real_cached = faraday_cache._cached

    def missed_once(*args):
        looks.append(args)
        return None if len(looks) == 1 else real_cached(*args)

    monkeypatch.setattr(faraday_cache, "_cached", missed_once)

    value = read(SCOPE, "connections", upstream, parse).value

    assert value == "answer 1"
    assert upstream.calls == 1


def _lock_key() -> str:
    return f"{SCOPE}:g{cache.get(f'{SCOPE}:gen')}:connections:lock"


def test_a_fill_lets_go_of_its_lock(shared_cache):
    read(SCOPE, "connections", Upstream(), parse)

    assert cache.get(_lock_key()) is None


def test_a_holder_whose_lock_ran_out_leaves_the_next_holders_lock_alone(shared_cache):
    """A fill slower than the lock's timeout: meanwhile its lock expired and another request
    took it. Finishing, the first must not let go of the second's lock."""
    upstream = Upstream()
    next_holder = 4242

    def slow_fetch():
        cache.delete(_lock_key())  # the lock's timeout ran out…
        assert cache.add(_lock_key(), next_holder, 60)  # …and another request took it
        return upstream()

    assert read(SCOPE, "connections", slow_fetch, parse).value == "answer 1"

    assert cache.get(_lock_key()) == next_holder
