"""Volunteers (志愿者) and volunteer teams (志愿服务队) of a community.

A volunteer gets a time-bank account when registered. A volunteer may be linked to a resident of
the community and to a VOLUNTEER login scoped to the community (that login then sees its own
account and redeems for itself).
"""

from __future__ import annotations

import re

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Building, Community, Resident, TimeBankAccount, User, UserScope, Volunteer, VolunteerTeam, VolunteerTeamMember
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, NotFound
from resolvers.requests.common import require_text
from resolvers.roles import Role, ScopeKind
from resolvers.timebank.access import require_worker

_PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")


async def community_or_404(session: AsyncSession, community_id: int) -> Community:
    community = await session.get(Community, community_id)
    if community is None:
        raise NotFound("社区不存在", "No such community")
    return community


def clean_phone(phone: str | None) -> str | None:
    phone = (phone or "").strip() or None
    if phone is not None and not _PHONE.match(phone):
        raise BadUserInput("电话号码格式不正确", "Malformed phone number")
    return phone


async def register_volunteer(session: AsyncSession, actor: Actor | None, *, community_id: int, name: str, phone: str | None = None,
                             skills: str = "", resident_id: int | None = None, user_id: int | None = None) -> Volunteer:
    await community_or_404(session, community_id)
    require_worker(actor, community_id)
    name = require_text(name, "姓名", "name", 64)
    phone = clean_phone(phone)
    skills = (skills or "").strip()
    if len(skills) > 200:
        raise BadUserInput("特长过长(最多 200 字)", "skills is too long (at most 200 characters)")
    if resident_id is not None:
        community_of = (await session.execute(select(Building.community_id).join(Resident, Resident.building_id == Building.id)
                                              .where(Resident.id == resident_id))).scalar()
        if community_of != community_id:
            raise BadUserInput("只能关联本社区的居民", "The resident must live in this community")
    if user_id is not None:
        user = await session.get(User, user_id)
        scoped = (await session.execute(select(UserScope.id).where(
            UserScope.user_id == user_id, UserScope.kind == ScopeKind.COMMUNITY.value, UserScope.ref_id == community_id))).first()
        if user is None or user.role != Role.VOLUNTEER.value or scoped is None:
            raise BadUserInput("只能关联本社区的志愿者账号", "The login must be a VOLUNTEER login of this community")
        if (await session.execute(select(Volunteer.id).where(Volunteer.user_id == user_id))).first() is not None:
            raise BadUserInput("该账号已关联其他志愿者", "That login already belongs to another volunteer")
    volunteer = Volunteer(community_id=community_id, name=name, phone=phone, skills=skills, resident_id=resident_id,
                          user_id=user_id, active=True, created_at=utcnow(), version=1)
    session.add(volunteer)
    await session.flush()
    await session.execute(insert(TimeBankAccount.__table__).values(
        code=f"V{volunteer.id}", community_id=community_id, kind="VOLUNTEER", volunteer_id=volunteer.id, balance=0, created_at=utcnow()))
    return volunteer


async def create_team(session: AsyncSession, actor: Actor | None, *, community_id: int, name: str, description: str = "",
                      member_ids: list[int] | None = None, leader_id: int | None = None) -> VolunteerTeam:
    await community_or_404(session, community_id)
    require_worker(actor, community_id)
    name = require_text(name, "服务队名称", "name", 64)
    if (await session.execute(select(VolunteerTeam.id).where(VolunteerTeam.community_id == community_id, VolunteerTeam.name == name))).first():
        raise BadUserInput("本社区已有同名服务队", "This community already has a team of that name")
    members = list(dict.fromkeys(member_ids or []))
    if leader_id is not None and leader_id not in members:
        members.insert(0, leader_id)
    if len(members) > 500:
        raise BadUserInput("服务队成员最多 500 人", "A team holds at most 500 members")
    await _check_members(session, community_id, members)
    team = VolunteerTeam(community_id=community_id, name=name, description=(description or "").strip()[:2000], created_at=utcnow())
    session.add(team)
    await session.flush()
    for vid in members:
        session.add(VolunteerTeamMember(team_id=team.id, volunteer_id=vid, is_leader=vid == leader_id, joined_at=utcnow()))
    await session.flush()
    return team


async def _check_members(session: AsyncSession, community_id: int, ids: list[int]) -> None:
    if not ids:
        return
    found = dict((await session.execute(select(Volunteer.id, Volunteer.community_id).where(Volunteer.id.in_(ids)))).all())
    for vid in ids:
        if found.get(vid) != community_id:
            raise BadUserInput("服务队成员须为本社区志愿者", "Team members must be volunteers of this community")


async def add_team_member(session: AsyncSession, actor: Actor | None, team_id: int, volunteer_id: int, *, is_leader: bool = False) -> VolunteerTeam:
    team = await session.get(VolunteerTeam, team_id)
    if team is None:
        raise NotFound("服务队不存在", "No such volunteer team")
    require_worker(actor, team.community_id)
    await _check_members(session, team.community_id, [volunteer_id])
    if (await session.execute(select(VolunteerTeamMember.id).where(
            VolunteerTeamMember.team_id == team_id, VolunteerTeamMember.volunteer_id == volunteer_id))).first():
        raise BadUserInput("该志愿者已在服务队中", "The volunteer is already a member of this team")
    session.add(VolunteerTeamMember(team_id=team_id, volunteer_id=volunteer_id, is_leader=is_leader, joined_at=utcnow()))
    await session.flush()
    return team


async def update_volunteer(session: AsyncSession, actor: Actor | None, volunteer_id: int, *, version: int | None = None,
                           name: str | None = None, phone: str | None = None, skills: str | None = None,
                           active: bool | None = None) -> Volunteer:
    """Change a volunteer's details or retire them (an inactive volunteer earns and redeems nothing;
    the account and its lines stay). `version` guards against a stale view (CONFLICT)."""
    volunteer = (await session.execute(select(Volunteer).where(Volunteer.id == volunteer_id).with_for_update())).scalar_one_or_none()
    if volunteer is None:
        raise NotFound("志愿者不存在", "No such volunteer")
    require_worker(actor, volunteer.community_id)
    if version is not None and version != volunteer.version:
        raise Conflict()
    if name is not None:
        volunteer.name = require_text(name, "姓名", "name", 64)
    if phone is not None:
        volunteer.phone = clean_phone(phone)
    if skills is not None:
        if len(skills.strip()) > 200:
            raise BadUserInput("特长过长(最多 200 字)", "skills is too long (at most 200 characters)")
        volunteer.skills = skills.strip()
    if active is not None:
        volunteer.active = active
    volunteer.version += 1
    await session.flush()
    return volunteer
