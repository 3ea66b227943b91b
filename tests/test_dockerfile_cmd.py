"""The Dockerfile's CMD and HEALTHCHECK, run for real (there is no Docker engine on CI).

The exec-form CMD is parsed from the Dockerfile and started from the repository root with the
environment a container gets; /healthz must answer, then the HEALTHCHECK command must pass.
The Dockerfile's shape (slim base, non-root user, collectstatic at build) is checked as text.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.tools import tool

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
START_DEADLINE_S = 30
STOP_DEADLINE_S = 10


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    parsed = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        parsed.append((keyword.upper(), rest.strip()))
    return parsed


def exec_form(arguments: str, what: str) -> list[str]:
    """The JSON array of an exec-form CMD; the shell form would hide signals from gunicorn."""
    try:
        command = json.loads(arguments)
    except ValueError:
        pytest.fail(f"{what} is not in exec form (a JSON array): {arguments!r}", pytrace=False)
    assert isinstance(command, list) and command and all(isinstance(a, str) for a in command)
    return command


def dockerfile_cmd() -> list[str]:
    cmds = [args for keyword, args in instructions() if keyword == "CMD"]
    assert cmds, "the Dockerfile has no CMD"
    return exec_form(cmds[-1], "CMD")


def healthcheck_cmd() -> list[str]:
    checks = [args for keyword, args in instructions() if keyword == "HEALTHCHECK"]
    assert checks, "the Dockerfile has no HEALTHCHECK"
    match = re.search(r"(?:^|\s)CMD\s+(.*)$", checks[-1])
    assert match, f"HEALTHCHECK without CMD: {checks[-1]!r}"
    return exec_form(match.group(1), "HEALTHCHECK CMD")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def container_env(tmp_path) -> dict[str, str]:
    """What the container's environment would hold; DATABASE_URL names a fresh SQLite file."""
    gunicorn_bin = Path(tool("gunicorn")).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(
        PATH=f"{gunicorn_bin}{os.pathsep}{env.get('PATH', '')}",
        PORT=str(free_port()),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@pytest.fixture
def migrated_env(container_env) -> dict[str, str]:
    """The container's environment after `manage.py migrate` ran with it."""
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=container_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    return container_env


def wait_for_health(url: str, server: subprocess.Popen, log: Path) -> httpx.Response:
    deadline = time.monotonic() + START_DEADLINE_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError as error:
            last_error = error
            time.sleep(0.2)
    pytest.fail(f"no answer from {url} in {START_DEADLINE_S} s ({last_error}):\n{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    """Stop the server started here (and only it): SIGTERM, then SIGKILL to its own group."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=STOP_DEADLINE_S)


def test_dockerfile_cmd_serves_healthz_and_the_healthcheck_command_passes(migrated_env, tmp_path):
    command = dockerfile_cmd()
    assert command[0] == "gunicorn"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        # A session of its own, so stop() can reach gunicorn's workers and nothing else.
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=migrated_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{migrated_env['PORT']}/healthz"
        response = wait_for_health(url, server, log)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ok"

        check = subprocess.run(
            healthcheck_cmd(),
            cwd=ROOT,
            env=migrated_env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        stop(server)
    assert server.returncode is not None


def test_healthcheck_command_fails_when_nothing_listens(container_env):
    """The HEALTHCHECK can fail: with no server on PORT it exits non-zero."""
    check = subprocess.run(
        healthcheck_cmd(),
        cwd=ROOT,
        env=container_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert check.returncode != 0


def test_dockerfile_cmd_and_healthcheck_are_the_documented_commands():
    assert dockerfile_cmd() == ["gunicorn", "faraday_admin.wsgi"]
    assert healthcheck_cmd() == ["python", "-m", "faraday_admin.healthcheck"]
    assert (ROOT / "gunicorn.conf.py").exists()


def test_dockerfile_builds_on_a_slim_python_image():
    bases = [args for keyword, args in instructions() if keyword == "FROM"]
    assert bases, "the Dockerfile has no FROM"
    image = bases[-1].split()[0]
    assert re.fullmatch(r"python:\d+\.\d+(\.\d+)?-slim(-[a-z]+)?", image), image


def test_dockerfile_runs_as_a_non_root_user():
    users = [args for keyword, args in instructions() if keyword == "USER"]
    assert users, "the Dockerfile never leaves root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    keywords = [keyword for keyword, _ in instructions()]
    assert keywords.index("USER") < keywords.index("CMD")


def test_dockerfile_collects_static_files_at_build_time():
    runs = [args for keyword, args in instructions() if keyword == "RUN"]
    assert any("manage.py collectstatic" in args and "--noinput" in args for args in runs)


def test_dockerfile_declares_a_healthcheck_with_an_interval_and_timeout():
    checks = [args for keyword, args in instructions() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "--interval=" in checks[0] and "--timeout=" in checks[0]
