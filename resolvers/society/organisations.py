"""The register of social organisations and social-work agencies, and agencies as community
partners (社区合伙人: 以空间换服务)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import AuditEntry, Community, CommunityPartnership, SocialOrganisation
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, NotFound
from resolvers.society.access import require_community_runner, require_manager
from resolvers.society.vocab import OrgKind, clean_text

_REG_NO = re.compile(r"^[0-9A-Z][0-9A-Z-]{5,31}$")
_PHONE = re.compile(r"^\+?[0-9][0-9-]{6,19}$")


@dataclass
class OrganisationInput:
    kind: OrgKind
    name: str
    registration_no: str
    contact_name: str | None = None
    contact_phone: str | None = None
    service_areas: str | None = None


@dataclass
class OrganisationChange:
    name: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    service_areas: str | None = None
    active: bool | None = None
    version: int | None = None


@dataclass
class PartnershipInput:
    organisation_id: int
    community_id: int
    space: str
    services: str
    starts_on: date
    ends_on: date | None = None
    active: bool = True
    version: int | None = None


def _phone(value: str | None) -> str | None:
    phone = (value or "").strip().replace(" ", "")
    if not phone:
        return None
    if not _PHONE.match(phone):
        raise BadUserInput("联系电话格式不正确", "The contact phone is not a phone number", field="contactPhone")
    return phone


def _reg_no(value: str) -> str:
    reg = (value or "").strip().upper()
    if not _REG_NO.match(reg):
        raise BadUserInput("登记证号/统一社会信用代码格式不正确(6–32 位数字、大写字母或连字符)",
                           "The registration number must be 6–32 digits, capital letters or hyphens", field="registrationNo")
    return reg


def _audit_change(session: AsyncSession, actor: Actor, org_id: int, fields: list[str]) -> None:
    session.add(AuditEntry(actor_user_id=actor.user_id, action="CHANGE_PERSONAL", target=f"SocialOrganisation:{org_id}",
                           detail=",".join(fields), client=actor.client))


async def create_organisation(session: AsyncSession, actor: Actor, data: OrganisationInput) -> SocialOrganisation:
    actor = require_manager(actor)
    reg = _reg_no(data.registration_no)
    org = SocialOrganisation(
        kind=OrgKind(data.kind).value,
        name=clean_text(data.name, "name", max_len=128),
        registration_no=reg,
        contact_name=clean_text(data.contact_name, "contactName", max_len=64, required=False) or None,
        contact_phone=_phone(data.contact_phone),
        service_areas=clean_text(data.service_areas, "serviceAreas", max_len=2000, required=False),
    )
    taken = (await session.execute(select(SocialOrganisation.id).where(SocialOrganisation.registration_no == reg))).first()
    if taken is not None:
        raise Conflict(f"登记证号 {reg} 已登记", f"Registration number {reg} is already registered", field="registrationNo")
    session.add(org)
    await session.flush()
    if org.contact_name or org.contact_phone:
        _audit_change(session, actor, org.id, ["contact_name", "contact_phone"])
    return org


async def get_organisation(session: AsyncSession, org_id: int, *, lock: bool = False) -> SocialOrganisation:
    stmt = select(SocialOrganisation).where(SocialOrganisation.id == org_id)
    if lock:
        stmt = stmt.with_for_update()
    org = (await session.execute(stmt)).scalar_one_or_none()
    if org is None:
        raise NotFound("社会组织不存在", "No such social organisation")
    return org


async def update_organisation(session: AsyncSession, actor: Actor, org_id: int, change: OrganisationChange) -> SocialOrganisation:
    actor = require_manager(actor)
    org = await get_organisation(session, org_id, lock=True)
    if change.version is not None and change.version != org.version:
        raise Conflict()
    personal: list[str] = []
    if change.name is not None:
        org.name = clean_text(change.name, "name", max_len=128)
    if change.contact_name is not None:
        org.contact_name = clean_text(change.contact_name, "contactName", max_len=64, required=False) or None
        personal.append("contact_name")
    if change.contact_phone is not None:
        org.contact_phone = _phone(change.contact_phone)
        personal.append("contact_phone")
    if change.service_areas is not None:
        org.service_areas = clean_text(change.service_areas, "serviceAreas", max_len=2000, required=False)
    if change.active is not None:
        org.active = change.active
    org.version += 1
    org.updated_at = utcnow()
    if personal:
        _audit_change(session, actor, org.id, personal)
    await session.flush()
    return org


async def set_partnership(session: AsyncSession, actor: Actor, data: PartnershipInput) -> CommunityPartnership:
    """Create or change the partnership of an agency with a community (one per pair)."""
    actor = require_community_runner(actor, data.community_id)
    if (await session.get(Community, data.community_id)) is None:
        raise NotFound("社区不存在", "No such community")
    org = await get_organisation(session, data.organisation_id)
    if org.kind != OrgKind.SOCIAL_WORK_AGENCY.value:
        raise BadUserInput("社区合伙人须为社工机构", "Only a social-work agency can be a community partner", field="organisationId")
    space = clean_text(data.space, "space", max_len=128)
    services = clean_text(data.services, "services", max_len=4000)
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise BadUserInput("结束日期不能早于开始日期", "The end date is before the start date", field="endsOn")
    row = (await session.execute(select(CommunityPartnership).where(
        CommunityPartnership.organisation_id == org.id, CommunityPartnership.community_id == data.community_id,
    ).with_for_update())).scalar_one_or_none()
    if row is None:
        if not org.active and data.active:
            raise BadUserInput("该机构已停用", "The agency is inactive", field="organisationId")
        row = CommunityPartnership(organisation_id=org.id, community_id=data.community_id, space=space, services=services,
                                   starts_on=data.starts_on, ends_on=data.ends_on, active=data.active, version=1)
        session.add(row)
    else:
        if data.version is not None and data.version != row.version:
            raise Conflict()
        row.space, row.services, row.starts_on, row.ends_on, row.active = space, services, data.starts_on, data.ends_on, data.active
        row.version += 1
        row.updated_at = utcnow()
    await session.flush()
    return row
