"""Sunshine-17 deliberation (阳光17议): root query and mutation fields. Thin: the rules are in
resolvers/meetings/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from sqlalchemy import Select, select

from db.models import Meeting as MeetingModel
from resolvers.errors import BadUserInput
from resolvers.meetings import access as meeting_access
from resolvers.meetings import agenda as agenda_rules
from resolvers.meetings import meetings as rules
from resolvers.meetings import stats as stats_rules
from resolvers.meetings import vocab
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.pagination import Connection, paginate
from schema.types.meetings import (
    AgendaCandidate,
    DeliberationStats,
    DeliberationStatsRow,
    Meeting,
    MeetingFollowUp,
    MeetingKind,
    MeetingState,
    MeetingTopic,
    ParticipantKind,
    StatsLevel,
    TopicOutcome,
    readable_meeting,
)
from schema.types.places import Community, Street
from schema.types.requests import Request
from schema.types.taxonomy import Subcategory

M = MeetingModel.__table__


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    return None if gid is None else from_global_id(gid, type_name)[1]


@strawberry.input(description="Filter meetings; every given condition must hold.")
class MeetingFilter:
    community_id: strawberry.ID | None = strawberry.field(default=None, description="Meetings of this community.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="Meetings of this street's communities.")
    kind: MeetingKind | None = strawberry.field(default=None, description="Only this kind.")
    state: MeetingState | None = strawberry.field(default=None, description="Only this state.")
    from_: datetime | None = strawberry.field(default=None, name="from", description="Scheduled at or after this time.")
    to: datetime | None = strawberry.field(default=None, description="Scheduled before this time.")


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input(description="Schedule a meeting. SUNSHINE_17 without scheduledAt is on the 17th (09:00 Asia/Shanghai) of `month`, or the next 17th; ROUND_TABLE needs scheduledAt.")
class ScheduleMeetingInput:
    community_id: strawberry.ID = strawberry.field(description="The community holding the meeting.")
    kind: MeetingKind = strawberry.field(description="SUNSHINE_17 (monthly) or ROUND_TABLE (ad hoc).")
    title: str | None = strawberry.field(default=None, description="Defaults to e.g. 胜利路社区2026年12月阳光17议.")
    scheduled_at: datetime | None = strawberry.field(default=None, description="Any date and time, with an offset.")
    month: str | None = strawberry.field(default=None, description="YYYY-MM: the 17th of that month (SUNSHINE_17 only), weekend or not.")
    place: str = strawberry.field(default="", description="Where it meets (≤ 120 characters).")


@strawberry.type(description="The meeting after a change.")
class MeetingPayload:
    meeting: Meeting = strawberry.field(description="The meeting as it is now.")


@strawberry.input(description="A topic on a meeting's agenda, with the community's requests it deals with.")
class AddMeetingTopicInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting (PLANNED or HELD).")
    title: str = strawberry.field(description="The topic (≤ 120 characters).")
    description: str = strawberry.field(default="", description="Background (≤ 4000 characters).")
    request_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Requests of the meeting's community (another community's: BAD_USER_INPUT).")
    subcategory_id: strawberry.ID | None = strawberry.field(default=None, description="The subcategory of an agenda proposal, if taken from one.")
    version: int | None = strawberry.field(default=None, description="The meeting version you saw; a stale one is a CONFLICT.")


@strawberry.type(description="The new topic and its meeting.")
class MeetingTopicPayload:
    topic: MeetingTopic = strawberry.field(description="The new topic.")
    meeting: Meeting = strawberry.field(description="Its meeting, with the new version.")


@strawberry.input(description="One participant.")
class ParticipantInput:
    kind: ParticipantKind = strawberry.field(description="Which group the participant represents.")
    name: str = strawberry.field(description="Name (≤ 64 characters).")
    organisation: str = strawberry.field(default="", description="Unit or enterprise, e.g. for ENTERPRISE participants.")
    phone: str | None = strawberry.field(default=None, description="Personal data: shown whole only to the community's own workers.")
    attended: bool = strawberry.field(default=False, description="Only once the meeting is held.")


@strawberry.input(description="Replace a meeting's participants (while PLANNED or HELD).")
class SetParticipantsInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting (PLANNED or HELD).")
    participants: list[ParticipantInput] = strawberry.field(description="The whole new list (at most 200).")
    version: int | None = strawberry.field(default=None, description="The meeting version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Whether one participant came.")
class AttendanceInput:
    participant_id: strawberry.ID = strawberry.field(description="A MeetingParticipant ID of this meeting.")
    attended: bool = strawberry.field(description="Came or not.")


@strawberry.input(description="Record attendance (签到) of a held meeting.")
class RecordAttendanceInput:
    meeting_id: strawberry.ID = strawberry.field(description="The HELD meeting.")
    attendance: list[AttendanceInput] = strawberry.field(description="Participants to mark; the others keep their mark.")
    version: int | None = strawberry.field(default=None, description="The meeting version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Record the minutes (会议纪要) of a held meeting.")
class RecordMinutesInput:
    meeting_id: strawberry.ID = strawberry.field(description="The HELD meeting.")
    minutes: str = strawberry.field(description="The minutes (≤ 20000 characters); replaces earlier ones.")
    version: int | None = strawberry.field(default=None, description="The meeting version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Mark a planned meeting held.")
class HoldMeetingInput:
    meeting_id: strawberry.ID = strawberry.field(description="The PLANNED meeting.")
    held_at: datetime | None = strawberry.field(default=None, description="When it was held; defaults to now, never in the future.")
    version: int | None = strawberry.field(default=None, description="The meeting version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Close a held meeting: every topic decided and the minutes recorded.")
class CloseMeetingInput:
    meeting_id: strawberry.ID = strawberry.field(description="The HELD meeting.")
    version: int | None = strawberry.field(default=None, description="The meeting version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Cancel a planned meeting, with a reason.")
class CancelMeetingInput:
    meeting_id: strawberry.ID = strawberry.field(description="The PLANNED meeting.")
    reason: str = strawberry.field(description="Why (≤ 1000 characters).")
    version: int | None = strawberry.field(default=None, description="The meeting version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Record a topic's outcome on a held meeting.")
class DecideTopicInput:
    topic_id: strawberry.ID = strawberry.field(description="A MeetingTopic of a HELD meeting, still PENDING.")
    outcome: TopicOutcome = strawberry.field(description="AGREED or NOT_AGREED.")
    resolution: str | None = strawberry.field(default=None, description="议定事项 — required for AGREED; becomes the resolution of settled requests.")
    settle_requests: bool = strawberry.field(default=True, description="AGREED: resolve the linked requests the community is handling, in the same transaction.")
    version: int | None = strawberry.field(default=None, description="The meeting version you saw; a stale one is a CONFLICT.")


@strawberry.type(description="A linked request the agreed outcome did not resolve, and why.")
class UnsettledRequest:
    request: Request = strawberry.field(description="The linked request, unchanged.")
    reason: str = strawberry.field(description="Why, in Chinese.")
    reason_en: str = strawberry.field(description="Why, in English.")


@strawberry.type(description="The decided topic; for AGREED, which linked requests it resolved and which it left as they were.")
class DecideTopicPayload:
    topic: MeetingTopic = strawberry.field(description="The decided topic.")
    meeting: Meeting = strawberry.field(description="Its meeting, with the new version.")
    settled_requests: list[Request] = strawberry.field(description="Resolved now (RESOLVED event with the resolution text).")
    unsettled_requests: list[UnsettledRequest] = strawberry.field(description="Linked but not the community's to resolve (or not in a resolvable state).")


@strawberry.input(description="An action an agreed topic calls for.")
class AddFollowUpInput:
    topic_id: strawberry.ID = strawberry.field(description="An AGREED MeetingTopic.")
    action: str = strawberry.field(description="What is to be done (≤ 2000 characters).")
    owner: str = strawberry.field(description="Who is responsible, in words (a person or a unit).")
    due_on: date | None = strawberry.field(default=None, description="Agreed completion date, if any.")


@strawberry.input(description="A progress note on an open follow-up action.")
class ReportFollowUpProgressInput:
    follow_up_id: strawberry.ID = strawberry.field(description="An OPEN MeetingFollowUp.")
    note: str = strawberry.field(description="The progress (≤ 2000 characters); notes are never edited.")
    version: int | None = strawberry.field(default=None, description="The follow-up version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Mark a follow-up action done, with an optional closing note.")
class CompleteFollowUpInput:
    follow_up_id: strawberry.ID = strawberry.field(description="An OPEN MeetingFollowUp.")
    note: str | None = strawberry.field(default=None, description="Closing note; defaults to 已完成.")
    version: int | None = strawberry.field(default=None, description="The follow-up version you saw; a stale one is a CONFLICT.")


@strawberry.type(description="The follow-up action after a change.")
class FollowUpPayload:
    follow_up: MeetingFollowUp = strawberry.field(description="The follow-up action as it is now.")


def _mid(gid: strawberry.ID) -> int:
    return from_global_id(gid, "Meeting")[1]


async def _meeting_step(info: Info, fn, *args, **kwargs) -> MeetingPayload:  # noqa: ANN001
    async with write_unit(info.context) as session:
        meeting = await fn(session, info.context.actor, *args, **kwargs)
    return MeetingPayload(meeting=Meeting.from_row(meeting))


def _row(level: str, tally: stats_rules.Tally, community: Community | None = None, street: Street | None = None) -> DeliberationStatsRow:
    return DeliberationStatsRow(
        level=StatsLevel(level), community=community, street=street, meetings_held=tally.meetings_held, topics=tally.topics,
        topics_decided=tally.decided, agreed=tally.agreed, not_agreed=tally.not_agreed, success_rate=tally.success_rate,
        agreed_per_meeting=tally.agreed_per_meeting,
    )


# ---------------------------------------------------------------- queries


@strawberry.type(description="Deliberation (阳光17议) queries.")
class MeetingQuery:
    @strawberry.field(description=(
        "议事会 — meetings you may read, newest scheduled first: a community's workers their community's, a street officer his "
        "streets', the center, admins and district leaders all. Other roles: FORBIDDEN."))
    async def meetings(self, info: Info, filter: Annotated[MeetingFilter | None, strawberry.argument(description="Conditions that must all hold.")] = None, first: int | None = None, after: str | None = None,
                       last: int | None = None, before: str | None = None) -> Connection[Meeting]:
        actor = meeting_access.require_reader_role(info.context.actor)
        stmt: Select = select(M).where(meeting_access.read_condition(actor))
        if filter is not None:
            if (cid := _pk(filter.community_id, "Community")) is not None:
                stmt = stmt.where(M.c.community_id == cid)
            if (sid := _pk(filter.street_id, "Street")) is not None:
                stmt = stmt.where(M.c.street_id == sid)
            if filter.kind is not None:
                stmt = stmt.where(M.c.kind == filter.kind.value)
            if filter.state is not None:
                stmt = stmt.where(M.c.state == filter.state.value)
            for name, value in (("from", filter.from_), ("to", filter.to)):
                if value is not None and value.tzinfo is None:
                    raise BadUserInput(f"{name} 须带时区", f"{name} must carry a time zone offset", field=name)
            if filter.from_ is not None:
                stmt = stmt.where(M.c.scheduled_at >= filter.from_)
            if filter.to is not None:
                stmt = stmt.where(M.c.scheduled_at < filter.to)
        return await paginate(info.context.db, stmt, [M.c.scheduled_at, M.c.id], Meeting.from_row, first=first, after=after,
                              last=last, before=before, descending=True)

    @strawberry.field(description="One meeting; null when it does not exist or you may not read it.")
    async def meeting(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A Meeting global ID.")]) -> Meeting | None:
        row = await readable_meeting(info, _mid(id))
        return None if row is None else Meeting.from_row(row)

    @strawberry.field(description=(
        "议题建议 — candidate topics from the community's concentrated open requests: grouped by subcategory, groups of at "
        "least `threshold` (default 3) requests created since `since` (default: the last `days`, 60), ranked by count, then "
        "by the newest request. For those who run the community's meetings."))
    async def propose_agenda(
        self, info: Info,
        community_id: Annotated[strawberry.ID, strawberry.argument(description="The community.")],
        since: Annotated[datetime | None, strawberry.argument(description="Requests created at or after this time; overrides `days`.")] = None,
        days: Annotated[int, strawberry.argument(description="Window in days back from now (1–366) when `since` is not given.")] = agenda_rules.DEFAULT_DAYS,
        threshold: Annotated[int, strawberry.argument(description="Least number of requests of one subcategory (2–1000) to make a topic.")] = agenda_rules.DEFAULT_THRESHOLD,
    ) -> list[AgendaCandidate]:
        cid = from_global_id(community_id, "Community")[1]
        async with info.context.db.read() as conn:
            candidates = await agenda_rules.propose_agenda(conn, info.context.actor, cid, since=since, days=days, threshold=threshold)
        ld = info.context.loaders
        out = []
        for c in candidates:
            sub = await ld.subcategory.load(c.subcategory_id)
            rows = [await ld.request.load(rid) for rid in c.request_ids]
            out.append(AgendaCandidate(
                subcategory=Subcategory.from_row(sub), request_count=c.count, latest_at=c.latest_at,
                suggested_title=f"{sub.name}({c.count}件集中诉求)", on_agenda_count=len(c.on_agenda), requests=[Request.from_row(r) for r in rows if r is not None],
            ))
        return out

    @strawberry.field(description=(
        "议事统计 — for the days `from`..`to` (Asia/Shanghai, both included): per community, per street and in total. A meeting "
        "counts when HELD or CLOSED with its held time in the period. successRate = agreed / topicsDecided (null when none "
        "decided). District-wide roles see all; a street officer his streets; a community worker her community; others FORBIDDEN."))
    async def deliberation_stats(self, info: Info, from_: Annotated[date, strawberry.argument(name="from", description="First day, included.")],
                                 to: Annotated[date, strawberry.argument(description="Last day, included.")],
                                 street_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this street's communities.")] = None,
                                 community_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this community.")] = None) -> DeliberationStats:
        async with info.context.db.read() as conn:
            stats = await stats_rules.deliberation_stats(conn, info.context.actor, from_, to, street_id=_pk(street_id, "Street"),
                                                         community_id=_pk(community_id, "Community"))
        ld = info.context.loaders
        communities = []
        for cid, t in sorted(stats.communities.items()):
            crow = await ld.community.load(cid)
            communities.append(_row("COMMUNITY", t, community=Community.from_row(crow), street=Street.from_row(await ld.street.load(crow.street_id))))
        streets = [_row("STREET", t, street=Street.from_row(await ld.street.load(sid))) for sid, t in sorted(stats.streets.items())]
        return DeliberationStats(from_=from_, to=to, communities=communities, streets=streets, total=_row("DISTRICT", stats.total))


# ---------------------------------------------------------------- mutations


@strawberry.type(description="Deliberation (阳光17议) mutations: community workers of the community, the center and admins.")
class MeetingMutation:
    @strawberry.mutation(description="Schedule a SUNSHINE_17 meeting (the 17th by default) or a ROUND_TABLE.")
    async def schedule_meeting(self, info: Info, input: ScheduleMeetingInput) -> MeetingPayload:
        return await _meeting_step(info, lambda s, a: rules.schedule(
            s, a, community_id=from_global_id(input.community_id, "Community")[1], kind=vocab.MeetingKind(input.kind.value),
            title=input.title, scheduled_at=input.scheduled_at, month=input.month, place=input.place))

    @strawberry.mutation(description="Add a topic with its linked requests (while PLANNED or HELD).")
    async def add_meeting_topic(self, info: Info, input: AddMeetingTopicInput) -> MeetingTopicPayload:
        request_ids = [from_global_id(r, "Request")[1] for r in input.request_ids]
        async with write_unit(info.context) as session:
            topic = await rules.add_topic(session, info.context.actor, _mid(input.meeting_id), title=input.title, description=input.description,
                                          request_ids=request_ids, subcategory_id=_pk(input.subcategory_id, "Subcategory"), version=input.version)
            meeting = await rules.load_meeting(session, topic.meeting_id)
        return MeetingTopicPayload(topic=MeetingTopic.from_row(topic), meeting=Meeting.from_row(meeting))

    @strawberry.mutation(description="Replace the participants (by kind, with attendance once held).")
    async def set_participants(self, info: Info, input: SetParticipantsInput) -> MeetingPayload:
        people = [rules.ParticipantData(kind=vocab.ParticipantKind(p.kind.value), name=p.name, organisation=p.organisation,
                                        phone=p.phone, attended=p.attended) for p in input.participants]
        return await _meeting_step(info, rules.set_participants, _mid(input.meeting_id), people, version=input.version)

    @strawberry.mutation(description="Record who came (HELD meetings).")
    async def record_attendance(self, info: Info, input: RecordAttendanceInput) -> MeetingPayload:
        marks = [(from_global_id(a.participant_id, "MeetingParticipant")[1], a.attended) for a in input.attendance]
        return await _meeting_step(info, rules.record_attendance, _mid(input.meeting_id), marks, version=input.version)

    @strawberry.mutation(description="Record the minutes (HELD meetings).")
    async def record_minutes(self, info: Info, input: RecordMinutesInput) -> MeetingPayload:
        return await _meeting_step(info, rules.record_minutes, _mid(input.meeting_id), minutes=input.minutes, version=input.version)

    @strawberry.mutation(description="Mark a planned meeting held (PLANNED → HELD).")
    async def hold_meeting(self, info: Info, input: HoldMeetingInput) -> MeetingPayload:
        return await _meeting_step(info, rules.hold, _mid(input.meeting_id), held_at=input.held_at, version=input.version)

    @strawberry.mutation(description="Close a held meeting (HELD → CLOSED) once every topic is decided and the minutes recorded.")
    async def close_meeting(self, info: Info, input: CloseMeetingInput) -> MeetingPayload:
        return await _meeting_step(info, rules.close, _mid(input.meeting_id), version=input.version)

    @strawberry.mutation(description="Cancel a planned meeting (PLANNED → CANCELLED).")
    async def cancel_meeting(self, info: Info, input: CancelMeetingInput) -> MeetingPayload:
        return await _meeting_step(info, rules.cancel, _mid(input.meeting_id), reason=input.reason, version=input.version)

    @strawberry.mutation(description=(
        "Record a topic's outcome on a HELD meeting. AGREED needs `resolution`; it resolves, through the request state machine "
        "and in the same transaction, each linked request the community is handling; the others are reported, unchanged."))
    async def decide_topic(self, info: Info, input: DecideTopicInput) -> DecideTopicPayload:
        async with write_unit(info.context) as session:
            d = await rules.decide_topic(session, info.context.actor, from_global_id(input.topic_id, "MeetingTopic")[1],
                                         outcome=vocab.TopicOutcome(input.outcome.value), resolution=input.resolution,
                                         settle=input.settle_requests, version=input.version)
        return DecideTopicPayload(
            topic=MeetingTopic.from_row(d.topic), meeting=Meeting.from_row(d.meeting),
            settled_requests=[Request.from_row(r) for r in d.settled],
            unsettled_requests=[UnsettledRequest(request=Request.from_row(u.request), reason=u.zh, reason_en=u.en) for u in d.unsettled],
        )

    @strawberry.mutation(description="Add a follow-up action to an AGREED topic.")
    async def add_follow_up(self, info: Info, input: AddFollowUpInput) -> FollowUpPayload:
        async with write_unit(info.context) as session:
            f = await rules.add_follow_up(session, info.context.actor, from_global_id(input.topic_id, "MeetingTopic")[1],
                                          action=input.action, owner=input.owner, due_on=input.due_on)
        return FollowUpPayload(follow_up=MeetingFollowUp.from_row(f))

    @strawberry.mutation(description="Append a progress note to an OPEN follow-up action.")
    async def report_follow_up_progress(self, info: Info, input: ReportFollowUpProgressInput) -> FollowUpPayload:
        async with write_unit(info.context) as session:
            f = await rules.report_follow_up_progress(session, info.context.actor, from_global_id(input.follow_up_id, "MeetingFollowUp")[1],
                                                      note=input.note, version=input.version)
        return FollowUpPayload(follow_up=MeetingFollowUp.from_row(f))

    @strawberry.mutation(description="Mark a follow-up action done (OPEN → DONE).")
    async def complete_follow_up(self, info: Info, input: CompleteFollowUpInput) -> FollowUpPayload:
        async with write_unit(info.context) as session:
            f = await rules.complete_follow_up(session, info.context.actor, from_global_id(input.follow_up_id, "MeetingFollowUp")[1],
                                               note=input.note, version=input.version)
        return FollowUpPayload(follow_up=MeetingFollowUp.from_row(f))
