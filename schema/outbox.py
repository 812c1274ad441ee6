"""Bounded, non-blocking sending on one WebSocket connection.

The hub (schema/fanout.py) hands each event to every subscriber from one loop. Awaiting a send
there would let one slow socket stall everybody behind it; a queue plus a sender task per
subscriber isolates it but pays a task wake-up per subscriber per event (BASELINES.md: 118 ms p99
at 1,000 subscribers). So `push()` first writes straight through: it steps the ASGI send
coroutine by hand once. Under uvicorn that send only awaits the transport's "writable" flag, so
while the socket keeps up it completes without suspending — no task, no queue, no wake-up.

When it does suspend, the socket is lagging. The half-run send is handed to a writer task that
resumes it exactly where it stopped (nothing written twice, nothing lost), and later messages
queue behind it. The queue is bounded: past the bound the connection is closed (the caller picks
the code and reason: 1013 naming the cursors to resume from) and the queue dropped, so a stalled
or dead peer holds at most the bound plus the transport's own buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import types
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from typing import Any

Send = Callable[[dict[str, Any]], Awaitable[None]]

# Per connection, on top of the transport's own buffer (64 KiB high-water mark): seconds of
# events at the wall's rate, so a brief stall (GC, a slow Wi-Fi) rides through, a dead peer not.
MAX_QUEUED_CHARS = 256 * 1024
MAX_QUEUED_MESSAGES = 1_000


@types.coroutine
def _finish(coro: Any, pending: Any) -> Generator[Any, Any, Any]:
    """Drive a coroutine that was stepped by hand and suspended on `pending` to its end, as the
    Task it never had would have: what our Task sends or throws in is passed on to it."""
    while True:
        try:
            value = yield pending
        except BaseException as exc:  # noqa: BLE001 — cancellation included: it must reach the send
            try:
                pending = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                pending = coro.send(value)
            except StopIteration as stop:
                return stop.value


class Outbox:
    def __init__(self, send: Send, on_overflow: Callable[[], None], *,
                 max_chars: int = MAX_QUEUED_CHARS, max_messages: int = MAX_QUEUED_MESSAGES) -> None:
        self._send = send
        self._on_overflow = on_overflow
        self.max_chars, self.max_messages = max_chars, max_messages
        # (text, member, seq): on writing, `member.delivered = seq` — the cursor a client resumes from.
        self._queue: deque[tuple[str, Any, int]] = deque()
        self._queued_chars = 0
        self._writer: asyncio.Task[None] | None = None
        self._closing: tuple[int, Callable[[], str]] | None = None
        self.closed = False  # nothing more will be written
        self.lagged = 0  # times the socket could not take a message at once

    @property
    def lagging(self) -> bool:
        return self._writer is not None

    def push(self, text: str, member: Any = None, seq: int = 0) -> None:
        """Send `text` now if the socket takes it, else queue it; never blocks, never raises."""
        if self.closed or self._closing is not None:
            return
        if self._writer is not None:
            self._queue.append((text, member, seq))
            self._queued_chars += len(text)
            if self._queued_chars > self.max_chars or len(self._queue) > self.max_messages:
                self._queue.clear()
                self._queued_chars = 0
                self._on_overflow()
            return
        coro = self._send({"type": "websocket.send", "text": text})
        try:
            pending = coro.send(None)
        except StopIteration:
            if member is not None:
                member.delivered = seq
            return
        except Exception:  # noqa: BLE001 — the peer is gone; the receive loop will notice and clean up
            self._gone()
            return
        self.lagged += 1
        self._writer = asyncio.create_task(self._write_behind(_finish(coro, pending), member, seq))

    def close(self, code: int, reason: Callable[[], str]) -> None:
        """Close after what was already written; queued messages are dropped. `reason` is called
        when the close frame goes out, so it can name the cursors actually delivered."""
        if self.closed or self._closing is not None:
            return
        self._queue.clear()
        self._queued_chars = 0
        self._closing = (code, reason)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_behind(None, None, 0))

    async def drained(self) -> None:
        """Wait until nothing is queued (used to pace a replay, never the live fan-out)."""
        while self._writer is not None and not self.closed:
            await asyncio.wait({self._writer})

    def discard(self) -> None:
        """The connection is over: drop the queue and stop the writer."""
        self._gone()
        if self._writer is not None:
            self._writer.cancel()

    def _gone(self) -> None:
        self.closed = True
        self._queue.clear()
        self._queued_chars = 0

    async def _write_behind(self, first: Awaitable[None] | None, member: Any, seq: int) -> None:
        try:
            if first is not None:
                await first
                if member is not None:
                    member.delivered = seq
            while self._queue and not self.closed:
                text, member, seq = self._queue.popleft()
                self._queued_chars -= len(text)
                await self._send({"type": "websocket.send", "text": text})
                if member is not None:
                    member.delivered = seq
            if self._closing is not None and not self.closed:
                code, reason = self._closing
                self.closed = True
                with contextlib.suppress(Exception):
                    await self._send({"type": "websocket.close", "code": code, "reason": reason()})
        except Exception:  # noqa: BLE001 — a send failed: the peer is gone
            self._gone()
        finally:
            self._writer = None
