"""The demo district at real scale, seeded once."""

from typing import Any

from sqlalchemy import func, select

from db.models import Building, Community, Department, Grid, Resident, ResponsibilityField, Street, StreetSection, Subcategory, User
from db.seed import seed_demo


async def _count(db: Any, model: Any, *where: Any) -> int:
    async with db.read() as conn:
        stmt = select(func.count()).select_from(model.__table__)
        for w in where:
            stmt = stmt.where(w)
        return (await conn.execute(stmt)).scalar_one()


async def test_demo_district_has_the_real_counts(db: Any) -> None:
    assert await _count(db, Street) == 12
    assert await _count(db, StreetSection) == 142
    assert await _count(db, Community) == 150
    assert await _count(db, Grid) == 1217
    assert await _count(db, Building) == 21496
    assert await _count(db, Department) == 64
    assert await _count(db, Subcategory) == 33
    assert await _count(db, ResponsibilityField) == 125


async def test_every_building_has_one_leader_and_a_unique_qr_token(db: Any) -> None:
    b, r = Building.__table__, Resident.__table__
    assert await _count(db, Resident, r.c.leads_building_id.is_not(None)) == 21496
    async with db.read() as conn:
        distinct = (await conn.execute(select(func.count(func.distinct(b.c.qr_token))))).scalar_one()
        # A leader leads a building of their own community's register.
        leaders_elsewhere = (
            await conn.execute(
                select(func.count()).select_from(r).where(r.c.leads_building_id.is_not(None), r.c.leads_building_id != r.c.building_id)
            )
        ).scalar_one()
    assert distinct == 21496
    assert leaders_elsewhere == 0


async def test_the_seed_communities_sit_on_their_streets(db: Any) -> None:
    c, s = Community.__table__, Street.__table__
    async with db.read() as conn:
        rows = dict((await conn.execute(select(c.c.name, s.c.name).join(s, s.c.id == c.c.street_id))).all())
    assert rows["福泰社区"] == "幸福街道"
    assert rows["大海阳社区"] == "毓璜顶街道"
    assert rows["上夼西路社区"] == "奇山街道"
    assert rows["胜利路社区"] == "向阳街道"


async def test_demo_logins_are_the_twelve_of_the_spec(db: Any) -> None:
    async with db.read() as conn:
        names = set((await conn.execute(select(User.__table__.c.username))).scalars())
    assert {"admin", "dispatcher", "street", "community", "grid", "leader", "fieldhead", "department",
            "district", "partner", "volunteer", "evaluator"} <= names


async def test_a_second_seed_writes_nothing(db: Any) -> None:
    before = await _count(db, Building)
    assert (await seed_demo(db, progress=False)) == {"seeded": False}
    assert await _count(db, Building) == before
