"""How reports name who holds an obligation or control and how binding it is."""

from __future__ import annotations

from typing import Final

from app.questionnaires.schemas import HolderOut

PARTY: Final[dict[str, str]] = {"organisation": "Your organisation", "supplier": "The supplier"}
LEVEL: Final[dict[str, str]] = {
    "must": "Must (legal requirement)",
    "should": "Should (good practice)",
    "could": "Could (optional)",
}


def held_by(holder: HolderOut | None) -> str:
    """'The supplier as provider', 'Your organisation'; a dash for results stored before."""
    if holder is None:
        return "—"
    party = PARTY.get(holder.party, holder.party)
    roles = " / ".join(r.replace("_", " ") for r in holder.roles)
    return f"{party} as {roles}" if roles else party


def binding(level: str | None) -> str:
    """The level in words; a dash for results stored before levels were reported."""
    return LEVEL.get(level, level) if level else "—"
