"""Demo data of volunteers and the time bank: volunteers and teams in 大海阳社区 and 三里桥社区 (the
demo login `volunteer` is one of 三里桥's), 54 catalogue items for 大海阳社区 (the seed: "大海阳社区
可兑换服务和物品 54 项") and a few for 三里桥, confirmed services and a redemption, so balances show.
Deterministic (dates relative to today) and fast: a few hundred rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db import reference_data as ref
from db.base import utcnow
from db.models import (
    CatalogueItem,
    Redemption,
    ServiceParticipant,
    ServiceRecord,
    TimeBankAccount,
    TimeBankEntry,
    TimeBankLine,
    User,
    Volunteer,
    VolunteerTeam,
    VolunteerTeamMember,
)
from resolvers.calendar import local_today

# name, kind, price (tenths of a point), stock (None = unlimited)
DAHAIYANG_CATALOGUE: list[tuple[str, str, int, int | None]] = [
    ("免费理发", "SERVICE", 20, None), ("家电维修", "SERVICE", 50, None), ("上门家政", "SERVICE", 80, None),
    ("物业管理费抵扣(一个月)", "SERVICE", 100, None), ("管道疏通", "SERVICE", 40, None), ("开锁换锁", "SERVICE", 40, None),
    ("修脚", "SERVICE", 30, None), ("量血压测血糖", "SERVICE", 10, None), ("中医推拿", "SERVICE", 50, None),
    ("助浴服务", "SERVICE", 60, None), ("助餐服务(一餐)", "SERVICE", 20, None), ("陪同就医", "SERVICE", 60, None),
    ("代购代办", "SERVICE", 20, None), ("上门送药", "SERVICE", 20, None), ("法律咨询", "SERVICE", 30, None),
    ("心理疏导", "SERVICE", 40, None), ("手机使用辅导", "SERVICE", 10, None), ("书法课一次", "SERVICE", 20, None),
    ("老年大学课程一次", "SERVICE", 30, None), ("儿童课后托管(半天)", "SERVICE", 40, None), ("衣物缝补", "SERVICE", 10, None),
    ("磨刀磨剪", "SERVICE", 10, None), ("修自行车", "SERVICE", 15, None), ("家庭保洁(2小时)", "SERVICE", 60, None),
    ("擦玻璃", "SERVICE", 40, None), ("油烟机清洗", "SERVICE", 50, None), ("空调清洗", "SERVICE", 60, None),
    ("照片冲印(10张)", "SERVICE", 15, None), ("家电安全检测", "SERVICE", 20, None), ("燃气安全检查", "SERVICE", 10, None),
    ("配钥匙", "SERVICE", 5, None), ("修伞修鞋", "SERVICE", 10, None), ("打印复印(20页)", "SERVICE", 5, None),
    ("社区活动室使用(2小时)", "SERVICE", 30, None), ("健康讲座座位", "SERVICE", 5, None), ("理疗仪使用一次", "SERVICE", 10, None),
    ("大米(5斤)", "ITEM", 30, 40), ("食用油(1桶)", "ITEM", 50, 30), ("面粉(5斤)", "ITEM", 25, 40), ("鸡蛋(2斤)", "ITEM", 20, 50),
    ("洗衣液", "ITEM", 20, 40), ("牙膏牙刷套装", "ITEM", 10, 60), ("毛巾", "ITEM", 8, 80), ("抽纸(一提)", "ITEM", 10, 60),
    ("洗洁精", "ITEM", 8, 60), ("香皂", "ITEM", 5, 80), ("雨伞", "ITEM", 20, 20), ("保温杯", "ITEM", 30, 20),
    ("老花镜", "ITEM", 15, 30), ("环保购物袋", "ITEM", 5, 100), ("台历", "ITEM", 5, 50), ("急救包", "ITEM", 40, 15),
    ("电影票", "ITEM", 40, 20), ("图书一本", "ITEM", 20, 30),
]
SANLIQIAO_CATALOGUE: list[tuple[str, str, int, int | None]] = [
    ("免费理发", "SERVICE", 20, None), ("家电维修", "SERVICE", 50, None), ("上门家政", "SERVICE", 80, None),
    ("量血压测血糖", "SERVICE", 10, None), ("大米(5斤)", "ITEM", 30, 20), ("食用油(1桶)", "ITEM", 50, 10),
    ("毛巾", "ITEM", 8, 50), ("环保购物袋", "ITEM", 5, 50),
]
SKILLS = ["理发", "家电维修", "助老陪护", "法律咨询", "水电维修", "心理疏导", "文艺演出", "治安巡逻", "环境清洁", "儿童托管"]


async def seed_timebank(conn: AsyncConnection, plan: dict[str, Any]) -> int:
    cid = {c["name"]: c["id"] for c in plan["community"]}
    building_community = {b["id"]: b["community_id"] for b in plan["building"]}
    residents_of: dict[int, list[int]] = {}
    for r in plan["resident"]:
        residents_of.setdefault(building_community[r["building_id"]], []).append(r["id"])
    volunteer_login = (await conn.execute(select(User.id).where(User.username == "volunteer"))).scalar()
    today = local_today()
    now = utcnow()
    written = 0

    async def add(table: Any, **values: Any) -> int:
        nonlocal written
        written += 1
        return (await conn.execute(insert(table).values(**values).returning(table.c.id))).scalar_one()

    for name, count, teams, items, login in (
        ("大海阳社区", 8, [("大海阳志愿服务队", "助老助残、便民维修"), ("璜山北片区巡逻队", "治安巡逻、环境整治")], DAHAIYANG_CATALOGUE, None),
        ("三里桥社区", 5, [("三里桥爱心服务队", "关爱空巢老人、邻里互助")], SANLIQIAO_CATALOGUE, volunteer_login),
    ):
        community = cid[name]
        people = residents_of.get(community, [])
        volunteers, accounts, balance = [], {}, {}
        for k in range(count):
            resident = people[k * 3] if k * 3 < len(people) else None
            n = 900_000 + community * 100 + k
            vid = await add(Volunteer.__table__, community_id=community, name=ref.person_name(n), phone=ref.phone(n),
                            skills=SKILLS[(community + k) % len(SKILLS)], resident_id=resident,
                            user_id=login if k == 0 else None, active=True, created_at=now, version=1)
            volunteers.append(vid)
            accounts[vid] = await add(TimeBankAccount.__table__, code=f"V{vid}", community_id=community, kind="VOLUNTEER",
                                      volunteer_id=vid, balance=0, created_at=now)
        issued = await add(TimeBankAccount.__table__, code=f"C{community}-ISSUED", community_id=community, kind="ISSUED", balance=0, created_at=now)
        sink = await add(TimeBankAccount.__table__, code=f"C{community}-REDEEMED", community_id=community, kind="REDEEMED", balance=0, created_at=now)
        balance = {a: 0 for a in [*accounts.values(), issued, sink]}
        team_ids = []
        for t, (team_name, description) in enumerate(teams):
            tid = await add(VolunteerTeam.__table__, community_id=community, name=team_name, description=description, created_at=now)
            team_ids.append(tid)
            members = volunteers[t::len(teams)] if len(teams) > 1 else volunteers
            for m, vid in enumerate(members):
                await add(VolunteerTeamMember.__table__, team_id=tid, volunteer_id=vid, is_leader=m == 0, joined_at=now)
        item_ids = []
        for pos, (item_name, kind, price, stock) in enumerate(items, start=1):
            item_ids.append(await add(CatalogueItem.__table__, community_id=community, name=item_name, kind=kind, description="",
                                      price=price, stock=stock, active=True, position=pos, created_at=now, version=1))

        async def entry(kind: str, memo: str, lines: list[tuple[int, int]], key: str | None) -> int:
            eid = await add(TimeBankEntry.__table__, community_id=community, kind=kind, memo=memo, idempotency_key=key, created_at=now)
            for account, amount in lines:
                await add(TimeBankLine.__table__, entry_id=eid, account_id=account, amount=amount, created_at=now)
                balance[account] += amount
            return eid

        # Confirmed services: each volunteer 2–5 hours; one team service; one still waiting to be confirmed.
        services = [(f"{SKILLS[(community + k) % len(SKILLS)]}志愿服务", [vid], 120 + 60 * (k % 4), None) for k, vid in enumerate(volunteers)]
        services.append(("社区环境整治", volunteers[:3], 90, team_ids[0]))
        for k, (description, who, minutes, team) in enumerate(services):
            sid = await add(ServiceRecord.__table__, community_id=community, team_id=team, description=description,
                            served_on=today - timedelta(days=30 - k), minutes=minutes, state="RECORDED", created_at=now, version=1)
            for vid in who:
                await add(ServiceParticipant.__table__, service_id=sid, volunteer_id=vid)
            amount = minutes * 10 // 60
            eid = await entry("CREDIT", f"服务 {minutes // 60} 小时:{description}",
                              [(accounts[v], amount) for v in who] + [(issued, -amount * len(who))], f"service:{sid}")
            await conn.execute(ServiceRecord.__table__.update().where(ServiceRecord.__table__.c.id == sid).values(
                state="CONFIRMED", entry_id=eid, confirmed_at=now, version=2))
        pending = await add(ServiceRecord.__table__, community_id=community, team_id=None, description="陪同老人就医",
                            served_on=today - timedelta(days=1), minutes=120, state="RECORDED", created_at=now, version=1)
        await add(ServiceParticipant.__table__, service_id=pending, volunteer_id=volunteers[-1])

        # One redemption: the first volunteer gets a free haircut (免费理发, the first item).
        price = items[0][2]
        eid = await entry("REDEMPTION", f"兑换 {items[0][0]} × 1", [(accounts[volunteers[0]], -price), (sink, price)],
                          f"redeem:{accounts[volunteers[0]]}:seed-{community}")
        await add(Redemption.__table__, community_id=community, account_id=accounts[volunteers[0]], item_id=item_ids[0], quantity=1,
                  amount=price, entry_id=eid, created_at=now)
        assert sum(balance.values()) == 0 and all(balance[a] >= 0 for a in accounts.values())
        for account, value in balance.items():
            await conn.execute(TimeBankAccount.__table__.update().where(TimeBankAccount.__table__.c.id == account).values(balance=value))
    return written
