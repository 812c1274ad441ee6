"""Demo data of four-society linkage (四社联动): a few social organisations, 40 social-work agencies
partnered with communities (社区合伙人: 以空间换服务), the two funds of the demo year (3 M yuan
allocation, 4.2 M yuan special fund) and a handful of service projects in every state, with the
events they held — the seed's 激活大脑 (关爱失智群众) and 乐享夕阳红 (关爱老年人) among them.

Deterministic (no randomness; fixed dates in the demo year 2026) and written with a few bulk inserts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import CommunityPartnership, Fund, ServiceProject, ServiceProjectEvent, SocialOrganisation

LOCAL = timezone(timedelta(hours=8))  # Asia/Shanghai has no daylight saving time
YEAR = 2026
T0 = datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)

SOCIAL_ORGS = (
    ("芝罘区益心公益服务协会", "助老助残、邻里互助、社区公益活动"),
    ("烟台市芝罘区阳光助残服务社", "残疾人康复陪护、就业辅导"),
    ("芝罘区红帆青少年发展中心", "四点半课堂、青少年心理关爱"),
    ("芝罘区和美邻里调解服务中心", "邻里纠纷调解、法律咨询"),
)
AGENCY_WORDS = (
    "仁和", "春晖", "启明", "同心", "安康", "乐龄", "彩虹", "新禾", "善邻", "暖阳", "明德", "睿智", "青松", "福寿", "博爱", "众安",
    "晨曦", "和润", "蓝海", "惠民", "长青", "嘉禾", "康宁", "汇爱", "德馨", "致远", "恒善", "悦享", "常青", "友邻", "心桥", "乐活",
    "信诚", "弘德", "润泽", "颐和", "萤火", "向善", "协力", "朝阳",
)
SPACES = ("活动室 60㎡", "党群服务中心二楼多功能厅 120㎡", "日间照料中心 80㎡", "社区书屋 40㎡", "心理咨询室 20㎡")
SERVICES = (
    "每月开展4场助老服务,为独居老人上门探访",
    "每周开设两次四点半课堂,寒暑假托管",
    "每月组织认知症筛查与记忆训练小组",
    "每季度举办邻里节,培育社区志愿骨干",
)
FIRST_PARTNERS = ("大海阳社区", "福泰社区", "胜利路社区", "塔山社区", "三里桥社区")

# (title, description, org index (agencies from 100), community name or street name, fund, requested yuan, state, awarded yuan,
#  contest kind, contest name, contest day, events)
CONTEST_VC = ("VENTURE_CONTEST", "2026年芝罘区公益创投大赛", date(2026, 3, 20))
CONTEST_RS = ("ROADSHOW", "2026年芝罘区民需服务项目路演答辩会", date(2026, 4, 10))
PROJECTS: tuple[dict[str, Any], ...] = (
    {"title": "激活大脑·关爱失智群众", "description": "为辖区认知障碍老人开展筛查、记忆训练小组和家属照护培训。", "org": 100,
     "community": "大海阳社区", "fund": "SPECIAL_FUND", "requested": 200_000, "awarded": 180_000, "contest": CONTEST_VC,
     "state": "RUNNING", "events": [(date(2026, m, 12), f"激活大脑·记忆训练小组第{i + 1}期", 18 + 3 * i) for i, m in enumerate(range(4, 11))]},
    {"title": "乐享夕阳红·关爱老年人", "description": "为高龄独居老人提供上门探访、健康讲座和文娱活动。", "org": 101,
     "community": "福泰社区", "fund": "ANNUAL_ALLOCATION", "requested": 150_000, "awarded": 150_000, "contest": CONTEST_RS,
     "state": "COMPLETED", "summary": "全年开展活动8场,覆盖高龄独居老人120余人次,居民满意度高。",
     "events": [(date(2026, m, 18), f"乐享夕阳红·第{i + 1}场", 25 + 4 * i) for i, m in enumerate(range(4, 12))]},
    {"title": "幸福四点半课堂", "description": "放学后为双职工家庭儿童提供课业辅导和兴趣活动。", "org": 2,
     "community": "塔山社区", "fund": "SPECIAL_FUND", "requested": 90_000, "awarded": 80_000, "contest": CONTEST_VC,
     "state": "AWARDED", "events": []},
    {"title": "和美邻里·纠纷调解进社区", "description": "在胜利路社区设立调解工作室,化解邻里纠纷。", "org": 3,
     "community": "胜利路社区", "fund": "ANNUAL_ALLOCATION", "requested": 60_000, "state": "PROPOSED", "events": []},
    {"title": "助残康复陪护", "description": "为残疾人家庭提供康复陪护。", "org": 1,
     "community": "三里桥社区", "fund": "SPECIAL_FUND", "requested": 300_000, "state": "REJECTED",
     "reject_reason": "预算测算依据不足,建议完善后下一年度再申报。", "events": []},
    {"title": "幸福街道邻里守望志愿者培育", "description": "面向幸福街道各社区培育志愿服务骨干。", "org": 0,
     "street": "幸福街道", "fund": "ANNUAL_ALLOCATION", "requested": 120_000, "awarded": 120_000, "contest": CONTEST_RS,
     "state": "RUNNING", "events": [(date(2026, 6, 15), "志愿骨干培训营", 60), (date(2026, 9, 20), "邻里守望主题活动", 150)]},
)


def _at(d: date, hour: int = 9) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=LOCAL).astimezone(timezone.utc)


def plan_society(plan: dict[str, Any], start: dict[str, int], dispatcher: int | None, this_year: int = YEAR) -> dict[str, list[dict[str, Any]]]:
    """Pure: every row, with explicit ids counted on from `start`; `this_year` is the year the demo runs in."""
    ids = dict(start)

    def next_id(table: str) -> int:
        ids[table] += 1
        return ids[table]

    out: dict[str, list[dict[str, Any]]] = {t: [] for t in (
        "social_organisation", "community_partnership", "fund", "service_project", "service_project_event")}
    community = {c["name"]: c for c in plan["community"]}
    street = {s["name"]: s for s in plan["street"]}

    org_ids: dict[int, int] = {}
    for i, (name, areas) in enumerate(SOCIAL_ORGS):
        org_ids[i] = next_id("social_organisation")
        out["social_organisation"].append({
            "id": org_ids[i], "kind": "SOCIAL_ORGANISATION", "name": name, "registration_no": f"52370602MJD{i + 1:06d}X",
            "contact_name": "王李张刘"[i] + "主任", "contact_phone": f"1356355{1000 + i:04d}", "service_areas": areas,
            "active": True, "created_at": T0, "updated_at": T0, "version": 1,
        })
    partner_order = [community[n] for n in FIRST_PARTNERS if n in community]
    partner_order += [c for c in plan["community"] if c["name"] not in FIRST_PARTNERS]
    for i, word in enumerate(AGENCY_WORDS):
        oid = org_ids[100 + i] = next_id("social_organisation")
        areas = ("认知症关爱、记忆训练", "高龄独居老人关爱、文娱活动")[i] if i < 2 else SERVICES[i % len(SERVICES)]
        out["social_organisation"].append({
            "id": oid, "kind": "SOCIAL_WORK_AGENCY", "name": f"芝罘区{word}社会工作服务中心", "registration_no": f"52370602MJE{i + 1:06d}Y",
            "contact_name": "赵钱孙李周吴郑王"[i % 8] + "社工", "contact_phone": f"1375355{2000 + i:04d}", "service_areas": areas,
            "active": True, "created_at": T0, "updated_at": T0, "version": 1,
        })
        c = partner_order[i % len(partner_order)]
        starts = date(2025, 1 + i % 12, 1)
        out["community_partnership"].append({
            "id": next_id("community_partnership"), "organisation_id": oid, "community_id": c["id"], "space": SPACES[i % len(SPACES)],
            "services": SERVICES[i % len(SERVICES)], "starts_on": starts, "ends_on": date(2027, 12, 31), "active": True,
            "created_at": T0, "updated_at": T0, "version": 1,
        })

    funds = {}
    for kind, budget, name in (("ANNUAL_ALLOCATION", 300_000_000, "四社联动年度财政资金"), ("SPECIAL_FUND", 420_000_000, "社区专项基金")):
        fid = next_id("fund")
        funds[kind] = {"id": fid, "kind": kind, "year": YEAR, "name": f"{YEAR}年{name}", "budget_fen": budget, "awarded_fen": 0,
                       "created_at": T0, "updated_at": T0, "version": 1}
    for p in PROJECTS:
        pid = next_id("service_project")
        fund = funds[p["fund"]]
        if "community" in p:
            c = community[p["community"]]
            community_id, street_id = c["id"], c["street_id"]
        else:
            community_id, street_id = None, street[p["street"]]["id"]
        awarded = p.get("awarded")
        kind, contest_name, contest_on = p.get("contest") or (None, None, None)
        if awarded:
            fund["awarded_fen"] += awarded * 100
            fund["version"] += 1
        events = p["events"]
        state = p["state"]
        out["service_project"].append({
            "id": pid, "title": p["title"], "description": p["description"], "organisation_id": org_ids[p["org"]],
            "street_id": street_id, "community_id": community_id, "fund_id": fund["id"], "requested_fen": p["requested"] * 100,
            "awarded_fen": awarded * 100 if awarded else None, "contest_kind": kind, "contest_name": contest_name, "contest_on": contest_on,
            "state": state, "reject_reason": p.get("reject_reason"), "summary": p.get("summary"),
            "awarded_at": _at(contest_on, 17) if contest_on else None,
            "started_at": _at(contest_on + timedelta(days=7)) if state in ("RUNNING", "COMPLETED") else None,
            "completed_at": _at(events[-1][0] + timedelta(days=5)) if state == "COMPLETED" else None,
            "created_by_user_id": dispatcher, "created_at": _at(date(2026, 2, 20)), "updated_at": _at(date(2026, 11, 20)),
            "version": 1 + (1 if awarded else 0) + (1 if state in ("RUNNING", "COMPLETED") else 0) + len(events) + (1 if state in ("COMPLETED", "REJECTED") else 0),
        })
        for held_on, title, people in events:
            out["service_project_event"].append({
                "id": next_id("service_project_event"), "project_id": pid, "held_on": held_on, "title": title, "people_served": people,
                "note": "", "recorded_by_user_id": None, "created_at": _at(held_on, 18),
            })
    out["fund"] = list(funds.values())
    if this_year != YEAR:
        # The demo's projects live in 2026; the year the demo runs in gets its two funds too (nothing awarded yet).
        for kind, budget, name in (("ANNUAL_ALLOCATION", 300_000_000, "四社联动年度财政资金"), ("SPECIAL_FUND", 420_000_000, "社区专项基金")):
            out["fund"].append({"id": next_id("fund"), "kind": kind, "year": this_year, "name": f"{this_year}年{name}", "budget_fen": budget,
                                "awarded_fen": 0, "created_at": T0, "updated_at": T0, "version": 1})
    return out


async def seed_society(conn: AsyncConnection, plan: dict[str, Any]) -> int:
    tables = [SocialOrganisation.__table__, CommunityPartnership.__table__, Fund.__table__, ServiceProject.__table__, ServiceProjectEvent.__table__]
    start = {t.name: int((await conn.execute(select(func.coalesce(func.max(t.c.id), 0)))).scalar_one()) for t in tables}
    if start["social_organisation"] or start["fund"]:
        return 0  # already there
    dispatcher = (await conn.execute(text("SELECT id FROM app_user WHERE username = 'dispatcher'"))).scalar()
    rows = plan_society(plan, start, dispatcher, datetime.now(LOCAL).year)
    written = 0
    for t in tables:
        if rows[t.name]:
            await conn.execute(insert(t), rows[t.name])
            written += len(rows[t.name])
    if conn.dialect.name == "postgresql":
        for t in tables:
            await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), COALESCE((SELECT MAX(id) FROM {t.name}), 1))"))
    return written
