"""One row of the bench's table, and the table itself."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """A measured figure; `passed` is None for a figure shown for information only."""

    name: str
    figure: str
    budget: str = "—"
    passed: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]


def check(name: str, value: float, fmt: str, budget: str, ok: Callable[[float], bool]) -> Result:
    return Result(name, fmt.format(value), budget, bool(ok(value)))


def info(name: str, figure: str) -> Result:
    return Result(name, figure)


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def table(results: Sequence[Result]) -> str:
    headers = ("Measurement", "Figure", "Budget", "Result")
    rows = [(r.name, r.figure, r.budget, r.verdict) for r in results]
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
