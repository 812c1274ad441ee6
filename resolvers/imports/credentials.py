"""Initial passwords of imported staff accounts.

Policy: every new account gets its own random password (14 characters, ~69 bits, from an alphabet
without look-alikes), shown once to the administrator who ran the import (a one-time download of
the sheet to hand out) and never stored or logged in the clear. Existing accounts keep theirs.

Why the hash is cheaper than a chosen password's: argon2's default cost (~115 ms and 64 MiB a hash
here) is there to slow down guessing of passwords people choose — low-entropy secrets. A random
69-bit password cannot be guessed at any hashing speed, so its argon2id hash uses 1 MiB and one
pass (~0.5 ms): 20,000 accounts hash in seconds across a small thread pool, where the default
parameters would take over half an hour. The hash is an ordinary argon2 hash carrying its own
parameters, so `resolvers.passwords.verify_password` (sign-in) checks it unchanged, and a password
the user later chooses is hashed at full cost by `resolvers.passwords.hash_password`. One shared
password per batch would let any imported person sign in as any other: never that.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LEN = 3, 4  # xxxx-xxxx-xxxx
THREADS = 2

_initial_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)


def new_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LEN)) for _ in range(GROUPS))


def hash_initial(password: str) -> str:
    return _initial_hasher.hash(password)


async def issue(usernames: Iterable[str]) -> dict[str, tuple[str, str]]:
    """username → (password, hash) for each, hashed in a small pool (argon2 releases the GIL)."""
    names = list(dict.fromkeys(usernames))
    passwords = [new_password() for _ in names]

    def hash_all(chunk: list[str]) -> list[str]:
        return [hash_initial(p) for p in chunk]

    if not names:
        return {}
    size = max(1, -(-len(passwords) // THREADS))
    chunks = [passwords[i : i + size] for i in range(0, len(passwords), size)]
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="import-hash") as pool:
        hashed = await asyncio.gather(*(loop.run_in_executor(pool, hash_all, c) for c in chunks))
    flat = [h for part in hashed for h in part]
    return {n: (p, h) for n, p, h in zip(names, passwords, flat, strict=True)}
