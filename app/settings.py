"""Settings read from the environment (prefix ``APP_``); every field is listed in the README."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
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
    port: int = Field(
        default=8000,
        ge=0,
        le=65535,
        description="Port `python -m app serve` binds (0: any free port, named at start-up).",
    )
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
        description=(
            "Base URL of the web app; invitation and sign-in links start with it, and its origin "
            "is the one cookie-authenticated writes must come from. Plain http is refused except "
            "on localhost / 127.0.0.1."
        ),
    )
    trusted_origins: str = Field(
        default="",
        description=(
            "More origins (comma separated) allowed to make cookie-authenticated writes, e.g. "
            "the Vite dev server `http://localhost:5173`."
        ),
    )
    session_idle_minutes: int = Field(
        default=120, ge=1, description="A sign-in session ends after this many idle minutes."
    )
    session_lifetime_hours: int = Field(
        default=12, ge=1, description="A sign-in session ends this many hours after sign-in."
    )
    first_admin_email: str = Field(
        default="admin@localhost",
        max_length=254,
        description="E-mail of the first admin user created on a first start.",
    )
    sign_in_free_failures: int = Field(
        default=5,
        ge=1,
        description=(
            "Failed sign-ins per address (and 4x that per client) before each further attempt "
            "waits a growing delay."
        ),
    )
    sign_in_max_delay_seconds: int = Field(
        default=900, ge=1, description="Longest wait imposed after repeated failed sign-ins."
    )
    password_reset_valid_hours: int = Field(
        default=24, ge=1, description="A password-reset (and first sign-in) link works this long."
    )
    user_invitation_valid_days: int = Field(
        default=7, ge=1, description="An invitation of a colleague works this many days."
    )
    argon2_time_cost: int = Field(
        default=3, ge=1, description="Argon2id iterations of password hashes."
    )
    argon2_memory_kib: int = Field(
        default=65536, ge=8, description="Argon2id memory (KiB) of password hashes."
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
    plan_grace_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description=(
            "An assessment the plan newly requires is due this many days after the system's "
            "registration or the approval that made it required."
        ),
    )
    plan_due_soon_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="The work queue shows an assessment as due soon this many days ahead.",
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
    max_request_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description=(
            "Largest request body accepted (bytes); 413 above, before it is parsed. Evidence "
            "uploads have their own limit."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed; none by default."
        ),
    )
    portal_ip_rate_limit: str = Field(
        default="300/minute",
        pattern=r"^[1-9][0-9]*/(second|minute|hour)$",
        description="Requests per client IP address to the supplier portal.",
    )
    rate_limit_redis_url: str | None = Field(
        default=None,
        pattern=r"^(redis|rediss|redis\+unix|redis\+sentinel|redis\+cluster)://",
        description=(
            "Redis that keeps the sign-in and supplier-portal rate limits shared by every "
            "process (redis://host:6379/0); unset: a table in the database does."
        ),
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer URL of the OpenID Connect provider; unset turns single sign-on off.",
    )
    oidc_name: str = Field(
        default="Single sign-on", max_length=80, description="Name of the sign-on button."
    )
    oidc_client_id: str | None = Field(default=None, description="OIDC client id.")
    oidc_client_secret: SecretStr | None = Field(default=None, description="OIDC client secret.")
    oidc_allowed_domains: str = Field(
        default="",
        description="E-mail domains (comma separated) whose verified users are let in.",
    )
    oidc_organization: str = Field(
        default="default", description="Slug of the organisation OIDC users are provisioned into."
    )
    oidc_default_role: str = Field(
        default="viewer",
        pattern=r"^(admin|assessor|reviewer|procurement|viewer)$",
        description="Role of a user provisioned by OIDC on first sign-in.",
    )
    oidc_metadata_cache_seconds: int = Field(
        default=3600, ge=0, description="How long the provider's discovery and JWKS are cached."
    )

    @field_validator("public_base_url")
    @classmethod
    def _secure_base_url(cls, value: str) -> str:
        # The session cookie is always Secure: browsers only accept that over https, or over
        # http on the loopback names, so any other http origin could never sign anyone in.
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("public_base_url must be an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise ValueError("public_base_url must use https (plain http only on localhost)")
        return value.rstrip("/")

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def allowed_origins(self) -> frozenset[str]:
        """Origins a cookie-authenticated write may come from."""
        extra = {o.strip().rstrip("/") for o in self.trusted_origins.split(",") if o.strip()}
        return frozenset({self.public_origin, *extra})

    audit_checkpoint_key: SecretStr | None = Field(
        default=None,
        description="Key of the HMAC-SHA256 signatures of audit checkpoints (unset: unsigned).",
    )
    audit_checkpoint_interval: int = Field(
        default=100,
        ge=1,
        description="An audit checkpoint every this many events of an organisation.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that `/metrics` wants (unset: no metrics, 404).",
    )
    outbox_key: SecretStr | None = Field(
        default=None,
        description=(
            "Secret that encrypts the links (tokens) of queued e-mails until they are sent; set "
            "it on every process of a deployment (unset: a key kept in APP_OUTBOX_KEY_FILE)."
        ),
    )
    outbox_key_file: Path = Field(
        default=Path("outbox.key"),
        description="Where the outbox key is made and kept when APP_OUTBOX_KEY is unset.",
    )
    outbox_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts before a message is dead-lettered."
    )
    outbox_backoff_seconds: float = Field(
        default=30.0,
        gt=0,
        description="First retry delay; it doubles each attempt (with jitter), capped at 6 h.",
    )
    outbox_lease_seconds: int = Field(
        default=120,
        ge=5,
        description="A claimed message whose worker died is claimed again after this long.",
    )
    outbox_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often an idle worker looks for due messages."
    )
    outbox_worker_in_process: bool = Field(
        default=True,
        description="`serve` runs an outbox worker in its process (off: `python -m app worker`).",
    )
    webhook_allow_http: bool = Field(
        default=False,
        description="Let webhook subscriptions use plain http:// URLs (development only).",
    )
    webhook_allowed_networks: str = Field(
        default="",
        description=(
            "Comma-separated networks (CIDR) that webhooks may reach although they are private, "
            "loopback, link-local or reserved (e.g. `127.0.0.0/8,::1/128` for a local receiver); "
            "none by default."
        ),
    )
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, le=30, description="Connect, write and read timeout of one webhook call."
    )
    webhook_overdue_scan_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often the worker looks for newly overdue systems and vendor requests.",
    )

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ip_network(part.strip(), strict=False)  # ValueError names the bad network
        return value

    @property
    def webhook_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """Networks webhooks may reach despite being non-public."""
        parts = (p.strip() for p in self.webhook_allowed_networks.split(","))
        return tuple(ip_network(p, strict=False) for p in parts if p)


@lru_cache
def get_settings() -> Settings:
    """The process settings, read once."""
    return Settings()
