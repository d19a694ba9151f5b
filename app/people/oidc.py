"""Single sign-on with OpenID Connect: authorisation code with PKCE, one provider from settings.

`authlib` builds the authorisation request and the PKCE challenge; `joserfc` checks the ID
token's signature against the provider's JWKS and its claims (issuer, audience, expiry, nonce).
Discovery and JWKS are fetched over HTTP and cached; no HTTP call runs inside a write transaction.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.auth import Operator, Role, hash_key
from app.db import transaction, utcnow
from app.organizations.models import Organization
from app.people import service
from app.people.models import Membership, OidcLogin, UserSession
from app.people.schemas import display_name, normalise_email
from app.settings import Settings

if TYPE_CHECKING:
    from joserfc.jwk import KeySet

# httpx, authlib and joserfc (with cryptography) are imported where single sign-on uses them:
# a service without a provider configured does not hold them (about 12 MB per worker).

logger = logging.getLogger("app.people.oidc")

STATE_COOKIE = "__Host-aas_oidc"
LOGIN_VALID_SECONDS = 600
CALLBACK_PATH = "/v1/auth/oidc/callback"
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


class OidcError(Exception):
    """A refused or failed single sign-on; `slug` is the problem type the web app shows."""

    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.slug = slug
        self.detail = detail


@dataclass
class OidcProvider:
    """The configured provider, its discovery document and keys (cached)."""

    issuer: str
    client_id: str
    client_secret: str | None
    cache_seconds: float
    timeout: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _metadata: dict[str, Any] | None = field(default=None, init=False)
    _metadata_at: float = field(default=0.0, init=False)
    _keys: KeySet | None = field(default=None, init=False)
    _keys_at: float = field(default=0.0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcProvider | None:
        if not settings.oidc_issuer or not settings.oidc_client_id:
            return None
        secret = settings.oidc_client_secret
        return cls(
            issuer=settings.oidc_issuer.rstrip("/"),
            client_id=settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            cache_seconds=float(settings.oidc_metadata_cache_seconds),
        )

    def _get(self, url: str) -> dict[str, Any]:
        import httpx

        try:
            response = httpx.get(url, timeout=self.timeout)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError(
                "oidc-unavailable", f"the provider did not answer {url}: {exc}"
            ) from exc
        if not isinstance(data, dict):
            raise OidcError("oidc-unavailable", f"{url} is not a JSON object")
        return data

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            fresh = self.clock() - self._metadata_at < self.cache_seconds
            if self._metadata is not None and fresh:
                return self._metadata
        data = self._get(f"{self.issuer}/.well-known/openid-configuration")
        if str(data.get("issuer", "")).rstrip("/") != self.issuer:
            raise OidcError("oidc-unavailable", "the discovery document names another issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(name), str):
                raise OidcError("oidc-unavailable", f"the discovery document lacks {name}")
        with self._lock:
            self._metadata, self._metadata_at = data, self.clock()
        return data

    def keys(self, *, refresh: bool = False) -> KeySet:
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        with self._lock:
            fresh = self.clock() - self._keys_at < self.cache_seconds
            if self._keys is not None and fresh and not refresh:
                return self._keys
        data = self._get(self.metadata()["jwks_uri"])
        try:
            keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise OidcError("oidc-unavailable", f"unreadable JWKS: {exc}") from exc
        with self._lock:
            self._keys, self._keys_at = keys, self.clock()
        return keys

    def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        """The ID token for an authorisation code (the PKCE verifier proves we asked for it)."""
        import httpx

        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": self.client_id,
        }
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        try:
            response = httpx.post(
                self.metadata()["token_endpoint"], data=form, auth=auth, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise OidcError("oidc-unavailable", f"token endpoint unreachable: {exc}") from exc
        if response.status_code != 200:
            raise OidcError("oidc-provider-error", f"token endpoint said {response.status_code}")
        try:
            id_token = response.json().get("id_token")
        except (ValueError, AttributeError) as exc:
            raise OidcError("oidc-provider-error", "the token response is not JSON") from exc
        if not isinstance(id_token, str):
            raise OidcError("oidc-provider-error", "the token response has no id_token")
        return id_token

    def verify(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature, issuer, audience, expiry and nonce hold."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            try:
                token = jwt.decode(id_token, self.keys(), algorithms=ALGORITHMS)
            except (JoseError, ValueError):
                # The provider may have rotated its keys since they were cached: one fresh look.
                token = jwt.decode(id_token, self.keys(refresh=True), algorithms=ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise OidcError("oidc-invalid-token", f"ID token refused: {exc}") from exc
        return dict(token.claims)


def redirect_uri(settings: Settings) -> str:
    return f"{settings.public_base_url}{CALLBACK_PATH}"


def start(engine: Engine, settings: Settings, provider: OidcProvider) -> tuple[str, str]:
    """The provider's authorisation URL and the state to bind to this browser."""
    from authlib.common.security import generate_token
    from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    endpoint = provider.metadata()["authorization_endpoint"]
    state = generate_token(43)
    nonce = generate_token(43)
    verifier = generate_token(64)
    with transaction(engine, write=True) as session:
        session.add(
            OidcLogin(
                state_hash=hash_key(state),
                nonce=nonce,
                code_verifier=verifier,
                expires_at=utcnow() + timedelta(seconds=LOGIN_VALID_SECONDS),
            )
        )
    url = prepare_grant_uri(
        endpoint,
        provider.client_id,
        "code",
        redirect_uri=redirect_uri(settings),
        scope="openid email profile",
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    return str(url), state


def _consume(engine: Engine, state: str) -> tuple[str, str]:
    """The nonce and verifier of an unused, unexpired login; marks it used (state is single use)."""
    with transaction(engine, write=True) as session:
        login = session.exec(
            select(OidcLogin).where(OidcLogin.state_hash == hash_key(state)).with_for_update()
        ).first()
        if login is None or login.used_at is not None or login.expires_at <= utcnow():
            raise OidcError("oidc-invalid-state", "unknown, expired or replayed state")
        login.used_at = utcnow()
        session.add(login)
        return login.nonce, login.code_verifier


def _allowed_email(settings: Settings, claims: dict[str, Any]) -> tuple[str, str]:
    email_claim = claims.get("email")
    if not isinstance(email_claim, str) or claims.get("email_verified") is not True:
        raise OidcError("oidc-email-not-verified", "the provider vouches for no verified e-mail")
    try:
        email = normalise_email(email_claim)
        name_claim = claims.get("name")
        name = display_name(name_claim[:200]) if isinstance(name_claim, str) else email
    except ValueError as exc:
        raise OidcError("oidc-invalid-token", f"unusable e-mail or name: {exc}") from exc
    allowed = {d.strip().lower() for d in settings.oidc_allowed_domains.split(",") if d.strip()}
    if email.rpartition("@")[2] not in allowed:
        raise OidcError(
            "oidc-domain-not-allowed", "this e-mail domain may not sign in here; ask an admin"
        )
    return email, name


def _provision(
    session: Session, settings: Settings, *, email: str, name: str, subject: str
) -> tuple[uuid.UUID, Any]:
    organization = session.exec(
        select(Organization).where(Organization.slug == settings.oidc_organization)
    ).first()
    if organization is None:
        raise OidcError("oidc-misconfigured", "the single sign-on organisation does not exist")
    user = service.find_user_by_email(session, email=email)
    if user is not None and user.status != service.ACTIVE:
        raise OidcError("oidc-account-deactivated", "this account is deactivated")
    member = (
        user is not None
        and session.exec(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organization_id == organization.id
            )
        ).first()
    )
    if member and member.deactivated_at is not None:
        raise OidcError("oidc-account-deactivated", "this account is deactivated here")
    if user is None or not member:
        user = service.create_user(
            session,
            caller=Operator(organization.id, f"single sign-on ({subject[:60]})"),
            email=email,
            display_name=name,
            role=Role(settings.oidc_default_role),
        )
    return organization.id, user


def finish(
    engine: Engine,
    settings: Settings,
    provider: OidcProvider,
    *,
    code: str,
    state: str,
    bound_state: str | None,
    browser: service.Browser,
) -> tuple[UserSession, str]:
    """Check the callback, exchange the code, verify the ID token, provision, open a session."""
    if bound_state is None or bound_state != state:
        raise OidcError("oidc-invalid-state", "the state does not belong to this browser")
    nonce, verifier = _consume(engine, state)
    id_token = provider.exchange(
        code=code, code_verifier=verifier, redirect_uri=redirect_uri(settings)
    )
    claims = provider.verify(id_token, nonce=nonce)
    email, name = _allowed_email(settings, claims)
    with transaction(engine, write=True) as session:
        organization_id, user = _provision(
            session, settings, email=email, name=name, subject=str(claims["sub"])
        )
        return service.start_session(
            session, settings, user=user, organization_id=organization_id, browser=browser
        )
