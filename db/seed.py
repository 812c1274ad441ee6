"""The demo district at real scale: 12 streets, 142 sections, 150 communities, 1,217 grids,
21,496 buildings each with a building leader and a QR token, residents, 64 departments, the
taxonomy and the demo logins of SPEC §3. Seeded once; a second run finds it and does nothing.

Rows are written with Core bulk inserts and explicit ids, so nothing is read back row by row.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from tqdm import tqdm

from db import reference_data as ref
from db.seed_domains import SEEDERS
from db.engine import Database
from db.models import (
    Building,
    Category,
    Community,
    Department,
    Grid,
    PartnerUnit,
    Resident,
    ResponsibilityField,
    Street,
    StreetSection,
    Subcategory,
    User,
    UserScope,
)
from resolvers.passwords import hash_password

GRIDS = 1217
BUILDINGS = 21496
# The seed's 上夼西路 community split its 8 grids into 125 responsibility fields.
FIELD_COMMUNITY = "上夼西路社区"
FIELDS_IN_FIELD_COMMUNITY = 125
DEMO_PASSWORD = "demo"


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


async def _bulk(conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]], bar: tqdm, chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        await conn.execute(insert(table), list(part))
        bar.update(len(part))


def plan_district() -> dict[str, list[dict[str, Any]]]:
    """Every demo row, as plain dicts with explicit ids; pure and deterministic but for QR tokens."""
    streets = [{"id": i + 1, "code": s.code, "name": s.name, "name_en": s.name_en} for i, s in enumerate(ref.STREETS)]
    street_id = {s["code"]: s["id"] for s in streets}
    sections = [
        {"id": i + 1, "code": s.code, "name": s.full_name, "name_en": s.full_name_en, "street_id": street_id[s.street_code]}
        for i, s in enumerate(ref.street_sections())
    ]
    communities = [
        {"id": i + 1, "code": c.code, "name": c.name, "name_en": c.name_en, "street_id": street_id[c.street_code]}
        for i, c in enumerate(ref.communities())
    ]
    departments = [{"id": i + 1, "code": d.code, "name": d.name, "name_en": d.name_en} for i, d in enumerate(ref.DEPARTMENTS)]
    dept_id = {d["code"]: d["id"] for d in departments}
    categories, subcategories = [], []
    for ci, cat in enumerate(ref.CATEGORIES):
        categories.append({"id": ci + 1, "code": cat.code, "name": cat.name, "name_en": cat.name_en, "position": ci + 1})
        for si, sub in enumerate(cat.subcategories):
            subcategories.append({
                "id": len(subcategories) + 1, "code": sub.code, "name": sub.name, "name_en": sub.name_en,
                "category_id": ci + 1, "position": si + 1, "default_department_id": dept_id[sub.department_code],
                "keywords": " ".join(sub.keywords), "triage_minutes": sub.triage_minutes,
                "major_response_hours": sub.major_response_hours,
                "major_resolve_working_days": sub.major_resolve_working_days, "minor_a_hours": sub.minor_a_hours,
                "minor_c_progress_days": sub.minor_c_progress_days, "private_response_hours": sub.private_response_hours,
            })

    # Grids: 8 per community, the remainder spread over the first ones — but the field
    # community keeps exactly the 8 grids the seed describes.
    field_cid = next(c["id"] for c in communities if c["name"] == FIELD_COMMUNITY)
    order = [c for c in communities if c["id"] != field_cid]
    counts = {c["id"]: n for c, n in zip(order, _split(GRIDS - 8, len(order)), strict=True)}
    counts[field_cid] = 8
    grids = []
    for c in communities:
        for k in range(counts[c["id"]]):
            gid = len(grids) + 1
            grids.append({"id": gid, "code": f"{c['code']}-G{k + 1:02d}", "name": f"{c['name']}第{k + 1}网格", "community_id": c["id"]})
    community_street = {c["id"]: c["street_id"] for c in communities}

    fields = []
    field_grids = [g for g in grids if g["community_id"] == field_cid]
    fields_by_grid: dict[int, list[int]] = {}
    for g, n in zip(field_grids, _split(FIELDS_IN_FIELD_COMMUNITY, len(field_grids)), strict=True):
        for k in range(n):
            fid = len(fields) + 1
            fields.append({"id": fid, "code": f"{g['code']}-F{k + 1:02d}", "name": f"{g['name']}责任田{k + 1}", "grid_id": g["id"]})
            fields_by_grid.setdefault(g["id"], []).append(fid)

    buildings, residents = [], []
    for g, n in zip(grids, _split(BUILDINGS, len(grids)), strict=True):
        for k in range(n):
            bid = len(buildings) + 1
            address = ref.building_address(bid)
            field_ids = fields_by_grid.get(g["id"])
            buildings.append({
                "id": bid, "code": f"B{bid:06d}", "name": f"{k + 1}号楼",
                "address": address, "households": 12 + (bid * 7919) % 49, "grid_id": g["id"],
                "field_id": field_ids[k % len(field_ids)] if field_ids else None,
                "community_id": g["community_id"], "street_id": community_street[g["community_id"]],
                "qr_token": secrets.token_urlsafe(18),
            })
    field_head_of: dict[int, int] = {}
    for b in buildings:
        leader = len(residents) + 1
        residents.append({
            "id": leader, "name": ref.person_name(leader), "phone": ref.phone(leader), "building_id": b["id"],
            "room": ref.unit_room(leader), "is_party_member": leader % 3 == 0, "leads_building_id": b["id"], "heads_field_id": None,
        })
        neighbour = len(residents) + 1
        heads = b["field_id"] if b["field_id"] and b["field_id"] not in field_head_of else None
        if heads:
            field_head_of[heads] = neighbour
        residents.append({
            "id": neighbour, "name": ref.person_name(neighbour), "phone": ref.phone(neighbour), "building_id": b["id"],
            "room": ref.unit_room(neighbour), "is_party_member": heads is not None or neighbour % 4 == 0,
            "leads_building_id": None, "heads_field_id": heads,
        })

    cid = {c["name"]: c["id"] for c in communities}
    partners = [
        {"id": 1, "code": "P001", "name": "烟台市排水处养管所", "kind": "STATIONED_UNIT", "community_id": cid["大海阳社区"]},
        {"id": 2, "code": "P002", "name": "烟台自来水公司", "kind": "ENTERPRISE", "community_id": cid["大海阳社区"]},
        {"id": 3, "code": "P003", "name": "福泰物业服务有限公司", "kind": "PROPERTY_COMPANY", "community_id": cid["福泰社区"]},
        {"id": 4, "code": "P004", "name": "胜利路商圈联合党支部", "kind": "TWO_NEW", "community_id": cid["胜利路社区"]},
    ]
    return {
        "street": streets, "street_section": sections, "community": communities, "department": departments,
        "category": categories, "subcategory": subcategories, "grid": grids, "responsibility_field": fields,
        "building": buildings, "resident": residents, "partner_unit": partners,
    }


def demo_users(plan: dict[str, list[dict[str, Any]]]) -> list[tuple[dict[str, Any], list[tuple[str, int]]]]:
    """The demo logins of SPEC §3 with their scopes in the demo district."""
    by_name = lambda table, name: next(r["id"] for r in plan[table] if r["name"] == name)  # noqa: E731
    futai = by_name("community", "福泰社区")
    futai_grids = [g["id"] for g in plan["grid"] if g["community_id"] == futai]
    leader_building = next(b for b in plan["building"] if b["grid_id"] == futai_grids[0])
    leader_resident = next(r["id"] for r in plan["resident"] if r["leads_building_id"] == leader_building["id"])
    first_field = plan["responsibility_field"][0]
    head_resident = next(r["id"] for r in plan["resident"] if r["heads_field_id"] == first_field["id"])
    people = [
        ("admin", "平台管理员", "ADMIN", [], None),
        ("dispatcher", "呼应中心调度员", "CENTER_DISPATCHER", [], None),
        ("street", "幸福街道分中心", "STREET_OFFICER", [("STREET", by_name("street", "幸福街道"))], None),
        ("community", "福泰社区工作站", "COMMUNITY_WORKER", [("COMMUNITY", futai)], None),
        ("grid", "福泰社区网格员", "GRID_WORKER", [("GRID", futai_grids[0]), ("GRID", futai_grids[1])], None),
        ("leader", "福泰社区楼长", "BUILDING_LEADER", [("BUILDING", leader_building["id"])], leader_resident),
        ("fieldhead", "上夼西路社区田长", "FIELD_HEAD", [("FIELD", first_field["id"])], head_resident),
        ("department", "区城市管理局", "DEPARTMENT_HANDLER", [("DEPARTMENT", by_name("department", "区城市管理局"))], None),
        ("district", "区委区政府", "DISTRICT_LEADER", [], None),
        ("partner", "烟台市排水处养管所", "PARTNER", [("PARTNER", by_name("partner_unit", "烟台市排水处养管所"))], None),
        ("volunteer", "三里桥社区志愿者", "VOLUNTEER", [("COMMUNITY", by_name("community", "三里桥社区"))], None),
        ("evaluator", "第三方测评员", "EVALUATOR", [], None),
    ]
    return [
        ({"id": i + 1, "username": u, "display_name": d, "role": r, "resident_id": res}, scopes)
        for i, (u, d, r, scopes, res) in enumerate(people)
    ]


async def _reset_sequences(conn: AsyncConnection, tables: Iterable[str]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for name in tables:
        await conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 1))")
        )


async def is_seeded(db: Database) -> bool:
    async with db.read() as conn:
        return bool((await conn.execute(select(func.count()).select_from(Street.__table__))).scalar_one())


async def seed_demo(db: Database, *, progress: bool = True) -> dict[str, Any]:
    """Seed the demo district unless it is there. Returns counts and seconds taken."""
    if await is_seeded(db):
        return {"seeded": False}
    started = time.perf_counter()
    plan = plan_district()
    users = demo_users(plan)
    password_hash = await hash_password(DEMO_PASSWORD)  # one hash for all demo logins: ~115 ms, not 12×
    order = [Street, StreetSection, Community, Department, Category, Subcategory, Grid, ResponsibilityField,
             Building, Resident, PartnerUnit]
    total = sum(len(plan[m.__tablename__]) for m in order) + len(users)
    async with db.engine.begin() as conn:
        with tqdm(total=total, desc="播种示范城区 seeding demo district", unit="rows", disable=not progress) as bar:
            for model in order:
                await _bulk(conn, model.__table__, plan[model.__tablename__], bar)
            await conn.execute(insert(User.__table__), [{**u, "password_hash": password_hash} for u, _ in users])
            scope_rows = [{"user_id": u["id"], "kind": k, "ref_id": r} for u, scopes in users for k, r in scopes]
            await conn.execute(insert(UserScope.__table__), scope_rows)
            bar.update(len(users))
        await _reset_sequences(conn, [m.__tablename__ for m in order] + ["app_user", "user_scope"])
        for seed_more in SEEDERS:
            await seed_more(conn, plan)
    counts = {m.__tablename__: len(plan[m.__tablename__]) for m in order}
    return {"seeded": True, "seconds": round(time.perf_counter() - started, 2), **counts, "users": len(users)}
