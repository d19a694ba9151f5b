"""The key that keeps a queued message's secret (an invitation or reset link) unreadable at rest."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from typing import TYPE_CHECKING

from app.settings import Settings

if TYPE_CHECKING:
    # Imported where a secret is sealed or opened: the library is large and most requests
    # never use it.
    from cryptography.fernet import Fernet

_lock = threading.Lock()


class SecretUnreadable(Exception):
    """The stored secret was sealed with another key (APP_OUTBOX_KEY differs between processes)."""


def _key_material(settings: Settings) -> bytes:
    if settings.outbox_key is not None:
        return settings.outbox_key.get_secret_value().encode()
    path = settings.outbox_key_file
    with _lock:
        if not path.exists():
            # O_EXCL: two processes starting together keep one key, readable only by the owner.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as out:
                    out.write(base64.urlsafe_b64encode(os.urandom(32)))
        return path.read_bytes().strip()


OUTBOX = "app-outbox"
WEBHOOK_SECRETS = "app-webhook-secrets"  # a key of its own: one purpose's ciphertext opens no other


def fernet(settings: Settings, purpose: str = OUTBOX) -> Fernet:
    """Any secret string becomes a Fernet key through SHA-256, so operators set a plain secret."""
    from cryptography.fernet import Fernet

    digest = hashlib.sha256(purpose.encode() + b"\0" + _key_material(settings)).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(settings: Settings, secret: str, purpose: str = OUTBOX) -> str:
    return fernet(settings, purpose).encrypt(secret.encode()).decode()


def unseal(settings: Settings, ciphertext: str, purpose: str = OUTBOX) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return fernet(settings, purpose).decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the outbox key cannot open this message's secret") from exc
