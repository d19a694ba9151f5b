"""`python -m app worker` as a real process: killed with SIGKILL mid-send, the message still
goes out once a new worker takes over after the lease."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession
from sqlalchemy.engine import Engine
from sqlmodel import Session, delete

from app.db import transaction
from app.delivery import service as outbox
from app.delivery.models import OutboxMessage
from app.settings import Settings
from tests.factories import queue_email
from tests.servers import outbox_worker


class StallingInbox:
    """Holds the first message's DATA until released (the worker is killed meanwhile)."""

    def __init__(self) -> None:
        self.first_data = threading.Event()
        self.release = threading.Event()
        self.accepted: list[bytes] = []
        self.calls = 0

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        self.calls += 1
        if self.calls == 1:
            self.first_data.set()
            await asyncio.to_thread(self.release.wait, 60)
            return "451 connection gone"
        raw = envelope.original_content or b""
        self.accepted.append(raw if isinstance(raw, bytes) else raw.encode())
        return "250 OK"


@pytest.fixture
def stalling_smtp() -> Iterator[tuple[StallingInbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = StallingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        inbox.release.set()
        controller.stop()


def start_worker(database_url: str, port: int) -> subprocess.Popen[bytes]:
    return outbox_worker(
        database_url,
        APP_SMTP_HOST="127.0.0.1",
        APP_SMTP_PORT=str(port),
        APP_SMTP_STARTTLS="false",
        APP_OUTBOX_LEASE_SECONDS="5",
    )


def test_a_worker_killed_mid_send_is_replaced_and_the_message_arrives(
    engine: Engine,
    settings: Settings,
    database_url: str,
    stalling_smtp: tuple[StallingInbox, int],
) -> None:
    inbox, port = stalling_smtp
    with transaction(engine, write=True) as session:
        session.exec(delete(OutboxMessage))
    message_id = queue_email(
        engine,
        settings,
        subject="Your link",
        body=f"Open {outbox.SECRET}\n",
        secret="https://x/#token=inv_k1ll",
    )
    first = start_worker(database_url, port)
    try:
        assert inbox.first_data.wait(60), "the first worker never reached the SMTP server"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    inbox.release.set()
    with Session(engine) as session:
        claimed = session.get(OutboxMessage, message_id)
        assert claimed is not None
        assert claimed.status == "sending"  # the dead worker's claim, waiting for its lease
    second = start_worker(database_url, port)
    try:
        deadline = time.monotonic() + 60
        while not inbox.accepted and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(10)
    assert len(inbox.accepted) == 1
    assert b"inv_k1ll" in inbox.accepted[0]
    with Session(engine) as session:
        done = session.get(OutboxMessage, message_id)
        assert done is not None
        assert done.status == "sent"
        assert done.attempts == 2
        assert done.secret_ciphertext is None
