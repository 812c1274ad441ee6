"""Work-arounds for defects in broadcaster 0.3.1 (../shared/KNOWN-DEFECTS.md §2–§3).

§3: RedisBackend.subscribe sets its ready flag before SUBSCRIBE completes; the listener then
finds no channel, returns, and waits on the flag forever. Here the flag is set after.
§2 (concurrent first subscribers overwrite each other) is avoided by design: each process holds
exactly one subscription, opened at start-up (schema/live.py), and fans out locally.
"""

from __future__ import annotations

from broadcaster import Broadcast
from broadcaster._backends.redis import RedisBackend


class FixedRedisBackend(RedisBackend):
    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._ready.set()


def make_broadcast(url: str) -> Broadcast:
    if url.startswith("redis://") or url.startswith("rediss://"):
        return Broadcast(backend=FixedRedisBackend(url))
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        return Broadcast(url.replace("postgresql://", "postgres://", 1))
    return Broadcast(url)
