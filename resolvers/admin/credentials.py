"""Usernames and passwords of staff logins.

A username is 3–32 characters: lower-case letters, digits, `.`, `_`, `-`, starting with a
letter (it is typed on phones and read aloud on the phone to the help desk, so no capitals and no
look-alikes of other scripts). A password is 8–128 characters with at least two of: letters,
digits, other characters, and is not the username.

ADMIN either sets a password or lets the platform make a temporary one. A temporary password is
shown once, in the answer to the mutation that made it, and stored only as its hash; the admin
passes it on and the user signs in with it — and must then choose their own before doing anything
else (`must_change_password`, resolvers/auth.py): a password someone else has read is not the
user's secret. A password ADMIN sets explicitly does not raise that flag: it is how an account is
handed over with a password the user chose (typed at the admin's desk) or set up for a service,
and API clients that set one expect a working login; ADMIN makes a temporary one when the user
must pick their own. Hashing costs ~115 ms of CPU, so it runs in a thread
(resolvers/passwords.py) and before the unit of work opens, never holding the write lock.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from resolvers import passwords
from resolvers.errors import BadUserInput

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 128
# No 0/O, 1/l/I: a temporary password is read off a screen and typed by someone else.
_ALPHABET_LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_ALPHABET_DIGITS = "23456789"
TEMPORARY_LENGTH = 12


@dataclass(frozen=True)
class NewPassword:
    hash: str
    temporary: str | None  # the generated password, to show once; None when ADMIN chose it

    @property
    def must_change(self) -> bool:
        """Whether the user must replace it at first sign-in: a temporary one, yes."""
        return self.temporary is not None


def check_username(username: str | None) -> str:
    value = (username or "").strip().lower()
    if not USERNAME.match(value):
        raise BadUserInput("用户名须为 3–32 位小写字母、数字或 . _ -,以字母开头",
                           "A username is 3–32 lower-case letters, digits, '.', '_' or '-', starting with a letter",
                           field="username")
    return value


def check_password(password: str, username: str = "") -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadUserInput(f"密码须为 {MIN_PASSWORD}–{MAX_PASSWORD} 位", f"A password has {MIN_PASSWORD}–{MAX_PASSWORD} characters",
                           field="password")
    kinds = sum((any(c.isalpha() for c in password), any(c.isdigit() for c in password),
                 any(not c.isalnum() for c in password)))
    if kinds < 2:
        raise BadUserInput("密码须至少包含字母、数字、符号中的两类", "A password mixes at least two of letters, digits and symbols",
                           field="password")
    if username and password.lower() == username.lower():
        raise BadUserInput("密码不能与用户名相同", "The password must not be the username", field="password")
    return password


def temporary_password() -> str:
    while True:
        candidate = "".join(secrets.choice(_ALPHABET_LETTERS + _ALPHABET_DIGITS) for _ in range(TEMPORARY_LENGTH))
        if any(c in _ALPHABET_DIGITS for c in candidate) and any(c in _ALPHABET_LETTERS for c in candidate):
            return candidate


async def new_password(password: str | None, username: str = "") -> NewPassword:
    """Check (or generate) a password and hash it. Call only after the ADMIN check, so nobody
    else can make the server burn CPU on hashes."""
    if password is None or password == "":
        plain = temporary_password()
        return NewPassword(hash=await passwords.hash_password(plain), temporary=plain)
    return NewPassword(hash=await passwords.hash_password(check_password(password, username)), temporary=None)
