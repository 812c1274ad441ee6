"""Live events: the database event log is the truth, broadcaster is only the doorbell.

A commit rings the bell (after commit, never for a rollback). A subscriber, woken by the bell,
reads from the log every event after the last one it delivered — so a lost or late bell (Redis
pub/sub is at-most-once) costs latency, never an event, and a resume with `after` replays the
gap from the same log before going live.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from broadcaster import Broadcast

from resolvers.events import CommittedEvent

log = logging.getLogger("ehuying.live")

SAFETY_SWEEP_SECONDS = 30.0


class EventBus:
    """One broadcaster subscription per process, fanned out to local subscribers as bells."""

    def __init__(self, broadcast: Broadcast, prefix: str = "") -> None:
        self.broadcast = broadcast
        self.channel = f"{prefix}ehuying:request-events"
        self._bells: set[asyncio.Event] = set()
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="event-bus")
        await asyncio.wait_for(self._subscribed.wait(), timeout=15)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _listen(self) -> None:
        async with self.broadcast.subscribe(self.channel) as sub:
            self._subscribed.set()
            async for _ in sub:
                for bell in list(self._bells):
                    bell.set()

    async def ring(self, committed: list[CommittedEvent]) -> None:
        top = max(e.seq for e in committed)
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


async def wait_for_bell(bell: asyncio.Event) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(bell.wait(), timeout=SAFETY_SWEEP_SECONDS)
    bell.clear()


