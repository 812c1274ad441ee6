"""Password hashing with argon2. A hash costs ~115 ms of CPU here, so it always runs in a
thread, never on the event loop (KNOWN-DEFECTS §7)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs as long as a wrong password
# and response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
