"""The sending worker: claims due outbox rows, sends them, records the outcome.

A claim is one short write transaction — `UPDATE … WHERE id IN (due rows, FOR UPDATE SKIP
LOCKED on PostgreSQL) RETURNING` — that marks the rows SENDING with a lease, so two workers (in
one process or many) never hold the same row; on SQLite the single writer serialises claims.
Sending happens outside any transaction. A worker that dies mid-send leaves its rows SENDING
until the lease runs out; then they are due again, and the idempotency key each send carries
keeps the provider from delivering twice.

Retries back off exponentially with jitter up to a cap; after the last attempt a row is FAILED.
The worker wakes when the event doorbell rings (a request change committed, here or in another
process) or when the next retry is due; idle, it reads one indexed row every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update

from db.base import utcnow
from db.engine import Database, make_engine
from db.models import Notification
from resolvers.notifications import config as notify_config
from resolvers.notifications.config import NotifyConfig
from resolvers.notifications.senders import Message, PermanentSendError, RetryableSendError, Sender, senders_for

log = logging.getLogger("ehuying.notify")

T = Notification.__table__
_ACTIVE = ("PENDING", "SENDING")
COALESCE_SECONDS = 0.2  # a resident's SMS may leave 0.2 s later; measured for issue #10 (see bench/README.md)
SHUTDOWN_GRACE_SECONDS = 5.0
PURGE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    message: Message
    attempts: int
    state: str  # SENT / PENDING (retry) / FAILED
    receipt: str | None = None
    error: str | None = None
    retry_at: datetime | None = None


def backoff(attempts: int, cfg: NotifyConfig) -> float:
    """Seconds before the next try after `attempts` tries: doubling, capped, with jitter so that
    rows failed together (a provider outage) do not all come back at the same instant."""
    delay = min(cfg.backoff_max_seconds, cfg.backoff_seconds * 2 ** (attempts - 1))
    return random.uniform(delay / 2, delay)


class Worker:
    """`db` claims and records; `reader` (default `db`) answers the idle look at the outbox."""

    def __init__(self, db: Database, senders: dict[str, Sender], cfg: NotifyConfig, *, bus: Any = None,
                 reader: Database | None = None) -> None:
        self.db, self.senders, self.cfg, self.bus = db, senders, cfg, bus
        self.reader = reader or db
        self.channels = sorted(senders)
        self.purged_at: datetime | None = None

    async def purge(self, now: datetime | None = None) -> int:
        """Delete SENT and FAILED rows older than the retention (a pending one is never lost)."""
        now = now or utcnow()
        cutoff = now - timedelta(days=self.cfg.retention_days)
        async with self.db.write_turn(), self.db.sessions() as session, session.begin():
            result = await session.execute(
                delete(T).where(T.c.state.in_(("SENT", "FAILED")), T.c.created_at < cutoff).execution_options(synchronize_session=False))
        self.purged_at = now
        return result.rowcount or 0

    def _due(self, now: datetime) -> Any:
        return and_(T.c.state.in_(_ACTIVE), T.c.next_attempt_at <= now, T.c.channel.in_(self.channels))

    async def next_due(self) -> datetime | None:
        """When the earliest row this worker sends is due (a retry, or a lease running out)."""
        async with self.reader.read() as conn:
            return (await conn.execute(
                select(func.min(T.c.next_attempt_at)).where(T.c.state.in_(_ACTIVE), T.c.channel.in_(self.channels))
            )).scalar()

    async def claim(self) -> tuple[str, list[Message], dict[int, int]]:
        """Take up to a batch of due rows: (claim token, messages, attempts so far by row id)."""
        token, now = uuid.uuid4().hex, utcnow()
        pick = select(T.c.id).where(self._due(now)).order_by(T.c.next_attempt_at, T.c.id).limit(self.cfg.batch)
        if self.db.write_engine.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            update(T).where(T.c.id.in_(pick.scalar_subquery()), self._due(now))
            .values(state="SENDING", claim_token=token, attempts=T.c.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=self.cfg.lease_seconds))
            .returning(T.c.id, T.c.idempotency_key, T.c.channel, T.c.address, T.c.text, T.c.data, T.c.attempts)
        )
        async with self.db.write_turn(), self.db.sessions() as session, session.begin():
            rows = (await session.execute(stmt)).all()
        messages = [Message(r.id, r.idempotency_key, r.channel, r.address, r.text, json.loads(r.data or "{}")) for r in rows]
        return token, messages, {r.id: r.attempts for r in rows}

    async def _deliver(self, message: Message, attempts: int) -> Outcome:
        try:
            # The provider's own timeout comes first; this one also bounds a sender that ignores it,
            # well inside the lease.
            async with asyncio.timeout(self.cfg.timeout_seconds * 1.5):
                receipt = await self.senders[message.channel].send(message)
            return Outcome(message, attempts, "SENT", receipt=str(receipt))
        except PermanentSendError as exc:
            return Outcome(message, attempts, "FAILED", error=str(exc))
        except (RetryableSendError, TimeoutError) as exc:
            error = str(exc) or type(exc).__name__
        except Exception as exc:  # noqa: BLE001 — a sender's bug must not lose the message
            log.exception("notification %s: sender failed", message.id)
            error = f"{type(exc).__name__}: {exc}"
        if attempts >= self.cfg.max_attempts:
            return Outcome(message, attempts, "FAILED", error=error)
        return Outcome(message, attempts, "PENDING", error=error,
                       retry_at=utcnow() + timedelta(seconds=backoff(attempts, self.cfg)))

    async def record(self, token: str, outcomes: list[Outcome]) -> None:
        now = utcnow()
        async with self.db.write_turn(), self.db.sessions() as session, session.begin():
            for o in outcomes:
                values: dict[str, Any] = {"state": o.state, "claim_token": None, "last_error": o.error}
                if o.state == "SENT":
                    values.update(sent_at=now, provider_receipt=o.receipt)
                elif o.state == "PENDING":
                    values["next_attempt_at"] = o.retry_at
                done = await session.execute(
                    update(T).where(T.c.id == o.message.id, T.c.claim_token == token, T.c.state == "SENDING").values(**values))
                if done.rowcount != 1:
                    # The lease ran out and another worker took the row; it will record the outcome.
                    log.warning("notification %s: claim lost before its outcome (%s) was recorded", o.message.id, o.state)
        for o in outcomes:
            if o.state == "FAILED":
                log.error("notification %s (%s) failed after %d attempt(s): %s", o.message.id, o.message.channel, o.attempts, o.error)
            elif o.state == "PENDING":
                log.warning("notification %s (%s) attempt %d failed, retry at %s: %s",
                            o.message.id, o.message.channel, o.attempts, o.retry_at.isoformat(), o.error)

    async def run_once(self) -> int:
        """Claim a batch of due rows, send them, record the outcomes; how many were handled."""
        token, messages, attempts = await self.claim()
        if not messages:
            return 0
        outcomes = await asyncio.gather(*(self._deliver(m, attempts[m.id]) for m in messages))
        await self.record(token, list(outcomes))
        return len(messages)

    async def run(self) -> None:
        async with self._doorbell() as bell:
            try:
                while True:
                    current = asyncio.create_task(self._round())
                    try:
                        wait = await asyncio.shield(current)
                    except asyncio.CancelledError:
                        # Shutting down: a round under way may finish, so its rows are recorded
                        # rather than left SENDING until their lease runs out (which is safe too).
                        await asyncio.wait({current}, timeout=SHUTDOWN_GRACE_SECONDS)
                        current.cancel()
                        raise
                    if wait:
                        await self._sleep(bell, wait)
            finally:
                for sender in self.senders.values():
                    with contextlib.suppress(Exception):
                        await sender.aclose()

    async def _round(self) -> float:
        """One look at the outbox, sending what is due; the seconds to wait before the next."""
        try:
            if self.purged_at is None or utcnow() - self.purged_at > PURGE_EVERY:
                if (gone := await self.purge()):
                    log.info("notifications: %d delivered or failed rows past retention deleted", gone)
            due = await self.next_due()
            if due is not None and due <= utcnow():
                # A backlog goes on batch after batch; if another worker took the rows, look again shortly.
                return 0.0 if await self.run_once() else 0.05
            if due is None:
                return self.cfg.poll_seconds
            return max(0.01, min(self.cfg.poll_seconds, (due - utcnow()).total_seconds()))
        except Exception:  # noqa: BLE001 — a failed round must not stop the next
            log.exception("notification worker round failed")
            return self.cfg.poll_seconds

    @contextlib.asynccontextmanager
    async def _doorbell(self) -> AsyncIterator[asyncio.Event | None]:
        if self.bus is None:
            yield None
            return
        async with self.bus.doorbell() as bell:
            yield bell

    @staticmethod
    async def _sleep(bell: asyncio.Event | None, seconds: float) -> None:
        if bell is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await bell.wait()
                # The bell rings for every request event; wait a moment so that a burst of them
                # (hundreds a second at intake peaks) costs one look at the outbox, not one each.
                await asyncio.sleep(COALESCE_SECONDS)
        bell.clear()


def workers(state: Any) -> dict[str, Coroutine[Any, Any, None]]:
    """The app's worker, by name, for the app to start (NOTIFY_WORKER=0 leaves sending to other
    processes; per NOTIFY_*).

    It has a small pool of its own, so its looks at the outbox neither wait behind nor mix with
    the app's requests; on SQLite its writes still take the app's write turn (db/engine.py)."""
    cfg = notify_config.current()
    if not cfg.run_worker or not cfg.senders:
        return {}
    url = state.settings.database_url
    own = Database(make_engine(url) if url.startswith("sqlite") else make_engine(url, pool_size=2, max_overflow=2))
    writer = state.db if state.db.write_engine.dialect.name == "sqlite" else own
    worker = Worker(writer, senders_for(cfg), cfg, bus=state.bus, reader=own)
    return {"notify-worker": _run(worker, own)}


async def _run(worker: Worker, own: Database) -> None:
    try:
        await worker.run()
    finally:
        await own.dispose()
