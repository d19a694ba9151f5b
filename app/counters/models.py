"""The table of shared counters (used when no Redis is configured)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class RateCounter(SQLModel, table=True):
    """One counter: how many hits in the current window and when the window closes."""

    __tablename__ = "rate_counters"

    key: str = Field(primary_key=True, max_length=128)
    count: int
    # Unix time in seconds: every process compares it with its own clock, so the app's hosts
    # keep their clocks in sync (NTP) the way they already must for tokens and sessions.
    expires_at: float = Field(index=True)
