"""Users, memberships, sign-in, sessions and one-time links. Services flush; the request commits.

Personal data (e-mail, display name) stays in the `users` row; the audit log names a person by id
only, so that row can be pseudonymised when the person leaves without breaking the chain.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.audit.service import Actor
from app.auth import Caller, Principal, Role, hash_key, new_secret
from app.concurrency import check_if_match
from app.db import utcnow
from app.errors import (
    AppError,
    ConflictError,
    NotFoundError,
    ProblemType,
    TooManyRequestsError,
    UnauthenticatedError,
)
from app.organizations.models import ApiKey, Organization
from app.pagination import fetch_page
from app.people.limiter import SignInLimiter
from app.people.models import Membership, User, UserSession, UserToken
from app.people.passwords import Passwords
from app.people.schemas import (
    KeyRef,
    Me,
    OrganizationMembership,
    OrganizationRef,
    UserPublic,
    UserRef,
)
from app.settings import Settings

ACTIVE: Final = "active"
DEACTIVATED: Final = "deactivated"


def invalid_credentials() -> AppError:
    return UnauthenticatedError(
        "The e-mail address or the password is wrong.",
        type=ProblemType.INVALID_CREDENTIALS,
        challenge=None,
    )


def too_many_attempts(retry_after: int) -> AppError:
    return TooManyRequestsError(
        f"Too many failed sign-ins; try again in {retry_after} seconds.",
        retry_after=retry_after,
        type=ProblemType.TOO_MANY_SIGN_IN_ATTEMPTS,
    )


# --- users and memberships -------------------------------------------------------------------


def find_user_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def _audit_user(
    session: Session,
    action: str,
    member: Member,
    *,
    actor: Actor,
    before: dict[str, object] | None = None,
) -> None:
    audit.record(
        session,
        organization_id=member.membership.organization_id,
        actor=actor,
        action=f"user.{action}",
        entity_type="user",
        entity_id=member.user.id,
        before=before,
        after=member.snapshot(),
    )


def create_user(
    session: Session,
    *,
    caller: Caller,
    email: str,
    display_name: str,
    role: Role,
    password_hash: str | None = None,
) -> User:
    """A new user with a role in the caller's organisation, or an existing user joining it."""
    organization_id = caller.organization_id
    user = find_user_by_email(session, email=email)
    if user is None:
        user = User(email=email, display_name=display_name, password_hash=password_hash)
        session.add(user)
        session.flush()
    elif find_membership(session, user.id, organization_id) is not None:
        raise ConflictError(
            "This person is a member of the organisation already.", type=ProblemType.MEMBER_EXISTS
        )
    membership = Membership(organization_id=organization_id, user_id=user.id, role=role.value)
    session.add(membership)
    session.flush()
    _audit_user(session, "added", Member(user, membership), actor=caller.actor)
    return user


def find_membership(
    session: Session, user_id: uuid.UUID, organization_id: uuid.UUID
) -> Membership | None:
    return session.exec(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == organization_id
        )
    ).first()


def _memberships(
    session: Session, user_id: uuid.UUID, *, active_only: bool = True
) -> list[tuple[Membership, Organization]]:
    statement = (
        select(Membership, Organization)
        .join(Organization, col(Organization.id) == Membership.organization_id)
        .where(Membership.user_id == user_id)
        .order_by(col(Membership.created_at), col(Membership.id))
    )
    if active_only:
        statement = statement.where(col(Membership.deactivated_at).is_(None))
    rows = session.exec(statement).all()
    return [(m, o) for m, o in rows]


