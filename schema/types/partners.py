"""GraphQL types of the big party committee: co-building tasks, their log, dual reporting."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import select

from db.base import utcnow
from db.models import User, UserScope
from resolvers.partners import access as partner_access
from resolvers.roles import Role, ScopeKind
from resolvers.audit import record_personal_read
from resolvers.masking import mask_phone
from resolvers.requests.common import STATE_ZH
from schema.context import Info
from schema.ids import to_global_id
from schema.types.node import Node
from schema.types.places import Community
from schema.types.requests import Request, RequestState
from schema.types.units import PartnerUnit

_PHONE_LIKE = re.compile(r"\d{7,}")


@strawberry.enum(description="State of a co-building task.")
class CoTaskState(Enum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="One partner unit's part in a task.")
class CoTaskPartState(Enum):
    INVITED = "INVITED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    DONE = "DONE"


@strawberry.enum(description="What an event in a task's log records.")
class CoTaskEventKind(Enum):
    CREATED = "CREATED"
    INVITED = "INVITED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    PROGRESS = "PROGRESS"
    PARTNER_DONE = "PARTNER_DONE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="双报到: a party organisation or an individual party member.")
class DualReportKind(Enum):
    ORGANISATION = "ORGANISATION"
    MEMBER = "MEMBER"


TASK_STATE_ZH = {"OPEN": "待接受", "IN_PROGRESS": "进行中", "DONE": "已完成", "CANCELLED": "已取消"}


@strawberry.type(description="The least a partner needs to know of a request its task answers: nothing personal — no "
                             "reporter, no tracking code, no text; digits that look like a phone number are masked in the title.")
class LinkedRequestSummary:
    title: str
    state: RequestState
    state_label: str
    created_at: datetime
    category: str | None = strawberry.field(description="Category name.")
    subcategory: str | None = strawberry.field(description="Subcategory name.")
    place: str | None = strawberry.field(description="Community and building, never a room.")


@strawberry.type(description="One partner unit's part in a co-building task.")
class CoTaskPart:
    state: CoTaskPartState
    responded_at: datetime | None
    done_at: datetime | None
    result: str | None = strawberry.field(description="What the partner did, reported when finishing its part.")
    decline_reason: str | None
    unit_pk: strawberry.Private[int]

    @strawberry.field(description="The partner unit.")
    async def partner_unit(self, info: Info) -> PartnerUnit:
        return PartnerUnit.from_row(await info.context.loaders.partner_unit.load(self.unit_pk))


@strawberry.type(description="An entry of the co-building tasks' log. `cursor` resumes the `coTaskUpdated` subscription.")
class CoTaskEvent:
    cursor: str
    seq: int
    kind: CoTaskEventKind
    at: datetime
    actor_label: str
    note: str
    to_state: CoTaskState | None = strawberry.field(description="The task's state after this event.")
    version: int = strawberry.field(description="The task's version after this event.")
    task_pk: strawberry.Private[int]
    unit_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> CoTaskEvent:
        return cls(cursor=str(row.seq), seq=row.seq, kind=CoTaskEventKind(row.kind), at=row.at, actor_label=row.actor_label,
                   note=row.note, to_state=CoTaskState(row.to_state) if row.to_state else None, version=row.version,
                   task_pk=row.task_id, unit_pk=row.partner_unit_id)

    @strawberry.field(description="The partner unit the event concerns, if any.")
    async def partner_unit(self, info: Info) -> PartnerUnit | None:
        if self.unit_pk is None:
            return None
        return PartnerUnit.from_row(await info.context.loaders.partner_unit.load(self.unit_pk))

    @strawberry.field(description="The task as it is now.")
    async def task(self, info: Info) -> CoTask | None:
        from schema.api.partners import visible_task

        return await visible_task(info, self.task_pk)


@strawberry.type(description="共建任务 — work the community asks of member units of its big party committee.")
class CoTask(Node):
    title: str
    ask: str = strawberry.field(description="What is asked of the partners.")
    due_at: datetime | None = strawberry.field(description="By when.")
    state: CoTaskState
    result: str | None = strawberry.field(description="The overall result (or the reason for cancelling).")
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> CoTask:
        return cls(id=strawberry.ID(to_global_id("CoTask", row.id)), title=row.title, ask=row.ask, due_at=row.due_at, state=CoTaskState(row.state),
                   result=row.result, created_at=row.created_at, updated_at=row.updated_at, completed_at=row.completed_at,
                   version=row.version, row=row)

    @strawberry.field(description="Chinese label of the state.")
    def state_label(self) -> str:
        return TASK_STATE_ZH[self.row.state]

    @strawberry.field(description="Past its due time and not done or cancelled.")
    def overdue(self) -> bool:
        return self.row.due_at is not None and self.row.state in ("OPEN", "IN_PROGRESS") and self.row.due_at < utcnow()

    @strawberry.field(description="The community that asked.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.row.community_id))

    @strawberry.field(description="Each partner unit's part.")
    async def parts(self, info: Info) -> list[CoTaskPart]:
        rows = await info.context.loaders.parts_of_task.load(self.row.id)
        return [CoTaskPart(state=CoTaskPartState(p.state), responded_at=p.responded_at, done_at=p.done_at, result=p.result,
                           decline_reason=p.decline_reason, unit_pk=p.partner_unit_id) for p in rows]

    @strawberry.field(description="The requests this task answers, as the least a partner needs (see LinkedRequestSummary).")
    async def linked_requests(self, info: Info) -> list[LinkedRequestSummary]:
        loaders = info.context.loaders
        out = []
        for link in await loaders.requests_of_task.load(self.row.id):
            r = await loaders.request.load(link.request_id)
            category = await loaders.category.load(r.category_id) if r.category_id else None
            subcategory = await loaders.subcategory.load(r.subcategory_id) if r.subcategory_id else None
            community = await loaders.community.load(r.community_id) if r.community_id else None
            building = await loaders.building.load(r.building_id) if r.building_id else None
            place = " ".join(x.name for x in (community, building) if x is not None) or None
            out.append(LinkedRequestSummary(
                title=_PHONE_LIKE.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 3), r.title),
                state=RequestState(r.state), state_label=STATE_ZH[r.state], created_at=r.created_at,
                category=category.name if category else None, subcategory=subcategory.name if subcategory else None, place=place))
        return out

    @strawberry.field(description="The linked requests in full, for those who may read them (never partners).")
    async def requests(self, info: Info) -> list[Request]:
        from schema.request_access import load_visible

        out = []
        for link in await info.context.loaders.requests_of_task.load(self.row.id):
            request = await load_visible(info, link.request_id)
            if request is not None:
                out.append(request)
        return out

    @strawberry.field(description="The task's log, oldest first.")
    async def events(self, info: Info) -> list[CoTaskEvent]:
        return [CoTaskEvent.from_row(e) for e in await info.context.loaders.events_of_task.load(self.row.id)]


@strawberry.type(description="A service a dual-reported organisation or member gave the community.")
class DualReportService:
    served_on: date
    minutes: int
    description: str


@strawberry.type(description="双报到 — a party organisation or party member registered with the community it serves.")
class DualReport(Node):
    kind: DualReportKind
    name: str
    affiliation: str = strawberry.field(description="The member's work unit, or the organisation's parent organisation.")
    reported_on: date
    active: bool
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> DualReport:
        return cls(id=strawberry.ID(to_global_id("DualReport", row.id)), kind=DualReportKind(row.kind), name=row.name,
                   affiliation=row.affiliation, reported_on=row.reported_on, active=row.active, row=row)

    @strawberry.field(description="Contact phone: whole for the community's own workers and the center (each whole read "
                                  "audited as READ_PERSONAL), masked for others.")
    async def phone(self, info: Info) -> str | None:
        actor = info.context.actor
        whole = actor is not None and (actor.role in (Role.CENTER_DISPATCHER, Role.ADMIN) or (
            actor.role is Role.COMMUNITY_WORKER and self.row.community_id in actor.ids(ScopeKind.COMMUNITY)))
        if not whole:
            return mask_phone(self.row.phone)
        if self.row.phone:
            # Reads of one page share one audit row (resolvers/audit.py batches them).
            await record_personal_read(info.context.db, actor, "DualReport", [self.row.id], info.context.client)
        return self.row.phone

    @strawberry.field(description="The member unit of the big party committee it belongs to, if any.")
    async def partner_unit(self, info: Info) -> PartnerUnit | None:
        if self.row.partner_unit_id is None:
            return None
        return PartnerUnit.from_row(await info.context.loaders.partner_unit.load(self.row.partner_unit_id))

    @strawberry.field(description="The community it reported to.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.row.community_id))

    @strawberry.field(description="Its service records, oldest first.")
    async def services(self, info: Info) -> list[DualReportService]:
        rows = await info.context.loaders.services_of_dual_report.load(self.row.id)
        return [DualReportService(served_on=s.served_on, minutes=s.minutes, description=s.description) for s in rows]

    @strawberry.field(description="Total minutes of service recorded.")
    async def total_minutes(self, info: Info) -> int:
        return sum(s.minutes for s in await info.context.loaders.services_of_dual_report.load(self.row.id))


@strawberry.type(description="A sign-in of a partner unit (role PARTNER).")
class PartnerContact:
    display_name: str
    username: str


async def partner_contacts(info: Info, unit_pk: int, community_pk: int) -> list[PartnerContact]:
    actor = info.context.actor
    community = await info.context.loaders.community.load(community_pk)
    if not partner_access.can_read_community(actor, community):
        return []
    async with info.context.db.read() as conn:
        rows = (await conn.execute(select(User.display_name, User.username).join(UserScope, UserScope.user_id == User.id).where(
            UserScope.kind == "PARTNER", UserScope.ref_id == unit_pk, User.role == "PARTNER", User.is_active.is_(True)).order_by(User.id))).all()
    return [PartnerContact(display_name=r.display_name, username=r.username) for r in rows]
