"""Demo data of the big party committee: partners' services, dual reporting with service records,
and co-building tasks in several states (the seed's 大海阳 sewer task among them), with their log."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import (
    CoTask,
    CoTaskEvent,
    CoTaskPartner,
    DualReport,
    DualReportService,
    PartnerUnit,
)
from resolvers.events import continue_after_written_seqs

SERVICES = {
    "烟台市排水处养管所": "下水管网疏通、排水设施检修",
    "烟台自来水公司": "供水管线维修、入户水表检查",
    "福泰物业服务有限公司": "小区保洁、设施维修、停车管理",
    "胜利路商圈联合党支部": "商户停车场错时开放、便民服务",
}


async def seed_partners(conn: AsyncConnection, plan: dict[str, Any]) -> int:
    cid = {c["name"]: c["id"] for c in plan["community"]}
    pid = {p["name"]: p["id"] for p in plan["partner_unit"]}
    rows = 0
    for name, services in SERVICES.items():
        if name in pid:
            await conn.execute(PartnerUnit.__table__.update().where(PartnerUnit.__table__.c.id == pid[name]).values(
                services=services, joined_on=date(2021, 7, 1)))
            rows += 1

    reports = [
        (cid["大海阳社区"], "ORGANISATION", "烟台市排水处养管所党支部", "烟台市排水处", pid.get("烟台市排水处养管所"), None),
        (cid["大海阳社区"], "ORGANISATION", "烟台自来水公司第三党支部", "烟台自来水公司", pid.get("烟台自来水公司"), None),
        (cid["大海阳社区"], "MEMBER", "刘建国", "烟台市排水处养管所", pid.get("烟台市排水处养管所"), "13605350001"),
        (cid["福泰社区"], "MEMBER", "陈丽华", "芝罘区教育局", None, "13805350002"),
        (cid["胜利路社区"], "ORGANISATION", "胜利路商圈联合党支部", "向阳街道商圈党委", pid.get("胜利路商圈联合党支部"), None),
    ]
    for i, (community, kind, name, affiliation, unit, phone) in enumerate(reports):
        report_id = (await conn.execute(insert(DualReport.__table__).values(
            community_id=community, kind=kind, name=name, affiliation=affiliation, partner_unit_id=unit, phone=phone,
            reported_on=date(2022, 3, 1) + timedelta(days=30 * i), active=True,
            created_at=datetime(2022, 3, 1, tzinfo=timezone.utc) + timedelta(days=30 * i),
        ).returning(DualReport.__table__.c.id))).scalar_one()
        for k in range(3):
            await conn.execute(insert(DualReportService.__table__).values(
                dual_report_id=report_id, served_on=date(2026, 3 + 2 * k, 10), minutes=120 + 30 * k,
                description=["社区环境整治志愿服务", "入户走访困难群众", "政策宣讲"][k]))
            rows += 1
        rows += 1

    # Tasks: done (the seed's 大海阳 case), in progress, and one still open; seqs continue the log.
    seq = (await conn.execute(select(func.coalesce(func.max(CoTaskEvent.__table__.c.seq), 0)))).scalar_one()
    at = datetime(2026, 6, 2, 1, 30, tzinfo=timezone.utc)
    tasks = [
        ("璜山北片区下水道疏通", "免费为璜山北片区居民疏通下水道,排查老旧管网", "大海阳社区", ["烟台市排水处养管所", "烟台自来水公司"], "DONE",
         "璜山北片区下水道全部疏通,更换破损入户管2处"),
        ("大海阳社区供水管线巡检", "对老旧楼院供水管线开展一次联合巡检", "大海阳社区", ["烟台自来水公司", "烟台市排水处养管所"], "IN_PROGRESS", None),
        ("福泰小区消防通道清理", "协助清理消防通道堆物,规范停车", "福泰社区", ["福泰物业服务有限公司"], "OPEN", None),
    ]
    for n, (title, ask, community, partners, state, result) in enumerate(tasks):
        created = at + timedelta(days=40 * n)
        final_version = 1 + {"OPEN": 0, "IN_PROGRESS": 2, "DONE": 6}[state]
        task_id = (await conn.execute(insert(CoTask.__table__).values(
            community_id=cid[community], title=title, ask=ask, due_at=created + timedelta(days=30), state=state, result=result,
            created_at=created, updated_at=created, completed_at=created + timedelta(days=6) if state == "DONE" else None,
            version=final_version,
        ).returning(CoTask.__table__.c.id))).scalar_one()
        log: list[tuple[str, int | None, str]] = []
        for name in partners:
            part = {"DONE": "DONE", "IN_PROGRESS": "ACCEPTED", "OPEN": "INVITED"}[state]
            await conn.execute(insert(CoTaskPartner.__table__).values(
                task_id=task_id, partner_unit_id=pid[name], state=part,
                responded_at=created + timedelta(days=1) if part != "INVITED" else None,
                done_at=created + timedelta(days=5) if part == "DONE" else None, result="已完成本单位承担的部分" if part == "DONE" else None))
            log.append(("INVITED", pid[name], name))
        log.append(("CREATED", None, ask))
        if state in ("IN_PROGRESS", "DONE"):
            log += [("ACCEPTED", pid[name], "") for name in partners]
        if state == "DONE":
            log += [("PARTNER_DONE", pid[name], "已完成本单位承担的部分") for name in partners]
            log.append(("COMPLETED", None, result or ""))
        for k, (kind, unit, note) in enumerate(log):
            seq += 1
            await conn.execute(insert(CoTaskEvent.__table__).values(
                seq=seq, task_id=task_id, kind=kind, partner_unit_id=unit, at=created + timedelta(hours=k), actor_user_id=None,
                actor_label=f"{community}工作站" if unit is None or kind == "INVITED" else "共建单位", note=note,
                to_state={"INVITED": "OPEN", "CREATED": "OPEN", "COMPLETED": "DONE"}.get(kind, "IN_PROGRESS"), version=min(k + 1, final_version),
                community_id=cid[community]))
        rows += 1 + len(partners) + len(log)
    await continue_after_written_seqs(conn)
    return rows
