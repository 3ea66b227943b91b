"""Fixtures for every test."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from faraday_admin.core import faraday_cache


@pytest.fixture(autouse=True)
def _empty_faraday_cache():
    """Each test starts with nothing cached: Faraday's answers from another test don't leak."""
    cache.clear()
    faraday_cache.forget_parsed()
    yield
    cache.clear()
    faraday_cache.forget_parsed()
