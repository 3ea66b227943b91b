"""Fixtures for every test."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.test import override_settings

from faraday_admin.core import faraday_cache

# A Redis database of the cache tests' own (scripts/test starts Redis): `clear()` empties it.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
CACHE_BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS_URL},
}


def _forget_everything() -> None:
    cache.clear()
    faraday_cache.forget_parsed()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing cached: neither Faraday's answers nor counters (refused
    writes, sign-in failures) from another test leak into it."""
    _forget_everything()
    yield
    _forget_everything()


@pytest.fixture(params=sorted(CACHE_BACKENDS))
def shared_cache(request):
    """The cache framework on local memory, then on Redis (a real server, never skipped)."""
    with override_settings(CACHES={"default": CACHE_BACKENDS[request.param]}):
        _forget_everything()
        yield request.param
        _forget_everything()
