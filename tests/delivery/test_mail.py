"""SMTP failures: a server that refuses, one that is not there, e-mail switched off; the outbox
keeps a refused message for another attempt with the server's answer as its last error."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession
from sqlalchemy.engine import Engine
from sqlmodel import Session, delete

from app.db import transaction
from app.delivery.mail import Mailer, MailError
from app.delivery.models import OutboxMessage
from app.delivery.worker import deliver_due
from app.settings import Settings
from tests.factories import queue_email


class Refusing:
    """An SMTP server that takes the envelope and refuses every message."""

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        return "554 5.7.1 message refused by policy"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def refusing_port() -> Iterator[int]:
    port = _free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _mailer(port: int, host: str | None = "127.0.0.1") -> Mailer:
    return Mailer(
        host=host,
        port=port,
        user=None,
        password=None,
        sender="procurement@acme.example",
        starttls=False,
        timeout=5,
    )


def test_a_refused_message_is_a_mail_error_with_the_servers_answer(refusing_port: int) -> None:
    with pytest.raises(MailError, match="message refused by policy"):
        _mailer(refusing_port).send(to="dana@example.com", subject="Hello", body="Hi")


def test_a_server_that_is_not_there_is_a_mail_error() -> None:
    with pytest.raises(MailError):
        _mailer(_free_port()).send(to="dana@example.com", subject="Hello", body="Hi")


def test_with_e_mail_off_nothing_is_sent() -> None:
    mailer = _mailer(25, host=None)
    assert not mailer.enabled
    with pytest.raises(MailError, match="e-mail is off"):
        mailer.send(to="dana@example.com", subject="Hello", body="Hi")


def test_the_outbox_keeps_a_refused_message_for_another_attempt(
    engine: Engine, settings: Settings, refusing_port: int
) -> None:
    with transaction(engine, write=True) as session:
        session.exec(delete(OutboxMessage))
    message_id = queue_email(engine, settings)
    try:
        report = deliver_due(engine, settings, mailer=_mailer(refusing_port))
        assert report.retried == 1
        assert report.sent == 0
        with Session(engine) as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            assert message.status == "pending"
            assert message.attempts == 1
            assert "message refused by policy" in (message.last_error or "")
    finally:
        with transaction(engine, write=True) as session:
            session.exec(delete(OutboxMessage))
