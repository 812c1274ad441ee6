"""共建任务 — co-building tasks: the community turns requests (or a need of its own) into work
for member units of its big party committee (SPEC §6).

Life cycle. The community creates a task for one or more partners: each partner's part is
INVITED. A partner ACCEPTS (the task goes IN_PROGRESS) or DECLINES with a reason, reports
progress, and marks its part DONE with its result. The community then completes the task with
the overall result — and, if it asks to, resolves the linked requests through the request state
machine, as their handler (a partner never resolves a resident's request itself). A task can be
cancelled while not done. Every change appends an event to the tasks' log (live feed, history).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import CoTask, CoTaskPartner, CoTaskRequest, PartnerUnit, Request
from resolvers import events
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, Forbidden, InvalidTransition, NotFound
from resolvers.partners.access import can_run_community, partner_units_of
from resolvers.requests import handling
from resolvers.requests.common import move, require_text
from resolvers.requests.vocab import State
from resolvers.access import require_actor
from resolvers.roles import Role

OPEN, IN_PROGRESS, DONE, CANCELLED = "OPEN", "IN_PROGRESS", "DONE", "CANCELLED"
INVITED, ACCEPTED, DECLINED, PART_DONE = "INVITED", "ACCEPTED", "DECLINED", "DONE"
TASK_ZH = {OPEN: "待接受", IN_PROGRESS: "进行中", DONE: "已完成", CANCELLED: "已取消"}
MAX_PARTNERS = 20
MAX_REQUESTS = 50
# Requests a task may be linked to: still being handled.
_LINKABLE = {State.SUBMITTED, State.TRIAGED, State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS, State.REOPENED,
             State.DISPUTED, State.REDISPATCHED, State.ESCALATED, State.DECIDED}


@dataclass
class Completion:
    task: CoTask
    resolved: list[int] = field(default_factory=list)
    not_resolved: list[tuple[int, str]] = field(default_factory=list)  # (request id, why)


async def load_task(session: AsyncSession, task_id: int, expected_version: int | None = None) -> CoTask:
    task = await session.get(CoTask, task_id)
    if task is None:
        raise NotFound("共建任务不存在", "No such co-building task")
    if expected_version is not None and task.version != expected_version:
        raise Conflict(f"该任务已被他人更新(当前版本 {task.version}),请刷新后重试",
                       f"The task changed (now version {task.version}); reload and retry", currentVersion=task.version)
    return task


async def _bump(session: AsyncSession, task: CoTask, state: str | None = None) -> None:
    """Compare-and-set on the version: of two concurrent writers exactly one wins."""
    before = task.version
    values = {"version": before + 1, "updated_at": utcnow()}
    if state is not None:
        values["state"] = state
    await session.flush()
    t = CoTask.__table__
    result = await session.execute(update(t).where(t.c.id == task.id, t.c.version == before).values(**values))
    if result.rowcount != 1:
        raise Conflict()
    task.version, task.updated_at = before + 1, values["updated_at"]
    if state is not None:
        task.state = state


def _require_task_state(task: CoTask, action_zh: str, action_en: str, *allowed: str) -> None:
    if task.state not in allowed:
        raise InvalidTransition(f"任务处于“{TASK_ZH[task.state]}”状态,不能{action_zh}",
                                f"Cannot {action_en} a task in state {task.state}", state=task.state)


async def create_task(session: AsyncSession, actor: Actor | None, *, community_id: int, title: str, ask: str,
                      partner_unit_ids: list[int], request_ids: list[int], due_at: datetime | None) -> CoTask:
    actor = can_run_community(actor, community_id)
    title = require_text(title, "任务名称", "title", 120)
    ask = require_text(ask, "任务内容", "ask", 4000)
    partners = list(dict.fromkeys(partner_unit_ids))
    if not partners:
        raise BadUserInput("至少指定一个共建单位", "Name at least one partner unit")
    if len(partners) > MAX_PARTNERS or len(request_ids) > MAX_REQUESTS:
        raise BadUserInput(f"共建单位最多 {MAX_PARTNERS} 个、诉求最多 {MAX_REQUESTS} 件",
                           f"At most {MAX_PARTNERS} partners and {MAX_REQUESTS} requests")
    now = utcnow()
    if due_at is not None:
        if due_at.tzinfo is None:
            raise BadUserInput("时间须带时区", "Give times with a time zone offset")
        if due_at <= now:
            raise BadUserInput("完成期限须晚于现在", "The due time must be in the future")
    units = {u.id: u for u in (await session.execute(select(PartnerUnit).where(PartnerUnit.id.in_(partners)))).scalars()}
    for pid in partners:
        unit = units.get(pid)
        if unit is None or unit.community_id != community_id or not unit.active:
            raise BadUserInput("共建单位须为本社区大党委的在册成员单位", "Each partner must be an active member unit of this community's big party committee",
                               partnerUnitId=pid)
    requests = []
    for rid in dict.fromkeys(request_ids):
        request = await session.get(Request, rid)
        if request is None or request.community_id != community_id:
            raise BadUserInput("只能关联本社区的诉求", "Only requests of this community can be linked", requestId=rid)
        if State(request.state) not in _LINKABLE:
            raise BadUserInput("只能关联尚在办理中的诉求", "Only requests still being handled can be linked", requestId=rid)
        requests.append(request)

    task = CoTask(community_id=community_id, title=title, ask=ask, due_at=due_at, state=OPEN,
                  created_by_user_id=actor.user_id, created_at=now, updated_at=now, version=1)
    session.add(task)
    await session.flush()
    for pid in partners:
        session.add(CoTaskPartner(task_id=task.id, partner_unit_id=pid, state=INVITED))
        events.stage_task(session, task, "INVITED", actor, partner_unit_id=pid, note=units[pid].name)
    for request in requests:
        session.add(CoTaskRequest(task_id=task.id, request_id=request.id))
        # The request's own history shows the task (no state change; the version moves).
        await move(session, request, None, "CO_TASK_LINKED", actor, note=title, data={"taskId": task.id})
    events.stage_task(session, task, "CREATED", actor, note=ask)
    return task


async def _my_part(session: AsyncSession, actor: Actor | None, task: CoTask) -> tuple[Actor, CoTaskPartner]:
    actor = require_actor(actor)
    if actor.role is not Role.PARTNER:
        raise Forbidden("只有受邀的共建单位可以操作", "Only an invited partner unit may do this")
    units = partner_units_of(actor)
    part = (await session.execute(select(CoTaskPartner).where(
        CoTaskPartner.task_id == task.id, CoTaskPartner.partner_unit_id.in_(units)).order_by(CoTaskPartner.id))).scalars().first()
    if part is None:
        # Not one of ours: indistinguishable from a task that does not exist.
        raise NotFound("共建任务不存在", "No such co-building task")
    return actor, part


def _require_part(part: CoTaskPartner, action_zh: str, action_en: str, *allowed: str) -> None:
    if part.state not in allowed:
        raise InvalidTransition(f"本单位的任务状态为 {part.state},不能{action_zh}", f"Cannot {action_en} a part in state {part.state}",
                                state=part.state)


async def accept(session: AsyncSession, actor: Actor | None, task_id: int, *, version: int | None = None, note: str = "") -> CoTask:
    task = await load_task(session, task_id, version)
    actor, part = await _my_part(session, actor, task)
    _require_task_state(task, "接受", "accept", OPEN, IN_PROGRESS)
    _require_part(part, "接受", "accept", INVITED)
    part.state, part.responded_at = ACCEPTED, utcnow()
    await _bump(session, task, IN_PROGRESS)
    events.stage_task(session, task, "ACCEPTED", actor, partner_unit_id=part.partner_unit_id, note=(note or "").strip()[:2000])
    return task


async def decline(session: AsyncSession, actor: Actor | None, task_id: int, *, reason: str, version: int | None = None) -> CoTask:
    task = await load_task(session, task_id, version)
    actor, part = await _my_part(session, actor, task)
    _require_task_state(task, "拒绝", "decline", OPEN, IN_PROGRESS)
    _require_part(part, "拒绝", "decline", INVITED)
    part.decline_reason = require_text(reason, "拒绝理由", "reason", 2000)
    part.state, part.responded_at = DECLINED, utcnow()
    await _bump(session, task)
    events.stage_task(session, task, "DECLINED", actor, partner_unit_id=part.partner_unit_id, note=part.decline_reason)
    return task


async def report_progress(session: AsyncSession, actor: Actor | None, task_id: int, *, note: str, version: int | None = None) -> CoTask:
    task = await load_task(session, task_id, version)
    actor, part = await _my_part(session, actor, task)
    _require_task_state(task, "反馈进展", "report progress on", IN_PROGRESS)
    _require_part(part, "反馈进展", "report progress on", ACCEPTED)
    text = require_text(note, "进展说明", "note", 2000)
    await _bump(session, task)
    events.stage_task(session, task, "PROGRESS", actor, partner_unit_id=part.partner_unit_id, note=text)
    return task


async def finish_part(session: AsyncSession, actor: Actor | None, task_id: int, *, result: str, version: int | None = None) -> CoTask:
    task = await load_task(session, task_id, version)
    actor, part = await _my_part(session, actor, task)
    _require_task_state(task, "完成", "finish", IN_PROGRESS)
    _require_part(part, "完成", "finish", ACCEPTED)
    part.result = require_text(result, "完成情况", "result", 4000)
    part.state, part.done_at = PART_DONE, utcnow()
    await _bump(session, task)
    events.stage_task(session, task, "PARTNER_DONE", actor, partner_unit_id=part.partner_unit_id, note=part.result)
    return task


async def complete(session: AsyncSession, actor: Actor | None, task_id: int, *, result: str, resolve_requests: bool,
                   version: int | None = None) -> Completion:
    """The community closes the task. With `resolve_requests`, each linked request the caller is
    handling is resolved with `result` (its RESOLVED event, the resident's rating invitation);
    the others are listed with the reason they were left as they are."""
    task = await load_task(session, task_id, version)
    actor = can_run_community(actor, task.community_id)
    _require_task_state(task, "完成", "complete", IN_PROGRESS)
    parts = list((await session.execute(select(CoTaskPartner).where(CoTaskPartner.task_id == task.id))).scalars())
    if not any(p.state == PART_DONE for p in parts):
        raise InvalidTransition("尚无共建单位完成任务", "No partner has finished its part yet", state=task.state)
    if any(p.state == ACCEPTED for p in parts):
        raise InvalidTransition("仍有共建单位在办理中", "A partner is still working on its part", state=task.state)
    task.result = require_text(result, "任务结果", "result", 4000)
    task.completed_at = utcnow()
    await _bump(session, task, DONE)
    events.stage_task(session, task, "COMPLETED", actor, note=task.result)
    done = Completion(task)
    if resolve_requests:
        linked = (await session.execute(select(CoTaskRequest.request_id).where(CoTaskRequest.task_id == task.id).order_by(CoTaskRequest.id))).scalars()
        for rid in list(linked):
            request = await session.get(Request, rid)
            why = await handling.why_not_resolvable(session, actor, request)
            if why is not None:
                done.not_resolved.append((rid, f"{why[0]}({why[1]})"))
                continue
            await handling.resolve(session, actor, rid, resolution=f"共建任务“{task.title}”完成:{task.result}")
            done.resolved.append(rid)
    return done


async def cancel(session: AsyncSession, actor: Actor | None, task_id: int, *, reason: str, version: int | None = None) -> CoTask:
    task = await load_task(session, task_id, version)
    actor = can_run_community(actor, task.community_id)
    _require_task_state(task, "取消", "cancel", OPEN, IN_PROGRESS)
    text = require_text(reason, "取消理由", "reason", 2000)
    task.result = text
    await _bump(session, task, CANCELLED)
    events.stage_task(session, task, "CANCELLED", actor, note=text)
    return task
