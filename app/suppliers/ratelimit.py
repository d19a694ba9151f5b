"""The supplier portal's rate limit, shared by every process through the shared counters.

A fixed window per client address and one per invitation token (by hash): at most N requests
from the window's first request until it closes, then a fresh window. Each process counts into
the same counter (`app.counters`), so N instances behind a load balancer still allow N requests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.counters.store import Counters

_WINDOWS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}


def parse_rate(text: str) -> tuple[int, float]:
    """``"60/minute"`` → (60, 60.0)."""
    count, _, unit = text.partition("/")
    if unit not in _WINDOWS or not count.isdigit() or int(count) < 1:
        raise ValueError(f"not a rate: {text!r} (use N/second, N/minute or N/hour)")
    return int(count), _WINDOWS[unit]


@dataclass(frozen=True)
class FixedWindow:
    """At most `limit` hits per key in each window of `window` seconds."""

    counters: Counters
    name: str
    limit: int
    window: float

    def hit(self, key: str) -> float | None:
        """Count one hit; None when allowed, else the seconds until the window closes."""
        count = self.counters.incr(f"{self.name}:{key}", seconds=self.window)
        if count.value <= self.limit:
            return None
        return max(count.expires_at - self.counters.now(), 0.0)


@dataclass(frozen=True)
class PortalLimiter:
    """One window per invitation token (by hash) and one per client address."""

    per_token: FixedWindow
    per_ip: FixedWindow

    @classmethod
    def from_rates(cls, counters: Counters, token_rate: str, ip_rate: str) -> PortalLimiter:
        return cls(
            FixedWindow(counters, "portal-token", *parse_rate(token_rate)),
            FixedWindow(counters, "portal-ip", *parse_rate(ip_rate)),
        )

    def check(self, *, ip: str, token_hash: str | None) -> int | None:
        """None when allowed, else Retry-After in whole seconds."""
        wait = self.per_ip.hit(ip)
        if wait is None and token_hash is not None:
            wait = self.per_token.hit(token_hash)
        return None if wait is None else max(1, math.ceil(wait))
