"""The life cycle of a deliberation meeting: schedule (the 17th by default) → participants and
topics → hold → attendance, minutes, decisions (an agreed topic settles its requests through the
request state machine) → close; or cancel. Agreed actions are followed up until done."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db.base import utcnow
from db.models import (
    Community,
    Meeting,
    MeetingFollowUp,
    MeetingFollowUpNote,
    MeetingParticipant,
    MeetingTopic,
    MeetingTopicRequest,
    Request,
    Subcategory,
)
from resolvers.actor import Actor
from resolvers.calendar import LOCAL_TZ
from resolvers.errors import BadUserInput, Conflict, InvalidTransition, NotFound
from resolvers.meetings.access import require_run
from resolvers.meetings.vocab import KIND_ZH, STATE_ZH, FollowUpState, MeetingKind, MeetingState, ParticipantKind, TopicOutcome
from resolvers.requests import handling
from resolvers.requests.common import require_text

SUNSHINE_DAY = 17
DEFAULT_HOUR = time(9, 0)  # 上午九点, local time
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,18}[0-9]$")
MAX_TOPIC_REQUESTS = 100
MAX_PARTICIPANTS = 200


# ---------------------------------------------------------------- the 17th


def sunshine17_date(year: int, month: int) -> date:
    """The default day of a month's Sunshine-17 meeting: the 17th — also when it is a Saturday or
    Sunday (that is the tradition; residents who work come at weekends)."""
    return date(year, month, SUNSHINE_DAY)


def next_sunshine17_date(today: date) -> date:
    """The next 17th on or after `today`."""
    if today.day <= SUNSHINE_DAY:
        return sunshine17_date(today.year, today.month)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return sunshine17_date(year, month)


def local_time(day: date, at: time = DEFAULT_HOUR) -> datetime:
    """`day` at `at`, Asia/Shanghai, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ)


