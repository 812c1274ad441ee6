"""Keeping the audit trail AUDIT_RETENTION_DAYS (default 400, never under 183: config.py) and no
longer: a worker in every app process deletes older rows once an hour, oldest first, a batch per
short transaction so no writer waits long behind it. Processes purging at the same time only
find less to delete; the purge is idempotent."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from db.base import utcnow
from db.engine import Database
from db.models import AuditEntry

log = logging.getLogger("ehuying.audit")

T = AuditEntry.__table__
BATCH = 5000
EVERY_SECONDS = 3600.0
FIRST_AFTER_SECONDS = 60.0  # not during start-up


async def purge_audit(db: Database, retention_days: int, *, now: datetime | None = None, batch: int = BATCH) -> int:
    """Delete audit rows older than `retention_days`; how many were deleted."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    total = 0
    while True:
        oldest = select(T.c.id).where(T.c.at < cutoff).order_by(T.c.id).limit(batch)
        async with db.write_turn(), db.sessions() as session, session.begin():
            gone = (await session.execute(delete(T).where(T.c.id.in_(oldest)).execution_options(synchronize_session=False))).rowcount
        total += gone or 0
        if not gone or gone < batch:
            return total
        await asyncio.sleep(0)  # let other writers in between batches


async def retention_worker(db: Database, retention_days: int, *, every: float = EVERY_SECONDS,
                           first_after: float = FIRST_AFTER_SECONDS) -> None:
    await asyncio.sleep(first_after)
    while True:
        try:
            if gone := await purge_audit(db, retention_days):
                log.info("audit: %d entries older than %d days deleted", gone, retention_days, extra={"deleted": gone})
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 — try again next round
            log.exception("audit retention purge failed")
        await asyncio.sleep(every)
