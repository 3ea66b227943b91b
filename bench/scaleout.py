"""The scale-out run: 50 viewers polling one list for 60 s, on one app process and on two sharing
Redis, counting the list requests that reach Faraday (the simulator); then a create on one
process followed at once by a list view on the other, 100 times.

Every process started here is stopped in `finally`, and every wait has a deadline.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from pathlib import Path

import httpx
import redis
from load import (
    HOST,
    MANAGE,
    ROOT,
    LoadError,
    _announced,
    _cookies,
    _count_list_calls,
    _login,
    _started,
    _stop,
    _wait_for,
)
from results import Result, check, info

VIEWERS = 50
WINDOW_S = 60
POLL_S = 5  # the list's hx-trigger="every 5s"
MAX_LIST_REQUESTS = 13  # one per cache lifetime (5 s) in 60 s, plus the one in flight
FRESHNESS_TRIES = 100
ACTIVE_ROWS = 4
# A Redis database of the bench's own: it is emptied first.
REDIS_URL = "redis://127.0.0.1:6379/12"


def _gunicorn(name: str, env: dict[str, str], workdir: Path, processes: list) -> str:
    app, log = _started(
        [str(ROOT / ".venv/bin/gunicorn"), "faraday_admin.wsgi"], name, env, workdir, processes
    )
    base = _announced(name, r"Listening at: (http://\S+)", app, log)
    _wait_for(
        f"{name}'s /healthz",
        lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200,
        app,
        log,
    )
    return base


def _create(base: str, cookie: str, name: str) -> str:
    """Create a HubSpot connection (no required options) through the app's form; its id."""
    with httpx.Client(base_url=base, timeout=20) as client:
        page = client.get("/connections/new/?type=hubspot", headers={"Cookie": cookie})
        csrf = _cookies(page)["csrftoken"]
        fields = dict(
            re.findall(r'name="(csrfmiddlewaretoken|submission_token)" value="([^"]+)"', page.text)
        )
        answer = client.post(
            "/connections/new/",
            data={**fields, "type": "hubspot", "name": name},
            headers={"Cookie": f"{cookie}; csrftoken={csrf}"},
        )
    if answer.status_code != 302 or "/connections/" not in answer.headers.get("location", ""):
        raise LoadError(f"creating {name!r} on {base} answered HTTP {answer.status_code}")
    return answer.headers["location"].rstrip("/").rsplit("/", 1)[-1]