def parse_month(value: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", (value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise BadUserInput("月份格式应为 YYYY-MM", "month must be YYYY-MM", field="month")
    return int(m.group(1)), int(m.group(2))


# ---------------------------------------------------------------- loading and guards


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise BadUserInput(f"{name} 须带时区", f"{name} must carry a time zone offset", field=name)
    return value


async def load_meeting(session: AsyncSession, meeting_id: int, expected_version: int | None = None) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("议事会不存在", "No such meeting")
    if expected_version is not None and meeting.version != expected_version:
        raise Conflict(
            f"该议事会已被他人更新(当前版本 {meeting.version}),请刷新后重试",
            f"The meeting changed (now version {meeting.version}); reload and retry",
            currentVersion=meeting.version,
        )
    return meeting


async def _meeting_to_run(session: AsyncSession, actor: Actor | None, meeting_id: int, version: int | None) -> tuple[Actor, Meeting]:
    meeting = await load_meeting(session, meeting_id)
    actor = require_run(actor, meeting.community_id)
    if version is not None and meeting.version != version:
        await load_meeting(session, meeting_id, version)  # raises the CONFLICT
    return actor, meeting


def _require_state(meeting: Meeting, action_zh: str, action_en: str, *allowed: MeetingState) -> None:
    if MeetingState(meeting.state) not in allowed:
        raise InvalidTransition(
            f"议事会处于“{STATE_ZH[MeetingState(meeting.state)]}”状态,不能{action_zh}",
            f"Cannot {action_en} a meeting in state {meeting.state}",
            state=meeting.state,
        )


async def _touch(session: AsyncSession, meeting: Meeting, **values: Any) -> None:
    """Bump the meeting's version with a compare-and-set: of two concurrent writers one wins."""
    before = meeting.version
    now = utcnow()
    await session.flush()
    t = Meeting.__table__
    result = await session.execute(
        update(t).where(t.c.id == meeting.id, t.c.version == before).values(version=before + 1, updated_at=now, **values)
    )
    if result.rowcount != 1:
        raise Conflict()
    # What the guarded UPDATE wrote, as the row's loaded state (no second UPDATE at flush).
    for k, v in {"version": before + 1, "updated_at": now, **values}.items():
        set_committed_value(meeting, k, v)


# ---------------------------------------------------------------- scheduling


async def schedule(
    session: AsyncSession, actor: Actor | None, *, community_id: int, kind: MeetingKind, title: str | None = None,
    scheduled_at: datetime | None = None, month: str | None = None, place: str = "", now: datetime | None = None,
) -> Meeting:
    community = await session.get(Community, community_id)
    if community is None:
        raise NotFound("社区不存在", "No such community", field="communityId")
    actor = require_run(actor, community_id)
    _aware(scheduled_at, "scheduledAt")
    if scheduled_at is not None and month is not None:
        raise BadUserInput("scheduledAt 与 month 只能给一个", "Give scheduledAt or month, not both")
    if kind is MeetingKind.SUNSHINE_17:
        if scheduled_at is None:
            if month is not None:
                day = sunshine17_date(*parse_month(month))
            else:
                day = next_sunshine17_date((now or utcnow()).astimezone(LOCAL_TZ).date())
            scheduled_at = local_time(day)
    else:
        if month is not None:
            raise BadUserInput("圆桌议事会须给出具体时间 scheduledAt", "A round table needs scheduledAt, not month", field="month")
        if scheduled_at is None:
            raise BadUserInput("圆桌议事会须给出召开时间", "A round table needs scheduledAt", field="scheduledAt")
    local_day = scheduled_at.astimezone(LOCAL_TZ).date()
    if title is None or not title.strip():
        title = f"{community.name}{local_day.year}年{local_day.month}月{KIND_ZH[kind]}" if kind is MeetingKind.SUNSHINE_17 else f"{community.name}{KIND_ZH[kind]}"
    place = (place or "").strip()
    if len(place) > 120:
        raise BadUserInput("地点过长(最多 120 字)", "place is too long (at most 120 characters)", field="place")
    meeting = Meeting(
        community_id=community.id, street_id=community.street_id, kind=kind.value,
        title=require_text(title, "议事会名称", "title", 120), scheduled_at=scheduled_at,
        place=place, state=MeetingState.PLANNED.value, convened_by_user_id=actor.user_id, version=1,
    )
    session.add(meeting)
    await session.flush()
    return meeting


async def cancel(session: AsyncSession, actor: Actor | None, meeting_id: int, *, reason: str, version: int | None = None) -> Meeting:
    actor, meeting = await _meeting_to_run(session, actor, meeting_id, version)
    _require_state(meeting, "取消", "cancel", MeetingState.PLANNED)
    text = require_text(reason, "取消原因", "reason", 1000)
    await _touch(session, meeting, state=MeetingState.CANCELLED.value, cancelled_at=utcnow(), cancel_reason=text)
    return meeting


async def hold(session: AsyncSession, actor: Actor | None, meeting_id: int, *, held_at: datetime | None = None,
               version: int | None = None) -> Meeting:
    """Mark the meeting held (召开). `held_at` defaults to now; a past time records a meeting
    entered afterwards; not in the future."""
    actor, meeting = await _meeting_to_run(session, actor, meeting_id, version)
    _require_state(meeting, "标记为已召开", "hold", MeetingState.PLANNED)
    now = utcnow()
    _aware(held_at, "heldAt")
    if held_at is not None and held_at > now + timedelta(minutes=5):
        raise BadUserInput("召开时间不能晚于现在", "heldAt cannot be in the future", field="heldAt")
    await _touch(session, meeting, state=MeetingState.HELD.value, held_at=held_at or now)
    return meeting


async def close(session: AsyncSession, actor: Actor | None, meeting_id: int, *, version: int | None = None) -> Meeting:
    """HELD → CLOSED once every topic is decided and the minutes are recorded."""
    actor, meeting = await _meeting_to_run(session, actor, meeting_id, version)
    _require_state(meeting, "结束", "close", MeetingState.HELD)
    pending = (await session.execute(
        select(MeetingTopic.id).where(MeetingTopic.meeting_id == meeting.id, MeetingTopic.outcome == TopicOutcome.PENDING.value)
    )).all()
    if pending:
        raise InvalidTransition(f"还有 {len(pending)} 个议题未作结论", f"{len(pending)} topic(s) still undecided", pending=len(pending))
    if not (meeting.minutes or "").strip():
        raise InvalidTransition("请先记录会议纪要", "Record the minutes first")
    await _touch(session, meeting, state=MeetingState.CLOSED.value)
    return meeting


async def record_minutes(session: AsyncSession, actor: Actor | None, meeting_id: int, *, minutes: str,
                         version: int | None = None) -> Meeting:
    actor, meeting = await _meeting_to_run(session, actor, meeting_id, version)
    _require_state(meeting, "记录纪要", "record minutes of", MeetingState.HELD)
    await _touch(session, meeting, minutes=require_text(minutes, "会议纪要", "minutes", 20000))
    return meeting


# ---------------------------------------------------------------- participants


@dataclass
class ParticipantData:
    kind: ParticipantKind
    name: str
    organisation: str = ""
    phone: str | None = None
    attended: bool = False


async def set_participants(session: AsyncSession, actor: Actor | None, meeting_id: int, participants: list[ParticipantData], *,
                           version: int | None = None) -> Meeting:
    """Replace the list of participants (邀请名单). Attendance can be marked once the meeting is held."""
    actor, meeting = await _meeting_to_run(session, actor, meeting_id, version)
    _require_state(meeting, "修改参会人员", "change participants of", MeetingState.PLANNED, MeetingState.HELD)
    if len(participants) > MAX_PARTICIPANTS:
        raise BadUserInput(f"参会人员最多 {MAX_PARTICIPANTS} 人", f"At most {MAX_PARTICIPANTS} participants", field="participants")
    rows = []
    for i, p in enumerate(participants):
        name = require_text(p.name, f"第 {i + 1} 位参会人员姓名", f"participants[{i}].name", 64)
        organisation = (p.organisation or "").strip()
        if len(organisation) > 128:
            raise BadUserInput("单位名称过长(最多 128 字)", f"participants[{i}].organisation is too long", field="participants")
        phone = (p.phone or "").strip() or None
        if phone is not None and not PHONE.match(phone):
            raise BadUserInput(f"第 {i + 1} 位参会人员电话格式不正确", f"participants[{i}].phone is malformed", field="participants")
        if p.attended and meeting.state == MeetingState.PLANNED.value:
            raise BadUserInput("会议尚未召开,不能登记出席", "Attendance is recorded once the meeting is held", field="participants")
        rows.append(MeetingParticipant(meeting_id=meeting.id, kind=p.kind.value, name=name, organisation=organisation,
                                       phone=phone, attended=bool(p.attended)))
    await session.execute(delete(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting.id))
    session.add_all(rows)
    await _touch(session, meeting)
    return meeting


async def record_attendance(session: AsyncSession, actor: Actor | None, meeting_id: int, attendance: list[tuple[int, bool]], *,
                            version: int | None = None) -> Meeting:
    """Mark who came (签到), by participant id."""
    actor, meeting = await _meeting_to_run(session, actor, meeting_id, version)
    _require_state(meeting, "登记出席", "record attendance of", MeetingState.HELD)
    if not attendance:
        raise BadUserInput("请至少登记一位参会人员", "Give at least one participant", field="attendance")
    mine = {p.id: p for p in (await session.execute(
        select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting.id))).scalars()}
    for pid, _ in attendance:
        if pid not in mine:
            raise BadUserInput("参会人员不属于该议事会", "A participant is not on this meeting's list", field="attendance")
    for pid, attended in attendance:
        mine[pid].attended = bool(attended)
    await _touch(session, meeting)
    return meeting


