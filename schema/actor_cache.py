"""Signed-in callers, remembered for a moment.

Every authenticated operation used to read its caller's account and scopes again: one statement
and a pooled connection, ~0.6 ms of CPU — a quarter of a `node(id:)` lookup. A wall polling
the same query with the same token read the same row hundreds of times a second. Here the Actor
built from a token is kept for ACTOR_CACHE_SECONDS (2 by default; 0 turns this off) and
forgotten at once when accounts change:

- on this process, after the commit of any transaction that wrote `app_user` or `user_scope`
  (db/table_writes.py) and when `access_changed` runs (schema/ws.py);
- on the other processes, when the bus carries `access_changed`'s message (schema/live.py) and
  whenever the bus reconnects (messages may have been lost while it was away);
- in any case after ACTOR_CACHE_SECONDS, the bound when a message is lost (Redis pub/sub is
  at most once) or for a change made outside the app.

A token is only ever remembered after it verified and its user was read, and until its own
expiry; an entry read before an invalidation is never stored after it (`generation`).
"""

from __future__ import annotations

import time
from typing import Any

from db import table_writes
from schema.metrics import ACTOR_LOOKUPS

ACCOUNT_TABLES = frozenset({"app_user", "user_scope"})
_REMEMBERED, _READ = ACTOR_LOOKUPS.labels("remembered"), ACTOR_LOOKUPS.labels("read")


class ActorCache:
    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self.generation = 0
        # (token, client) → (actor, good until: time.monotonic(), token expiry: time.time())
        self._entries: dict[tuple[str, str], tuple[Any, float, float]] = {}
        table_writes.listen(ACCOUNT_TABLES, self.invalidate)

    def get(self, token: str, client: str) -> Any:
        entry = self._entries.get((token, client))
        if entry is not None:
            actor, until, expires_at = entry
            if time.monotonic() < until and time.time() < expires_at:
                _REMEMBERED.inc()
                return actor
            del self._entries[(token, client)]
        _READ.inc()
        return None

    def put(self, token: str, client: str, actor: Any, generation: int, expires_at: float) -> None:
        """Remember `actor`, read while `generation` was current — unless accounts changed since."""
        if generation != self.generation:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()  # a flood of distinct tokens: start again rather than grow
        self._entries[(token, client)] = (actor, time.monotonic() + self.seconds, expires_at)

    def invalidate(self) -> None:
        self.generation += 1
        self._entries.clear()


    def __len__(self) -> int:
        return len(self._entries)
