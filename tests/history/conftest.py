"""A respx-mocked Faraday with a key configured (no demo simulator): the web tests' own fixture."""

from tests.web.conftest import faraday_router  # noqa: F401 - a fixture, found by name
