"""People and their sessions as the API shows them."""

from __future__ import annotations

from app.people.models import UserSession
from app.people.schemas import SessionPublic
from app.views import view


def session_public(found: UserSession, *, current: bool) -> SessionPublic:
    """A sign-in session (never its secret); `current` marks the one making the request."""
    return view(SessionPublic, found, current=current)
