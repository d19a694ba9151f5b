"""The shared counters: one atomic count whatever the number of writers, windows that close,
and the same behaviour from the database table (both databases) and from Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.counters.models import RateCounter
from app.counters.store import (
    PRUNE_EVERY_SECONDS,
    Counters,
    CountersUnavailable,
    DatabaseCounters,
    RedisCounters,
    make_counters,
    stored_key,
)
from tests.conftest import count_rows
from tests.factories import Clock
from tests.redis_server import redis_server
from tests.servers import free_port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["database", "redis"])
def counters(request: pytest.FixtureRequest) -> Counters:
    """Each store on the real clock (Redis keeps its own time)."""
    if request.param == "redis":
        store = RedisCounters.from_url(request.getfixturevalue("redis_url"))
        store.storage.reset()
        return store
    return DatabaseCounters(request.getfixturevalue("engine"))


def test_a_window_counts_then_closes_and_starts_again(counters: Counters) -> None:
    first = counters.incr("t:window", seconds=1)
    second = counters.incr("t:window", seconds=1)
    assert (first.value, second.value) == (1, 2)
    assert second.expires_at == pytest.approx(first.expires_at, abs=1.0)
    assert first.expires_at - counters.now() <= 1.0 + 0.01
    peeked = counters.peek("t:window")
    assert peeked is not None
    assert peeked.value == 2
    time.sleep(max(second.expires_at - counters.now(), 0) + 0.2)
    assert counters.peek("t:window") is None
    assert counters.incr("t:window", seconds=1).value == 1


def test_clear_forgets_and_keys_do_not_mix(counters: Counters) -> None:
    counters.incr("t:a", seconds=60)
    counters.incr("t:a", seconds=60)
    assert counters.incr("t:b", seconds=60).value == 1
    counters.clear("t:a")
    assert counters.peek("t:a") is None
    assert counters.incr("t:a", seconds=60).value == 1
    counters.clear("t:never-seen")  # forgetting what was never counted is no error


def test_concurrent_hits_are_all_counted(counters: Counters) -> None:
    def hammer() -> None:
        for _ in range(20):
            counters.incr("t:busy", seconds=60)

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    peeked = counters.peek("t:busy")
    assert peeked is not None
    assert peeked.value == 120


def test_extend_moves_the_close_with_every_hit(engine: Engine) -> None:
    clock = Clock()
    counters = DatabaseCounters(engine, clock=clock)
    assert counters.incr("t:quiet", seconds=100, extend=True).expires_at == clock.now + 100
    clock.now += 90
    extended = counters.incr("t:quiet", seconds=100, extend=True)
    assert (extended.value, extended.expires_at) == (2, clock.now + 100)
    fixed = counters.incr("t:fixed", seconds=100)
    clock.now += 90
    assert counters.incr("t:fixed", seconds=100).expires_at == fixed.expires_at
    clock.now += 10  # the fixed window has closed exactly now
    assert counters.peek("t:fixed") is None
    assert counters.incr("t:fixed", seconds=100).value == 1


def test_closed_windows_are_pruned_and_addresses_not_kept(engine: Engine) -> None:
    clock = Clock()
    counters = DatabaseCounters(engine, clock=clock)
    counters.incr("sign-in-email:someone@example.org", seconds=10)
    clock.now += PRUNE_EVERY_SECONDS + 1
    counters.incr("t:other", seconds=10)  # a hit prunes what closed earlier
    with engine.connect() as connection:
        keys = list(connection.execute(sa.select(RateCounter.key)).scalars())  # type: ignore[call-overload]
    assert keys == [stored_key("t:other")]
    assert stored_key("sign-in-email:someone@example.org").startswith("sign-in-email:")
    assert "someone" not in stored_key("sign-in-email:someone@example.org")
    assert count_rows(engine, "rate_counters") == 1


def test_the_store_follows_the_setting(engine: Engine, redis_url: str) -> None:
    assert isinstance(make_counters(engine, None), DatabaseCounters)
    assert isinstance(make_counters(engine, redis_url), RedisCounters)


def test_an_unreachable_redis_is_a_503_not_a_500() -> None:
    counters = RedisCounters.from_url(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(CountersUnavailable) as caught:
        counters.incr("t:x", seconds=1)
    assert caught.value.status == 503
