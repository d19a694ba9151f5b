"""The portal's rate limit on the shared counters: per address and per invitation, the window
expires, rates parse."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from app.counters.store import DatabaseCounters
from app.suppliers.ratelimit import PortalLimiter, parse_rate
from tests.factories import Clock


def test_the_portal_limits_by_address_and_by_invitation_until_the_window_closes(
    engine: Engine,
) -> None:
    clock = Clock()
    limiter = PortalLimiter.from_rates(DatabaseCounters(engine, clock), "1/hour", "2/minute")
    assert limiter.check(ip="10.0.0.1", token_hash="t-portal-1") is None
    retry = limiter.check(ip="10.0.0.1", token_hash="t-portal-1")
    assert retry is not None, "the token's hour is used up"
    assert 3590 <= retry <= 3600
    assert limiter.check(ip="10.0.0.1", token_hash=None) is not None, "two a minute per address"
    assert limiter.check(ip="10.0.0.2", token_hash=None) is None, "another address counts apart"
    clock.now += 61
    assert limiter.check(ip="10.0.0.1", token_hash=None) is None, "the address's minute is over"
    assert limiter.check(ip="10.0.0.3", token_hash="t-portal-1") is not None, "the hour is not"
    clock.now += 3600
    assert limiter.check(ip="10.0.0.3", token_hash="t-portal-1") is None


@pytest.mark.parametrize("text", ["", "60", "0/minute", "-1/minute", "x/minute", "60/day"])
def test_a_rate_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate(text)
