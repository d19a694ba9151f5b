"""Lets time pass for one vendor request in the browser tests: its live invitation expires now
(the API has no way to do that, on purpose). Usage: expire_invitation.py DATABASE_URL REQUEST_ID"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

if __name__ == "__main__":
    url, request_id = sys.argv[1], uuid.UUID(sys.argv[2])
    engine = sa.create_engine(url)
    invitations = sa.table(
        "supplier_invitations",
        sa.column("request_id", sa.Uuid()),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    with engine.begin() as connection:
        done = connection.execute(
            sa.update(invitations)
            .where(invitations.c.request_id == request_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    engine.dispose()
    if done.rowcount != 1:
        raise SystemExit(f"no invitation of request {request_id}")
