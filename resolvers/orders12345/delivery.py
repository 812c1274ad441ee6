"""Delivering outcome reports to the 12345 platform: claim what is due, POST it signed, record
the answer. Runs in every app process; a claim is a compare-and-set on the attempt counter, so
of two processes only one sends a given attempt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from db.base import utcnow
from db.engine import Database
from db.models import CityOrderCallback
from resolvers.orders12345.callbacks import wakeup
from resolvers.orders12345.config import LinkConfig, link_config
from resolvers.orders12345.signing import signed_headers

log = logging.getLogger("ehuying.orders12345")

C = CityOrderCallback.__table__
BATCH = 20
TIMEOUT_SECONDS = 10.0
# A claimed report is someone's for this long; if that process dies mid-send, another retries it.
LEASE = timedelta(seconds=90)
MAX_BACKOFF_SECONDS = 3600.0
# With nothing scheduled, look again this often: another process may have written a report.
IDLE_SECONDS = 30.0


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    payload: str
    attempts: int


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 — a redirect is an answer, not a delivery
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(65536)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        with contextlib.closing(exc):
            return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500] or type(exc).__name__


def backoff_seconds(attempts: int, cfg: LinkConfig) -> float:
    """After the n-th failed attempt: base · 2^(n-1), at most an hour, plus up to 10% jitter so that
    reports that failed together do not all come back at the same instant."""
    delay = min(MAX_BACKOFF_SECONDS, cfg.retry_base_seconds * 2 ** max(0, attempts - 1))
    return delay * (1 + random.random() * 0.1)


def configured(cfg: LinkConfig) -> bool:
    return bool(cfg.secret) and cfg.callback_url.startswith(("http://", "https://"))


async def _claim(db: Database, now: datetime, limit: int) -> list[Claimed]:
    claimed: list[Claimed] = []
    async with db.write_turn(), db.sessions() as session:
        rows = (await session.execute(
            select(C.c.id, C.c.key, C.c.payload, C.c.attempts)
            .where(C.c.status == "PENDING", C.c.next_attempt_at <= now)
            .order_by(C.c.next_attempt_at, C.c.id).limit(limit)
        )).all()
        for r in rows:
            result = await session.execute(
                update(C).where(C.c.id == r.id, C.c.status == "PENDING", C.c.attempts == r.attempts)
                .values(attempts=r.attempts + 1, last_attempt_at=now, next_attempt_at=now + LEASE)
            )
            if result.rowcount == 1:
                claimed.append(Claimed(r.id, r.key, r.payload, r.attempts + 1))
        await session.commit()
    return claimed


async def _record(db: Database, item: Claimed, status: int | None, error: str, cfg: LinkConfig) -> None:
    now = utcnow()
    async with db.write_turn(), db.sessions() as session:
        if status is not None and 200 <= status < 300:
            # Delivered is a fact, whatever happened to the row meanwhile (a retry from the console).
            await session.execute(
                update(C).where(C.c.id == item.id, C.c.status != "DELIVERED")
                .values(status="DELIVERED", delivered_at=now, last_status_code=status, last_error="")
            )
        else:
            gave_up = item.attempts >= cfg.max_attempts
            await session.execute(
                update(C).where(C.c.id == item.id, C.c.status == "PENDING", C.c.attempts == item.attempts)
                .values(status="FAILED" if gave_up else "PENDING", last_status_code=status, last_error=error[:500],
                        next_attempt_at=now + timedelta(seconds=backoff_seconds(item.attempts, cfg)))
            )
        await session.commit()


async def deliver_due(db: Database, *, limit: int = BATCH) -> int:
    """Send up to `limit` reports that are due; return how many were attempted."""
    cfg = link_config()
    if not configured(cfg):
        return 0
    claimed = await _claim(db, utcnow(), limit)
    for item in claimed:
        body = item.payload.encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": item.key,
                   "User-Agent": "ehuying-12345/1", **signed_headers(cfg.secret, body)}
        status, error = await asyncio.to_thread(_post, cfg.callback_url, body, headers)
        if status is None or not 200 <= status < 300:
            log.warning("12345 outcome report %s, attempt %d: %s", item.key, item.attempts, error or status)
        await _record(db, item, status, error, cfg)
    return len(claimed)


async def _next_due(db: Database) -> datetime | None:
    async with db.read() as conn:
        return (await conn.execute(select(func.min(C.c.next_attempt_at)).where(C.c.status == "PENDING"))).scalar()


async def callback_worker(db: Database) -> None:
    """Background task (app.py): deliver as soon as a report is committed here, when a retry is due,
    and every IDLE_SECONDS in case another process wrote one."""
    with wakeup() as wake:
        while True:
            wake.clear()
            delay = IDLE_SECONDS
            try:
                while await deliver_due(db) == BATCH:
                    pass  # a backlog: keep going
                due = await _next_due(db) if configured(link_config()) else None
                if due is not None:
                    delay = min(IDLE_SECONDS, max(0.05, (due - utcnow()).total_seconds()))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 — one bad pass must not stop the deliveries
                log.exception("12345 outcome delivery failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)
