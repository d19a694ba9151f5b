"""Settings read from the environment (prefix ``APP_``); every field is listed in the README."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration of one service process."""

    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/app.db",
        description="SQLAlchemy URL: a SQLite file by default, postgresql://... in production.",
    )
    questionnaires_dir: Path = Field(
        default=PROJECT_ROOT / "questionnaires",
        description="Folder with the questionnaire files and the control catalog.",
    )
    host: str = Field(default="127.0.0.1", description="Address `python -m app serve` binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `python -m app serve` binds.")
    log_level: str = Field(default="INFO", description="Python log level of the JSON logs.")
    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL connection pool size.")
    db_echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    key_last_used_resolution_seconds: int = Field(
        default=60,
        ge=0,
        description="An API key's last-used time is written at most once per this many seconds.",
    )


@lru_cache
def get_settings() -> Settings:
    """The process settings, read once."""
    return Settings()
