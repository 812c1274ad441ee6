"""Opaque global IDs: base64 of "TypeName:pk". Clients must treat them as opaque strings."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from resolvers.errors import BadUserInput

# Primary keys are INTEGER columns: a number outside them names no row, and handed to the
# database it overflows (PostgreSQL int4, SQLite int64) instead of simply finding nothing.
MAX_PK = 2**31 - 1


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def to_global_id(type_name: str, pk: int) -> str:
    # base64.urlsafe_b64encode's bytes, without its two extra calls: a page makes hundreds of these.
    return binascii.b2a_base64(f"{type_name}:{pk}".encode(), newline=False).translate(_URLSAFE).decode().rstrip("=")


def global_ids_of(type_name: str) -> Callable[[Any], str]:
    """to_global_id for one type, made once: an integer key is encoded on bytes throughout (a page
    of a projected connection makes one a row)."""
    prefix = f"{type_name}:".encode()

    def gid(pk: Any) -> str:
        if type(pk) is not int:
            return to_global_id(type_name, pk)
        return binascii.b2a_base64(prefix + b"%d" % pk, newline=False).translate(_URLSAFE).rstrip(b"=").decode()

    return gid


def from_global_id(gid: str, expected: str | None = None) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(gid + "=" * (-len(gid) % 4)).decode()
        type_name, _, pk = raw.partition(":")
        value = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(f"无效的ID:{gid[:40]}", f"Malformed ID: {gid[:40]}") from None
    if not 0 < value <= MAX_PK:
        raise BadUserInput(f"无效的ID:{gid[:40]}", f"Malformed ID: {gid[:40]} (no such number)")
    if expected is not None and type_name != expected:
        raise BadUserInput(
            f"ID 类型不符,应为 {expected}", f"ID {gid[:40]} is a {type_name}, expected a {expected}"
        )
    return type_name, value
