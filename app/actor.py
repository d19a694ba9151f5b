"""Who made a change, as the audit log and the tables that record it name them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who made a change: a person (by id), an API key (by id and name), a supplier, the system."""

    key_id: uuid.UUID | None
    name: str
    user_id: uuid.UUID | None = None
