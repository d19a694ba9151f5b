"""Settings read from the environment (prefix ``APP_``); every field is listed in the README."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
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
    web_dir: Path = Field(
        default=PROJECT_ROOT / "web" / "dist",
        description="The built web app (`vite build` output) served at `/`.",
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

    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the web app; supplier invitation links start with it.",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail; unset turns e-mail off."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_user: str | None = Field(default=None, description="SMTP login (none: no login).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="assessments@localhost", description="Sender address of the e-mails."
    )
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS."
    )
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, description="SMTP socket timeout.")
    evidence_dir: Path = Field(
        default=Path("./var/evidence"), description="Folder where supplier evidence files are kept."
    )
    evidence_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest evidence file accepted (bytes)."
    )
    invitation_valid_days_after_due: int = Field(
        default=30,
        ge=0,
        description="A supplier invitation expires this many days after its due date.",
    )
    reminder_days_before_due: int = Field(
        default=7,
        ge=0,
        description="A supplier gets one reminder this many days before the due date.",
    )
    portal_rate_limit: str = Field(
        default="60/minute",
        pattern=r"^[1-9][0-9]*/(second|minute|hour)$",
        description="Requests per invitation token to the supplier portal (N/second|minute|hour).",
    )
    portal_ip_rate_limit: str = Field(
        default="300/minute",
        pattern=r"^[1-9][0-9]*/(second|minute|hour)$",
        description="Requests per client IP address to the supplier portal.",
    )


@lru_cache
def get_settings() -> Settings:
    """The process settings, read once."""
    return Settings()
