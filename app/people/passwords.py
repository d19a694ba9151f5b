"""Argon2id password hashes, and the one verification every sign-in attempt runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024


@dataclass
class Passwords:
    """Hashes and verifies passwords; an unknown account is verified against a dummy hash."""

    time_cost: int
    memory_kib: int
    _hasher: PasswordHasher = field(init=False)
    _dummy: str | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    verifications: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._hasher = PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=1
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def dummy_hash(self) -> str:
        # Made once, with the same parameters as real hashes, so its verification costs the same.
        with self._lock:
            if self._dummy is None:
                self._dummy = self._hasher.hash("not a password: no account has this hash")
            return self._dummy

    def verify(self, stored: str | None, password: str) -> bool:
        """One Argon2id verification: against `stored`, or the dummy hash when there is none."""
        self.verifications += 1
        try:
            return self._hasher.verify(stored or self.dummy_hash(), password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
