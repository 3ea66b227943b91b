"""When to retry a request and how long to wait first.

Only GET is retried: a POST, PATCH or DELETE that timed out may already have taken effect
upstream, and repeating it could create a duplicate or undo a later change.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_METHODS = frozenset({"GET"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Failures where the request never reached Faraday, so even a retry of a GET is free.
RETRY_NETWORK_KINDS = frozenset({"connect_timeout", "refused"})


def proportional_jitter(delay: float) -> float:
    """Return a random delay between half and all of `delay`, so clients don't retry in step."""
    # Load spreading, not cryptography, so the plain PRNG is right here.
    return delay * random.uniform(0.5, 1.0)  # noqa: S311  # nosec B311


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the seconds a Retry-After header asks for (0 for a past date), or None if unusable.

    Accepts both forms of RFC 9110: delay-seconds and an HTTP-date.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


@dataclass(frozen=True)
class RetryPolicy:
    """Retry budget and backoff for GET requests."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    # Total sleeping across one request's retries: a Retry-After that would pass it is
    # answered with the error (RateLimited carries retry_after) instead of a long wait.
    max_total_delay: float = 10.0
    jitter: Callable[[float], float] = proportional_jitter
    # A caller that shares a 429's Retry-After with other processes leaves 429 out: it gets
    # RateLimited at once instead of a worker asleep.
    retry_statuses: frozenset[int] = RETRY_STATUSES

    def should_retry(self, method: str, status: int) -> bool:
        """Return True when an answer with `status` to `method` is worth asking again."""
        return method.upper() in RETRY_METHODS and status in self.retry_statuses

    def should_retry_network(self, method: str, kind: str) -> bool:
        """Return True when a NetworkError of `kind` on `method` is worth trying again."""
        return method.upper() in RETRY_METHODS and kind in RETRY_NETWORK_KINDS

    def delay(self, attempt: int, retry_after_header: str | None) -> float:
        """Return the seconds to sleep before retry number `attempt` (1 for the first retry).

        A usable Retry-After wins, capped at max_retry_after; otherwise the exponential backoff
        from base_delay, capped at max_delay, passed through jitter.
        """
        retry_after = parse_retry_after(retry_after_header)
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        backoff = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return self.jitter(backoff)
