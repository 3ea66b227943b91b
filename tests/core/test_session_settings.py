"""Where sessions live: read through the cache only when the cache is shared by every process
(Redis), so a sign-out on one process is a sign-out on all (test_multiprocess proves it live)."""

from __future__ import annotations

import sys

import pytest

from tests.test_deploy_checks import production_env, run

ENGINE = "from django.conf import settings; print(settings.SESSION_ENGINE)"


def _session_engine(env: dict[str, str]) -> str:
    done = run([sys.executable, "-c", f"import django; django.setup(); {ENGINE}"], env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [
        ("redis://127.0.0.1:6379/0", "django.contrib.sessions.backends.cached_db"),
        ("locmemcache://", "django.contrib.sessions.backends.db"),
    ],
)
def test_sessions_are_cached_only_in_a_cache_every_process_shares(cache_url, engine):
    assert _session_engine(production_env(CACHE_URL=cache_url)) == engine


def test_without_a_cache_url_sessions_are_the_databases_alone():
    env = production_env()
    env.pop("CACHE_URL", None)

    assert _session_engine(env) == "django.contrib.sessions.backends.db"
