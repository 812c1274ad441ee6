"""挂牌督办: the overdue sweep puts requests past their deadline on the supervision list, with
an OVERDUE event. Idempotent, and run once across processes (a PostgreSQL advisory lock)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Request
from resolvers.requests.common import move
from resolvers.requests.vocab import OPEN, EventKind

SWEEP_LOCK = 7_240_126
BATCH = 500


async def sweep_overdue(session: AsyncSession, now: datetime) -> int:
    """Mark every open request whose deadline has passed. Returns how many were marked."""
    if (await session.connection()).dialect.name == "postgresql":
        got = (await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK})).scalar()
        if not got:
            return 0  # another process is sweeping right now
    rows = (
        await session.execute(
            select(Request)
            .where(Request.overdue.is_(False), Request.due_at.is_not(None), Request.due_at < now,
                   Request.state.in_([s.value for s in OPEN]))
            .order_by(Request.due_at)
            .limit(BATCH)
        )
    ).scalars().all()
    for request in rows:
        request.overdue = True
        request.overdue_since = request.due_at
        late = int((now - request.due_at).total_seconds() // 60)
        await move(session, request, None, EventKind.OVERDUE.value, None, note=f"超过{_label(request.due_kind)}时限,挂牌督办",
                   data={"dueKind": request.due_kind, "dueAt": request.due_at.isoformat(), "minutesLate": late},
                   actor_label="督办系统")
    return len(rows)


def _label(kind: str | None) -> str:
    return {"TRIAGE": "分类派单", "RESPONSE": "响应", "REDISPATCH": "二次分流", "DECISION": "裁定", "RESOLVE": "办结", "PROGRESS": "进展反馈"}.get(kind or "", "办理")