@dataclass(frozen=True)
class Member:
    user: User
    membership: Membership

    @property
    def deactivated(self) -> bool:
        return self.user.status == DEACTIVATED or self.membership.deactivated_at is not None

    @property
    def admin(self) -> bool:
        return self.membership.role == Role.ADMIN.value

    @property
    def status(self) -> Literal["active", "deactivated"]:
        return DEACTIVATED if self.deactivated else ACTIVE

    def snapshot(self) -> dict[str, object]:
        """How the audit log records a member: by id, role and status (never e-mail or name)."""
        return {"id": str(self.user.id), "role": self.membership.role, "status": self.status}

    def public(self) -> UserPublic:
        return UserPublic(
            id=self.user.id,
            email=self.user.email,
            display_name=self.user.display_name,
            role=Role(self.membership.role),
            status=self.status,
            created_at=self.user.created_at,
            last_sign_in_at=self.user.last_sign_in_at,
            revision=self.membership.revision,
        )


def get_member(session: Session, *, caller: Caller, user_id: uuid.UUID) -> Member:
    """A member of the caller's organisation, or 404 (also for people of other organisations)."""
    row = session.exec(
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(User.id == user_id, Membership.organization_id == caller.organization_id)
    ).first()
    if row is None:
        raise NotFoundError("user", user_id)
    return Member(row[0], row[1])


def list_members(
    session: Session, *, caller: Caller, cursor: str | None, limit: int
) -> tuple[list[Member], str | None]:
    memberships, next_cursor = fetch_page(
        session,
        select(Membership).where(Membership.organization_id == caller.organization_id),
        Membership,
        cursor=cursor,
        limit=limit,
    )
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_([m.user_id for m in memberships]))
        ).all()
    }
    return [Member(users[m.user_id], m) for m in memberships], next_cursor


def _keep_an_admin(session: Session, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """409 unless the organisation has an active admin besides this user."""
    # Locked (PostgreSQL; SQLite serialises writes): two admins demoting each other at once
    # must not both see the other one still an admin.
    others = session.exec(
        select(Membership.id)
        .join(User, col(User.id) == Membership.user_id)
        .where(
            Membership.organization_id == organization_id,
            Membership.role == Role.ADMIN.value,
            col(Membership.deactivated_at).is_(None),
            User.status == ACTIVE,
            Membership.user_id != user_id,
        )
        .order_by(col(Membership.id))
        .with_for_update(of=Membership)
    ).all()
    if not others:
        raise ConflictError(
            "This is the organisation's last active admin; make someone else admin first.",
            type=ProblemType.LAST_ADMIN,
        )


def _member_to_change(
    session: Session, caller: Caller, user_id: uuid.UUID, if_match: str | None, *, check: bool
) -> tuple[Member, dict[str, object]]:
    """The member a change is about (checked against If-Match when `check`) and how they were."""
    member = get_member(session, caller=caller, user_id=user_id)
    if check:
        check_if_match(if_match, member.membership.revision)
    return member, member.snapshot()


def _changed(
    session: Session, caller: Caller, action: str, member: Member, before: dict[str, object]
) -> Member:
    """Store a changed membership as a new revision and log the change."""
    member.membership.revision += 1
    session.add(member.membership)
    session.flush()
    _audit_user(session, action, member, actor=caller.actor, before=before)
    return member


def change_role(
    session: Session, *, caller: Caller, user_id: uuid.UUID, role: Role, if_match: str | None
) -> Member:
    member, before = _member_to_change(session, caller, user_id, if_match, check=True)
    if member.admin and role != Role.ADMIN:
        _keep_an_admin(session, caller.organization_id, user_id)
    member.membership.role = role.value
    return _changed(session, caller, "role_changed", member, before)


def deactivate(
    session: Session,
    *,
    caller: Caller,
    user_id: uuid.UUID,
    if_match: str | None,
    check_revision: bool = True,
) -> Member:
    """Deactivate a person in the caller's organisation: their sessions there end and their
    personal keys of it stop at once. Memberships elsewhere are not this organisation's to end."""
    member, before = _member_to_change(session, caller, user_id, if_match, check=check_revision)
    if member.deactivated:
        raise ConflictError(
            "This user is deactivated already.", type=ProblemType.ALREADY_DEACTIVATED
        )
    if member.admin:
        _keep_an_admin(session, caller.organization_id, user_id)
    member.membership.deactivated_at = utcnow()
    session.add(member.membership)
    session.flush()
    end_sessions(session, user_id=user_id, organization_id=caller.organization_id)
    if not _memberships(session, user_id):
        member.user.status = DEACTIVATED
        session.add(member.user)
        end_sessions(session, user_id=user_id)
    return _changed(session, caller, "deactivated", member, before)


# --- sessions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Browser:
    """Where a session opens: the browser's user agent, and the session its cookie names (if
    any), which the new one replaces."""

    user_agent: str | None
    replaces: str | None = None


def start_session(
    session: Session,
    settings: Settings,
    *,
    user: User,
    organization_id: uuid.UUID,
    browser: Browser,
) -> tuple[UserSession, str]:
    """A new session with a fresh id (never a reused one); the one it replaces ends."""
    if browser.replaces:
        _end_by_secret(session, browser.replaces)
    secret, secret_hash = new_secret()
    now = utcnow()
    user_session = UserSession(
        secret_hash=secret_hash,
        user_id=user.id,
        organization_id=organization_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_lifetime_hours),
        user_agent=(browser.user_agent or "")[:300] or None,
    )
    user.last_sign_in_at = now
    session.add(user)
    session.add(user_session)
    session.flush()
    return user_session, secret


