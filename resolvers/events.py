"""The event log: every change appends an event in the same transaction as the change.

Events are staged on the session while the unit of work runs and written at its very end by
`flush_events`, which assigns `seq` under a lock held until commit — so seq order is commit
order on PostgreSQL (transaction advisory lock) and on SQLite (the write transaction already
holds the database's single write lock: sessions begin IMMEDIATE).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import CoTaskEvent, RequestEvent
from resolvers.actor import Actor

_PENDING = "pending_events"
_PENDING_TASKS = "pending_task_events"
# Any fixed number: the one advisory lock that orders event-log commits.
EVENT_LOG_LOCK = 7_240_125


@dataclass(frozen=True)
class StagedEvent:
    request_id: int
    kind: str
    at: datetime
    actor_user_id: int | None
    actor_label: str
    from_state: str | None
    to_state: str | None
    version: int
    note: str
    data: str
    street_id: int | None
    community_id: int | None


@dataclass(frozen=True)
class StagedTaskEvent:
    task_id: int
    kind: str
    partner_unit_id: int | None
    at: datetime
    actor_user_id: int | None
    actor_label: str
    note: str
    to_state: str
    version: int
    community_id: int


@dataclass(frozen=True)
class CommittedEvent:
    seq: int
    request_id: int
    kind: str
    street_id: int | None
    community_id: int | None
    log: str = "request"  # or "co_task": the co-building tasks' log, with seqs of its own


# Built once: every unit of work that changes a request runs them (building a statement and its
# cache key costs more than SQLAlchemy's compiled cache then saves).
_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_TOP_REQUEST_SEQ = select(func.coalesce(func.max(RequestEvent.__table__.c.seq), 0))
_TOP_TASK_SEQ = select(func.coalesce(func.max(CoTaskEvent.__table__.c.seq), 0))


# Writers of outboxes that follow request events (notifications to reporters, outcomes reported
# back to the city's 12345 line). Each is called with the unit of work's staged request events,
# inside its transaction and before the log lock is taken: what a hook writes commits, or rolls
# back, with the change itself. A module registers its hook once, when imported.
EventHook = Callable[[AsyncSession, Sequence["StagedEvent"]], Awaitable[None]]
EVENT_HOOKS: list[EventHook] = []


def add_event_hook(hook: EventHook) -> None:
    if hook not in EVENT_HOOKS:
        EVENT_HOOKS.append(hook)


def stage(
    session: AsyncSession,
    request: Any,
    kind: str,
    actor: Actor | None,
    *,
    from_state: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_label: str | None = None,
) -> None:
    label = actor_label if actor_label is not None else (actor.display_name if actor else "居民")
    session.info.setdefault(_PENDING, []).append(
        StagedEvent(
            request_id=request.id,
            kind=kind,
            at=at or utcnow(),
            actor_user_id=actor.user_id if actor else None,
            actor_label=label,
            from_state=from_state,
            to_state=request.state,
            version=request.version,
            note=note,
            data=json.dumps(data or {}, ensure_ascii=False, default=str),
            street_id=request.street_id,
            community_id=request.community_id,
        )
    )


def stage_task(session: AsyncSession, task: Any, kind: str, actor: Actor | None, *, partner_unit_id: int | None = None,
               note: str = "", actor_label: str | None = None) -> None:
    """An event of a co-building task (db/models/partners.py), written by `flush_events`."""
    label = actor_label if actor_label is not None else (actor.display_name if actor else "")
    session.info.setdefault(_PENDING_TASKS, []).append(
        StagedTaskEvent(task_id=task.id, kind=kind, partner_unit_id=partner_unit_id, at=utcnow(),
                        actor_user_id=actor.user_id if actor else None, actor_label=label, note=note,
                        to_state=task.state, version=task.version, community_id=task.community_id)
    )


async def flush_events(session: AsyncSession) -> list[CommittedEvent]:
    """Write the staged events with commit-ordered seqs. Call last, right before commit."""
    staged: list[StagedEvent] = session.info.pop(_PENDING, [])
    staged_tasks: list[StagedTaskEvent] = session.info.pop(_PENDING_TASKS, [])
    if not staged and not staged_tasks:
        return []
    if staged:
        for hook in EVENT_HOOKS:
            await hook(session, staged)
    await session.flush()
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(_LOCK, {"k": EVENT_LOG_LOCK})
    committed: list[CommittedEvent] = []
    if staged:
        t = RequestEvent.__table__
        top = (await session.execute(_TOP_REQUEST_SEQ)).scalar_one()
        rows = [{"seq": top + i + 1, **e.__dict__} for i, e in enumerate(staged)]
        await session.execute(insert(t), rows)
        committed += [
            CommittedEvent(seq=r["seq"], request_id=r["request_id"], kind=r["kind"], street_id=r["street_id"], community_id=r["community_id"])
            for r in rows
        ]
    if staged_tasks:
        t = CoTaskEvent.__table__
        top = (await session.execute(_TOP_TASK_SEQ)).scalar_one()
        rows = [{"seq": top + i + 1, **e.__dict__} for i, e in enumerate(staged_tasks)]
        await session.execute(insert(t), rows)
        committed += [CommittedEvent(seq=r["seq"], request_id=0, kind=r["kind"], street_id=None, community_id=r["community_id"], log="co_task")
                      for r in rows]
    return committed


def discard(session: AsyncSession) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING_TASKS, None)
