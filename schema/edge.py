"""The request edge for writes: one session per mutation, committed at the end.

Staged events are written last, under the event-log lock, then the transaction commits, and only
then is the doorbell rung — never for a rolled-back change. A domain error that must still leave
a trace (a failed sign-in counted) commits that trace, but no events, before re-raising.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import events
from schema.context import Context

log = logging.getLogger("ehuying.edge")

@asynccontextmanager
async def write_unit(ctx: Context, *, keep_on: tuple[type[BaseException], ...] = ()) -> AsyncIterator[AsyncSession]:
    """`keep_on`: domain errors after which what was recorded is still committed (sign-in
    failures keep their counter and audit row); nothing else is ever committed half-way."""
    async with ctx.db.write_turn(), ctx.db.sessions() as session:
        try:
            yield session
            committed = await events.flush_events(session)
            await session.commit()
        except keep_on:
            events.discard(session)
            await session.commit()
            raise
        except BaseException:
            events.discard(session)
            await session.rollback()
            raise
    if committed:
        bus = ctx.extra.get("bus")
        if bus is not None:
            try:
                await bus.ring(committed)
            except Exception:  # noqa: BLE001 — the log is the truth; subscribers catch up from it
                log.exception("could not ring the event doorbell")
