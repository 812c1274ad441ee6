"""The public address a sticker's code points at.

`PUBLIC_BASE_URL` (e.g. `https://ehuying.zhifu.gov.cn`) is where residents' phones reach the
console; the codes are printed and glued to doors, so it must be the address the district
publishes, not whatever host a worker happened to use when printing. Default: `http://HOST:PORT`
of this process (fine for a demo on one machine, wrong for real stickers).
"""

from __future__ import annotations

import os

from config import Settings

RESIDENT_PATH = "/console/qr/"


def public_base_url(settings: Settings) -> str:
    given = (os.environ.get("PUBLIC_BASE_URL") or "").strip()
    if given:
        return given.rstrip("/")
    return f"http://{settings.host}:{settings.port}"


def resident_url(base_url: str, token: str) -> str:
    return f"{base_url}{RESIDENT_PATH}{token}"
