"""The units that handle requests, as ADMIN keeps them: district departments (区直部门), street
sections (科室) and big-party-committee partner units (大党委成员单位) — create, rename, retire.

A unit is never deleted: requests, assignments and tasks name it in their history. Retiring
(deactivating) keeps it for history and gives it no new work; a unit that still has open work —
an active assignment on a request not yet closed, merged or rejected, or a co-building task part
still invited or accepted — cannot be retired until that work is handed over or finished, and a
department the routing table still points to cannot be retired before the table is changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import Assignment, CoTask, CoTaskPartner, Community, Department, PartnerUnit, Request, Street, StreetSection, Subcategory
from resolvers.actor import Actor
from resolvers.admin import common
from resolvers.errors import BadUserInput, Conflict, NotFound
from resolvers.partners import register
from resolvers.requests.vocab import TERMINAL


class UnitKind(str, Enum):
    DEPARTMENT = "DEPARTMENT"
    SECTION = "SECTION"
    PARTNER = "PARTNER"


MODELS: dict[UnitKind, Any] = {UnitKind.DEPARTMENT: Department, UnitKind.SECTION: StreetSection, UnitKind.PARTNER: PartnerUnit}
KIND_ZH = {UnitKind.DEPARTMENT: "区直部门", UnitKind.SECTION: "街道科室", UnitKind.PARTNER: "共建单位"}
_TERMINAL = [s.value for s in TERMINAL]
_OPEN_TASK_STATES = ("OPEN", "IN_PROGRESS")
_OPEN_PART_STATES = ("INVITED", "ACCEPTED")


def _target(kind: UnitKind, unit_id: int) -> str:
    return f"{MODELS[kind].__name__}:{unit_id}"


async def open_work(conn: AsyncConnection | AsyncSession, kind: UnitKind, unit_ids: Iterable[int]) -> dict[int, int]:
    """Open assignments (departments, sections) or open task parts (partners) per unit."""
    ids = set(unit_ids)
    if not ids:
        return {}
    if kind is UnitKind.PARTNER:
        p, t = CoTaskPartner.__table__, CoTask.__table__
        stmt = (select(p.c.partner_unit_id, func.count()).join(t, t.c.id == p.c.task_id)
                .where(p.c.partner_unit_id.in_(ids), p.c.state.in_(_OPEN_PART_STATES), t.c.state.in_(_OPEN_TASK_STATES))
                .group_by(p.c.partner_unit_id))
    else:
        a, r = Assignment.__table__, Request.__table__
        stmt = (select(a.c.unit_id, func.count()).join(r, r.c.id == a.c.request_id)
                .where(a.c.unit_kind == kind.value, a.c.unit_id.in_(ids), a.c.active.is_(True), r.c.state.not_in(_TERMINAL))
                .group_by(a.c.unit_id))
    found = dict((await conn.execute(stmt)).all())
    return {i: int(found.get(i, 0)) for i in ids}


async def _next_code(session: AsyncSession, column: Any, prefix: str, width: int, *where: Any) -> str:
    """`prefix` + the next number after the highest code of that shape (D65 after D64)."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    codes = (await session.execute(select(column).where(*where))).scalars().all()
    top = max((int(m.group(1)) for c in codes if (m := pattern.match(c))), default=0)
    return f"{prefix}{top + 1:0{width}d}"


async def _code(session: AsyncSession, model: Any, code: str | None, default: str) -> str:
    if code is None or not code.strip():
        return default
    code = common.code(code, "编码", "code", 16)
    if (await session.execute(select(model.id).where(model.code == code))).first():
        raise Conflict("编码已被使用", "That code is taken", field="code")
    return code


async def create_department(session: AsyncSession, actor: Actor | None, *, name: str, name_en: str, code: str | None = None) -> Department:
    actor = common.require_admin(actor)
    name = common.text(name, "名称", "name", 64)
    name_en = common.text(name_en, "英文名称", "nameEn", 128)
    if (await session.execute(select(Department.id).where(Department.name == name))).first():
        raise Conflict("已有同名的区直部门", "A department of that name exists", field="name")
    code = await _code(session, Department, code, await _next_code(session, Department.code, "D", 2))
    unit = Department(code=code, name=name, name_en=name_en, active=True)
    session.add(unit)
    await common.flush_unique(session, "名称或编码已被使用", "The name or code is taken", "name")
    common.audit(session, actor, common.UNIT_CHANGED, _target(UnitKind.DEPARTMENT, unit.id), f"created code={code} name={name}")
    return unit


