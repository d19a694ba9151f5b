"""API input and output of people, sign-in and sessions."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.auth import Role
from app.people.passwords import MAX_LENGTH, MIN_LENGTH
from app.text import WHITESPACE, Name
from app.text_guard import CONTROL_CHARACTERS, control_character, refuse_control_characters

# Any character but @, whitespace, control characters and invisible ones (soft hyphen, zero-width
# characters, BOM), so that no two accounts look alike; the mail server decides the rest.
_ADDRESS_CHAR = f"[^@{WHITESPACE}{CONTROL_CHARACTERS}\\u00ad\\u200b-\\u200d\\u2060-\\u2064\\ufeff]"
# One @ with something on both sides; whitespace around it is dropped. Explicit classes, no `\s`:
# the contract's regex dialect (ECMA-262) and the server's (Python) then accept the same addresses.
EMAIL_PATTERN = f"^[{WHITESPACE}]*{_ADDRESS_CHAR}+@{_ADDRESS_CHAR}+[{WHITESPACE}]*$"
_EMAIL = re.compile(EMAIL_PATTERN)
MAX_EMAIL_LENGTH = 254


def normalise_email(value: str) -> str:
    """Lower-cased and checked: one @, no spaces or control characters (EMAIL_PATTERN)."""
    if not _EMAIL.match(value):
        found = control_character(value.strip())
        raise ValueError(
            f"must not contain control characters; found {found}"
            if found
            else "is not an e-mail address"
        )
    value = value.strip().lower()
    # Lower-casing can lengthen an address (U+0130 becomes two characters); the column cannot.
    if len(value) > MAX_EMAIL_LENGTH:
        raise ValueError(f"is longer than {MAX_EMAIL_LENGTH} characters once lower-cased")
    return value


def display_name(value: str) -> str:
    """A name from outside a request body (the identity provider): the rule of `Name`."""
    value = refuse_control_characters(value.strip())
    if not value:
        raise ValueError("must not be blank")
    return value


Email = Annotated[
    str,
    Field(min_length=3, max_length=MAX_EMAIL_LENGTH, json_schema_extra={"pattern": EMAIL_PATTERN}),
    AfterValidator(normalise_email),
]
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
    display_name: Name
    password: NewPassword


class InvitationCreate(_Input):
    email: Email
    role: Role
    display_name: Name | None = None


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
