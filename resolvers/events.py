"""The event log: every change appends an event in the same transaction as the change.

Events are staged on the session while the unit of work runs and written at its very end by
`flush_events`, which assigns `seq` under a lock held until commit — so seq order is commit
order on PostgreSQL (a transaction advisory lock, taken by the insert that draws the seq from
the log's sequence) and on SQLite (max(seq) + 1: the write transaction already holds the
database's single write lock, sessions begin IMMEDIATE). Seqs rise with commits; a rolled-back
unit of work can leave a gap, which readers (seq > their cursor) never notice.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Sequence as DbSequence
from sqlalchemy import Table, bindparam, func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Insert

from db.base import utcnow
from db.direct import in_session
from db.models import REQUEST_LOG_SEQ, TASK_LOG_SEQ, CoTaskEvent, RequestEvent
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
_TOP_REQUEST_SEQ = select(func.coalesce(func.max(RequestEvent.__table__.c.seq), 0))
_TOP_TASK_SEQ = select(func.coalesce(func.max(CoTaskEvent.__table__.c.seq), 0))
# PostgreSQL: the lock and the log's sequence (db/models: REQUEST_LOG_SEQ, TASK_LOG_SEQ) in the
# insert itself. The lock is held from then to the commit, so the lock's order is the seqs' and
# the commits' order; in one statement, the lock is held for one round trip and the commit, not
# for three — under load each extra round trip also waits its turn in a busy event loop, and
# every other writer waits behind it (a single process spent 96 % of its time holding the lock).
_LOCKED = select(func.pg_advisory_xact_lock(EVENT_LOG_LOCK).label("locked")).cte("locked").prefix_with("MATERIALIZED")


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
        return await _append_locked(session, staged, staged_tasks)
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


async def _append_locked(session: AsyncSession, staged: list[StagedEvent], staged_tasks: list[StagedTaskEvent]) -> list[CommittedEvent]:
    # One statement an event, in the staged order (units of work mostly stage one); the lock is
    # taken by the first and held once more by each further one, to the same commit.
    committed: list[CommittedEvent] = []
    for e in staged:
        (seq,), = await in_session(session, _APPEND_REQUEST_EVENT, e.__dict__)
        committed.append(CommittedEvent(seq=seq, request_id=e.request_id, kind=e.kind, street_id=e.street_id, community_id=e.community_id))
    for e in staged_tasks:
        (seq,), = await in_session(session, _APPEND_TASK_EVENT, e.__dict__)
        committed.append(CommittedEvent(seq=seq, request_id=0, kind=e.kind, street_id=None, community_id=e.community_id, log="co_task"))
    return committed


def _locked_insert(t: Table, sequence: DbSequence, fields: Iterable[str]) -> Insert:
    """INSERT INTO t (seq, …) SELECT nextval(sequence), :field, … FROM locked RETURNING seq: the
    seq is drawn only once the lock is held (the projected row needs the lock's row)."""
    names = list(fields)
    row = select(sequence.next_value(), *(bindparam(n, type_=t.c[n].type) for n in names)).select_from(_LOCKED)
    return insert(t).from_select(["seq", *names], row).returning(t.c.seq)


# Built once (see above): every unit of work that changes a request runs one.
_APPEND_REQUEST_EVENT = _locked_insert(RequestEvent.__table__, REQUEST_LOG_SEQ, (f.name for f in fields(StagedEvent)))
_APPEND_TASK_EVENT = _locked_insert(CoTaskEvent.__table__, TASK_LOG_SEQ, (f.name for f in fields(StagedTaskEvent)))


async def continue_after_written_seqs(conn: Any) -> None:
    """After a bulk writer set seqs itself (the dataset generator, the demo seed), under the log
    lock or before the app serves: on PostgreSQL, both logs' sequences go on after the highest."""
    if conn.dialect.name != "postgresql":
        return
    for t, sequence in ((RequestEvent.__table__, REQUEST_LOG_SEQ), (CoTaskEvent.__table__, TASK_LOG_SEQ)):
        top = select(func.coalesce(func.max(t.c.seq), 0) + 1).scalar_subquery()
        await conn.execute(select(func.setval(literal_column(f"'{sequence.name}'"), top, False)))  # a name, not a bound string: regclass


def discard(session: AsyncSession) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING_TASKS, None)
