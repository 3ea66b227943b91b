import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counters in the cache (refused writes, sign-in failures) start from zero in each test."""
    cache.clear()
    yield
    cache.clear()
