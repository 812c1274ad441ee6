"""Refusals in the audit trail (ACCESS_REFUSED), written in batches.

A refusal — FORBIDDEN or UNAUTHENTICATED answered to an operation, a 401/403 at the HTTP edge —
is one row per refused operation, with the actor (null when anonymous), client address, time
and request id. Refusals are what an attacker can produce at will, so recording one must cost
the request nothing: `record` only queues the row; the sink's task writes what has queued in
one transaction about every second (and at shutdown).

Anonymous refusals are limited per client address: the first ANON_PER_WINDOW in a window of
WINDOW_SECONDS are recorded one by one, the rest only counted, and a single
ACCESS_REFUSED_SUMMARY row says how many there were once the window is over. So a flood of
anonymous probes costs at most ANON_PER_WINDOW + 1 rows a minute per address (per process),
not a row per request. Signed-in callers are accountable and are never sampled. The queue
itself is bounded (MAX_QUEUE): beyond it rows are dropped and counted (see /metrics), so a
database outage cannot grow the process without limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from db.base import utcnow
from db.models import AuditEntry

log = logging.getLogger("ehuying.audit")

REFUSED = "ACCESS_REFUSED"
SUMMARY = "ACCESS_REFUSED_SUMMARY"
ANON_PER_WINDOW = 30
WINDOW_SECONDS = 60.0
MAX_QUEUE = 10_000
MAX_ADDRESSES = 10_000  # tracked windows; beyond, new anonymous addresses share one
FLUSH_SECONDS = 1.0
BATCH = 500

T = AuditEntry.__table__
# The sink of each app, by its write engine: schema/errors.py finds it from an operation's db.
_SINKS: dict[Any, RefusalSink] = {}


@dataclass
class _Window:
    started: float
    count: int = 0
    suppressed: int = 0


def sink_for(db: Any) -> RefusalSink | None:
    return _SINKS.get(getattr(db, "write_engine", None))


class RefusalSink:
    def __init__(self, db: Any, *, anon_per_window: int = ANON_PER_WINDOW, window_seconds: float = WINDOW_SECONDS,
                 max_queue: int = MAX_QUEUE) -> None:
        self.db = db
        self.anon_per_window, self.window_seconds, self.max_queue = anon_per_window, window_seconds, max_queue
        self.queue: list[dict[str, Any]] = []
        self.windows: dict[str, _Window] = {}
        self.suppressed = 0  # anonymous refusals recorded only in a summary
        self.dropped = 0  # rows lost to a full queue
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()  # one writer: rows leave the queue only once written

    @property
    def pending(self) -> int:
        return len(self.queue)

    def register(self) -> RefusalSink:
        _SINKS[self.db.write_engine] = self
        return self

    def unregister(self) -> None:
        if _SINKS.get(self.db.write_engine) is self:
            del _SINKS[self.db.write_engine]

    def record(self, *, actor_user_id: int | None, client: str, target: str, detail: str, action: str = REFUSED,
               at: datetime | None = None, now: float | None = None) -> bool:
        """Queue one refusal; False when it was only counted (anonymous over the limit, or queue full)."""
        if actor_user_id is None:
            now = time.monotonic() if now is None else now
            window = self._window(client, now)
            if window.count >= self.anon_per_window:
                window.suppressed += 1
                self.suppressed += 1
                return False
            window.count += 1
        return self._queue({"at": at or utcnow(), "actor_user_id": actor_user_id, "action": action,
                            "target": target[:128], "detail": detail[:4000], "client": client[:64]})

    def _window(self, client: str, now: float) -> _Window:
        key = client if client in self.windows or len(self.windows) < MAX_ADDRESSES else "*"
        window = self.windows.get(key)
        if window is None or now - window.started >= self.window_seconds:
            if window is not None:
                self._summarise(key, window)
            window = self.windows[key] = _Window(started=now)
        return window

    def _summarise(self, client: str, window: _Window) -> None:
        if window.suppressed:
            self._queue({"at": utcnow(), "actor_user_id": None, "action": SUMMARY, "target": "anonymous",
                         "detail": f"{window.suppressed} more anonymous refusals from this address in {self.window_seconds:g} s "
                                   f"were not recorded one by one (limit {self.anon_per_window})",
                         "client": client[:64]})

    def _queue(self, row: dict[str, Any]) -> bool:
        if len(self.queue) >= self.max_queue:
            self.dropped += 1
            return False
        self.queue.append(row)
        if len(self.queue) >= BATCH:
            self._wake.set()
        return True

    def close_windows(self, now: float | None = None) -> None:
        """Summarise and forget the windows that are over."""
        now = time.monotonic() if now is None else now
        for client, window in list(self.windows.items()):
            if now - window.started >= self.window_seconds:
                self._summarise(client, window)
                del self.windows[client]

    async def flush(self, now: float | None = None) -> int:
        """Write everything queued (in transactions of at most BATCH rows); how many were written.
        Rows that could not be written stay queued for the next try."""
        self.close_windows(now)
        written = 0
        async with self._flushing:
            while self.queue:
                rows = self.queue[:BATCH]
                async with self.db.write_turn(), self.db.sessions() as session, session.begin():
                    await session.execute(insert(T), rows)
                del self.queue[:len(rows)]  # only appended to meanwhile: the head is still these rows
                written += len(rows)
        return written

    async def run(self) -> None:
        self.register()
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(FLUSH_SECONDS):
                        await self._wake.wait()
                self._wake.clear()
                try:
                    await self.flush()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 — keep the rows, try again next round
                    log.exception("could not write %d refusal audit rows", len(self.queue))
        finally:
            self.unregister()
            with contextlib.suppress(Exception):
                await asyncio.shield(self.flush(now=float("inf")))
