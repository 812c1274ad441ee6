"""Photos of requests: type and size checked, re-encoded without EXIF (GPS!), stored once by
content hash, served only through short-lived signed URLs (an <img> cannot send a bearer token)."""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from resolvers.errors import BadUserInput

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
MAX_PIXELS = 40_000_000  # a decompression bomb guard: far above any phone camera
_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
URL_TTL_SECONDS = 600


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    ext: str
    sha256: str


def clean(data: bytes) -> CleanPhoto:
    """Check that `data` is a JPEG, PNG or WebP photo and re-encode it without metadata."""
    if not data:
        raise BadUserInput("照片为空", "Empty photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise BadUserInput(f"照片过大(最大 {MAX_PHOTO_BYTES // 1024 // 1024} MB)", "Photo too large", maxBytes=MAX_PHOTO_BYTES)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in _FORMATS:
                raise BadUserInput("仅支持 JPEG、PNG、WebP 照片", "Only JPEG, PNG and WebP photos are accepted")
            if probe.width * probe.height > MAX_PIXELS:
                raise BadUserInput("照片像素过大", "Photo has too many pixels")
            image = ImageOps.exif_transpose(probe)  # keep the orientation the EXIF said, then drop EXIF
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise BadUserInput("无法识别的图片文件", "Not a readable image") from None
    content_type, ext = _FORMATS[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    cleaned = out.getvalue()
    return CleanPhoto(cleaned, content_type, ext, hashlib.sha256(cleaned).hexdigest())


def store(root: Path, photo: CleanPhoto) -> Path:
    """Write once under root/ab/abcdef….ext; an identical photo is stored only once."""
    path = root / photo.sha256[:2] / f"{photo.sha256}.{photo.ext}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
        tmp.write_bytes(photo.data)
        os.replace(tmp, path)
    return path


def _sig(secret: str, name: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"photo:{name}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def signed_url(secret: str, sha256: str, ext: str, *, now: float | None = None, ttl: int = URL_TTL_SECONDS) -> str:
    expires = int((now or time.time()) + ttl)
    name = f"{sha256}.{ext}"
    return f"/media/photos/{name}?exp={expires}&sig={_sig(secret, name, expires)}"


def check_signature(secret: str, name: str, expires: str, sig: str, *, now: float | None = None) -> bool:
    try:
        exp = int(expires)
    except ValueError:
        return False
    if exp < (now or time.time()):
        return False
    return hmac.compare_digest(_sig(secret, name, exp), sig)
