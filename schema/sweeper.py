"""The periodic overdue sweep, run inside every app process; the database lock inside
`sweep_overdue` makes it run once at a time across processes, and it is idempotent."""

from __future__ import annotations

import asyncio
import logging

from db.base import utcnow
from db.engine import Database
from resolvers import events
from resolvers.requests import totals
from resolvers.requests.supervision import sweep_overdue
from schema.live import EventBus

log = logging.getLogger("ehuying.sweep")


async def sweep_once(db: Database, bus: EventBus | None) -> int:
    async with db.write_turn(), db.sessions() as session:
        marked = await sweep_overdue(session, utcnow())
        committed = await events.flush_events(session)
        await totals.fold(await session.connection())
        await session.commit()
    if committed and bus is not None:
        await bus.ring(committed)
    return marked


async def overdue_sweeper(db: Database, bus: EventBus, every_seconds: float) -> None:
    while True:
        try:
            while await sweep_once(db, bus) >= 500:
                pass  # a backlog: keep going in batches
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 — a failed sweep must not stop the next one
            log.exception("overdue sweep failed")
        await asyncio.sleep(every_seconds)
