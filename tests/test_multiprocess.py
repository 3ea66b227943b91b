"""Two gunicorn instances on two ports, one PostgreSQL database and one Redis: what people on
different app processes behind a load balancer see.

Faraday is a small fake served here (it counts list requests and can answer 429). Needs
PostgreSQL (TEST_POSTGRES_URL) and Redis (TEST_MULTIPROCESS_REDIS_URL); scripts/test starts both.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
import redis

from tests.web.create_helpers import form_data

pytestmark = pytest.mark.multiprocess

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/faraday_admin"
)
REDIS_URL = os.environ.get("TEST_MULTIPROCESS_REDIS_URL", "redis://127.0.0.1:6379/14")
API_KEY = "multiprocess-key"
PASSWORD = secrets.token_urlsafe(16)
DEADLINE_S = 60


class FakeFaraday(ThreadingHTTPServer):
    """Connections in memory; `rate_limited` makes GET /connections answer 429."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections: dict[str, dict] = {}
        self.list_requests = 0
        self.rate_limited = False
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: FakeFaraday

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status: int, body, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/v1/connections":
            with self.server.lock:
                self.server.list_requests += 1
                limited = self.server.rate_limited
                listed = list(self.server.connections.values())
            if limited:
                error = {"error": {"message": "Too many requests", "code": "RATE_LIMITED"}}
                return self._answer(429, error, {"Retry-After": "30"})
            return self._answer(200, listed)
        match = re.fullmatch(r"/v1/connections/([^/]+)(?:/(datasets|targets))?", path)
        if match and match[1] in self.server.connections:
            return self._answer(200, [] if match[2] else self.server.connections[match[1]])
        return self._answer(404, {"error": {"message": "Not found", "code": "NOT_FOUND"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        connection = {
            "id": str(uuid.uuid4()),
            "name": body["name"],
            "options": {k: v for k, v in body["options"].items() if k != "password"},
            "status": "new",
            "status_changed_at": now,
            "created_at": now,
            "updated_at": now,
            "contents": [],
            "managed": False,
            "archived_at": None,
            "resource_type": "connections",
        }
        with self.server.lock:
            self.server.connections[connection["id"]] = connection
        self._answer(201, connection)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url():
    """A PostgreSQL database of this test's own, dropped afterwards."""
    name = f"fa_multiprocess_{os.getpid()}_{secrets.token_hex(3)}"
    parts = urlsplit(POSTGRES_URL)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fake_faraday():
    server = FakeFaraday()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def two_instances(tmp_path, database_url, fake_faraday):
    """(url of instance A, url of instance B), both gunicorn, sharing the database and Redis."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "faraday_admin.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "CACHE_URL": REDIS_URL,
        "FARADAY_API_URL": fake_faraday.url,
        "FARADAY_API_KEY": API_KEY,
        "FARADAY_CACHE_SECONDS": "1",
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    make_user = (
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser('traveller', password='{PASSWORD}')"
    )
    subprocess.run([python, "manage.py", "shell", "-c", make_user], cwd=ROOT, env=env, check=True)
    processes, urls = [], []
    gunicorn = str(Path(python).parent / "gunicorn")
    try:
        for label in ("a", "b"):
            port = _free_port()
            log = (tmp_path / f"gunicorn-{label}.log").open("w")
            processes.append(
                subprocess.Popen(
                    [gunicorn, "faraday_admin.wsgi"],
                    cwd=ROOT,
                    env={**env, "PORT": str(port)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process)
        yield tuple(urls)
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(5)


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn at {url} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn at {url} did not answer within {DEADLINE_S} s")


class Browser:
    """One person's cookies, sent to whichever instance the load balancer picks.

    The cookies are Secure (production settings), so they are carried by hand over http.
    """

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        response = httpx.request(method, url, headers=headers, timeout=30, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def form_token(self, url: str) -> str:
        page = self.request("GET", url)
        assert page.status_code == 200, page.text[:500]
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]


def _names(html: str) -> list[str]:
    return re.findall(r'<a id="open-[^"]+" href="[^"]+">([^<]+)</a>', html)


def test_two_instances_share_sessions_fresh_reads_and_back_off(two_instances, fake_faraday):
    a, b = two_instances
    person = Browser()

    # Signs in on A, keeps working on B.
    signed_in = person.request(
        "POST",
        f"{a}/login/",
        data={
            "username": "traveller",
            "password": PASSWORD,
            "csrfmiddlewaretoken": person.form_token(f"{a}/login/"),
        },
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    listed = person.request("GET", f"{b}/connections/")
    assert listed.status_code == 200
    assert _names(listed.text) == []

    # A create on B shows in A's list on the very next read, although A's list is cached.
    assert person.request("GET", f"{a}/connections/").status_code == 200
    create_page = person.request("GET", f"{b}/connections/new/?type=mysql")
    token = re.search(r'name="submission_token" value="([^"]+)"', create_page.text)[1]
    data, _options = form_data("mysql", token, name="Made on B")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', create_page.text)[1]
    created = person.request(
        "POST", f"{b}/connections/new/", data={**data, "csrfmiddlewaretoken": csrf}
    )
    assert created.status_code == 302, created.text[:2000]
    assert _names(person.request("GET", f"{a}/connections/").text) == ["Made on B"]

    # Faraday says 429 to A: B backs off too, and both show the last list "as of" its time.
    time.sleep(1.2)  # one cache lifetime: the next read asks Faraday
    fake_faraday.rate_limited = True
    before = fake_faraday.list_requests
    on_a = person.request("GET", f"{a}/connections/")
    time.sleep(1.2)  # B's next read would be a miss too, were it not backing off
    on_b = person.request("GET", f"{b}/connections/")
    on_b_again = person.request("GET", f"{b}/connections/")

    assert fake_faraday.list_requests - before == 1  # A's, which got the 429
    for page in (on_a, on_b, on_b_again):
        assert page.status_code == 200
        assert _names(page.text) == ["Made on B"]
        assert "Faraday asked this app to slow down" in page.text

    # Signing out on A ends the session on B too (sessions are read through the shared cache).
    signed_out = person.request(
        "POST",
        f"{a}/logout/",
        data={"csrfmiddlewaretoken": person.form_token(f"{b}/connections/new/")},
    )
    assert signed_out.status_code == 302, signed_out.text[:500]
    for instance in (b, a):
        after = person.request("GET", f"{instance}/connections/")
        assert after.status_code == 302
        assert after.headers["location"].startswith("/login/")
