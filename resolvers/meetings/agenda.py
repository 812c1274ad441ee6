"""The agenda proposal (议题建议): the community's concentrated open requests — the same
subcategory reported several times recently — as candidate topics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from db.base import utcnow
from db.models import Meeting, MeetingTopic, MeetingTopicRequest, Request
from resolvers.actor import Actor
from resolvers.errors import BadUserInput
from resolvers.meetings.access import require_run
from resolvers.requests.vocab import OPEN

DEFAULT_THRESHOLD = 3
DEFAULT_DAYS = 60
OPEN_STATES = frozenset(s.value for s in OPEN)


@dataclass(frozen=True)
class Candidate:
    subcategory_id: int
    request_ids: tuple[int, ...]  # newest first
    latest_at: datetime
    # Those already linked to an undecided topic of a planned or held meeting.
    on_agenda: frozenset[int] = frozenset()

    @property
    def count(self) -> int:
        return len(self.request_ids)


def concentrated(rows: Iterable[Any], *, since: datetime, threshold: int = DEFAULT_THRESHOLD) -> list[Candidate]:
    """From request rows (id, subcategory_id, created_at, state): the open ones created at or
    after `since`, grouped by subcategory; groups of at least `threshold` requests, ranked by
    size, then by their newest request (most recent first), then subcategory id."""
    groups: dict[int, list[Any]] = {}
    for r in rows:
        if r.subcategory_id is None or r.state not in OPEN_STATES or r.created_at < since:
            continue
        groups.setdefault(r.subcategory_id, []).append(r)
    out = []
    for sub, members in groups.items():
        if len(members) < threshold:
            continue
        members.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        out.append(Candidate(subcategory_id=sub, request_ids=tuple(r.id for r in members), latest_at=members[0].created_at))
    out.sort(key=lambda c: (-c.count, -c.latest_at.timestamp(), c.subcategory_id))
    return out


async def propose_agenda(conn: Any, actor: Actor | None, community_id: int, *, since: datetime | None = None,
                         days: int = DEFAULT_DAYS, threshold: int = DEFAULT_THRESHOLD, now: datetime | None = None) -> list[Candidate]:
    """`conn`: a connection or session. Only those who run the community's meetings ask."""
    require_run(actor, community_id)
    if not 2 <= threshold <= 1000:
        raise BadUserInput("集中诉求阈值须为 2–1000", "threshold must be 2–1000", field="threshold")
    if since is None:
        if not 1 <= days <= 366:
            raise BadUserInput("天数须为 1–366", "days must be 1–366", field="days")
        since = (now or utcnow()) - timedelta(days=days)
    elif since.tzinfo is None:
        raise BadUserInput("since 须带时区", "since must carry a time zone offset", field="since")
    t = Request.__table__
    rows = (await conn.execute(
        select(t.c.id, t.c.subcategory_id, t.c.created_at, t.c.state).where(
            t.c.community_id == community_id, t.c.created_at >= since, t.c.state.in_(OPEN_STATES), t.c.subcategory_id.is_not(None))
    )).all()
    candidates = concentrated(rows, since=since, threshold=threshold)
    ids = [rid for c in candidates for rid in c.request_ids]
    if not ids:
        return candidates
    link, topic, meeting = MeetingTopicRequest.__table__, MeetingTopic.__table__, Meeting.__table__
    pending = {r.request_id for r in (await conn.execute(
        select(link.c.request_id).join(topic, topic.c.id == link.c.topic_id).join(meeting, meeting.c.id == topic.c.meeting_id)
        .where(link.c.request_id.in_(ids), topic.c.outcome == "PENDING", meeting.c.state.in_(("PLANNED", "HELD")))
    )).all()}
    return [replace(c, on_agenda=frozenset(set(c.request_ids) & pending)) for c in candidates]
