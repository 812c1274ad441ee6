"""Demo data of the exact evaluation: a completed, published 2025 campaign for all 150 communities —
20 respondents drawn per community from the residents register with the campaign's recorded seed
(the very draw createSurveyCampaign makes), about one in ten unreachable, the others' answers on
the 5 aspects, and field scores by three teams (every community scored at least once, every fifth
by two teams), so the ranking and the street assessment are full on first run.

A real campaign draws 67 a community (10,050 in the district); the demo keeps 20 to seed fast.
Deterministic: a fixed seed and `random.Random` streams, no clock."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import FieldScore, FieldTeam, SurveyAnswer, SurveyCampaign, SurveyRespondent
from resolvers.evaluation.survey import draw_sample
from resolvers.evaluation.vocab import FieldAspect, Rating, SurveyAspect

YEAR = 2025
SEED = 20251215
PER_COMMUNITY = 20
LOCAL = timezone(timedelta(hours=8))
TEAMS = (
    ("第一实地测评组", "区委组织部、区民政局、向阳街道、社工机构代表"),
    ("第二实地测评组", "区住建局、奇山街道、大海阳社区、社工机构代表"),
    ("第三实地测评组", "区司法局、幸福街道、专业社工"),
)
NOTES = ("议事协商机制健全,阳光17议常态化。", "为老服务有特色,助餐点运行良好。", "网格队伍稳定,民情日记记录规范。",
         "共建单位参与度高,老旧管网改造成效明显。", "志愿服务积分兑换活跃,邻里互助氛围浓。")


def _at(day: int, hour: int) -> datetime:
    return datetime(YEAR, 12, day, hour, 0, tzinfo=LOCAL).astimezone(timezone.utc)


def plan_evaluation(plan: dict[str, Any], start: dict[str, int], evaluator: int | None, admin: int | None) -> dict[str, list[dict[str, Any]]]:
    """Pure: every row, with explicit ids counted on from `start`."""
    ids = dict(start)

    def next_id(table: str) -> int:
        ids[table] += 1
        return ids[table]

    out: dict[str, list[dict[str, Any]]] = {t: [] for t in ("survey_campaign", "survey_respondent", "survey_answer", "field_team", "field_score")}
    campaign_id = next_id("survey_campaign")
    out["survey_campaign"].append({
        "id": campaign_id, "year": YEAR, "seed": SEED, "sample_per_community": PER_COMMUNITY, "phone_weight_pct": 50,
        "field_weight_pct": 50, "reward_count": 10, "penalty_count": 10, "satisfaction_weight": 48, "satisfaction_share_permille": 143,
        "state": "PUBLISHED", "published_at": _at(28, 10), "created_by_user_id": admin, "created_at": _at(10, 9), "version": 2,
    })
    building_community = {b["id"]: b["community_id"] for b in plan["building"]}
    candidates: dict[int, list[int]] = {c["id"]: [] for c in plan["community"]}
    for r in plan["resident"]:
        candidates[building_community[r["building_id"]]].append(r["id"])
    sample = draw_sample(SEED, candidates, PER_COMMUNITY)
    rng = random.Random(f"demo-evaluation:{SEED}")
    aspects = list(SurveyAspect)
    for cid in sorted(sample):
        quality = 0.70 + 0.27 * rng.random()  # how satisfied this community's residents are
        for position, rid in enumerate(sample[cid], start=1):
            respondent_id = next_id("survey_respondent")
            reachable = rng.random() >= 0.1
            out["survey_respondent"].append({
                "id": respondent_id, "campaign_id": campaign_id, "community_id": cid, "resident_id": rid, "position": position,
                "status": "ANSWERED" if reachable else "UNREACHABLE", "evaluator_user_id": evaluator,
                "recorded_at": _at(15 + position % 10, 9 + position % 8), "note": "" if reachable else "三次拨打无人接听", "version": 2,
            })
            if not reachable:
                continue
            for aspect in aspects:
                x = rng.random()
                rating = Rating.SATISFIED if x < quality else Rating.BASIC if x < quality + (1 - quality) * 0.7 else Rating.UNSATISFIED
                out["survey_answer"].append({"id": next_id("survey_answer"), "respondent_id": respondent_id, "aspect": aspect.value,
                                             "rating": rating.value})
    team_ids = []
    for name, members in TEAMS:
        tid = next_id("field_team")
        team_ids.append(tid)
        out["field_team"].append({"id": tid, "campaign_id": campaign_id, "name": name, "members": members, "created_at": _at(12, 9)})
    for i, c in enumerate(sorted(plan["community"], key=lambda c: c["id"])):
        teams = [team_ids[i % 2]] + ([team_ids[2]] if i % 5 == 0 else [])
        for k, tid in enumerate(teams):
            tenths = {a: 120 + 5 * rng.randrange(0, 16) for a in FieldAspect}  # 12.0–19.5 in steps of 0.5
            out["field_score"].append({
                "id": next_id("field_score"), "campaign_id": campaign_id, "team_id": tid, "community_id": c["id"],
                "governance": tenths[FieldAspect.GOVERNANCE], "services": tenths[FieldAspect.SERVICES],
                "neighbourly_help": tenths[FieldAspect.NEIGHBOURLY_HELP], "team_building": tenths[FieldAspect.TEAM_BUILDING],
                "innovation": tenths[FieldAspect.INNOVATION], "notes": NOTES[(i + k) % len(NOTES)], "evaluator_user_id": evaluator,
                "recorded_at": _at(18 + k, 15), "version": 1,
            })
    return out


async def seed_evaluation(conn: AsyncConnection, plan: dict[str, Any]) -> int:
    tables = [SurveyCampaign.__table__, SurveyRespondent.__table__, SurveyAnswer.__table__, FieldTeam.__table__, FieldScore.__table__]
    start = {t.name: int((await conn.execute(select(func.coalesce(func.max(t.c.id), 0)))).scalar_one()) for t in tables}
    if start["survey_campaign"]:
        return 0  # already there
    users = {u: i for u, i in (await conn.execute(text("SELECT username, id FROM app_user WHERE username IN ('evaluator', 'admin')"))).all()}
    rows = plan_evaluation(plan, start, users.get("evaluator"), users.get("admin"))
    order = [SurveyCampaign.__table__, FieldTeam.__table__, SurveyRespondent.__table__, SurveyAnswer.__table__, FieldScore.__table__]
    written = 0
    for t in order:
        batch = rows[t.name]
        for i in range(0, len(batch), 5000):
            await conn.execute(insert(t), batch[i:i + 5000])
        written += len(batch)
    if conn.dialect.name == "postgresql":
        for t in order:
            await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), COALESCE((SELECT MAX(id) FROM {t.name}), 1))"))
    return written
