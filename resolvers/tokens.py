"""Signed, expiring bearer tokens: `v1.<payload>.<hmac>`.

The payload names the user and the token version current at sign-in; bumping a user's
`token_version` revokes every token issued before, without a token store.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    version: int
    expires_at: int  # unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: str, body: str) -> str:
    return _b64(hmac.digest(key.encode(), body.encode(), "sha256"))  # one-shot: OpenSSL's, no HMAC object


def issue(key: str, user_id: int, version: int, ttl_seconds: int, now: float | None = None) -> tuple[str, TokenClaims]:
    now = time.time() if now is None else now
    claims = TokenClaims(user_id=user_id, version=version, expires_at=int(now + ttl_seconds))
    body = _b64(json.dumps({"u": claims.user_id, "v": claims.version, "e": claims.expires_at}).encode())
    return f"v1.{body}.{_sign(key, 'v1.' + body)}", claims


def verify(key: str, token: str, now: float | None = None) -> TokenClaims | None:
    """The claims of a genuine, unexpired token; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "v1":
        return None
    expected = _sign(key, f"v1.{parts[1]}")
    if not hmac.compare_digest(expected, parts[2]):
        return None
    try:
        data = orjson.loads(_unb64(parts[1]))
        claims = TokenClaims(user_id=int(data["u"]), version=int(data["v"]), expires_at=int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    if claims.expires_at <= (time.time() if now is None else now):
        return None
    return claims