# ---------------------------------------------------------------- topics


async def add_topic(session: AsyncSession, actor: Actor | None, meeting_id: int, *, title: str, description: str = "",
                    request_ids: list[int] | None = None, subcategory_id: int | None = None, version: int | None = None) -> MeetingTopic:
    """A topic on the agenda, with the community's requests it deals with."""
    actor, meeting = await _meeting_to_run(session, actor, meeting_id, version)
    _require_state(meeting, "添加议题", "add topics to", MeetingState.PLANNED, MeetingState.HELD)
    title = require_text(title, "议题", "title", 120)
    description = (description or "").strip()
    if len(description) > 4000:
        raise BadUserInput("议题说明过长(最多 4000 字)", "description is too long (at most 4000 characters)", field="description")
    ids = list(dict.fromkeys(request_ids or []))
    if len(ids) > MAX_TOPIC_REQUESTS:
        raise BadUserInput(f"一个议题最多关联 {MAX_TOPIC_REQUESTS} 件诉求", f"At most {MAX_TOPIC_REQUESTS} requests a topic", field="requestIds")
    if ids:
        rows = {r.id: r for r in (await session.execute(select(Request.id, Request.community_id).where(Request.id.in_(ids)))).all()}
        for rid in ids:
            if rid not in rows:
                raise NotFound("关联的诉求不存在", "A linked request does not exist", field="requestIds")
            if rows[rid].community_id != meeting.community_id:
                raise BadUserInput("只能关联本社区的诉求", "Only requests of the meeting's community can be linked", field="requestIds")
    if subcategory_id is not None and await session.get(Subcategory, subcategory_id) is None:
        raise NotFound("小类不存在", "No such subcategory", field="subcategoryId")
    last = (await session.execute(
        select(MeetingTopic.position).where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTopic.position.desc()).limit(1)
    )).scalar()
    topic = MeetingTopic(meeting_id=meeting.id, position=(last or 0) + 1, title=title, description=description,
                         subcategory_id=subcategory_id, outcome=TopicOutcome.PENDING.value)
    session.add(topic)
    await session.flush()
    session.add_all([MeetingTopicRequest(topic_id=topic.id, request_id=rid, settled=False, settle_note="") for rid in ids])
    await _touch(session, meeting)
    return topic


