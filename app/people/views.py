"""People and their sessions as the API shows them."""

from __future__ import annotations

from app.people.models import UserSession
from app.people.schemas import SessionPublic


def session_public(found: UserSession, *, current: bool) -> SessionPublic:
    """A sign-in session (never its secret); `current` marks the one making the request."""
    return SessionPublic(
        id=found.id,
        created_at=found.created_at,
        last_seen_at=found.last_seen_at,
        expires_at=found.expires_at,
        current=current,
        user_agent=found.user_agent,
    )
