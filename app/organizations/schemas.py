"""API input and output of organisations and API keys."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.auth import Scope
from app.text import Name


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="What or who uses the key.")
    scopes: list[Scope] = Field(min_length=1, description="What the key may do.")
    # Strict: `0` or `"no"` is a mistake to point out, not a service key to create.
    personal: StrictBool = Field(
        default=False,
        description=(
            "A personal key of the signed-in person: it acts as them, with its scopes narrowed to "
            "their role, and stops when they are deactivated. Otherwise a service key."
        ),
    )


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The visible start of the key.")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool
    user_id: uuid.UUID | None = Field(description="The owner of a personal key; null: service key.")


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(description="The key itself. Shown this once; store it now.")