@dataclass
class Unsettled:
    request: Request
    zh: str
    en: str


@dataclass
class Decision:
    topic: MeetingTopic
    meeting: Meeting
    settled: list[Request] = field(default_factory=list)
    unsettled: list[Unsettled] = field(default_factory=list)


async def decide_topic(session: AsyncSession, actor: Actor | None, topic_id: int, *, outcome: TopicOutcome, resolution: str | None = None,
                       settle: bool = True, version: int | None = None) -> Decision:
    """Record a topic's outcome. AGREED needs the resolution text; with `settle`, every linked
    request the community is handling (its lead assignment is the community's, state accepted /
    in progress / reopened) is resolved through the request state machine with that text, in the
    same transaction. The others stay as they are and are reported with the reason."""
    topic = await session.get(MeetingTopic, topic_id)
    if topic is None:
        raise NotFound("议题不存在", "No such topic")
    actor, meeting = await _meeting_to_run(session, actor, topic.meeting_id, version)
    if outcome is TopicOutcome.PENDING:
        raise BadUserInput("结论只能是 AGREED 或 NOT_AGREED", "outcome must be AGREED or NOT_AGREED", field="outcome")
    _require_state(meeting, "对议题作结论", "decide topics of", MeetingState.HELD)
    if topic.outcome != TopicOutcome.PENDING.value:
        raise InvalidTransition("该议题已有结论", "This topic has already been decided", outcome=topic.outcome)
    if outcome is TopicOutcome.AGREED:
        text = require_text(resolution, "议定事项", "resolution", 4000)
    else:
        text = (resolution or "").strip() or None
        if text and len(text) > 4000:
            raise BadUserInput("说明过长(最多 4000 字)", "resolution is too long (at most 4000 characters)", field="resolution")
    now = utcnow()
    t = MeetingTopic.__table__
    await session.flush()
    result = await session.execute(
        update(t).where(t.c.id == topic.id, t.c.outcome == TopicOutcome.PENDING.value)
        .values(outcome=outcome.value, resolution=text, decided_at=now, decided_by_user_id=actor.user_id)
    )
    if result.rowcount != 1:
        raise Conflict()
    for k, v in {"outcome": outcome.value, "resolution": text, "decided_at": now, "decided_by_user_id": actor.user_id}.items():
        set_committed_value(topic, k, v)
    decision = Decision(topic=topic, meeting=meeting)
    links = list((await session.execute(
        select(MeetingTopicRequest).where(MeetingTopicRequest.topic_id == topic.id).order_by(MeetingTopicRequest.id))).scalars())
    if outcome is TopicOutcome.AGREED and settle:
        note = f"{KIND_ZH[MeetingKind(meeting.kind)]}议定:{text}"[:4000]
        for link in links:
            request = await session.get(Request, link.request_id)
            assert request is not None
            why = await handling.why_not_resolvable(session, actor, request)
            if why is not None:
                link.settle_note = why[0][:200]
                decision.unsettled.append(Unsettled(request, *why))
                continue
            await handling.resolve(session, actor, request.id, resolution=note)
            link.settled = True
            decision.settled.append(request)
    await _touch(session, meeting)
    return decision


