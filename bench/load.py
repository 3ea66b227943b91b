"""The load run: the simulator and gunicorn as real servers on loopback, wrk against the list page.

Every process started here is stopped in `finally`, and every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
from results import Result, check, info

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MANAGE = (str(ROOT / ".venv/bin/python"), "manage.py")
START_DEADLINE_S = 60
STOP_DEADLINE_S = 10
WRK_ARGS = ("-t2", "-c16", "-d15s", "--latency", "--timeout", "5s")
WARMUP_ARGS = ("-t2", "-c16", "-d3s", "--timeout", "5s")
MIN_RPS = 400
MAX_P99_MS = 150

# wrk's own error count ignores 3xx (a lost session would "pass" as redirects to the login page),
# so every thread counts non-2xx answers itself; done() prints one JSON line for the bench.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "non2xx": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


class LoadError(RuntimeError):
    pass


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when it is missing; LoadError when that fails."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise LoadError("wrk is not installed; install it with `apt-get install wrk` (as root)")
    print("Installing wrk (Debian package)…", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "wrk"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise LoadError(f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}")
    found = shutil.which("wrk")
    if found is None:
        raise LoadError("apt-get installed wrk, but it is not on PATH")
    return found


def _wait_for(what: str, ready, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadError(f"{what} exited with {process.returncode}; log:\n{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError, OSError):
            if ready():
                return
        time.sleep(0.2)
    raise LoadError(f"{what} not ready after {START_DEADLINE_S} s; log:\n{_tail(log)}")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen) -> None:
    """SIGINT (gunicorn's quick shutdown, the simulator's Ctrl+C), then SIGKILL its group."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_DEADLINE_S)
    # The process was started in a session of its own: this reaches its workers and nothing else.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_DEADLINE_S)


