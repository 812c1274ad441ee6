"""The 12345 link's settings, read from the environment each time they are needed: the secret
and the callback address can be set or rotated without touching anything else."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class LinkConfig:
    secret: str
    callback_url: str
    retry_base_seconds: float
    max_attempts: int
    open311_keys: tuple[str, ...]
    open311_limit_per_hour: int


def link_config() -> LinkConfig:
    env = os.environ.get
    return LinkConfig(
        secret=env("CITY12345_SECRET", ""),
        callback_url=env("CITY12345_CALLBACK_URL", "").strip(),
        retry_base_seconds=max(0.01, float(env("CITY12345_RETRY_BASE_SECONDS", "30"))),
        max_attempts=max(1, int(env("CITY12345_MAX_ATTEMPTS", "10"))),
        open311_keys=tuple(k.strip() for k in env("OPEN311_API_KEYS", "").split(",") if k.strip()),
        open311_limit_per_hour=int(env("OPEN311_LIMIT_PER_KEY", "600")),
    )
