"""Deliberation statistics for any period, per community, per street and for the district.

A meeting counts when it was held (state HELD or CLOSED) with its held date in the period; its
topics count with it. success rate = agreed topics / decided topics (AGREED + NOT_AGREED),
null when no topic was decided. The seed's 91.6% (2,730 / 2,980) divides agreed outcomes by
held consultations, one matter each; we record several topics a meeting, so the honest unit is
the topic, and `agreedPerMeeting` gives the seed's own ratio alongside."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select, true

from db.models import Community, Meeting, MeetingTopic
from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.calendar import LOCAL_TZ
from resolvers.errors import BadUserInput, Forbidden
from resolvers.meetings.vocab import MeetingState, TopicOutcome
from resolvers.roles import Role, ScopeKind

HELD_STATES = (MeetingState.HELD.value, MeetingState.CLOSED.value)


@dataclass
class Tally:
    meetings_held: int = 0
    topics: int = 0
    agreed: int = 0
    not_agreed: int = 0

    @property
    def decided(self) -> int:
        return self.agreed + self.not_agreed

    @property
    def success_rate(self) -> float | None:
        return None if self.decided == 0 else self.agreed / self.decided

    @property
    def agreed_per_meeting(self) -> float | None:
        return None if self.meetings_held == 0 else self.agreed / self.meetings_held

    def add(self, other: Tally) -> None:
        self.meetings_held += other.meetings_held
        self.topics += other.topics
        self.agreed += other.agreed
        self.not_agreed += other.not_agreed


@dataclass
class Stats:
    start: datetime
    end: datetime
    communities: dict[int, Tally] = field(default_factory=dict)
    streets: dict[int, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in Asia/Shanghai: both days included."""
    if end < start:
        raise BadUserInput("结束日期不能早于开始日期", "`to` is before `from`", field="to")
    if (end - start).days > 366 * 20:
        raise BadUserInput("统计期间过长", "The period is too long", field="from")
    return datetime.combine(start, time(0), tzinfo=LOCAL_TZ), datetime.combine(end + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)


def tally(meetings: Iterable[Any], topics: Iterable[Any], community_street: dict[int, int], start: datetime, end: datetime) -> Stats:
    """Pure: `meetings` rows (id, community_id, held_at, state), `topics` rows (meeting_id,
    outcome); the meetings outside the period or not held are ignored with their topics."""
    stats = Stats(start=start, end=end)
    counted: dict[int, int] = {}
    for m in meetings:
        if m.state not in HELD_STATES or m.held_at is None or not (start <= m.held_at < end):
            continue
        counted[m.id] = m.community_id
        stats.communities.setdefault(m.community_id, Tally()).meetings_held += 1
    for t in topics:
        cid = counted.get(t.meeting_id)
        if cid is None:
            continue
        row = stats.communities[cid]
        row.topics += 1
        if t.outcome == TopicOutcome.AGREED.value:
            row.agreed += 1
        elif t.outcome == TopicOutcome.NOT_AGREED.value:
            row.not_agreed += 1
    for cid, row in stats.communities.items():
        stats.streets.setdefault(community_street[cid], Tally()).add(row)
        stats.total.add(row)
    return stats


async def deliberation_stats(conn: Any, actor: Actor | None, start: date, end: date, *, street_id: int | None = None,
                             community_id: int | None = None) -> Stats:
    """District-wide readers see everything; a street officer his streets; a community worker
    her community. The rows always include the asked-for community or street, even when empty."""
    actor = require_actor(actor)
    lo, hi = period_bounds(start, end)
    c = Community.__table__
    community_street = {r.id: r.street_id for r in (await conn.execute(select(c.c.id, c.c.street_id))).all()}
    if community_id is not None and community_id not in community_street:
        raise BadUserInput("社区不存在", "No such community", field="communityId")
    if street_id is not None and street_id not in set(community_street.values()):
        raise BadUserInput("街道不存在", "No such street", field="streetId")
    allowed_communities: set[int] | None
    if actor.role in (Role.ADMIN, Role.CENTER_DISPATCHER, Role.DISTRICT_LEADER):
        allowed_communities = None
    elif actor.role is Role.STREET_OFFICER:
        streets = actor.ids(ScopeKind.STREET)
        allowed_communities = {cid for cid, sid in community_street.items() if sid in streets}
    elif actor.role is Role.COMMUNITY_WORKER:
        allowed_communities = set(actor.ids(ScopeKind.COMMUNITY))
    else:
        raise Forbidden("无权查看议事统计", "You may not see deliberation statistics")
    wanted = set(community_street)
    if street_id is not None:
        wanted = {cid for cid, sid in community_street.items() if sid == street_id}
    if community_id is not None:
        wanted &= {community_id}
    if allowed_communities is not None:
        if (community_id is not None and community_id not in allowed_communities) or (
                street_id is not None and not wanted <= allowed_communities):
            raise Forbidden("只能查看本辖区的议事统计", "Only your own area's statistics")
        wanted &= allowed_communities
    m, t = Meeting.__table__, MeetingTopic.__table__
    held = and_(m.c.state.in_(HELD_STATES), m.c.held_at >= lo, m.c.held_at < hi)
    scope = m.c.community_id.in_(wanted) if len(wanted) < len(community_street) else true()
    meetings = (await conn.execute(select(m.c.id, m.c.community_id, m.c.held_at, m.c.state).where(held, scope))).all()
    topic_rows = (await conn.execute(
        select(t.c.meeting_id, t.c.outcome, func.count().label("n")).join(m, m.c.id == t.c.meeting_id)
        .where(held, scope).group_by(t.c.meeting_id, t.c.outcome)
    )).all()
    topics = [r for r in topic_rows for _ in range(r.n)]
    stats = tally(meetings, topics, community_street, lo, hi)
    if community_id is not None:
        stats.communities.setdefault(community_id, Tally())
    if street_id is not None or community_id is not None:
        stats.streets.setdefault(street_id if street_id is not None else community_street[community_id], Tally())  # type: ignore[index]
    return stats