def _cookies(response: httpx.Response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _login(base: str, username: str, password: str) -> str:
    """The session cookie of a fresh login. The cookies are Secure (production settings), so
    they are carried by hand: over plain http a cookie jar would rightly keep them back."""
    with httpx.Client(base_url=base, timeout=10) as client:
        page = client.get("/login/")
        csrf = _cookies(page)["csrftoken"]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token is None:
            raise LoadError("the login page has no CSRF token")
        answer = client.post(
            "/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
            headers={"Cookie": f"csrftoken={csrf}"},
        )
        session = _cookies(answer).get("sessionid")
        if answer.status_code != 302 or not session:
            raise LoadError(f"login failed: HTTP {answer.status_code}")
        cookie = f"sessionid={session}"
        listing = client.get("/connections/", headers={"Cookie": cookie})
        if listing.status_code != 200 or 'id="connection-rows"' not in listing.text:
            raise LoadError(f"the list page answered {listing.status_code} after logging in")
        return cookie


def _wrk(wrk: str, args: tuple[str, ...], script: Path, cookie: str, url: str) -> dict:
    command = [wrk, *args, "-s", str(script), "-H", f"Cookie: {cookie}", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return json.loads(line.removeprefix("BENCH "))


_TICK = os.sysconf("SC_CLK_TCK")


def _family(pid: int) -> list[int]:
    """`pid` and its children (gunicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    with contextlib.suppress(OSError):
        return [pid, *(int(c) for c in children.read_text().split())]
    return [pid]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def _machine_busy_seconds() -> float:
    """CPU time all processes on the machine have used (every core), from /proc/stat, plus
    time the hypervisor gave to other machines. Interrupt time is left out: the per-process
    figures leave it out too (and most of it is this run's own loopback traffic)."""
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + steal) / _TICK


def _peak_worker_rss_mb(master_pid: int) -> float:
    """The largest peak RSS (VmHWM) among the gunicorn master's workers, in MiB."""
    peak = 0
    for pid in _family(master_pid)[1:]:
        with contextlib.suppress(OSError):
            found = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
            peak = max(peak, int(found[1]) if found else 0)
    return peak / 1024


@dataclass
class _Usage:
    """CPU seconds used so far: the app (gunicorn and its workers), the simulator, wrk (this
    process's waited-for children) and the whole machine."""

    app: float
    simulator: float
    wrk: float
    machine: float

    @classmethod
    def now(cls, gunicorn: subprocess.Popen, simulator: subprocess.Popen) -> _Usage:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(
            app=_cpu_seconds(_family(gunicorn.pid)),
            simulator=_cpu_seconds(_family(simulator.pid)),
            wrk=children.ru_utime + children.ru_stime,
            machine=_machine_busy_seconds(),
        )

    def __sub__(self, earlier: _Usage) -> _Usage:
        return _Usage(
            self.app - earlier.app,
            self.simulator - earlier.simulator,
            self.wrk - earlier.wrk,
            self.machine - earlier.machine,
        )


def _started(
    command: list[str], name: str, env: dict[str, str], workdir: Path, processes: list
) -> tuple[subprocess.Popen, Path]:
    """Start `command` in a session of its own (so it can be stopped with all its children),
    output to `workdir/name.log`; it is added to `processes` for the caller to stop."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    processes.append(process)
    return process, log


def _announced(what: str, pattern: str, process: subprocess.Popen, log: Path) -> str:
    """The first match of `pattern` in the process's output (its address), waited for."""
    found: list[str] = []

    def ready() -> bool:
        match = re.search(pattern, log.read_text(errors="replace"))
        if match:
            found.append(match[1])
        return bool(match)

    _wait_for(what, ready, process, log)
    return found[0]


def run(*, env: dict[str, str], workdir: Path, username: str, password: str) -> list[Result]:
    """`env`: the bench's settings environment (SECRET_KEY, DATABASE_URL, DEBUG=false, …).

    Raises LoadError when the run cannot be made (no wrk, a server that doesn't start, …).
    """
    wrk = ensure_wrk()
    script = workdir / "count_non2xx.lua"
    script.write_text(WRK_SCRIPT)
    processes: list[subprocess.Popen] = []
    try:
        # Port 0: each server picks a free port and prints it, so there is no race for one.
        simulator, sim_log = _started(
            [*MANAGE, "faraday_simulator", "--host", HOST, "--port", "0", "--seed"],
            "simulator",
            env,
            workdir,
            processes,
        )
        sim_url = _announced("the simulator", r"FARADAY_API_URL=(\S+)", simulator, sim_log)
        app_env = {
            **env,
            "PORT": "0",
            "HOST": HOST,
            "FARADAY_API_URL": sim_url,
            "FARADAY_API_KEY": "bench-key",
        }
        gunicorn, app_log = _started(
            [str(ROOT / ".venv/bin/gunicorn"), "faraday_admin.wsgi"],
            "gunicorn",
            app_env,
            workdir,
            processes,
        )
        base = _announced("gunicorn", r"Listening at: (http://\S+)", gunicorn, app_log)
        _wait_for(
            "gunicorn's /healthz",
            lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200,
            gunicorn,
            app_log,
        )
        cookie = _login(base, username, password)
        url = f"{base}/connections/"
        _wrk(wrk, WARMUP_ARGS, script, cookie, url)
        list_calls_before = _count_list_calls(sim_log)
        before = _Usage.now(gunicorn, simulator)
        stats = _wrk(wrk, WRK_ARGS, script, cookie, url)
        used = _Usage.now(gunicorn, simulator) - before
        list_calls = _count_list_calls(sim_log) - list_calls_before
        rss = _peak_worker_rss_mb(gunicorn.pid)
    finally:
        for process in reversed(processes):
            _stop(process)

    seconds = stats["duration_us"] / 1e6
    requests = max(stats["requests"], 1)
    rps = stats["requests"] / seconds
    cores = os.cpu_count() or 1
    others = max(used.machine - used.app - used.simulator - used.wrk, 0) / seconds
    per_free_core = rps / max(cores - others, 0.1)
    errors = stats["non2xx"] + sum(stats[k] for k in ("connect", "read", "write", "timeout"))
    workers = env.get("WEB_CONCURRENCY", "3")
    threads = env.get("GUNICORN_THREADS", "1")
    return [
        check(
            f"load: list page, wrk {' '.join(WRK_ARGS[:3])}, "
            f"gunicorn {workers} workers x {threads} thread(s)",
            rps,
            "{:,.0f} req/s",
            f">= {MIN_RPS} req/s",
            lambda v: v >= MIN_RPS,
        ),
        check(
            "load: p99 latency",
            stats["p99_us"] / 1000,
            "{:.1f} ms",
            f"<= {MAX_P99_MS} ms",
            lambda v: v <= MAX_P99_MS,
        ),
        check("load: errors (non-2xx + socket)", errors, "{:.0f}", "= 0", lambda v: v == 0),
        info("load: p50 latency", f"{stats['p50_us'] / 1000:.1f} ms"),
        info("load: simulator list requests per page", f"{list_calls / requests:.2f}"),
        info(
            "load: CPU per request (app · simulator · wrk)",
            f"{used.app * 1000 / requests:.2f} · {used.simulator * 1000 / requests:.2f} · "
            f"{used.wrk * 1000 / requests:.2f} ms",
        ),
        info(f"load: CPU used by other processes ({cores} cores)", f"{others:.2f} cores"),
        info(
            "load: req/s per core left to the bench (x cores: idle-machine estimate)",
            f"{per_free_core:,.0f} (x {cores} = {per_free_core * cores:,.0f} req/s)",
        ),
        info("load: peak RSS of a gunicorn worker", f"{rss:.0f} MiB"),
    ]


def _count_list_calls(log: Path) -> int:
    return log.read_text(errors="replace").count('"GET /v1/connections HTTP')
