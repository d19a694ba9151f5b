"""Failed sign-ins per e-mail address and per client, answered with a growing delay.

The failures are shared counters (`app.counters`: the database, or Redis), so every process of
a deployment sees the same count and N instances give a guesser no more tries than one.
Unknown addresses are counted exactly like known ones, so the limit reveals nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.counters.store import Counters

# A quiet quarter of an hour forgives earlier failures.
FORGET_AFTER_SECONDS = 900.0

Later = Callable[[Callable[[], None]], None]


@dataclass(frozen=True)
class SignInLimiter:
    """After `free` failures each further attempt waits 2^(failures - free) seconds (capped).

    A failure is recorded `later` when given: after the request's transaction has ended, so a
    sign-in answered 401 (its transaction rolled back) still counts, and no second write waits
    on the request's own lock.
    """

    counters: Counters
    free: int
    max_delay: float
    later: Later | None = None

    def after(self, later: Later) -> SignInLimiter:
        """The same limiter, recording failures and successes through `later`."""
        return replace(self, later=later)

    def _wait(self, key: str, free: int, now: float) -> float:
        count = self.counters.peek(key)
        if count is None or count.value < free:
            return 0.0
        last = count.expires_at - FORGET_AFTER_SECONDS
        delay = min(2.0 ** (count.value - free), self.max_delay)
        return max(last + delay - now, 0.0)

    def check(self, *, email: str, client: str) -> int | None:
        """None when an attempt may go ahead, else Retry-After in whole seconds."""
        now = self.counters.now()
        wait = max(
            self._wait(_email_key(email), self.free, now),
            self._wait("sign-in-client:" + client, self.free * 4, now),
        )
        return None if wait <= 0 else max(1, math.ceil(wait))

    def failed(self, *, email: str, client: str) -> None:
        def record() -> None:
            for key in (_email_key(email), "sign-in-client:" + client):
                self.counters.incr(key, seconds=FORGET_AFTER_SECONDS, extend=True)

        self._run(record)

    def succeeded(self, *, email: str) -> None:
        self._run(lambda: self.counters.clear(_email_key(email)))

    def _run(self, step: Callable[[], None]) -> None:
        if self.later is None:
            step()
        else:
            self.later(step)


def _email_key(email: str) -> str:
    # One counter per address however it is capitalised.
    return "sign-in-email:" + email.strip().lower()
