"""Where the shared counters live: a table of the app's database, or Redis through `limits`.

A counter counts hits in a window of `seconds` that opens at its first hit; once the window has
closed the next hit starts a new one at 1. With `extend`, every hit pushes the close back to
`seconds` from now, so the counter is forgotten only after a quiet spell (failed sign-ins).
Both stores change a counter in one atomic step, so every process and machine sees one count.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from app.counters.models import RateCounter
from app.errors import ProblemType, ServiceUnavailableError

if TYPE_CHECKING:
    from limits.storage import RedisStorage

logger = logging.getLogger("app.counters")

_TABLE: sa.Table = RateCounter.__table__  # type: ignore[attr-defined]
# Closed windows are deleted at most this often per process (one indexed DELETE).
PRUNE_EVERY_SECONDS = 300.0
REDIS_SCHEMES = ("redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


@dataclass(frozen=True, slots=True)
class Count:
    """A counter's value and when (Unix time, seconds) its window closes."""

    value: int
    expires_at: float


class Counters(Protocol):
    """The operations the rate limits need; see the module docstring for the window."""

    def now(self) -> float:
        """The store's notion of now (Unix time, seconds)."""
        ...

    def incr(self, key: str, *, seconds: float, extend: bool = False) -> Count:
        """Add one hit and return the counter after it."""
        ...

    def peek(self, key: str) -> Count | None:
        """The counter while its window is open, else None."""
        ...

    def clear(self, key: str) -> None:
        """Forget the counter."""
        ...


class CountersUnavailable(ServiceUnavailableError):
    def __init__(self) -> None:
        detail = "The store of the rate limits cannot be reached; try again shortly."
        super().__init__(ProblemType.UNAVAILABLE, detail, retry_after=5)


def stored_key(key: str) -> str:
    """``"sign-in-email:a@x.example"`` → ``"sign-in-email:<sha256>"``: the kind stays readable,
    the address (e-mail, IP, token hash) is not kept in clear and has a bounded length."""
    kind, _, subject = key.partition(":")
    return f"{kind[:60]}:{hashlib.sha256(subject.encode()).hexdigest()}"


def _upsert(dialect: str, key: str, now: float, seconds: float, extend: bool) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE ... RETURNING, the same statement on both databases."""
    closes = now + seconds
    closed = _TABLE.c.expires_at <= now
    values = {
        "count": sa.case((closed, 1), else_=_TABLE.c.count + 1),
        "expires_at": sa.literal(closes, sa.Float)
        if extend
        else sa.case((closed, closes), else_=_TABLE.c.expires_at),
    }
    if dialect == "postgresql":
        pg = postgresql.insert(_TABLE).values(key=key, count=1, expires_at=closes)
        return pg.on_conflict_do_update(index_elements=[_TABLE.c.key], set_=values).returning(
            _TABLE.c.count, _TABLE.c.expires_at
        )
    lite = sqlite.insert(_TABLE).values(key=key, count=1, expires_at=closes)
    return lite.on_conflict_do_update(index_elements=[_TABLE.c.key], set_=values).returning(
        _TABLE.c.count, _TABLE.c.expires_at
    )


@dataclass
class DatabaseCounters:
    """Counters in the `rate_counters` table: each hit is one upsert in a short transaction of
    its own, never inside a request's transaction (a rolled-back request still counts)."""

    engine: Engine
    clock: Callable[[], float] = time.time
    _next_prune: float = 0.0
    _prune_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.engine.dialect.name not in ("postgresql", "sqlite"):
            raise ValueError(f"no shared counters on {self.engine.dialect.name}")

    def now(self) -> float:
        return self.clock()

    def incr(self, key: str, *, seconds: float, extend: bool = False) -> Count:
        now = self.clock()
        statement = _upsert(self.engine.dialect.name, stored_key(key), now, seconds, extend)
        with self.engine.begin() as connection:
            value, expires_at = connection.execute(statement).one()
        self._prune(now)
        return Count(int(value), float(expires_at))

    def peek(self, key: str) -> Count | None:
        query = sa.select(_TABLE.c.count, _TABLE.c.expires_at).where(
            _TABLE.c.key == stored_key(key)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None or row[1] <= self.clock():
            return None
        return Count(int(row[0]), float(row[1]))

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(_TABLE.delete().where(_TABLE.c.key == stored_key(key)))

    def _prune(self, now: float) -> None:
        with self._prune_lock:
            if now < self._next_prune:
                return
            self._next_prune = now + PRUNE_EVERY_SECONDS
        with self.engine.begin() as connection:
            connection.execute(_TABLE.delete().where(_TABLE.c.expires_at <= now))


@dataclass
class RedisCounters:
    """Counters in Redis through the `limits` library's storage (the fixed-window counter its
    `FixedWindowRateLimiter` uses). Redis keeps whole seconds of expiry, and removes closed
    windows itself."""

    storage: RedisStorage

    @classmethod
    def from_url(cls, url: str) -> RedisCounters:
        from limits.storage import RedisStorage, storage_from_string

        storage = storage_from_string(url, key_prefix="app-limits", wrap_exceptions=True)
        if not isinstance(storage, RedisStorage):
            raise ValueError(f"not a Redis URL: {url.split(':', 1)[0]}://...")
        return cls(storage)

    def now(self) -> float:
        return time.time()

    def _errors(self) -> tuple[type[Exception], ...]:
        from limits.errors import StorageError

        base = self.storage.base_exceptions
        return (StorageError, *(base if isinstance(base, tuple) else (base,)))

    def incr(self, key: str, *, seconds: float, extend: bool = False) -> Count:
        ttl = max(1, math.ceil(seconds))
        key = stored_key(key)
        try:
            value = self.storage.incr(key, ttl)
            if extend:
                # limits sets the expiry on a counter's first hit only; a quiet spell needs it
                # moved on every hit.
                self.storage.get_connection().expire(self.storage.prefixed_key(key), ttl)
                return Count(value, time.time() + ttl)
            return Count(value, self._expires_at(key))
        except self._errors() as exc:
            raise CountersUnavailable from exc

    def peek(self, key: str) -> Count | None:
        key = stored_key(key)
        try:
            value = self.storage.get(key)
            return Count(value, self._expires_at(key)) if value > 0 else None
        except self._errors() as exc:
            raise CountersUnavailable from exc

    def clear(self, key: str) -> None:
        try:
            self.storage.clear(stored_key(key))
        except self._errors() as exc:
            raise CountersUnavailable from exc

    def _expires_at(self, key: str) -> float:
        # In milliseconds (limits' get_expiry rounds to whole seconds, and a sign-in delay of
        # one second is measured from the last failure).
        connection: Any = self.storage.get_connection(readonly=True)  # redis-py's client
        left = connection.pttl(self.storage.prefixed_key(key))
        return time.time() + max(int(left), 0) / 1000


def make_counters(engine: Engine, redis_url: str | None) -> Counters:
    """Redis when a URL is configured, else the database every process already shares."""
    if redis_url:
        return RedisCounters.from_url(redis_url)
    return DatabaseCounters(engine)