async def create_section(session: AsyncSession, actor: Actor | None, *, street_id: int, name: str, name_en: str,
                         code: str | None = None) -> StreetSection:
    actor = common.require_admin(actor)
    street = await session.get(Street, street_id)
    if street is None:
        raise NotFound("街道不存在", "No such street", field="streetId")
    name = common.text(name, "名称", "name", 64)
    name_en = common.text(name_en, "英文名称", "nameEn", 128)
    if (await session.execute(select(StreetSection.id).where(StreetSection.street_id == street_id, StreetSection.name == name))).first():
        raise Conflict("该街道已有同名科室", "The street has a section of that name", field="name")
    default = await _next_code(session, StreetSection.code, f"{street.code}-", 2, StreetSection.street_id == street_id)
    code = await _code(session, StreetSection, code, default)
    unit = StreetSection(code=code, name=name, name_en=name_en, street_id=street_id, active=True)
    session.add(unit)
    await common.flush_unique(session, "编码已被使用", "That code is taken", "code")
    common.audit(session, actor, common.UNIT_CHANGED, _target(UnitKind.SECTION, unit.id),
                 f"created code={code} name={name} street={street.name}")
    return unit


async def create_partner(session: AsyncSession, actor: Actor | None, *, community_id: int, name: str, kind: str,
                         services: str = "", joined_on: date | None = None) -> PartnerUnit:
    """The partners area's own rules make the unit (kind, name unique in its community)."""
    actor = common.require_admin(actor)
    if await session.get(Community, community_id) is None:
        raise NotFound("社区不存在", "No such community", field="communityId")
    unit = await register.insert_partner_unit(session, community_id=community_id, name=name, kind=kind,
                                              services=services, joined_on=joined_on)
    common.audit(session, actor, common.UNIT_CHANGED, _target(UnitKind.PARTNER, unit.id),
                 f"created code={unit.code} name={unit.name} community={community_id} kind={kind}")
    return unit


async def _unit(session: AsyncSession, kind: UnitKind, unit_id: int) -> Any:
    unit = await session.get(MODELS[kind], unit_id, with_for_update=True)
    if unit is None:
        raise NotFound(f"{KIND_ZH[kind]}不存在", f"No such {kind.value.lower()}", field="id")
    return unit


async def rename(session: AsyncSession, actor: Actor | None, kind: UnitKind, unit_id: int, *, name: str,
                 name_en: str | None = None) -> Any:
    """A new name from now on; assignments already made keep the name they were made under."""
    actor = common.require_admin(actor)
    unit = await _unit(session, kind, unit_id)
    name = common.text(name, "名称", "name", 128 if kind is UnitKind.PARTNER else 64)
    if kind is UnitKind.PARTNER and name_en:
        raise BadUserInput("共建单位没有英文名称", "Partner units have no English name", field="nameEn")
    model = MODELS[kind]
    same = select(model.id).where(model.name == name, model.id != unit.id)
    if kind is UnitKind.SECTION:
        same = same.where(model.street_id == unit.street_id)
    elif kind is UnitKind.PARTNER:
        same = same.where(model.community_id == unit.community_id)
    if name != unit.name and (await session.execute(same)).first():
        raise Conflict("已有同名单位", "Another unit has that name", field="name")
    changes = []
    if name != unit.name:
        changes.append(f"name {unit.name}→{name}")
        unit.name = name
    if name_en is not None and kind is not UnitKind.PARTNER:
        name_en = common.text(name_en, "英文名称", "nameEn", 128)
        if name_en != unit.name_en:
            changes.append(f"nameEn {unit.name_en}→{name_en}")
            unit.name_en = name_en
    if changes:
        common.audit(session, actor, common.UNIT_CHANGED, _target(kind, unit.id), "; ".join(changes))
    return unit


async def set_active(session: AsyncSession, actor: Actor | None, kind: UnitKind, unit_id: int, *, active: bool,
                     reason: str = "") -> Any:
    actor = common.require_admin(actor)
    reason = common.text(reason, "原因", "reason", 200, required=False)
    unit = await _unit(session, kind, unit_id)
    if unit.active == active:
        return unit
    if not active:
        busy = (await open_work(session, kind, [unit.id]))[unit.id]
        if busy:
            what = "项共建任务尚未完成" if kind is UnitKind.PARTNER else "件诉求仍在办理"
            raise Conflict(f"“{unit.name}”还有 {busy} {what},请先改派或办结后再停用",
                           f"{unit.name} still has {busy} open {'task parts' if kind is UnitKind.PARTNER else 'assignments'}; "
                           "hand them over or finish them first", field="id", openWork=busy)
        if kind is UnitKind.DEPARTMENT:
            routed = (await session.execute(select(Subcategory.name).where(Subcategory.default_department_id == unit.id)
                                            .order_by(Subcategory.position))).scalars().all()
            if routed:
                raise Conflict(f"“{unit.name}”仍是{'、'.join(routed)}的默认承办部门,请先修改分流表",
                               f"{unit.name} is still the routing table's department for {len(routed)} subcategories", field="id")
    unit.active = active
    common.audit(session, actor, common.UNIT_CHANGED, _target(kind, unit.id),
                 ("activated" if active else "deactivated") + (f" reason={reason}" if reason else ""))
    return unit
