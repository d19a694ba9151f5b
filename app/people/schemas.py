"""API input and output of people, sign-in and sessions."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.auth import Role
from app.people.passwords import MAX_LENGTH, MIN_LENGTH

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _no_control(value: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise ValueError("must not contain control characters")
    return value


def normalise_email(value: str) -> str:
    """Lower-cased and checked: one @, no spaces or control characters."""
    _no_control(value)
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("is not an e-mail address")
    return value


def _display_name(value: str) -> str:
    value = _no_control(value).strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(normalise_email)]
DisplayName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_display_name)]
NewPassword = Annotated[
    str,
    Field(
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        description=f"{MIN_LENGTH} to {MAX_LENGTH} characters.",
    ),
]
GivenPassword = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]
Token = Annotated[str, Field(min_length=1, max_length=200)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignIn(_Input):
    email: Email
    password: GivenPassword


class PasswordChange(_Input):
    current_password: GivenPassword
    new_password: NewPassword


class PasswordResetRequest(_Input):
    email: Email


class PasswordResetComplete(_Input):
    token: Token
    new_password: NewPassword


class InvitationAccept(_Input):
    token: Token
    display_name: DisplayName
    password: NewPassword


class InvitationCreate(_Input):
    email: Email
    role: Role
    display_name: DisplayName | None = None


class UserUpdate(_Input):
    role: Role


class OrganizationSwitch(_Input):
    organization_id: uuid.UUID


class Accepted(BaseModel):
    detail: str


class UserRef(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str


class KeyRef(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str


class OrganizationRef(BaseModel):
    id: uuid.UUID
    slug: str
    name: str


class OrganizationMembership(OrganizationRef):
    role: Role | None


class Me(BaseModel):
    """Who is calling: a signed-in person, or an API key (personal or service)."""

    kind: Literal["person", "key"]
    user: UserRef | None
    key: KeyRef | None
    organization: OrganizationRef
    role: Role | None
    scopes: list[str]
    organizations: list[OrganizationMembership]


class SessionPublic(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool
    user_agent: str | None


class UserPublic(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    role: Role
    status: Literal["active", "deactivated"]
    created_at: datetime
    last_sign_in_at: datetime | None
    revision: int = Field(description='Send as If-Match: "r<revision>" (also the ETag).')


class UserInvitationPublic(BaseModel):
    id: uuid.UUID
    email: str
    role: Role
    display_name: str | None
    created_at: datetime
    expires_at: datetime


class InvitationCreated(BaseModel):
    invitation: UserInvitationPublic
    link: str | None = Field(
        description="The accept link, returned this once when e-mail is off; null when e-mailed."
    )


class InvitationOrganization(BaseModel):
    name: str


class InvitationView(BaseModel):
    email: str
    organization: InvitationOrganization
    role: Role
    expires_at: datetime


class SignInMethodOidc(BaseModel):
    name: str
    start_url: str


class SignInMethods(BaseModel):
    password: bool
    oidc: SignInMethodOidc | None
