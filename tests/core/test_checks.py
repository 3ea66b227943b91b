"""The start-up check on FIELD_ENCRYPTION_KEY: a malformed key fails `manage.py check` and stops
the WSGI application from loading, instead of a 500 the first time an admin saves a key."""

from __future__ import annotations

import base64
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.checks import Error, run_checks

from faraday_admin.core.checks import field_encryption_key_check
from tests.test_deploy_checks import production_env, run

GOOD_KEY = Fernet.generate_key().decode()
MALFORMED_KEYS = [
    pytest.param("change-me", id="a-word"),
    pytest.param(GOOD_KEY[:-2], id="cut-short"),
    pytest.param(base64.urlsafe_b64encode(b"0123456789abcdef").decode(), id="16-bytes"),
    pytest.param(GOOD_KEY.replace("=", "") + "%%%", id="not-base64"),
    pytest.param(" " * 44, id="spaces"),
]


def test_generated_key_passes(settings):
    settings.FIELD_ENCRYPTION_KEY = GOOD_KEY

    assert field_encryption_key_check(None) == []


def test_unset_key_passes_the_key_is_derived_from_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEY = ""

    assert field_encryption_key_check(None) == []


@pytest.mark.parametrize("malformed", MALFORMED_KEYS)
def test_malformed_key_is_an_error_that_names_the_setting_but_not_its_value(settings, malformed):
    settings.FIELD_ENCRYPTION_KEY = malformed

    [error] = field_encryption_key_check(None)

    assert isinstance(error, Error)
    assert error.id == "core.E001"
    assert "FIELD_ENCRYPTION_KEY" in error.msg
    assert "Fernet.generate_key()" in error.hint
    if malformed.strip():
        assert malformed.strip() not in f"{error.msg} {error.hint}"


def test_check_is_registered_so_manage_py_check_runs_it(settings):
    settings.FIELD_ENCRYPTION_KEY = "change-me"

    assert "core.E001" in [message.id for message in run_checks()]


# ---- for real, in a subprocess with the production settings --------------------------------


def test_manage_py_check_fails_on_a_malformed_key_and_explains_it():
    result = run([sys.executable, "manage.py", "check"], production_env(FIELD_ENCRYPTION_KEY="x"))

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "core.E001" in output
    assert "FIELD_ENCRYPTION_KEY isn't a valid Fernet key" in output


def test_wsgi_application_refuses_to_load_with_a_malformed_key():
    result = run(
        [sys.executable, "-c", "import faraday_admin.wsgi"],
        production_env(FIELD_ENCRYPTION_KEY="change-me"),
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "FIELD_ENCRYPTION_KEY isn't a valid Fernet key" in result.stderr
    assert "change-me" not in result.stderr


def test_wsgi_application_loads_with_a_generated_key():
    result = run(
        [sys.executable, "-c", "import faraday_admin.wsgi"],
        production_env(FIELD_ENCRYPTION_KEY=GOOD_KEY),
    )

    assert result.returncode == 0, result.stderr


# ---- core.E002: plain http (LOOPBACK_HTTP) for this machine's host names only -----------------


def test_loopback_http_with_loopback_host_names_passes(settings):
    from faraday_admin.core.checks import loopback_http_check

    settings.LOOPBACK_HTTP = True
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

    assert loopback_http_check(None) == []


@pytest.mark.parametrize("hosts", [["admin.example.com"], ["127.0.0.1", "*"], [".example.com"]])
def test_loopback_http_with_another_host_name_is_an_error(settings, hosts):
    from faraday_admin.core.checks import loopback_http_check

    settings.LOOPBACK_HTTP = True
    settings.ALLOWED_HOSTS = hosts

    [error] = loopback_http_check(None)
    assert error.id == "core.E002"


def test_loopback_http_turns_the_https_redirect_off_and_production_keeps_it():
    env = production_env()
    script = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)"

    assert run([sys.executable, "-c", _setup(script)], env).stdout.strip() == "True"
    loopback = run([sys.executable, "-c", _setup(script)], {**env, "LOOPBACK_HTTP": "true"})
    assert loopback.stdout.strip() == "False"


def _setup(script: str) -> str:
    return f"import django; django.setup(); {script}"
