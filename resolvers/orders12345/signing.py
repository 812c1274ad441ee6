"""HMAC-SHA256 signatures over ``<unix timestamp>.<raw body>``, both ways."""

from __future__ import annotations

import hashlib
import hmac
import time

REPLAY_WINDOW_SECONDS = 300
TIMESTAMP_HEADER = "X-12345-Timestamp"
SIGNATURE_HEADER = "X-12345-Signature"


class SignatureError(Exception):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    ts = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: signature(secret, ts, body)}


def verify(secret: str, timestamp: str | None, sig: str | None, body: bytes, now: float | None = None) -> None:
    """Raise SignatureError unless `sig` signs `body` at a timestamp within the replay window."""
    if not timestamp or not sig:
        raise SignatureError("UNSIGNED", "缺少签名或时间戳", f"Missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER}")
    try:
        ts = int(timestamp.strip())
    except ValueError:
        raise SignatureError("STALE_TIMESTAMP", "时间戳无效", "The timestamp is not Unix seconds") from None
    if abs((now if now is not None else time.time()) - ts) > REPLAY_WINDOW_SECONDS:
        raise SignatureError("STALE_TIMESTAMP", "时间戳超出 ±5 分钟有效期", "The timestamp is outside the ±5 minute window")
    # Compared in constant time, and only after the cheap checks: a wrong guess learns nothing.
    expected = signature(secret, timestamp.strip(), body).encode()
    if not hmac.compare_digest(expected, sig.strip().lower().encode()):
        raise SignatureError("BAD_SIGNATURE", "签名不正确", "The signature does not match the body")
