"""An in-process sliding-window rate limit for the supplier portal.

Each process counts on its own: with N instances behind a load balancer a client can make up to
N times the limit. That is enough to stop guessing and hammering; a shared limit needs a shared
store (the load balancer's, or a database), which this service does not have yet.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

_WINDOWS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
_MAX_KEYS = 50_000


def parse_rate(text: str) -> tuple[int, float]:
    """``"60/minute"`` → (60, 60.0)."""
    count, _, unit = text.partition("/")
    if unit not in _WINDOWS or not count.isdigit() or int(count) < 1:
        raise ValueError(f"not a rate: {text!r} (use N/second, N/minute or N/hour)")
    return int(count), _WINDOWS[unit]


@dataclass
class SlidingWindow:
    """At most `limit` hits per key in any `window` seconds."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str) -> float | None:
        """Count one hit; None when allowed, else the seconds until the next one is."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= _MAX_KEYS:
                    self._prune(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.0)
            hits.append(now)
            return None

    def _prune(self, now: float) -> None:
        stale = [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]
        for key in stale:
            del self._hits[key]
        if len(self._hits) >= _MAX_KEYS:  # still full of live keys: forget the oldest half
            for key in list(self._hits)[: _MAX_KEYS // 2]:
                del self._hits[key]


@dataclass
class PortalLimiter:
    """One window per invitation token (by hash) and one per client address."""

    per_token: SlidingWindow
    per_ip: SlidingWindow

    @classmethod
    def from_rates(cls, token_rate: str, ip_rate: str) -> PortalLimiter:
        return cls(SlidingWindow(*parse_rate(token_rate)), SlidingWindow(*parse_rate(ip_rate)))

    def check(self, *, ip: str, token_hash: str | None) -> int | None:
        """None when allowed, else Retry-After in whole seconds."""
        wait = self.per_ip.hit(ip)
        if wait is None and token_hash is not None:
            wait = self.per_token.hit(token_hash)
        return None if wait is None else max(1, math.ceil(wait))
