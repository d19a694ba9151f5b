"""Who made a change, as the audit log and the tables that record it name them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypedDict


class CreatedBy(TypedDict):
    """Who created a row, in the columns the tables that record it share."""

    created_by_key_id: uuid.UUID | None
    created_by_user_id: uuid.UUID | None


@dataclass(frozen=True)
class Actor:
    """Who made a change: a person (by id), an API key (by id and name), a supplier, the system."""

    key_id: uuid.UUID | None
    name: str
    user_id: uuid.UUID | None = None

    def created_by(self) -> CreatedBy:
        """The columns that name this actor as the creator of a row."""
        return CreatedBy(created_by_key_id=self.key_id, created_by_user_id=self.user_id)
