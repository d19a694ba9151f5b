"""Failed sign-ins per e-mail address and per client, answered with a growing delay.

In-process like the supplier portal's limit: with N instances a guesser gets N times the tries.
Unknown addresses are counted exactly like known ones, so the limit reveals nothing.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_MAX_KEYS = 50_000
# A quiet quarter of an hour forgives earlier failures.
FORGET_AFTER_SECONDS = 900.0


@dataclass
class _Failures:
    count: int
    last: float


@dataclass
class SignInLimiter:
    """After `free` failures each further attempt waits 2^(failures - free) seconds (capped)."""

    free: int
    max_delay: float
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _wait(self, key: str, free: int, now: float) -> float:
        entry = self._failures.get(key)
        if entry is None or now - entry.last >= FORGET_AFTER_SECONDS:
            return 0.0
        if entry.count < free:
            return 0.0
        delay = min(2.0 ** (entry.count - free), self.max_delay)
        return max(entry.last + delay - now, 0.0)

    def check(self, *, email: str, client: str) -> int | None:
        """None when an attempt may go ahead, else Retry-After in whole seconds."""
        now = self.clock()
        with self._lock:
            wait = max(
                self._wait("e:" + email, self.free, now),
                self._wait("c:" + client, self.free * 4, now),
            )
        return None if wait <= 0 else max(1, math.ceil(wait))

    def failed(self, *, email: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) >= _MAX_KEYS:
                self._prune(now)
            for key in ("e:" + email, "c:" + client):
                entry = self._failures.get(key)
                if entry is None or now - entry.last >= FORGET_AFTER_SECONDS:
                    self._failures[key] = _Failures(1, now)
                else:
                    entry.count += 1
                    entry.last = now

    def succeeded(self, *, email: str) -> None:
        with self._lock:
            self._failures.pop("e:" + email, None)

    def _prune(self, now: float) -> None:
        stale = [k for k, f in self._failures.items() if now - f.last >= FORGET_AFTER_SECONDS]
        for key in stale:
            del self._failures[key]
        if len(self._failures) >= _MAX_KEYS:
            for key in list(self._failures)[: _MAX_KEYS // 2]:
                del self._failures[key]
