"""Run two writes so that they overlap: the first keeps its transaction open while the second
starts, as two browser tabs or two API clients can."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import WRITE_TRANSACTION

Write = Callable[[Session], object]


def write_session(engine: Engine) -> Session:
    """A session whose transaction is a write transaction, as for a write request."""
    session = Session(engine, expire_on_commit=False)
    session.connection(execution_options={WRITE_TRANSACTION: True})
    return session


def overlapping_writes(
    engine: Engine, first: Write, second: Write
) -> tuple[bool, BaseException | None]:
    """Run `first` and hold its transaction open while `second` starts; then commit both.

    Returns whether `second` was still waiting when `first` committed, and what `second` raised
    (None when it committed)."""
    first_done = threading.Event()
    release_first = threading.Event()
    second_done = threading.Event()
    errors: dict[str, BaseException] = {}

    def run(name: str, write: Write, done: threading.Event) -> None:
        try:
            with write_session(engine) as session:
                write(session)
                done.set()
                if name == "first":
                    release_first.wait(10)
                session.commit()
        except BaseException as exc:  # reported to the test
            errors[name] = exc
        finally:
            done.set()

    one = threading.Thread(target=run, args=("first", first, first_done))
    one.start()
    assert first_done.wait(10)
    two = threading.Thread(target=run, args=("second", second, second_done))
    two.start()
    waited = not second_done.wait(0.5)
    release_first.set()
    one.join(10)
    two.join(10)
    assert "first" not in errors, errors["first"]
    return waited, errors.get("second")
