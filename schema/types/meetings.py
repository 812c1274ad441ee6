"""Sunshine-17 deliberation (阳光17议) as the API shows it: meetings, topics and the requests
they settle, participants, follow-up of agreed actions, agenda proposals and statistics."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry

from db.engine import Database
from db.models import Meeting as MeetingModel
from db.models import MeetingFollowUp as FollowUpModel
from db.models import MeetingFollowUpNote as NoteModel
from db.models import MeetingParticipant as ParticipantModel
from db.models import MeetingTopic as TopicModel
from db.models import MeetingTopicRequest as LinkModel
from resolvers.masking import mask_phone
from resolvers.meetings import access as meeting_access
from resolvers.meetings import vocab
from schema.context import Info
from schema.loaders import _by_id, _children
from schema.ids import to_global_id
from schema.types.node import Node
from schema.types.places import Community, Street
from schema.types.requests import Request
from schema.types.taxonomy import Subcategory

MeetingKind = strawberry.enum(vocab.MeetingKind, name="MeetingKind", description="SUNSHINE_17 阳光17议 (monthly, on the 17th by default) or ROUND_TABLE 圆桌议事会 (ad hoc).")
MeetingState = strawberry.enum(vocab.MeetingState, name="MeetingState", description="PLANNED → HELD → CLOSED, or PLANNED → CANCELLED.")
TopicOutcome = strawberry.enum(vocab.TopicOutcome, name="TopicOutcome", description="PENDING (not yet decided), AGREED (达成一致, with a resolution), NOT_AGREED.")
ParticipantKind = strawberry.enum(
    vocab.ParticipantKind, name="ParticipantKind",
    description="COMMITTEE_MEMBER 两委成员, PARTY_REPRESENTATIVE 党员代表, RESIDENT_REPRESENTATIVE 群众代表, VOLUNTEER 志愿者, "
                "ENTERPRISE 辖区企业, DEPUTY 两代表一委员.")
class _Level(str, Enum):
    COMMUNITY = "COMMUNITY"
    STREET = "STREET"
    DISTRICT = "DISTRICT"


StatsLevel = strawberry.enum(_Level, name="StatsLevel", description="What a statistics row covers: one community, one street, or the total.")
FollowUpState = strawberry.enum(vocab.FollowUpState, name="FollowUpState", description="OPEN until the agreed action is done, then DONE.")


# ---------------------------------------------------------------- per-operation loaders


class MeetingLoaders:
    def __init__(self, db: Database) -> None:
        self.meeting = _by_id(db, MeetingModel.__table__)
        self.topic = _by_id(db, TopicModel.__table__)
        self.follow_up = _by_id(db, FollowUpModel.__table__)
        self.topics_of_meeting = _children(db, TopicModel.__table__, "meeting_id", "position", "id")
        self.participants_of_meeting = _children(db, ParticipantModel.__table__, "meeting_id", "id")
        self.links_of_topic = _children(db, LinkModel.__table__, "topic_id", "id")
        self.follow_ups_of_topic = _children(db, FollowUpModel.__table__, "topic_id", "id")
        self.notes_of_follow_up = _children(db, NoteModel.__table__, "follow_up_id", "at", "id")


def loaders(info: Info) -> MeetingLoaders:
    extra = info.context.extra
    if "meeting_loaders" not in extra:
        extra["meeting_loaders"] = MeetingLoaders(info.context.db)
    return extra["meeting_loaders"]


async def readable_meeting(info: Info, meeting_id: int) -> Any:
    """The meeting row when the caller may read it, else None."""
    row = await loaders(info).meeting.load(meeting_id)
    if row is None or not meeting_access.can_read(info.context.actor, row.community_id, row.street_id):
        return None
    return row


# ---------------------------------------------------------------- types


@strawberry.type(description="参会人员 — someone invited to a meeting, and whether they came.")
class MeetingParticipant:
    id: strawberry.ID = strawberry.field(description="Global ID (MeetingParticipant) for recordAttendance.")
    kind: ParticipantKind = strawberry.field(description="Which group the participant represents.")
    kind_label: str = strawberry.field(description="Chinese label of the kind, e.g. 群众代表.")
    name: str = strawberry.field(description="Name as given (participants of a public deliberation).")
    organisation: str = strawberry.field(description="Unit or enterprise, when given (e.g. the enterprise of an ENTERPRISE participant).")
    phone: str | None = strawberry.field(description="Personal data: whole only for the community's own workers, masked (138****1234) for everyone else.")
    attended: bool = strawberry.field(description="Came to the meeting (签到).")


@strawberry.type(description="One progress note of a follow-up action (append-only).")
class FollowUpProgress:
    at: datetime = strawberry.field(description="When it was reported.")
    author_label: str = strawberry.field(description="Who reported it.")
    note: str = strawberry.field(description="What was done so far.")
    completes: bool = strawberry.field(description="True for the note that marked the action done.")


@strawberry.type(description="落实事项 — an action an agreed topic calls for, followed up until done.")
class MeetingFollowUp(Node):
    action: str = strawberry.field(description="What is to be done.")
    owner: str = strawberry.field(description="Who is responsible (a person or unit, in words).")
    due_on: date | None = strawberry.field(description="Agreed completion date (Asia/Shanghai), if any.")
    state: FollowUpState = strawberry.field(description="OPEN until done.")
    created_at: datetime = strawberry.field(description="When the action was added.")
    completed_at: datetime | None = strawberry.field(description="When it was marked done.")
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> MeetingFollowUp:
        return cls(id=strawberry.ID(to_global_id("MeetingFollowUp", row.id)), row=row, action=row.action, owner=row.owner,
                   due_on=row.due_on, state=vocab.FollowUpState(row.state), created_at=row.created_at,
                   completed_at=row.completed_at, version=row.version)

    @strawberry.field(description="Progress notes, oldest first.")
    async def progress(self, info: Info) -> list[FollowUpProgress]:
        rows = await loaders(info).notes_of_follow_up.load(self.row.id)
        return [FollowUpProgress(at=r.at, author_label=r.author_label, note=r.note, completes=r.completes) for r in rows]

    @strawberry.field(description="The agreed topic this action follows up.")
    async def topic(self, info: Info) -> MeetingTopic | None:
        row = await loaders(info).topic.load(self.row.topic_id)
        return None if row is None else MeetingTopic.from_row(row)


@strawberry.type(description="A request linked to a topic, and whether the topic's agreed resolution settled it.")
class TopicRequestLink:
    settled: bool = strawberry.field(description="True when the agreed outcome resolved the request through the request state machine.")
    note: str = strawberry.field(description="Why it was left as it was, when the topic was agreed but the request not settled.")
    request_pk: strawberry.Private[int]

    @strawberry.field(description="The request, when you may see it (the usual request visibility rules).")
    async def request(self, info: Info) -> Request | None:
        from schema.request_access import load_visible

        return await load_visible(info, self.request_pk)


@strawberry.type(description="议题 — one topic on a meeting's agenda: the requests it deals with and its outcome.")
class MeetingTopic(Node):
    position: int = strawberry.field(description="Order on the agenda, from 1.")
    title: str = strawberry.field(description="The topic, e.g. 私设停车桩整治.")
    description: str = strawberry.field(description="Background of the topic.")
    outcome: TopicOutcome = strawberry.field(description="PENDING until decided on the held meeting.")
    outcome_label: str = strawberry.field(description="Chinese label of the outcome.")
    resolution: str | None = strawberry.field(description="议定事项: what was agreed (required for AGREED), or why not.")
    decided_at: datetime | None = strawberry.field(description="When the outcome was recorded.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> MeetingTopic:
        outcome = vocab.TopicOutcome(row.outcome)
        return cls(id=strawberry.ID(to_global_id("MeetingTopic", row.id)), row=row, position=row.position, title=row.title,
                   description=row.description, outcome=outcome, outcome_label=vocab.OUTCOME_ZH[outcome],
                   resolution=row.resolution, decided_at=row.decided_at)

    @strawberry.field(description="The subcategory the topic came from (agenda proposals), if any.")
    async def subcategory(self, info: Info) -> Subcategory | None:
        sid = self.row.subcategory_id
        return None if sid is None else Subcategory.from_row(await info.context.loaders.subcategory.load(sid))

    @strawberry.field(description="Linked requests (many-to-many) with their settlement.")
    async def links(self, info: Info) -> list[TopicRequestLink]:
        rows = await loaders(info).links_of_topic.load(self.row.id)
        return [TopicRequestLink(settled=r.settled, note=r.settle_note, request_pk=r.request_id) for r in rows]

    @strawberry.field(description="The linked requests you may see, in the order they were linked.")
    async def requests(self, info: Info) -> list[Request]:
        from schema.request_access import load_visible

        out = []
        for r in await loaders(info).links_of_topic.load(self.row.id):
            req = await load_visible(info, r.request_id)
            if req is not None:
                out.append(req)
        return out

    @strawberry.field(description="Follow-up actions of an agreed topic.")
    async def follow_ups(self, info: Info) -> list[MeetingFollowUp]:
        return [MeetingFollowUp.from_row(r) for r in await loaders(info).follow_ups_of_topic.load(self.row.id)]

    @strawberry.field(description="The meeting this topic is on.")
    async def meeting(self, info: Info) -> Meeting | None:
        row = await readable_meeting(info, self.row.meeting_id)
        return None if row is None else Meeting.from_row(row)


@strawberry.type(description="议事会 — a community's Sunshine-17 joint meeting (on the 17th) or an ad-hoc round table.")
class Meeting(Node):
    kind: MeetingKind = strawberry.field(description="SUNSHINE_17 or ROUND_TABLE.")
    kind_label: str = strawberry.field(description="阳光17议 or 圆桌议事会.")
    title: str = strawberry.field(description="e.g. 胜利路社区2026年12月阳光17议.")
    scheduled_at: datetime = strawberry.field(description="When it is (was) planned; SUNSHINE_17 defaults to the 17th, 09:00 Asia/Shanghai, weekend or not.")
    place: str = strawberry.field(description="Where it meets, e.g. the community's party-and-people service centre.")
    state: MeetingState = strawberry.field(description="PLANNED → HELD → CLOSED, or CANCELLED.")
    state_label: str = strawberry.field(description="Chinese label of the state.")
    minutes: str | None = strawberry.field(description="会议纪要.")
    held_at: datetime | None = strawberry.field(description="When it was held; statistics count the meeting in the period of this time.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled.")
    created_at: datetime = strawberry.field(description="When it was scheduled.")
    updated_at: datetime = strawberry.field(description="Last change.")
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Meeting:
        kind, state = vocab.MeetingKind(row.kind), vocab.MeetingState(row.state)
        return cls(id=strawberry.ID(to_global_id("Meeting", row.id)), row=row, kind=kind, kind_label=vocab.KIND_ZH[kind],
                   title=row.title, scheduled_at=row.scheduled_at, place=row.place, state=state, state_label=vocab.STATE_ZH[state],
                   minutes=row.minutes, held_at=row.held_at, cancelled_at=row.cancelled_at, cancel_reason=row.cancel_reason,
                   created_at=row.created_at, updated_at=row.updated_at, version=row.version)

    @strawberry.field(description="The community holding the meeting.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.row.community_id))

    @strawberry.field(description="The community's street.")
    async def street(self, info: Info) -> Street:
        return Street.from_row(await info.context.loaders.street.load(self.row.street_id))

    @strawberry.field(description="Who convened it (display name of the user).")
    async def convened_by(self, info: Info) -> str | None:
        uid = self.row.convened_by_user_id
        user = None if uid is None else await info.context.loaders.user.load(uid)
        return None if user is None else user.display_name

    @strawberry.field(description="The agenda, in order.")
    async def topics(self, info: Info) -> list[MeetingTopic]:
        return [MeetingTopic.from_row(r) for r in await loaders(info).topics_of_meeting.load(self.row.id)]

    @strawberry.field(description="Participants, optionally of one kind. Phones are whole only for the community's own workers (each such read audited), masked for others.")
    async def participants(self, info: Info, kind: ParticipantKind | None = None) -> list[MeetingParticipant]:
        rows = await loaders(info).participants_of_meeting.load(self.row.id)
        if kind is not None:
            rows = [r for r in rows if r.kind == kind.value]
        whole = meeting_access.sees_phones(info.context.actor, self.row.community_id)
        if whole and any(r.phone for r in rows):
            from resolvers.audit import record_personal_read

            await record_personal_read(info.context.db, info.context.actor, "MeetingParticipant",
                                       [r.id for r in rows if r.phone], info.context.client)
        return [
            MeetingParticipant(
                id=strawberry.ID(to_global_id("MeetingParticipant", r.id)), kind=vocab.ParticipantKind(r.kind),
                kind_label=vocab.PARTICIPANT_ZH[vocab.ParticipantKind(r.kind)],
                name=r.name, organisation=r.organisation,
                phone=r.phone if whole else mask_phone(r.phone), attended=r.attended,
            )
            for r in rows
        ]

    @strawberry.field(description="How many participants came.")
    async def attended_count(self, info: Info) -> int:
        return sum(1 for r in await loaders(info).participants_of_meeting.load(self.row.id) if r.attended)


# ---------------------------------------------------------------- proposals and statistics


@strawberry.type(description="A candidate topic: the community's concentrated open requests of one subcategory.")
class AgendaCandidate:
    subcategory: Subcategory = strawberry.field(description="The subcategory the requests share.")
    request_count: int = strawberry.field(description="How many open requests of this subcategory in the window.")
    latest_at: datetime = strawberry.field(description="When the newest of them came in.")
    suggested_title: str = strawberry.field(description="A title to start from, e.g. 停车管理(5件集中诉求).")
    on_agenda_count: int = strawberry.field(description="How many of these requests are already on an undecided topic of a planned or held meeting.")
    requests: list[Request] = strawberry.field(description="The requests, newest first (pass their ids to addMeetingTopic).")


@strawberry.type(description="Deliberation figures of one community, one street or the district for the period.")
class DeliberationStatsRow:
    level: StatsLevel = strawberry.field(description="COMMUNITY, STREET or DISTRICT (the total over the rows you may see).")
    community: Community | None = strawberry.field(description="The community (COMMUNITY rows).")
    street: Street | None = strawberry.field(description="The street (STREET rows; the community's street on COMMUNITY rows).")
    meetings_held: int = strawberry.field(description="Meetings in state HELD or CLOSED whose held time falls in the period.")
    topics: int = strawberry.field(description="Topics on those meetings.")
    topics_decided: int = strawberry.field(description="Topics of those meetings with an outcome (AGREED or NOT_AGREED).")
    agreed: int = strawberry.field(description="Topics of those meetings with outcome AGREED (达成一致).")
    not_agreed: int = strawberry.field(description="Topics of those meetings with outcome NOT_AGREED.")
    success_rate: float | None = strawberry.field(description=(
        "议事成功率 = agreed / topicsDecided, a fraction 0–1; null when no topic was decided. We count topics, not meetings: "
        "a meeting may decide several matters. The seed's 91.6% (2,730 agreed of 2,980 held consultations) divides agreed "
        "outcomes by held consultations of one matter each — see agreedPerMeeting for that ratio."))
    agreed_per_meeting: float | None = strawberry.field(description=(
        "agreed / meetingsHeld — the seed's own ratio (agreed outcomes per held consultation); null when none held. "
        "Can exceed 1 when meetings decide several topics."))


@strawberry.type(description="Deliberation statistics for a period: rows per community and per street, and the total over them.")
class DeliberationStats:
    from_: date = strawberry.field(name="from", description="First day of the period (Asia/Shanghai), included.")
    to: date = strawberry.field(description="Last day of the period (Asia/Shanghai), included.")
    communities: list[DeliberationStatsRow] = strawberry.field(description="Communities with a meeting held in the period (and the one asked for), by community id.")
    streets: list[DeliberationStatsRow] = strawberry.field(description="Streets with a meeting held in the period (and the one asked for), by street id.")
    total: DeliberationStatsRow = strawberry.field(description="The sum over the communities you may see that match the filter: the whole district when unfiltered and district-wide.")


async def resolve_meeting_node(info: Info, type_name: str, pk: int) -> Any:
    """`node(id:)` for Meeting, MeetingTopic and MeetingFollowUp: null unless the caller may read the meeting."""
    ld = loaders(info)
    if type_name == "Meeting":
        row = await readable_meeting(info, pk)
        return None if row is None else Meeting.from_row(row)
    if type_name == "MeetingTopic":
        topic = await ld.topic.load(pk)
        if topic is None or await readable_meeting(info, topic.meeting_id) is None:
            return None
        return MeetingTopic.from_row(topic)
    follow_up = await ld.follow_up.load(pk)
    if follow_up is None:
        return None
    topic = await ld.topic.load(follow_up.topic_id)
    if topic is None or await readable_meeting(info, topic.meeting_id) is None:
        return None
    return MeetingFollowUp.from_row(follow_up)
