"""The big party committee's register: member units (大党委成员单位) and dual reporting (双报到)
of party organisations and party members to the community, with their service records."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Community, DualReport, DualReportService, PartnerUnit, Request
from resolvers.actor import Actor
from resolvers.calendar import local_today
from resolvers.errors import BadUserInput, NotFound
from resolvers.partners.access import can_run_community
from resolvers.requests.common import require_text

PARTNER_KINDS = ("STATIONED_UNIT", "ENTERPRISE", "TWO_NEW", "PROPERTY_COMPANY")
REPORT_KINDS = ("ORGANISATION", "MEMBER")
_PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
MAX_MINUTES = 24 * 60


async def _community(session: AsyncSession, community_id: int) -> Community:
    community = await session.get(Community, community_id)
    if community is None:
        raise NotFound("社区不存在", "No such community")
    return community


async def add_partner_unit(session: AsyncSession, actor: Actor | None, *, community_id: int, name: str, kind: str,
                           services: str = "", joined_on: date | None = None) -> PartnerUnit:
    """A community (or the center) adds a member unit to its big party committee."""
    await _community(session, community_id)
    can_run_community(actor, community_id)
    return await insert_partner_unit(session, community_id=community_id, name=name, kind=kind, services=services,
                                     joined_on=joined_on)


async def insert_partner_unit(session: AsyncSession, *, community_id: int, name: str, kind: str, services: str = "",
                              joined_on: date | None = None) -> PartnerUnit:
    """The unit itself, by the partners area's rules (kind, a name unique in its community); the
    caller has authorised it (a community's worker, the center, or ADMIN's administration)."""
    await _community(session, community_id)
    name = require_text(name, "单位名称", "name", 128)
    if kind not in PARTNER_KINDS:
        raise BadUserInput("成员单位类别无效", "Unknown partner kind")
    taken = (await session.execute(select(PartnerUnit.id).where(PartnerUnit.community_id == community_id, PartnerUnit.name == name))).first()
    if taken is not None:
        raise BadUserInput("本社区已有同名成员单位", "This community already has a member unit of that name")
    top = (await session.execute(select(func.coalesce(func.max(PartnerUnit.id), 0)))).scalar_one()
    unit = PartnerUnit(code=f"P{top + 1:03d}", name=name, kind=kind, community_id=community_id,
                       services=(services or "").strip()[:2000], joined_on=joined_on or local_today(), active=True)
    session.add(unit)
    await session.flush()
    return unit


async def update_partner_unit(session: AsyncSession, actor: Actor | None, unit_id: int, *, services: str | None = None,
                              active: bool | None = None) -> PartnerUnit:
    unit = await session.get(PartnerUnit, unit_id)
    if unit is None:
        raise NotFound("成员单位不存在", "No such partner unit")
    can_run_community(actor, unit.community_id)
    if services is not None:
        unit.services = services.strip()[:2000]
    if active is not None:
        unit.active = active
    await session.flush()
    return unit


async def register_dual_report(session: AsyncSession, actor: Actor | None, *, community_id: int, kind: str, name: str,
                               affiliation: str = "", partner_unit_id: int | None = None, phone: str | None = None,
                               reported_on: date | None = None) -> DualReport:
    await _community(session, community_id)
    can_run_community(actor, community_id)
    if kind not in REPORT_KINDS:
        raise BadUserInput("报到类别无效(组织或党员)", "kind must be ORGANISATION or MEMBER")
    name = require_text(name, "名称", "name", 128)
    if partner_unit_id is not None:
        unit = await session.get(PartnerUnit, partner_unit_id)
        if unit is None or unit.community_id != community_id:
            raise BadUserInput("所属成员单位须为本社区大党委成员", "The partner unit must belong to this community")
    if phone is not None:
        phone = phone.strip() or None
        if phone is not None and not _PHONE.match(phone):
            raise BadUserInput("电话号码格式不正确", "Malformed phone number")
    report = DualReport(community_id=community_id, kind=kind, name=name, affiliation=(affiliation or "").strip()[:128],
                        partner_unit_id=partner_unit_id, phone=phone, reported_on=reported_on or local_today(), active=True)
    session.add(report)
    await session.flush()
    return report


async def record_service(session: AsyncSession, actor: Actor | None, dual_report_id: int, *, served_on: date, minutes: int,
                         description: str, request_id: int | None = None) -> DualReportService:
    report = await session.get(DualReport, dual_report_id)
    if report is None:
        raise NotFound("报到记录不存在", "No such dual-reporting record")
    actor = can_run_community(actor, report.community_id)
    if not 0 < minutes <= MAX_MINUTES:
        raise BadUserInput("服务时长须在 1 分钟到 24 小时之间", "minutes must be between 1 and 1440")
    if served_on > local_today():
        raise BadUserInput("服务日期不能晚于今天", "served_on cannot be in the future")
    if request_id is not None:
        request = await session.get(Request, request_id)
        if request is None or request.community_id != report.community_id:
            raise BadUserInput("只能关联本社区的诉求", "Only requests of this community can be linked")
    service = DualReportService(dual_report_id=report.id, served_on=served_on, minutes=minutes,
                                description=require_text(description, "服务内容", "description", 2000),
                                request_id=request_id, recorded_by_user_id=actor.user_id)
    session.add(service)
    await session.flush()
    return service
