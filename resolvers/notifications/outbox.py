"""The outbox writer: an event hook (resolvers/events.py) that writes the notifications of a
unit of work's request events in its own transaction — they commit with the change, or vanish
with it. Sending is the worker's business, after the commit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Notification, Request
from resolvers import events
from resolvers.calendar import LOCAL_TZ
from resolvers.events import StagedEvent
from resolvers.notifications import config, templates
from resolvers.notifications.recipients import recipients
from resolvers.requests.common import STATE_ZH


async def write_notifications(session: AsyncSession, staged: Sequence[StagedEvent]) -> None:
    channels = config.current().channels
    todo = [e for e in staged if e.kind in templates.NOTIFYING]
    if not todo or not channels:
        return
    # Reporters added in this very unit of work (a submission, a merge) are still pending.
    await session.flush()
    people = await recipients(session, {e.request_id for e in todo}, channels)
    rows = []
    for e in todo:
        persons = people.get(e.request_id, ())
        if not persons:
            continue
        # In the session already where the change loaded it (a submission writes its row without the ORM).
        request = await session.get(Request, e.request_id)
        data = json.loads(e.data or "{}")
        for person in persons:
            code = person.code
            text = templates.compose(templates.Facts(
                kind=e.kind, code=code, at=e.at, note=e.note, scope=request.scope, tier=request.tier,
                assignee_name=request.assignee_name, assignee_title=request.assignee_title,
                assignee_phone=request.assignee_phone, deadline=request.resolve_due_at,
                progress_interval_days=request.progress_interval_days,
                merged_into=data.get("into"), reopened_by=data.get("by"),
            ))
            if text is None:
                continue
            rows.append({
                "idempotency_key": uuid.uuid4().hex, "request_id": e.request_id, "event_version": e.version,
                "event_kind": e.kind, "reporter_request_id": person.reporter_request_id, "channel": person.channel,
                "address": person.address, "text": text,
                "data": json.dumps({"code": code, "status": STATE_ZH.get(e.to_state or "", ""), "time": f"{e.at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"},
                                   ensure_ascii=False),
                "state": "PENDING", "attempts": 0, "next_attempt_at": e.at, "created_at": e.at,
            })
    if rows:
        await session.execute(_insert_once((await session.connection()).dialect.name), rows)


def _insert_once(dialect: str) -> Any:
    """An insert that skips a row whose event, channel and address already have one: written once,
    and a second event staged with the same request version can never fail the change itself."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(Notification.__table__).on_conflict_do_nothing()


events.add_event_hook(write_notifications)
