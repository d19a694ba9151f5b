"""The process-wide objects a route may ask for, declared once as typed dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from app.settings import Settings


async def get_settings_of(request: Request) -> Settings:
    """The settings the app was created with (tests create apps with their own)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    """The app's database engine, for routes that open their own transactions (uploads)."""
    engine: Engine = request.app.state.engine
    return engine


Kept = TypeVar("Kept")


def app_state(name: str, kind: type[Kept]) -> Callable[[Request], Awaitable[Kept]]:
    """A dependency on the object the app keeps as ``app.state.<name>``, checked to be a `kind`."""

    async def kept(request: Request) -> Kept:
        value = getattr(request.app.state, name, None)
        if not isinstance(value, kind):
            raise RuntimeError(f"app.state.{name} is not a {kind.__name__}")
        return value

    return kept


SettingsDep = Annotated[Settings, Depends(get_settings_of)]
EngineDep = Annotated[Engine, Depends(get_engine)]
