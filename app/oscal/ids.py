"""Identifiers shared by the OSCAL exports: our control ids as OSCAL tokens, stable UUIDs."""

from __future__ import annotations

import re
import uuid

from app.errors import AppError, ProblemType

# Our own OSCAL property namespace (the props that are not OSCAL's standard ones).
NAMESPACE = "urn:ai-assessment-service:oscal"
_UUIDS = uuid.UUID("6f0e3d0c-8a51-4c8b-9a55-2b6f4f0d1a17")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9_.\-]")
_NOT_INSTALLED = (
    "OSCAL exports need compliance-trestle, which this installation leaves out: "
    "install the `oscal` extra (pip install 'ai-assessment-service[oscal]')."
)


def control_token(control_id: str) -> str:
    """``iso-42001:A.2.2`` → ``iso-42001_A.2.2``: an OSCAL id has no colon."""
    return _NOT_TOKEN.sub("_", control_id)


def stable_uuid(*parts: str) -> str:
    """The same UUID (version 5) for the same thing in every export."""
    return str(uuid.uuid5(_UUIDS, "\x1f".join(parts)))


def require_trestle() -> None:
    """Import trestle now, or answer 501: the export is optional, start-up never imports it."""
    try:
        import trestle.oscal  # noqa: F401
    except ImportError as exc:
        raise AppError(
            status=501,
            type=ProblemType.OSCAL_NOT_INSTALLED,
            title="Not implemented here",
            detail=_NOT_INSTALLED,
        ) from exc
