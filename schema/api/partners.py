"""Root fields of the big party committee: member units, dual reporting, co-building tasks."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import select

from db.models import Community as CommunityModel
from db.models import CoTask as CoTaskModel
from db.models import CoTaskEvent as CoTaskEventModel
from db.models import CoTaskPartner as CoTaskPartnerModel
from db.models import DualReport as DualReportModel
from resolvers.access import require_actor
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.partners import cobuilding, register
from resolvers.partners.access import readable_communities, tasks_visible
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.live import wait_for_bell
from schema.loaders import Loaders
from schema.pagination import Connection, paginate
from schema.permissions import SignedIn
from schema.types.partners import CoTask, CoTaskEvent, CoTaskState, DualReport, DualReportKind
from schema.types.units import PartnerKind, PartnerUnit

T = CoTaskModel.__table__
TP = CoTaskPartnerModel.__table__
TE = CoTaskEventModel.__table__
D = DualReportModel.__table__
C = CommunityModel.__table__
BATCH = 200


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    return None if gid is None else from_global_id(gid, type_name)[1]


async def visible_task(info: Info, task_id: int) -> CoTask | None:
    """The task if the caller may see it, else None (as if it did not exist)."""
    async with info.context.db.read() as conn:
        row = (await conn.execute(select(T).where(T.c.id == task_id, tasks_visible(info.context.actor)))).first()
    return CoTask.from_row(row) if row is not None else None


async def visible_dual_report(info: Info, report_id: int) -> DualReport | None:
    async with info.context.db.read() as conn:
        row = (await conn.execute(select(D).where(D.c.id == report_id, D.c.community_id.in_(
            select(C.c.id).where(readable_communities(info.context.actor)))))).first()
    return DualReport.from_row(row) if row is not None else None


@strawberry.input(description="Filter co-building tasks.")
class CoTaskFilter:
    community_id: strawberry.ID | None = None
    partner_unit_id: strawberry.ID | None = None
    states: list[CoTaskState] | None = None


@strawberry.input(description="Filter dual-reporting records.")
class DualReportFilter:
    community_id: strawberry.ID | None = None
    kind: DualReportKind | None = None
    partner_unit_id: strawberry.ID | None = None


@strawberry.type(description="Big-party-committee queries.")
class PartnerQuery:
    @strawberry.field(permission_classes=[SignedIn], description=(
        "共建任务 you may see, newest first: a partner its own units' tasks only; a community its own; a street its "
        "communities'; the center, the district leader and the admin all. Keyset pagination, at most 100 a page."))
    async def co_tasks(self, info: Info, filter: CoTaskFilter | None = None, first: int | None = None, after: str | None = None) -> Connection[CoTask]:
        actor = require_actor(info.context.actor)
        stmt = select(T).where(tasks_visible(actor))
        if filter is not None:
            if (cid := _pk(filter.community_id, "Community")) is not None:
                stmt = stmt.where(T.c.community_id == cid)
            if (pid := _pk(filter.partner_unit_id, "PartnerUnit")) is not None:
                stmt = stmt.where(T.c.id.in_(select(TP.c.task_id).where(TP.c.partner_unit_id == pid)))
            if filter.states:
                stmt = stmt.where(T.c.state.in_([s.value for s in filter.states]))
        return await paginate(info.context.db, stmt, [T.c.created_at, T.c.id], CoTask.from_row, first=first, after=after, descending=True)

    @strawberry.field(permission_classes=[SignedIn], description="One co-building task; null when it does not exist or you may not see it.")
    async def co_task(self, info: Info, id: strawberry.ID) -> CoTask | None:
        return await visible_task(info, from_global_id(id, "CoTask")[1])

    @strawberry.field(permission_classes=[SignedIn], description=(
        "双报到 — party organisations and members registered with communities you may read (the community's workers, "
        "its street, the district). Newest first."))
    async def dual_reports(self, info: Info, filter: DualReportFilter | None = None, first: int | None = None,
                           after: str | None = None) -> Connection[DualReport]:
        actor = require_actor(info.context.actor)
        stmt = select(D).where(D.c.community_id.in_(select(C.c.id).where(readable_communities(actor))))
        if filter is not None:
            if (cid := _pk(filter.community_id, "Community")) is not None:
                stmt = stmt.where(D.c.community_id == cid)
            if filter.kind is not None:
                stmt = stmt.where(D.c.kind == filter.kind.value)
            if (pid := _pk(filter.partner_unit_id, "PartnerUnit")) is not None:
                stmt = stmt.where(D.c.partner_unit_id == pid)
        return await paginate(info.context.db, stmt, [D.c.created_at, D.c.id], DualReport.from_row, first=first, after=after, descending=True)


# -- mutations ------------------------------------------------------------------------------------

@strawberry.input(description="A new co-building task.")
class CreateCoTaskInput:
    community_id: strawberry.ID
    title: str
    ask: str = strawberry.field(description="What is asked of the partners (≤ 4000 characters).")
    partner_unit_ids: list[strawberry.ID] = strawberry.field(description="Member units of this community's big party committee (1–20).")
    request_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Requests of this community the task answers (still being handled; ≤ 50).")
    due_at: datetime | None = None


@strawberry.input(description="A partner's step on a task; `version` guards against a stale view.")
class CoTaskStepInput:
    id: strawberry.ID
    note: str | None = None
    version: int | None = None


@strawberry.input(description="A step that needs a text: a reason, a progress note or a result.")
class CoTaskTextInput:
    id: strawberry.ID
    text: str
    version: int | None = None


@strawberry.input(description="The community completes a task.")
class CompleteCoTaskInput:
    id: strawberry.ID
    result: str
    resolve_requests: bool = strawberry.field(default=False, description=(
        "Also resolve the linked requests you are handling, with the task's result (each gets its RESOLVED event and "
        "the resident is asked to rate). Requests you are not handling are left as they are and listed."))
    version: int | None = None


@strawberry.type(description="The task after a change.")
class CoTaskPayload:
    task: CoTask


@strawberry.type(description="A linked request that completing the task left as it was, and why.")
class UnresolvedRequest:
    request_id: strawberry.ID
    reason: str


@strawberry.type(description="The completed task and what happened to its requests.")
class CompleteCoTaskPayload:
    task: CoTask
    resolved_request_ids: list[strawberry.ID]
    unresolved: list[UnresolvedRequest]


@strawberry.input(description="A new member unit of a community's big party committee.")
class AddPartnerUnitInput:
    community_id: strawberry.ID
    name: str
    kind: PartnerKind
    services: str | None = None
    joined_on: date | None = None


@strawberry.input(description="Change a member unit.")
class UpdatePartnerUnitInput:
    id: strawberry.ID
    services: str | None = None
    active: bool | None = None


@strawberry.type(description="The member unit after a change.")
class PartnerUnitPayload:
    partner_unit: PartnerUnit


@strawberry.input(description="双报到: register a party organisation or member with the community.")
class RegisterDualReportInput:
    community_id: strawberry.ID
    kind: DualReportKind
    name: str
    affiliation: str | None = None
    partner_unit_id: strawberry.ID | None = None
    phone: str | None = None
    reported_on: date | None = None


@strawberry.input(description="A service given by a dual-reported organisation or member.")
class RecordDualServiceInput:
    dual_report_id: strawberry.ID
    served_on: date
    minutes: int = strawberry.field(description="1–1440.")
    description: str
    request_id: strawberry.ID | None = None


@strawberry.type(description="The dual-reporting record after a change.")
class DualReportPayload:
    dual_report: DualReport


def _ids(gids: list[strawberry.ID] | None, type_name: str) -> list[int]:
    return [from_global_id(g, type_name)[1] for g in gids or []]


async def _task_step(info: Info, fn: Any, gid: strawberry.ID, **kwargs: Any) -> CoTaskPayload:
    async with write_unit(info.context) as session:
        task = await fn(session, info.context.actor, from_global_id(gid, "CoTask")[1], **kwargs)
    return CoTaskPayload(task=CoTask.from_row(task))


@strawberry.type(description="Big-party-committee mutations.")
class PartnerMutation:
    @strawberry.mutation(description="共建任务: the community (or the center for it) asks member units of its big party committee for help.")
    async def create_co_task(self, info: Info, input: CreateCoTaskInput) -> CoTaskPayload:
        async with write_unit(info.context) as session:
            task = await cobuilding.create_task(
                session, info.context.actor, community_id=from_global_id(input.community_id, "Community")[1], title=input.title,
                ask=input.ask, partner_unit_ids=_ids(input.partner_unit_ids, "PartnerUnit"), request_ids=_ids(input.request_ids, "Request"),
                due_at=input.due_at)
        return CoTaskPayload(task=CoTask.from_row(task))

    @strawberry.mutation(description="A partner accepts its part (PARTNER of an invited unit).")
    async def accept_co_task(self, info: Info, input: CoTaskStepInput) -> CoTaskPayload:
        return await _task_step(info, cobuilding.accept, input.id, note=input.note or "", version=input.version)

    @strawberry.mutation(description="A partner declines its part, with a reason.")
    async def decline_co_task(self, info: Info, input: CoTaskTextInput) -> CoTaskPayload:
        return await _task_step(info, cobuilding.decline, input.id, reason=input.text, version=input.version)

    @strawberry.mutation(description="A partner reports progress on its accepted part.")
    async def report_co_task_progress(self, info: Info, input: CoTaskTextInput) -> CoTaskPayload:
        return await _task_step(info, cobuilding.report_progress, input.id, note=input.text, version=input.version)

    @strawberry.mutation(description="A partner finishes its part, with what it did.")
    async def finish_co_task_part(self, info: Info, input: CoTaskTextInput) -> CoTaskPayload:
        return await _task_step(info, cobuilding.finish_part, input.id, result=input.text, version=input.version)

    @strawberry.mutation(description=(
        "The community completes the task once no partner is still working and at least one finished; optionally "
        "resolving the linked requests it is handling."))
    async def complete_co_task(self, info: Info, input: CompleteCoTaskInput) -> CompleteCoTaskPayload:
        async with write_unit(info.context) as session:
            done = await cobuilding.complete(session, info.context.actor, from_global_id(input.id, "CoTask")[1], result=input.result,
                                             resolve_requests=input.resolve_requests, version=input.version)
        from schema.ids import to_global_id

        return CompleteCoTaskPayload(
            task=CoTask.from_row(done.task), resolved_request_ids=[strawberry.ID(to_global_id("Request", r)) for r in done.resolved],
            unresolved=[UnresolvedRequest(request_id=strawberry.ID(to_global_id("Request", r)), reason=why) for r, why in done.not_resolved])

    @strawberry.mutation(description="The community cancels a task that is not done, with a reason.")
    async def cancel_co_task(self, info: Info, input: CoTaskTextInput) -> CoTaskPayload:
        return await _task_step(info, cobuilding.cancel, input.id, reason=input.text, version=input.version)

    @strawberry.mutation(description="A new member unit of the community's big party committee (the community's workers or the center).")
    async def add_partner_unit(self, info: Info, input: AddPartnerUnitInput) -> PartnerUnitPayload:
        async with write_unit(info.context) as session:
            unit = await register.add_partner_unit(session, info.context.actor, community_id=from_global_id(input.community_id, "Community")[1],
                                                   name=input.name, kind=input.kind.value, services=input.services or "", joined_on=input.joined_on)
        return PartnerUnitPayload(partner_unit=PartnerUnit.from_row(unit))

    @strawberry.mutation(description="Change a member unit's services or retire it (inactive units get no new tasks).")
    async def update_partner_unit(self, info: Info, input: UpdatePartnerUnitInput) -> PartnerUnitPayload:
        async with write_unit(info.context) as session:
            unit = await register.update_partner_unit(session, info.context.actor, from_global_id(input.id, "PartnerUnit")[1],
                                                      services=input.services, active=input.active)
        return PartnerUnitPayload(partner_unit=PartnerUnit.from_row(unit))

    @strawberry.mutation(description="双报到: register a party organisation or party member with the community.")
    async def register_dual_report(self, info: Info, input: RegisterDualReportInput) -> DualReportPayload:
        async with write_unit(info.context) as session:
            report = await register.register_dual_report(
                session, info.context.actor, community_id=from_global_id(input.community_id, "Community")[1], kind=input.kind.value,
                name=input.name, affiliation=input.affiliation or "", partner_unit_id=_pk(input.partner_unit_id, "PartnerUnit"),
                phone=input.phone, reported_on=input.reported_on)
        return DualReportPayload(dual_report=DualReport.from_row(report))

    @strawberry.mutation(description="Record a service given by a dual-reported organisation or member.")
    async def record_dual_report_service(self, info: Info, input: RecordDualServiceInput) -> DualReportPayload:
        async with write_unit(info.context) as session:
            await register.record_service(session, info.context.actor, from_global_id(input.dual_report_id, "DualReport")[1],
                                          served_on=input.served_on, minutes=input.minutes, description=input.description,
                                          request_id=_pk(input.request_id, "Request"))
            report = await session.get(DualReportModel, from_global_id(input.dual_report_id, "DualReport")[1])
        return DualReportPayload(dual_report=DualReport.from_row(report))


# -- live -------------------------------------------------------------------------------------------

async def co_task_stream(info: Info, after: str | None) -> AsyncGenerator[CoTaskEvent, None]:
    """Events of the tasks the caller may see, replayed after `after`, then live. Partners are
    few (a few per community), so each subscription reads the tasks' log itself on every bell —
    the shared fan-out (schema/fanout.py) is for the request log's thousands of walls."""
    ctx = info.context
    actor = require_actor(ctx.actor)
    last: int | None = None
    if after is not None:
        try:
            last = int(after)
        except ValueError:
            raise BadUserInput("游标无效", "Invalid cursor") from None
        if last < 0:
            raise BadUserInput("游标无效", "Invalid cursor")
    async with ctx.extra["bus"].doorbell() as bell:
        if last is None:
            async with ctx.db.read() as conn:
                last = (await conn.execute(select(TE.c.seq).order_by(TE.c.seq.desc()).limit(1))).scalar() or 0
        while True:
            await wait_for_bell(bell)
            while True:
                async with ctx.db.read() as conn:
                    # The top first: seqs follow commit order, so nothing at or below it can still appear.
                    top = (await conn.execute(select(TE.c.seq).order_by(TE.c.seq.desc()).limit(1))).scalar() or 0
                    rows = (await conn.execute(select(TE).join(T, T.c.id == TE.c.task_id).where(
                        TE.c.seq > last, TE.c.seq <= top, tasks_visible(actor)).order_by(TE.c.seq).limit(BATCH))).all()
                ctx.loaders = Loaders(ctx.db)  # fresh rows per batch (KNOWN-DEFECTS §5)
                for row in rows:
                    last = row.seq
                    yield CoTaskEvent.from_row(row)
                if len(rows) < BATCH:
                    last = max(last, top)
                    break
