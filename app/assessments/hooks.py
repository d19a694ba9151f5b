"""Listeners told when an assessment is submitted (its answers frozen into a round).

Another domain that keeps facts derived from an assessment (incidents derive their triage facts
from their triage assessment) subscribes here, so this package never imports it. A listener runs
in the same transaction as the change: it flushes, never commits, and its error undoes the change.
"""

from collections.abc import Callable

from sqlmodel import Session

from app.assessments.models import Assessment
from app.audit.service import Actor

SubmitListener = Callable[[Session, Assessment, Actor], None]

_listeners: list[SubmitListener] = []


def subscribe(listener: SubmitListener) -> None:
    """Tell `listener` of every submission; subscribing twice changes nothing."""
    if listener not in _listeners:
        _listeners.append(listener)


def submitted(session: Session, assessment: Assessment, actor: Actor) -> None:
    for listener in _listeners:
        listener(session, assessment, actor)
