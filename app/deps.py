"""The process-wide objects a route may ask for, declared once as typed dependencies."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from app.settings import Settings

Held = TypeVar("Held")


def state_of(request: Request, name: str, kind: type[Held]) -> Held:
    """`app.state.<name>`, which the app factory made a `kind` (else a RuntimeError: a bug)."""
    held = getattr(request.app.state, name)
    if not isinstance(held, kind):
        raise RuntimeError(f"app.state.{name} is not a {kind.__name__}")
    return held


async def get_settings_of(request: Request) -> Settings:
    """The settings the app was created with (tests create apps with their own)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    """The app's database engine, for routes that open their own transactions (uploads)."""
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings_of)]
EngineDep = Annotated[Engine, Depends(get_engine)]
