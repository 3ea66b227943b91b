"""`scripts/run` (issue 12, item 11), run for real: gunicorn with the production settings on
127.0.0.1 over plain http (LOOPBACK_HTTP), demo mode, the one-time admin login, and Chromium
signing in with it although the session cookie is Secure. `--dev` is Django's runserver."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_dockerfile_cmd import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE_S = 120  # setup-venv, collectstatic and migrate run first


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "DEBUG", "HOST", "LOOPBACK_"))
    }
    env.update(
        PORT=str(port),
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        WEB_CONCURRENCY="1",
        FARADAY_API_KEY="",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


class Running:
    def __init__(self, process: subprocess.Popen, log: Path, port: int):
        self.process, self.log, self.port = process, log, port
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def one_time_login(self) -> tuple[str, str]:
        text = self.output()
        user = re.search(r"User name: (\S+)", text)
        password = re.search(r"Password:\s+(\S+)", text)
        assert user and password, text
        return user.group(1), password.group(1)


def _start(tmp_path: Path, *args: str) -> Iterator[Running]:
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["scripts/run", *args],
            cwd=ROOT,
            env=_env(tmp_path, port),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Running(process, log, port)
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"scripts/run exited early:\n{running.output()}", pytrace=False)
            try:
                if httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail(f"scripts/run didn't answer in time:\n{running.output()}", pytrace=False)
        yield running
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} never showed", pytrace=False)
        time.sleep(0.3)


@pytest.fixture
def served(tmp_path) -> Iterator[Running]:
    yield from _start(tmp_path)


def test_run_serves_with_gunicorn_and_production_settings_on_loopback(served):
    cmdline = Path(f"/proc/{served.process.pid}/cmdline").read_bytes().replace(b"\0", b" ")
    assert b"gunicorn" in cmdline  # the script execs gunicorn: it is the server process
    assert f"Listening at: http://127.0.0.1:{served.port}" in served.output()
    _wait_for(lambda: "Swept " in served.output(), "demo mode's background sweep")

    login = httpx.get(f"{served.url}/login/")
    missing = httpx.get(f"{served.url}/no-such-page/")

    assert login.status_code == 200  # plain http on loopback: no redirect to https
    assert "secure" in login.headers["set-cookie"].lower()  # the CSRF cookie stays Secure
    assert missing.status_code == 404
    assert "URLconf" not in missing.text  # DEBUG is off: the app's own 404 page
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.text)
    assert stylesheet, "whitenoise's hashed file names: the manifest storage is in use"
    css = httpx.get(served.url + stylesheet.group(1))
    assert css.status_code == 200 and "immutable" in css.headers["cache-control"]


def test_chromium_signs_in_with_the_one_time_login_over_loopback_http(served, browser):
    username, password = served.one_time_login()
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{served.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{served.url}/connections/")
        assert "Demo mode" in page.content()
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["sessionid"]["secure"] is True
    finally:
        context.close()


def test_gunicorn_refuses_plain_http_beyond_loopback(tmp_path):
    env = _env(tmp_path, free_port()) | {"LOOPBACK_HTTP": "true", "HOST": "0.0.0.0"}  # noqa: S104

    result = subprocess.run(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--check-config",
            "faraday_admin.wsgi",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "listen on 127.0.0.1" in result.stdout + result.stderr


@pytest.fixture
def served_dev(tmp_path) -> Iterator[Running]:
    yield from _start(tmp_path, "--dev")


def test_dev_option_runs_the_development_server(served_dev):
    cmdline = Path(f"/proc/{served_dev.process.pid}/cmdline").read_bytes().replace(b"\0", b" ")

    assert b"runserver" in cmdline
    assert "URLconf" in httpx.get(f"{served_dev.url}/no-such-page/").text  # DEBUG on