def _end_by_secret(session: Session, secret: str) -> None:
    session.execute(
        sa.update(UserSession)
        .where(
            col(UserSession.secret_hash) == hash_key(secret), col(UserSession.ended_at).is_(None)
        )
        .values(ended_at=utcnow())
    )


def end_cookie_session(session: Session, *, secret: str) -> None:
    _end_by_secret(session, secret)


def end_sessions(
    session: Session,
    *,
    user_id: uuid.UUID,
    keep: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
) -> None:
    """End every open session of a user (but `keep`; only those in one organisation if given)."""
    statement = sa.update(UserSession).where(
        col(UserSession.user_id) == user_id, col(UserSession.ended_at).is_(None)
    )
    if organization_id is not None:
        statement = statement.where(col(UserSession.organization_id) == organization_id)
    if keep is not None:
        statement = statement.where(col(UserSession.id) != keep)
    session.execute(statement.values(ended_at=utcnow()))


def first_organization(session: Session, user: User) -> uuid.UUID | None:
    memberships = _memberships(session, user.id)
    return memberships[0][0].organization_id if memberships else None


def sign_in(
    session: Session,
    settings: Settings,
    passwords: Passwords,
    limiter: SignInLimiter,
    *,
    email: str,
    password: str,
    client: str,
    browser: Browser,
) -> tuple[UserSession, str]:
    """Check a password and open a session. An unknown address does the very same work: one
    limiter check, one Argon2id verification (against a dummy hash), one 401."""
    retry_after = limiter.check(email=email, client=client)
    if retry_after is not None:
        raise too_many_attempts(retry_after)
    user = find_user_by_email(session, email=email)
    usable = user is not None and user.status == ACTIVE and user.password_hash is not None
    ok = passwords.verify(user.password_hash if user is not None and usable else None, password)
    organization_id = first_organization(session, user) if user is not None and ok else None
    if user is None or not ok or organization_id is None:
        limiter.failed(email=email, client=client)
        raise invalid_credentials()
    limiter.succeeded(email=email)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return start_session(
        session, settings, user=user, organization_id=organization_id, browser=browser
    )


def _own_session(session: Session, caller: Principal, session_id: uuid.UUID) -> UserSession:
    found = session.get(UserSession, session_id)
    if found is None or caller.user_id is None or found.user_id != caller.user_id:
        raise NotFoundError("session", session_id)
    return found


def list_sessions(
    session: Session, *, caller: Principal, cursor: str | None, limit: int
) -> tuple[list[UserSession], str | None]:
    if caller.user_id is None:
        return [], None
    statement = select(UserSession).where(
        UserSession.user_id == caller.user_id,
        col(UserSession.ended_at).is_(None),
        col(UserSession.expires_at) > utcnow(),
    )
    return fetch_page(session, statement, UserSession, cursor=cursor, limit=limit)


