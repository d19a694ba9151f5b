"""Passwords and one-time links: change a password, reset it through an e-mailed link, invite a
person into an organisation. Services flush, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller, Operator, Principal, Role, hash_key, new_secret
from app.db import utcnow
from app.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ProblemType,
)
from app.organizations.models import Organization
from app.people.limiter import SignInLimiter
from app.people.models import User, UserSession, UserToken
from app.people.passwords import Passwords
from app.people.service import (
    ACTIVE,
    Browser,
    create_user,
    end_sessions,
    find_membership,
    find_user_by_email,
    first_organization,
    invalid_credentials,
    start_session,
    too_many_attempts,
)
from app.settings import Settings

RESET_PATH = "/reset-password"
INVITATION_PATH = "/accept-invitation"
INVITATION = "invitation"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a token kind, not a password)


def invalid_token() -> NotFoundError:
    # One answer for unknown, expired and used links: a guesser learns nothing.
    return NotFoundError(
        detail="This link is unknown, expired or used already; ask for a new one.",
        type=ProblemType.INVALID_TOKEN,
    )


def link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.public_base_url}{path}#token={token}"


# --- passwords and one-time links -------------------------------------------------------------


def change_password(
    session: Session,
    passwords: Passwords,
    limiter: SignInLimiter,
    *,
    caller: Principal,
    client: str,
    current: str,
    new: str,
) -> None:
    """Change the caller's password; every other session of theirs ends."""
    if caller.user_id is None:
        raise NotFoundError("user", "for this API key")
    user = session.get(User, caller.user_id)
    assert user is not None
    retry_after = limiter.check(email=user.email, client=client)
    if retry_after is not None:
        raise too_many_attempts(retry_after)
    if not passwords.verify(user.password_hash, current):
        limiter.failed(email=user.email, client=client)
        raise ForbiddenError(
            ProblemType.INVALID_CREDENTIALS, "The current password is wrong; nothing was changed."
        )
    user.password_hash = passwords.hash(new)
    session.add(user)
    end_sessions(session, user_id=user.id, keep=caller.session_id)
    session.flush()


def _new_token(
    session: Session,
    *,
    kind: str,
    email: str,
    expires_at: datetime,
    user_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    role: str | None = None,
    display_name: str | None = None,
    actor: Actor | None = None,
) -> tuple[UserToken, str]:
    secret, secret_hash = new_secret()
    token = UserToken(
        secret_hash=secret_hash,
        kind=kind,
        email=email,
        user_id=user_id,
        organization_id=organization_id,
        role=role,
        display_name=display_name,
        expires_at=expires_at,
        created_by_user_id=actor.user_id if actor else None,
        created_by_key_id=actor.key_id if actor else None,
    )
    session.add(token)
    session.flush()
    return token, secret


def create_reset_link(session: Session, settings: Settings, *, user: User) -> str:
    """A one-time link with which the user sets a (new) password; valid for a limited time."""
    _, secret = _new_token(
        session,
        kind=PASSWORD_RESET,
        email=user.email,
        user_id=user.id,
        expires_at=utcnow() + timedelta(hours=settings.password_reset_valid_hours),
    )
    return link(settings, RESET_PATH, secret)


def request_reset(session: Session, settings: Settings, *, email: str) -> tuple[User, str] | None:
    """A reset link for an active user of this address, or None (the caller answers the same)."""
    user = find_user_by_email(session, email=email)
    if user is None or user.status != ACTIVE:
        return None
    return user, create_reset_link(session, settings, user=user)


def _usable_token(session: Session, secret: str, kind: str) -> UserToken:
    token = session.exec(
        select(UserToken)
        .where(UserToken.secret_hash == hash_key(secret), UserToken.kind == kind)
        .with_for_update()
    ).first()
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise invalid_token()
    return token


def complete_reset(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    *,
    secret: str,
    new_password: str,
    browser: Browser,
) -> tuple[UserSession, str]:
    """Set the password through a reset link, end every session, and sign in."""
    token = _usable_token(session, secret, PASSWORD_RESET)
    user = session.get(User, token.user_id) if token.user_id else None
    organization_id = first_organization(session, user) if user else None
    if user is None or user.status != ACTIVE or organization_id is None:
        raise invalid_token()
    token.used_at = utcnow()
    user.password_hash = passwords.hash(new_password)
    session.add(token)
    session.add(user)
    end_sessions(session, user_id=user.id)
    return start_session(
        session, settings, user=user, organization_id=organization_id, browser=browser
    )


# --- invitations -----------------------------------------------------------------------------


def invite(
    session: Session,
    settings: Settings,
    *,
    caller: Principal,
    email: str,
    role: Role,
    display_name: str | None,
) -> tuple[UserToken, str]:
    """An invitation to the caller's organisation (hashed, expiring, single use) and its link."""
    existing = find_user_by_email(session, email=email)
    if existing is not None and find_membership(session, existing.id, caller.organization_id):
        raise ConflictError(
            "This person is a member of the organisation already.", type=ProblemType.MEMBER_EXISTS
        )
    token, secret = _new_token(
        session,
        kind=INVITATION,
        email=email,
        organization_id=caller.organization_id,
        role=role.value,
        display_name=display_name,
        expires_at=utcnow() + timedelta(days=settings.user_invitation_valid_days),
        actor=caller.actor,
    )
    audit.record(
        session,
        organization_id=caller.organization_id,
        actor=caller.actor,
        action="user.invited",
        entity_type="user_invitation",
        entity_id=token.id,
        after={"id": str(token.id), "role": role.value, "expires_at": token.expires_at.isoformat()},
    )
    return token, link(settings, INVITATION_PATH, secret)


def view_invitation(session: Session, *, secret: str) -> tuple[UserToken, Organization]:
    token = _usable_token(session, secret, INVITATION)
    organization = session.get(Organization, token.organization_id)
    if organization is None:
        raise invalid_token()
    return token, organization


def accept_invitation(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    *,
    secret: str,
    display_name: str,
    password: str,
    browser: Browser,
) -> tuple[UserSession, str]:
    """Join the organisation (a new user sets a password; an existing one proves theirs)."""
    token = _usable_token(session, secret, INVITATION)
    assert token.organization_id is not None
    assert token.role is not None
    user = find_user_by_email(session, email=token.email)
    if user is not None:
        if user.status != ACTIVE:
            raise invalid_token()
        if not passwords.verify(user.password_hash, password):
            raise invalid_credentials()
    existing = find_membership(session, user.id, token.organization_id) if user else None
    if existing is not None and existing.deactivated_at is not None:
        raise invalid_token()
    if user is None or existing is None:
        # A newcomer is named by the link; an existing person joins as themselves.
        joining = (
            Operator(token.organization_id, "invitation accepted")
            if user is None
            else Operator(token.organization_id, f"user {user.id}", user_id=user.id)
        )
        user = create_user(
            session,
            caller=joining,
            email=token.email,
            display_name=display_name,
            role=Role(token.role),
            password_hash=passwords.hash(password) if user is None else None,
        )
    token.used_at = utcnow()
    session.add(token)
    return start_session(
        session, settings, user=user, organization_id=token.organization_id, browser=browser
    )


# --- first start ------------------------------------------------------------------------------


def bootstrap_admin(session: Session, settings: Settings, *, caller: Caller) -> str:
    """The first admin user of a new organisation (no password yet) and their sign-in link."""
    user = create_user(
        session,
        caller=caller,
        email=settings.first_admin_email.strip().lower(),
        display_name="Administrator",
        role=Role.ADMIN,
    )
    return create_reset_link(session, settings, user=user)
