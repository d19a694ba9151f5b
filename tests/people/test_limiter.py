"""The sign-in limiter's growing delay, on shared counters and a clock the test moves."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from app.counters.store import DatabaseCounters
from app.people.limiter import FORGET_AFTER_SECONDS, SignInLimiter
from tests.factories import Clock


def test_the_delay_doubles_after_the_free_failures_and_is_capped(engine: Engine) -> None:
    clock = Clock()
    limiter = SignInLimiter(DatabaseCounters(engine, clock=clock), free=3, max_delay=10.0)
    waits = []
    for _ in range(8):
        assert limiter.check(email="a@x.example", client="c") is None
        limiter.failed(email="a@x.example", client="c")
        waits.append(limiter.check(email="a@x.example", client="c"))
        clock.now += 100.0  # waits it out (and more), but stays within the memory window
    assert waits == [None, None, 1, 2, 4, 8, 10, 10]


def test_success_forgives_the_address_and_quiet_time_forgets_everything(engine: Engine) -> None:
    clock = Clock()
    limiter = SignInLimiter(DatabaseCounters(engine, clock=clock), free=1, max_delay=60.0)
    limiter.failed(email="a@x.example", client="c")
    limiter.failed(email="A@X.example", client="c")  # one address however it is written
    assert limiter.check(email="a@x.example", client="other") == 2
    limiter.succeeded(email="a@x.example")
    assert limiter.check(email="a@x.example", client="other") is None
    assert limiter.check(email="b@x.example", client="c") is None  # 2 < 4 x free per client
    limiter.failed(email="b@x.example", client="c")
    limiter.failed(email="b@x.example", client="c")
    assert limiter.check(email="z@x.example", client="c") is not None
    clock.now += FORGET_AFTER_SECONDS
    assert limiter.check(email="z@x.example", client="c") is None


def test_failures_wait_for_the_transaction_when_asked(engine: Engine) -> None:
    clock = Clock()
    queued: list[Callable[[], None]] = []
    limiter = SignInLimiter(DatabaseCounters(engine, clock=clock), free=1, max_delay=60.0)
    later = limiter.after(queued.append)
    later.failed(email="a@x.example", client="c")
    later.failed(email="a@x.example", client="c")
    assert limiter.check(email="a@x.example", client="c") is None  # nothing recorded yet
    for step in queued:
        step()
    assert limiter.check(email="a@x.example", client="c") == 2