def end_own_session(session: Session, *, caller: Principal, session_id: uuid.UUID) -> None:
    found = _own_session(session, caller, session_id)
    if found.ended_at is None:
        found.ended_at = utcnow()
        session.add(found)
        session.flush()


def switch_organization(
    session: Session, *, caller: Principal, organization_id: uuid.UUID
) -> Principal:
    """Make another of the user's organisations the session's active one."""
    if caller.session_id is None or caller.user_id is None:
        raise ConflictError(
            "Only a signed-in session has an active organisation; an API key has one.",
            type=ProblemType.NOT_A_SESSION,
        )
    membership = find_membership(session, caller.user_id, organization_id)
    if membership is None or membership.deactivated_at is not None:
        raise NotFoundError("organisation", organization_id)
    user_session = session.get(UserSession, caller.session_id)
    assert user_session is not None
    user_session.organization_id = organization_id
    session.add(user_session)
    session.flush()
    return Principal.signed_in(organization_id, caller.user_id, membership.role, caller.session_id)


# --- who is calling --------------------------------------------------------------------------


def me(session: Session, caller: Principal) -> Me:
    organization = session.get(Organization, caller.organization_id)
    if organization is None:
        raise NotFoundError("organisation", caller.organization_id)
    user = session.get(User, caller.user_id) if caller.user_id else None
    key = session.get(ApiKey, caller.key_id) if caller.key_id else None
    if user is not None and caller.key_id is None:
        organizations = [
            OrganizationMembership(id=o.id, slug=o.slug, name=o.name, role=Role(m.role))
            for m, o in _memberships(session, user.id)
        ]
    else:
        organizations = [
            OrganizationMembership(
                id=organization.id,
                slug=organization.slug,
                name=organization.name,
                role=Role(caller.role) if caller.role else None,
            )
        ]
    return Me(
        kind=caller.kind,
        user=UserRef(id=user.id, email=user.email, display_name=user.display_name)
        if user
        else None,
        key=KeyRef(id=key.id, name=key.name, prefix=key.prefix) if key else None,
        organization=OrganizationRef(
            id=organization.id, slug=organization.slug, name=organization.name
        ),
        role=Role(caller.role) if caller.role else None,
        scopes=sorted(caller.scopes),
        organizations=organizations,
    )


def principal_of(session: Session, user_session: UserSession) -> Principal:
    """The caller a freshly opened session authenticates as."""
    membership = find_membership(session, user_session.user_id, user_session.organization_id)
    assert membership is not None
    return Principal.signed_in(
        user_session.organization_id, user_session.user_id, membership.role, user_session.id
    )


# --- leaving ---------------------------------------------------------------------------------


def pseudonymise(session: Session, *, user_id: uuid.UUID, actor: Actor) -> User:
    """Erase a person's e-mail and name (GDPR Arts. 5(1)(e), 17): the audit log names them by id
    only, so its chain stays intact; the account is deactivated and its sessions and links end."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("user", user_id)
    memberships = _memberships(session, user.id, active_only=False)
    for membership, _ in memberships:
        if membership.role == Role.ADMIN.value and membership.deactivated_at is None:
            _keep_an_admin(session, membership.organization_id, user.id)
    old_email = user.email
    user.email = f"removed-{user.id}@invalid"
    user.display_name = "Former user"
    user.password_hash = None
    user.status = DEACTIVATED
    session.add(user)
    end_sessions(session, user_id=user.id)
    session.execute(
        sa.delete(UserToken).where(
            sa.or_(col(UserToken.user_id) == user.id, col(UserToken.email) == old_email)
        )
    )
    session.flush()
    for membership, _ in memberships:
        _audit_user(session, "pseudonymised", Member(user, membership), actor=actor)
    return user