class _Viewers:
    """People with the list open: each loads it once, then polls like htmx every POLL_S,
    round-robin over `bases` (a load balancer), until stopped."""

    def __init__(self, bases: list[str], cookie: str):
        self.bases = bases
        self.cookie = cookie
        self.requests = 0
        self.errors = 0
        self.polling = 0  # viewers whose page still had a poller at the end
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._view, args=(i,)) for i in range(VIEWERS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(POLL_S * 4)

    def _get(self, client: httpx.Client, turn: int, path: str) -> str | None:
        base = self.bases[turn % len(self.bases)]
        try:
            answer = client.get(f"{base}{path}", headers={"Cookie": self.cookie})
        except httpx.HTTPError:
            answer = None
        with self._lock:
            self.requests += 1
            if answer is None or answer.status_code != 200:
                self.errors += 1
                return None
        return answer.text

    def _view(self, index: int) -> None:
        # People open the page at different moments within the first poll interval.
        if self.stop.wait(POLL_S * index / VIEWERS):
            return
        turn = index
        with httpx.Client(timeout=20) as client:
            html = self._get(client, turn, "/connections/")
            poller = _poller(html or "")
            while poller and not self.stop.wait(POLL_S):
                turn += 1
                html = self._get(client, turn, poller.replace("&amp;", "&"))
                poller = _poller(html or "") or poller
        with self._lock:
            self.polling += bool(poller)


def _poller(html: str) -> str | None:
    found = re.search(r'hx-get="([^"]+)" hx-trigger="every 5s"', html)
    return found[1] if found else None


def _freshness(create_on: str, read_on: str, cookie: str) -> tuple[int, int]:
    """(stale reads, tries): each try creates on one process and lists on the other at once."""
    stale = 0
    for attempt in range(FRESHNESS_TRIES):
        name = f"Fresh {attempt} {secrets.token_hex(3)}"
        _create(create_on, cookie, name)
        page = httpx.get(
            f"{read_on}/connections/",
            params={"q": name},
            headers={"Cookie": cookie},
            timeout=20,
        )
        if page.status_code != 200 or f">{name}</a>" not in page.text:
            stale += 1
    return stale, FRESHNESS_TRIES


def run(*, env: dict[str, str], workdir: Path, username: str, password: str) -> list[Result]:
    """Raises LoadError when the run cannot be made (no Redis, a server that doesn't start…)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).flushdb()
    except redis.RedisError as error:
        raise LoadError(f"Redis is not reachable at {REDIS_URL} ({error})") from None
    processes: list = []
    try:
        # Statuses stay active all run long (a cycle of an hour), so every viewer keeps polling.
        sim_env = {**env, "FARADAY_SIMULATOR_CYCLE_SECONDS": "3600"}
        sims = []
        for name in ("simulator-one", "simulator-two"):
            sim, log = _started(
                [*MANAGE, "faraday_simulator", "--host", HOST, "--port", "0", "--seed"],
                name,
                sim_env,
                workdir,
                processes,
            )
            sims.append((_announced(name, r"FARADAY_API_URL=(\S+)", sim, log), log))
        app_env = {
            **env,
            "PORT": "0",
            "HOST": HOST,
            "FARADAY_API_KEY": "bench-key",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
        }
        # One process on its own local-memory cache; two processes sharing Redis.
        one = _gunicorn(
            "gunicorn-one", {**app_env, "FARADAY_API_URL": sims[0][0]}, workdir, processes
        )
        shared = {**app_env, "FARADAY_API_URL": sims[1][0], "CACHE_URL": REDIS_URL}
        pair = [_gunicorn(f"gunicorn-{n}", shared, workdir, processes) for n in ("a", "b")]
        # Signed in once; the session is in the database every process shares.
        cookie = _login(one, username, password)
        # The simulators share the bench database: rows created through one show in both.
        for i in range(ACTIVE_ROWS):
            _create(one, cookie, f"Onboarding {i}")
        viewers = [_Viewers([one], cookie), _Viewers(pair, cookie)]
        before = [_count_list_calls(log) for _url, log in sims]
        for group in viewers:
            group.start()
        time.sleep(WINDOW_S)
        counts = [_count_list_calls(log) - b for (_url, log), b in zip(sims, before, strict=True)]
        stale, tries = _freshness(pair[0], pair[1], cookie)  # viewers still polling meanwhile
        for group in viewers:
            group.join()
    finally:
        for process in reversed(processes):
            _stop(process)

    label = f"{VIEWERS} viewers polling the list ({ACTIVE_ROWS} active rows) for {WINDOW_S} s"
    results = []
    for group, count, where in zip(
        viewers, counts, ("one process", "two processes sharing Redis"), strict=True
    ):
        results.append(
            check(
                f"{label}: upstream list requests, {where}",
                count,
                "{:.0f}",
                f"<= {MAX_LIST_REQUESTS}",
                lambda n: n <= MAX_LIST_REQUESTS,
            )
        )
        results.append(
            check(
                f"{label}: failed page/poll requests, {where}",
                group.errors,
                "{:.0f} of " + f"{group.requests:,} ({group.polling} viewers still polling)",
                "= 0",
                lambda n: n == 0,
            )
        )
    results.append(
        check(
            "freshness: create on one process, list at once on the other (Redis): stale reads",
            stale,
            "{:.0f} in " + f"{tries} tries",
            "= 0",
            lambda n: n == 0,
        )
    )
    results.append(info("scale-out run: cache on", f"local memory; Redis at {REDIS_URL}"))
    return results
