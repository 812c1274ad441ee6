"""Signed download links for sticker sheets, the way report exports do it (schema/exports.py):
a browser link cannot carry a bearer token, so the link names the user and the sheet, expires
after 10 minutes, and the user's access is checked again when it is fetched."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from resolvers.qr.sheet import SheetTarget

SHEET_PATH = "/exports/qr-stickers"
LINK_TTL = 600


def _sign(secret: str, user_id: int, target: SheetTarget, expires: int) -> str:
    body = urlencode(sorted({"kind": target.kind, "id": str(target.id), "uid": str(user_id), "exp": str(expires)}.items()))
    # Its own prefix: a report link's signature can never pass for a sheet's, nor the reverse.
    return hmac.new(secret.encode(), f"qr-sheet:{body}".encode(), hashlib.sha256).hexdigest()[:40]


def sheet_link(secret: str, user_id: int, target: SheetTarget, *, now: float | None = None) -> tuple[str, int]:
    """(relative URL, expiry as a Unix time)."""
    expires = int(now if now is not None else time.time()) + LINK_TTL
    query = {"kind": target.kind, "id": str(target.id), "uid": str(user_id), "exp": str(expires)}
    return SHEET_PATH + "?" + urlencode({**query, "sig": _sign(secret, user_id, target, expires)}), expires


def check_link(secret: str, params: dict[str, str]) -> tuple[int, SheetTarget] | None:
    """(user id, sheet) of a genuine, unexpired link; None otherwise."""
    try:
        kind, target_id, user_id, expires = params["kind"], int(params["id"]), int(params["uid"]), int(params["exp"])
    except (KeyError, ValueError):
        return None
    if kind not in ("COMMUNITY", "GRID") or expires < time.time():
        return None
    target = SheetTarget(kind, target_id)
    if not hmac.compare_digest(_sign(secret, user_id, target, expires), params.get("sig", "")):
        return None
    return user_id, target
