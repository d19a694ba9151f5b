"""`python -m app suppliers remind` as cron runs it: against the database, mailing the server."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.suppliers.models import Invitation, VendorRequest
from tests.cli import run_cli
from tests.suppliers.conftest import Inbox, create_supplier, due_in, send_request


def remind(database_url: str, **smtp: str) -> subprocess.CompletedProcess[str]:
    """The command with only the given SMTP settings (none: e-mail is off)."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("APP_SMTP_")}
    return run_cli(database_url, "suppliers", "remind", env={**unset, **smtp})


def counts(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


async def test_remind_command_sends_what_is_due_once(
    procurement: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    inbox: Inbox,
    database_url: str,
    engine: Engine,
    smtp_server: tuple[Inbox, int],
) -> None:
    supplier = await create_supplier(procurement, admin)
    await send_request(procurement, supplier, due_date=due_in(1))
    inbox.clear()
    # The invitation went out two days ago, and the due date passed yesterday.
    with Session(engine) as session:
        for invitation in session.exec(select(Invitation)).all():
            invitation.created_at -= timedelta(days=2)
            session.add(invitation)
        for request in session.exec(select(VendorRequest)).all():
            request.due_date -= timedelta(days=2)
            session.add(request)
        session.commit()
    smtp = {
        "APP_SMTP_HOST": "127.0.0.1",
        "APP_SMTP_PORT": str(smtp_server[1]),
        "APP_SMTP_STARTTLS": "false",
    }
    first = remind(database_url, **smtp)
    assert first.returncode == 0, first.stderr
    assert counts(first) == {"due_soon": 0, "overdue": 1, "failed": 0, "mail_enabled": True}
    again = remind(database_url, **smtp)
    assert again.returncode == 0, again.stderr
    assert counts(again)["overdue"] == 0
    assert len(inbox.messages) == 1
    assert "overdue" in str(inbox.messages[0]["Subject"])

    off = remind(database_url)
    assert off.returncode == 2
    assert counts(off)["mail_enabled"] is False
    assert "APP_SMTP_HOST" in off.stderr
