"""The portal's sliding-window rate limit: the window expires, keys are pruned, rates parse."""

from __future__ import annotations

import pytest

from app.suppliers import ratelimit
from app.suppliers.ratelimit import PortalLimiter, SlidingWindow, parse_rate
from tests.factories import Clock


def test_a_full_window_waits_until_its_oldest_hit_expires() -> None:
    clock = Clock()
    window = SlidingWindow(limit=2, window=60.0, clock=clock)
    assert window.hit("a") is None
    clock.now += 10
    assert window.hit("a") is None
    clock.now += 5
    assert window.hit("a") == pytest.approx(45.0), "the first hit leaves the window at +60"
    assert window.hit("b") is None, "another key has its own window"
    clock.now += 45
    assert window.hit("a") is None, "the first hit has expired"
    assert window.hit("a") == pytest.approx(10.0), "the second one leaves at +70"
    clock.now += 60
    assert window.hit("a") is None
    assert window.hit("a") is None


def test_stale_keys_are_pruned_when_the_table_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "_MAX_KEYS", 4)
    clock = Clock()
    window = SlidingWindow(limit=1, window=1.0, clock=clock)
    for key in "abcd":
        assert window.hit(key) is None
    clock.now += 5
    assert window.hit("e") is None
    assert set(window._hits) == {"e"}, "expired keys are forgotten first"

    for key in "fgh":
        assert window.hit(key) is None
    assert window.hit("i") is None, "full of live keys: the oldest half goes"
    assert "e" not in window._hits
    assert "i" in window._hits


def test_the_portal_limits_by_address_and_by_invitation() -> None:
    limiter = PortalLimiter.from_rates("1/hour", "2/minute")
    assert limiter.check(ip="10.0.0.1", token_hash="t1") is None
    retry = limiter.check(ip="10.0.0.1", token_hash="t1")
    assert retry is not None, "the token's hour is used up"
    assert 3590 <= retry <= 3600
    assert limiter.check(ip="10.0.0.1", token_hash=None) is not None, "two a minute per address"
    assert limiter.check(ip="10.0.0.2", token_hash=None) is None


@pytest.mark.parametrize("text", ["", "60", "0/minute", "-1/minute", "x/minute", "60/day"])
def test_a_rate_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate(text)


def test_rates_parse() -> None:
    assert parse_rate("60/minute") == (60, 60.0)
    assert parse_rate("5/second") == (5, 1.0)
    assert parse_rate("100/hour") == (100, 3600.0)
