"""Answers of read queries, kept until anything changes (issue #10's response cache).

A dispatch wall polls the same query with the same variables again and again; between two
changes every answer is the same bytes. Here the body of a compiled query's answer (schema/
compiled/: read-only by construction — a field that writes, such as an audited read of personal
data, is never compiled) is kept under (document, operation, variables, the caller: user, token
version, role, scopes) and served until:

- **any write commits on this process**: every commit of the app's write engine empties the
  cache as it starts (the engine's `commit` event) and every unit of work's commit again once it
  is done (db/table_writes.py), so nobody reads their own write stale and no answer read during a
  commit outlives it;
- **the bus carries anything from another process** (a request event's seq, an access change):
  schema/live.py calls `changed` for every message but the heartbeat;
- **RESPONSE_CACHE_SECONDS have passed** (1 by default; 0 turns the cache off): the bound for
  what no commit announces — a deadline passing (`overdue` is computed from the clock), a change
  made on another process that rang no bell, a lost bus message.

Only signed-in callers' answers are kept (anonymous reads may be rate limited per call), at most
SIZE answers of at most MAX_BODY bytes each, the oldest dropped first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import orjson

from db import table_writes
from schema.metrics import RESPONSE_CACHE

SIZE = 512
MAX_BODY = 256 * 1024
_HIT, _MISS = RESPONSE_CACHE.labels("hit"), RESPONSE_CACHE.labels("miss")


class ResponseCache:
    def __init__(self, seconds: float, size: int = SIZE, max_body: int = MAX_BODY) -> None:
        self.seconds, self.size, self.max_body = seconds, size, max_body
        self.generation = 0
        self._entries: OrderedDict[tuple[Any, ...], tuple[bytes, float]] = OrderedDict()
        table_writes.listen_any(self.changed)

    def key(self, query: str, operation_name: str | None, variables: dict[str, Any] | None, actor: Any) -> tuple[Any, ...] | None:
        """The entry's key, or None when this call's answer is not kept (anonymous)."""
        if actor is None:
            return None
        scopes = tuple(sorted((kind.value, tuple(sorted(ids))) for kind, ids in actor.scopes.items()))
        try:
            canonical = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        return (query, operation_name, canonical, actor.user_id, actor.token_version, actor.role.value, scopes)

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        entry = self._entries.get(key)
        if entry is not None:
            body, until = entry
            if time.monotonic() < until:
                _HIT.inc()
                return body
            del self._entries[key]
        _MISS.inc()
        return None

    def put(self, key: tuple[Any, ...], body: bytes, generation: int) -> None:
        """Keep `body`, computed while `generation` was current — unless something changed since."""
        if generation != self.generation or len(body) > self.max_body:
            return
        self._entries[key] = (body, time.monotonic() + self.seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def changed(self, *_: Any) -> None:
        self.generation += 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
