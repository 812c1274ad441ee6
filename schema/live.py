"""Live events: the database event log is the truth, broadcaster is only the doorbell.

A commit rings the bell (after commit, never for a rollback). The process's hub
(schema/fanout.py), woken by the bell, reads from the log every event after the last one it
handed out, once for all subscribers of the process — so a lost or late bell (Redis pub/sub is
at-most-once) costs latency, never an event, and a resume with `after` replays the gap from the
same log before going live.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from broadcaster import Broadcast

from resolvers.events import CommittedEvent
from schema import gc_policy

log = logging.getLogger("ehuying.live")

SAFETY_SWEEP_SECONDS = 30.0


class EventBus:
    """One broadcaster subscription per process, fanned out to local subscribers as bells,
    and supervised: broadcaster neither reconnects after a lost Redis/Postgres connection nor
    notices that its listener died (KNOWN-DEFECTS §4). A heartbeat published on the channel
    must come back; when it does not, the connection is rebuilt and every subscriber is rung
    to catch up from the log what passed during the outage."""

    def __init__(self, url: str, prefix: str = "", *, heartbeat_seconds: float = 2.0, heartbeat_timeout: float = 6.0) -> None:
        self.url = url
        self.channel = f"{prefix}ehuying:request-events"
        self.heartbeat_seconds = heartbeat_seconds
        self.heartbeat_timeout = heartbeat_timeout
        self.broadcast: Broadcast | None = None
        self.reconnects = 0
        self._bells: set[asyncio.Event] = set()
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._last_heard = 0.0
        self._hub: Any = None
        self._stopping = False
        self._on_access: list[Callable[[], None]] = []
        self._on_change: list[Callable[[], None]] = []

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call `callback` for every message on the bus but the heartbeat (another process
        committed something), and after every reconnection."""
        self._on_change.append(callback)

    def on_access(self, callback: Callable[[], None]) -> None:
        """Call `callback` when another process says accounts changed (`access_changed`'s
        message), and after every reconnection (such a message may have been lost meanwhile)."""
        self._on_access.append(callback)

    def _changed(self) -> None:
        for callback in self._on_change:
            try:
                callback()
            except Exception:  # noqa: BLE001 — the bus must go on
                log.exception("change callback failed")

    def _access_changed(self) -> None:
        self._changed()
        for callback in self._on_access:
            try:
                callback()
            except Exception:  # noqa: BLE001 — the bus must go on
                log.exception("access-change callback failed")

    def hub(self, db: Any) -> Any:
        """This process's hub of live events, started on first use; `db` is the app's Database."""
        if self._hub is None:
            from schema.fanout import Hub

            self._hub = Hub(self, db)
        return self._hub

    async def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="event-bus")
        await asyncio.wait_for(self._subscribed.wait(), timeout=30)
        # Full garbage collections stop every live delivery while they walk the heap (gc_policy).
        gc_policy.install()

    async def stop(self) -> None:
        if self._hub is not None:
            await self._hub.stop()
        # On Python 3.11 `asyncio.wait_for` can swallow a cancellation that lands as its inner
        # call completes; so cancel until the task is really done, never wait unbounded.
        self._stopping = True
        while self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=1.0)

    def ring_all(self) -> None:
        for bell in list(self._bells):
            bell.set()

    async def _supervise(self) -> None:
        from schema.broadcast_shims import make_broadcast

        loop = asyncio.get_running_loop()
        backoff = 0.2
        while not self._stopping:
            broadcast = make_broadcast(self.url)
            try:
                await broadcast.connect()
                async with broadcast.subscribe(self.channel) as sub:
                    self.broadcast = broadcast
                    self._last_heard = loop.time()
                    if self._subscribed.is_set():
                        self.reconnects += 1
                        log.warning("event bus reconnected to %s", _redact(self.url))
                    self._subscribed.set()
                    self._access_changed()
                    self.ring_all()  # catch up from the log whatever passed while we were away
                    backoff = 0.2
                    listener = asyncio.create_task(self._listen(sub, loop))
                    try:
                        await self._heartbeat(broadcast, loop, listener)
                    finally:
                        listener.cancel()
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await listener
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 — any failure means: rebuild the connection
                log.warning("event bus connection lost (%s); reconnecting", type(exc).__name__)
            finally:
                self.broadcast = None
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(2):
                        await broadcast.disconnect()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _listen(self, sub: Any, loop: asyncio.AbstractEventLoop) -> None:
        async for event in sub:
            self._last_heard = loop.time()
            message = getattr(event, "message", None) or ""
            if '"access"' in message:
                self._access_changed()
            elif '"heartbeat"' not in message:
                self._changed()
            self.ring_all()

    async def _heartbeat(self, broadcast: Broadcast, loop: asyncio.AbstractEventLoop, listener: asyncio.Task[None]) -> None:
        while not self._stopping:
            await asyncio.sleep(self.heartbeat_seconds)
            if listener.done():
                raise ConnectionError("listener stopped")
            async with asyncio.timeout(self.heartbeat_timeout):
                await broadcast.publish(self.channel, '{"heartbeat":1}')
            if loop.time() - self._last_heard > self.heartbeat_timeout:
                raise ConnectionError("heartbeat did not come back")

    async def ring(self, committed: list[CommittedEvent]) -> None:
        top = max(e.seq for e in committed)
        if self.broadcast is None:
            self.ring_all()  # at least this process's subscribers learn at once; others catch up on reconnect
            return
        await self.broadcast.publish(self.channel, json.dumps({"seq": top}))

    @contextlib.asynccontextmanager
    async def doorbell(self) -> AsyncIterator[asyncio.Event]:
        """An Event set whenever the bell rings; registered before the caller's first read of
        the log, so nothing committed after that read can be missed."""
        bell = asyncio.Event()
        bell.set()  # read the log once straight away
        self._bells.add(bell)
        try:
            yield bell
        finally:
            self._bells.discard(bell)


def _redact(url: str) -> str:
    return url.split("@")[-1]


async def wait_for_bell(bell: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(SAFETY_SWEEP_SECONDS):
            await bell.wait()
    bell.clear()


