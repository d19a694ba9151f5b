"""Canonical JSON (RFC 8785) and its SHA-256: one hash for questionnaire content, audit events,
Statement of Applicability digests and idempotency fingerprints."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_hash(value: Any) -> str:
    """Lower-case hex SHA-256 of the RFC 8785 canonical form of a JSON value."""
    return hashlib.sha256(rfc8785.dumps(value)).hexdigest()
