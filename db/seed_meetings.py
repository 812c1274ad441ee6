"""Demo data of Sunshine-17 deliberation: a year of monthly meetings (the 17th, December 2025 to
November 2026) in a handful of demo communities, with participants, topics and outcomes (about
nine in ten agreed, as in the seed) and the follow-up of agreed actions. Deterministic (no clock,
no randomness) and written with a few bulk inserts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Meeting, MeetingFollowUp, MeetingFollowUpNote, MeetingParticipant, MeetingTopic

LOCAL = timezone(timedelta(hours=8))  # Asia/Shanghai has no daylight saving time
COMMUNITIES = ("大海阳社区", "胜利路社区", "塔山社区", "福泰社区", "三里桥社区", "新桥东社区")
MONTHS = [(2025, 12)] + [(2026, m) for m in range(1, 12)]
TOPICS = (
    ("楼道堆物清理", "楼道杂物堆放影响消防通道,商议集中清理及长效管理办法。", "各楼长牵头本周六集中清理,物业每月巡查一次。"),
    ("停车秩序整治", "小区内车辆乱停、私设地锁,居民反映强烈。", "拆除私设地锁,划定临时停车位,夜间错时共享辖区单位车位。"),
    ("老旧管网维修", "雨季前排水管网堵塞隐患。", "联系排水处养管所共建疏通,社区出资更换破损井盖。"),
    ("文明养犬", "遛狗不拴绳、粪便不清理。", "设立文明养犬宣传岗,志愿者每周巡查两次。"),
    ("加装电梯意向征集", "多层住宅老人出行难。", "逐楼征集意见,达成一致的楼栋先行申报。"),
    ("闲置空间改造", "社区闲置用房利用。", "改造为四点半课堂,由社工机构运营。"),
    ("垃圾分类投放点调整", "投放点位置影响临近住户。", "投放点外移二十米并加装除臭设施。"),
)
KINDS = (
    ("COMMITTEE_MEMBER", "社区两委"), ("PARTY_REPRESENTATIVE", ""), ("RESIDENT_REPRESENTATIVE", ""),
    ("RESIDENT_REPRESENTATIVE", ""), ("VOLUNTEER", "社区志愿服务队"), ("ENTERPRISE", "辖区共建单位"), ("DEPUTY", "区人大代表"),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ("建国", "秀英", "志强", "海燕", "立新", "桂兰", "红梅", "德胜", "玉珍", "文斌")


def _at(d: date, hour: int = 9) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=LOCAL).astimezone(timezone.utc)


def plan_meetings(plan: dict[str, Any], start_ids: dict[str, int], users: dict[str, int | None]) -> dict[str, list[dict[str, Any]]]:
    """Pure: every row, with explicit ids counted on from `start_ids`."""
    ids = dict(start_ids)

    def next_id(table: str) -> int:
        ids[table] += 1
        return ids[table]

    by_name = {c["name"]: c for c in plan["community"]}
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in ("meeting", "meeting_participant", "meeting_topic", "meeting_follow_up", "meeting_follow_up_note")}
    last_month = MONTHS[-1]
    for ci, name in enumerate(n for n in COMMUNITIES if n in by_name):
        community = by_name[name]
        for mi, (year, month) in enumerate(MONTHS):
            day = date(year, month, 17)
            held = _at(day)
            mid = next_id("meeting")
            out["meeting"].append({
                "id": mid, "community_id": community["id"], "street_id": community["street_id"], "kind": "SUNSHINE_17",
                "title": f"{name}{year}年{month}月阳光17议", "scheduled_at": held, "place": f"{name}党群服务中心议事厅",
                "state": "HELD" if (year, month) == last_month else "CLOSED",
                "minutes": f"{year}年{month}月17日,{name}召开阳光17议联席会,社区两委、党员代表、群众代表、志愿者、辖区企业及代表委员参加。",
                "held_at": held, "cancelled_at": None, "cancel_reason": None, "convened_by_user_id": users.get(name),
                "created_at": held - timedelta(days=10), "updated_at": held, "version": 1,
            })
            for pi, (kind, org) in enumerate(KINDS):
                k = ci * 97 + mi * 13 + pi
                out["meeting_participant"].append({
                    "id": next_id("meeting_participant"), "meeting_id": mid, "kind": kind,
                    "name": SURNAMES[k % len(SURNAMES)] + GIVEN[(k // 3) % len(GIVEN)], "organisation": org,
                    "phone": f"1390535{(k * 7919) % 10000:04d}" if kind in ("RESIDENT_REPRESENTATIVE", "VOLUNTEER") else None,
                    "attended": (k % 9) != 0,
                })
            for ti in range(2 + (ci + mi) % 2):
                title, description, resolution = TOPICS[(ci * 3 + mi * 2 + ti) % len(TOPICS)]
                agreed = (ci * 5 + mi * 7 + ti * 3) % 12 != 0  # about 11 in 12 agreed
                tid = next_id("meeting_topic")
                out["meeting_topic"].append({
                    "id": tid, "meeting_id": mid, "position": ti + 1, "title": title, "description": description,
                    "subcategory_id": None, "outcome": "AGREED" if agreed else "NOT_AGREED",
                    "resolution": resolution if agreed else "意见分歧较大,下月继续征求意见。",
                    "decided_at": held + timedelta(hours=1), "decided_by_user_id": users.get(name), "created_at": held - timedelta(days=3),
                })
                if not agreed:
                    continue
                done = (year, month) != last_month
                fid = next_id("meeting_follow_up")
                out["meeting_follow_up"].append({
                    "id": fid, "topic_id": tid, "action": resolution, "owner": f"{name}居委会", "due_on": day + timedelta(days=20),
                    "state": "DONE" if done else "OPEN", "created_by_user_id": users.get(name), "created_at": held + timedelta(hours=2),
                    "completed_at": held + timedelta(days=14) if done else None, "version": 2 if done else 1,
                })
                out["meeting_follow_up_note"].append({
                    "id": next_id("meeting_follow_up_note"), "follow_up_id": fid, "at": held + timedelta(days=7),
                    "author_user_id": users.get(name), "author_label": f"{name}工作站", "note": "已召集相关楼栋落实,进展过半。", "completes": False,
                })
                if done:
                    out["meeting_follow_up_note"].append({
                        "id": next_id("meeting_follow_up_note"), "follow_up_id": fid, "at": held + timedelta(days=14),
                        "author_user_id": users.get(name), "author_label": f"{name}工作站", "note": "已全部落实,居民满意。", "completes": True,
                    })
    return out


async def seed_meetings(conn: AsyncConnection, plan: dict[str, Any]) -> int:
    tables = [Meeting.__table__, MeetingParticipant.__table__, MeetingTopic.__table__, MeetingFollowUp.__table__, MeetingFollowUpNote.__table__]
    start = {t.name: int((await conn.execute(select(func.coalesce(func.max(t.c.id), 0)))).scalar_one()) for t in tables}
    if start["meeting"]:
        return 0  # already there
    # The demo `community` login convenes 福泰社区's meetings; the others have no demo login.
    futai_user = (await conn.execute(text("SELECT id FROM app_user WHERE username = 'community'"))).scalar()
    rows = plan_meetings(plan, start, {"福泰社区": futai_user})
    written = 0
    for t in tables:
        if rows[t.name]:
            await conn.execute(insert(t), rows[t.name])
            written += len(rows[t.name])
    if conn.dialect.name == "postgresql":
        for t in tables:
            await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), COALESCE((SELECT MAX(id) FROM {t.name}), 1))"))
    return written
