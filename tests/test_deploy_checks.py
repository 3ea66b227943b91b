"""The deployment checks that scripts/test also runs, kept in the suite so a regression shows
up in pytest's output: `check --deploy` on the production settings, bandit and ruff.

Each runs in a subprocess with the production settings module (not the test settings), as a
deployment would. A missing tool is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.tools import tool

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a deployment: production settings, a real random key, DEBUG off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="faraday_admin.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def check_deploy(**env: str) -> subprocess.CompletedProcess:
    return run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(**env),
    )


def test_check_deploy_with_debug_off_and_a_random_key_passes_without_any_warning():
    result = check_deploy()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output.upper()
    assert "security.W" not in output
    assert "System check identified no issues" in output


def test_check_deploy_with_debug_on_warns_and_fails_so_the_check_above_can_fail():
    result = check_deploy(DEBUG="true")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W018" in output  # DEBUG on in deployment


def test_production_settings_with_debug_off_make_cookies_secure_httponly_and_send_hsts():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_SSL_REDIRECT', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS')}))"
    )
    result = run([sys.executable, "-c", script], production_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
    }


def test_bandit_finds_no_medium_or_high_severity_issue_in_the_app():
    result = run(
        [
            tool("bandit"),
            "-q",
            "-c",
            "pyproject.toml",
            "-r",
            "faraday_admin",
            "--severity-level",
            "medium",
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_finds_no_lint_error_in_the_repository():
    result = run([tool("ruff"), "check", "--no-cache", "."])
    assert result.returncode == 0, result.stdout + result.stderr
