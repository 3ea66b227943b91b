"""The sweep over the bench's 1,000 connections: exactly one upstream list request when nothing
changed, and the sweep's own time (reading the list, comparing each connection with what was
recorded, taking and releasing the lock).

Needs Django set up on the bench database (see run.py) and a FakeFaraday router active.
"""

from __future__ import annotations

import time

from results import Result, info, percentile

from faraday_admin.history.services import sweep_run
from tests.fake_faraday import FakeFaraday

RUNS = 20


def run(fake: FakeFaraday) -> list[Result]:
    first = _timed_sweep(fake)  # first sight of whatever the pages' reads haven't seen
    timings, requests = [], []
    for _ in range(RUNS):
        calls_before = fake.calls
        timings.append(_timed_sweep(fake))
        requests.append(fake.calls - calls_before)
    count = len(fake.connections)
    figure = (
        f"{max(requests)} per sweep · p50 {percentile(timings, 50):.1f} ms · "
        f"p95 {percentile(timings, 95):.1f} ms ({RUNS} sweeps)"
    )
    return [
        info(
            f"sweep over {count:,} connections, first one (records each first sight)",
            f"{first:.0f} ms",
        ),
        Result(
            f"sweep over {count:,} connections, nothing changed: upstream requests",
            figure,
            "= 1 (the list)",
            max(requests) == 1 and min(requests) == 1,
        ),
    ]


def _timed_sweep(fake: FakeFaraday) -> float:
    started = time.perf_counter()
    result = sweep_run()
    elapsed = (time.perf_counter() - started) * 1000
    if not result.ran or result.seen != len(fake.connections):
        raise RuntimeError(f"the sweep didn't read every connection: {result}")
    return elapsed
