"""E-mail over SMTP, sent only by the outbox worker; off while APP_SMTP_HOST is unset."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.settings import Settings

logger = logging.getLogger("app.delivery.mail")


_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """Header text as one line: control characters and line breaks become one space each."""
    return _HEADER_BREAKS.sub(" ", text).strip()


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


@dataclass(frozen=True)
class Mailer:
    """Sends plain-text e-mail through the configured SMTP server."""

    host: str | None
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        return cls(
            host=settings.smtp_host or None,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )

    @property
    def enabled(self) -> bool:
        return self.host is not None

    def send(self, *, to: str, subject: str, body: str) -> None:
        """Send one message; raise MailError when it cannot be delivered to the server."""
        if self.host is None:
            raise MailError("e-mail is off (APP_SMTP_HOST is unset)")
        message = EmailMessage()
        try:
            message["From"] = self.sender
            message["To"] = to
            message["Subject"] = one_line(subject)
            message["Date"] = formatdate(usegmt=True)
            message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
            message.set_content(body)
        except (ValueError, TypeError, IndexError) as exc:
            # A header the email package refuses (CR/LF in an address): not sent, never a 500.
            logger.warning("e-mail to %r not built: %s", to, exc)
            raise MailError(f"the message could not be built: {exc}") from exc
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            logger.warning("e-mail to %s failed: %s", to, exc)
            raise MailError(str(exc)) from exc
