"""Service records: volunteers (or a team) served; the community worker confirms and the credit
is posted in the same transaction. Confirming again, or retrying a confirm, credits once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Request, ServiceParticipant, ServiceRecord, TimeBankAccount, Volunteer, VolunteerTeam, VolunteerTeamMember
from resolvers.actor import Actor
from resolvers.calendar import local_today
from resolvers.errors import BadUserInput, Conflict, Forbidden, InvalidTransition, NotFound
from resolvers.requests.common import require_text
from resolvers.roles import Role
from resolvers.timebank import ledger
from resolvers.timebank.access import own_volunteer, require_worker
from resolvers.volunteers import community_or_404

S = ServiceRecord.__table__
MAX_MINUTES = 24 * 60
MAX_PARTICIPANTS = 200
MAX_AGE_DAYS = 366


async def record_service(session: AsyncSession, actor: Actor | None, *, community_id: int, description: str, served_on: date,
                         minutes: int, volunteer_ids: list[int] | None = None, team_id: int | None = None,
                         request_id: int | None = None) -> ServiceRecord:
    """The community worker records a service of its volunteers (a team: its members unless
    named); a VOLUNTEER records its own service (it then waits for the worker's confirmation)."""
    await community_or_404(session, community_id)
    self_record = actor is not None and actor.role is Role.VOLUNTEER
    if self_record:
        me = await own_volunteer(session, actor)
        if me is None or me.community_id != community_id or not me.active:
            raise Forbidden("只能记录本人在本社区的服务", "A volunteer records only its own service in its community")
        if team_id is not None or (volunteer_ids and set(volunteer_ids) != {me.id}):
            raise Forbidden("志愿者只能记录本人的服务", "A volunteer records only its own service")
        volunteer_ids = [me.id]
    else:
        require_worker(actor, community_id)
    description = require_text(description, "服务内容", "description", 2000)
    if not 1 <= minutes <= MAX_MINUTES:
        raise BadUserInput("服务时长须在 1 分钟到 24 小时之间", "minutes must be between 1 and 1440")
    today = local_today()
    if served_on > today:
        raise BadUserInput("服务日期不能晚于今天", "servedOn cannot be in the future")
    if served_on < today - timedelta(days=MAX_AGE_DAYS):
        raise BadUserInput("只能记录一年内的服务", "Only services of the past year can be recorded")
    participants = list(dict.fromkeys(volunteer_ids or []))
    if team_id is not None:
        team = await session.get(VolunteerTeam, team_id)
        if team is None or team.community_id != community_id:
            raise BadUserInput("服务队须为本社区的服务队", "The team must be one of this community's")
        if not participants:
            participants = list((await session.execute(
                select(VolunteerTeamMember.volunteer_id).join(Volunteer, Volunteer.id == VolunteerTeamMember.volunteer_id)
                .where(VolunteerTeamMember.team_id == team_id, Volunteer.active.is_(True)).order_by(VolunteerTeamMember.volunteer_id))).scalars())
            if not participants:
                raise BadUserInput("服务队没有在册志愿者", "The team has no active members")
    if not participants:
        raise BadUserInput("请指定参与服务的志愿者或服务队", "Name the volunteers or the team who served")
    if len(participants) > MAX_PARTICIPANTS:
        raise BadUserInput(f"一次最多记录 {MAX_PARTICIPANTS} 名志愿者", f"At most {MAX_PARTICIPANTS} volunteers per service")
    found = {r.id: r for r in (await session.execute(select(Volunteer).where(Volunteer.id.in_(participants)))).scalars()}
    for vid in participants:
        v = found.get(vid)
        if v is None or v.community_id != community_id:
            raise BadUserInput("参与者须为本社区志愿者", "Participants must be volunteers of this community")
        if not v.active:
            raise BadUserInput(f"志愿者 {v.name} 已停用", "An inactive volunteer cannot be credited")
    if request_id is not None:
        request = await session.get(Request, request_id)
        if request is None or request.community_id != community_id:
            raise BadUserInput("只能关联本社区的诉求", "Only requests of this community can be linked")
    record = ServiceRecord(community_id=community_id, team_id=team_id, description=description, served_on=served_on, minutes=minutes,
                           request_id=request_id, state="RECORDED", recorded_by_user_id=actor.user_id, created_at=utcnow(), version=1)
    session.add(record)
    await session.flush()
    for vid in participants:
        session.add(ServiceParticipant(service_id=record.id, volunteer_id=vid))
    await session.flush()
    return record


async def _lock_service(session: AsyncSession, service_id: int) -> ServiceRecord:
    row = (await session.execute(select(ServiceRecord).where(ServiceRecord.id == service_id).with_for_update())).scalar_one_or_none()
    if row is None:
        raise NotFound("服务记录不存在", "No such service record")
    return row


async def confirm_service(session: AsyncSession, actor: Actor | None, service_id: int, *, version: int | None = None) -> ServiceRecord:
    """Confirm and credit every participant `minutes × rate` in one entry against the
    community's ISSUED account. Idempotent: a confirmed service is returned as it is."""
    record = await _lock_service(session, service_id)
    actor = require_worker(actor, record.community_id)
    if record.state == "CONFIRMED":
        return record  # a retry, or a second click: credited once already
    if record.state != "RECORDED":
        raise InvalidTransition("该服务记录不能确认(已驳回或已冲正)", "This service was rejected or reversed and cannot be confirmed")
    if version is not None and version != record.version:
        raise Conflict()
    rate = await ledger.units_per_hour(session, record.community_id)
    amount = ledger.credit_for(record.minutes, rate)
    if amount <= 0:
        raise BadUserInput("服务时长过短,不足 0.1 积分", "The service is too short to earn 0.1 point")
    participants = list((await session.execute(select(ServiceParticipant.volunteer_id).where(
        ServiceParticipant.service_id == record.id).order_by(ServiceParticipant.volunteer_id))).scalars())
    accounts = dict((await session.execute(select(TimeBankAccount.volunteer_id, TimeBankAccount.id).where(
        TimeBankAccount.volunteer_id.in_(participants)))).all())
    issued = await ledger.system_account(session, record.community_id, "ISSUED")
    key = f"service:{record.id}"
    existing = await ledger.find_by_key(session, key)
    if existing is None:
        lines = [(accounts[v], amount) for v in participants] + [(issued, -amount * len(participants))]
        hours = ledger.points_text(record.minutes * 10 // 60)
        existing = await ledger.post(session, community_id=record.community_id, kind="CREDIT", lines=lines, actor=actor,
                                     memo=f"服务 {hours} 小时:{record.description[:300]}", idempotency_key=key)
    record.state, record.entry_id = "CONFIRMED", existing
    record.confirmed_by_user_id, record.confirmed_at = actor.user_id, utcnow()
    record.version += 1
    await session.flush()
    return record


async def reject_service(session: AsyncSession, actor: Actor | None, service_id: int, *, version: int | None = None) -> ServiceRecord:
    record = await _lock_service(session, service_id)
    require_worker(actor, record.community_id)
    if record.state == "REJECTED":
        return record
    if record.state != "RECORDED":
        raise InvalidTransition("已确认的服务不能驳回,请冲正其积分", "A confirmed service cannot be rejected; reverse its entry instead")
    if version is not None and version != record.version:
        raise Conflict()
    record.state = "REJECTED"
    record.version += 1
    await session.flush()
    return record