# ---------------------------------------------------------------- follow-up of agreed actions


async def _topic_meeting(session: AsyncSession, topic_id: int) -> tuple[MeetingTopic, Meeting]:
    topic = await session.get(MeetingTopic, topic_id)
    if topic is None:
        raise NotFound("议题不存在", "No such topic")
    meeting = await load_meeting(session, topic.meeting_id)
    return topic, meeting


async def add_follow_up(session: AsyncSession, actor: Actor | None, topic_id: int, *, action: str, owner: str,
                        due_on: date | None = None) -> MeetingFollowUp:
    topic, meeting = await _topic_meeting(session, topic_id)
    actor = require_run(actor, meeting.community_id)
    if topic.outcome != TopicOutcome.AGREED.value:
        raise InvalidTransition("只有达成一致的议题才有落实事项", "Only agreed topics have follow-up actions", outcome=topic.outcome)
    follow_up = MeetingFollowUp(
        topic_id=topic.id, action=require_text(action, "落实事项", "action", 2000), owner=require_text(owner, "责任人", "owner", 64),
        due_on=due_on, state=FollowUpState.OPEN.value, created_by_user_id=actor.user_id, version=1,
    )
    session.add(follow_up)
    await session.flush()
    return follow_up


async def _follow_up_to_run(session: AsyncSession, actor: Actor | None, follow_up_id: int, version: int | None) -> tuple[Actor, MeetingFollowUp]:
    follow_up = await session.get(MeetingFollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound("落实事项不存在", "No such follow-up action")
    _, meeting = await _topic_meeting(session, follow_up.topic_id)
    actor = require_run(actor, meeting.community_id)
    if version is not None and follow_up.version != version:
        raise Conflict(f"该落实事项已被他人更新(当前版本 {follow_up.version})", f"The follow-up changed (now version {follow_up.version})",
                       currentVersion=follow_up.version)
    if follow_up.state != FollowUpState.OPEN.value:
        raise InvalidTransition("该落实事项已完成", "This follow-up action is already done", state=follow_up.state)
    return actor, follow_up


async def _bump_follow_up(session: AsyncSession, follow_up: MeetingFollowUp, **values: Any) -> None:
    before = follow_up.version
    await session.flush()
    t = MeetingFollowUp.__table__
    result = await session.execute(update(t).where(t.c.id == follow_up.id, t.c.version == before).values(version=before + 1, **values))
    if result.rowcount != 1:
        raise Conflict()
    for k, v in {"version": before + 1, **values}.items():
        set_committed_value(follow_up, k, v)


async def report_follow_up_progress(session: AsyncSession, actor: Actor | None, follow_up_id: int, *, note: str,
                                    version: int | None = None) -> MeetingFollowUp:
    actor, follow_up = await _follow_up_to_run(session, actor, follow_up_id, version)
    session.add(MeetingFollowUpNote(follow_up_id=follow_up.id, author_user_id=actor.user_id, author_label=actor.display_name[:64],
                                    note=require_text(note, "进展说明", "note", 2000), completes=False))
    await _bump_follow_up(session, follow_up)
    return follow_up


async def complete_follow_up(session: AsyncSession, actor: Actor | None, follow_up_id: int, *, note: str | None = None,
                             version: int | None = None) -> MeetingFollowUp:
    actor, follow_up = await _follow_up_to_run(session, actor, follow_up_id, version)
    text = (note or "").strip() or "已完成"
    if len(text) > 2000:
        raise BadUserInput("说明过长(最多 2000 字)", "note is too long (at most 2000 characters)", field="note")
    session.add(MeetingFollowUpNote(follow_up_id=follow_up.id, author_user_id=actor.user_id, author_label=actor.display_name[:64],
                                    note=text, completes=True))
    await _bump_follow_up(session, follow_up, state=FollowUpState.DONE.value, completed_at=utcnow())
    return follow_up
