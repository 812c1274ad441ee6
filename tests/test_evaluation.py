"""Exact evaluation (精确考评): every formula by hand on small fixed data, then through the public
GraphQL API — the reproducible sample, recording answers and field scores, the ranking with its
drill-down, the street assessment, permissions, masking and audit of respondents' phones, bad
input (coded errors, nothing written) and the freeze on publishing."""

from __future__ import annotations

from fractions import Fraction as F
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Community, FieldScore, Resident, Street, SurveyAnswer, SurveyCampaign, SurveyRespondent, User
from resolvers.errors import BadUserInput
from resolvers.evaluation.field import field_score, parse_aspect_score, team_total
from resolvers.evaluation.numbers import exact_text, shown
from resolvers.evaluation.ranking import CommunityScores, compute_ranking, rank_communities, total_score
from resolvers.evaluation.street import street_satisfaction, street_total
from resolvers.evaluation.survey import DEFAULT_SAMPLE_PER_COMMUNITY, draw_sample, phone_score, phone_tally, residents_by_community, validate_weights
from resolvers.evaluation.vocab import ExcludedReason, FieldAspect, Mark
from schema.ids import from_global_id, to_global_id
from tests.partner_helpers import community_pk, user_with_scope

S, B, U = "SATISFIED", "BASIC", "UNSATISFIED"


# ================================================================ formulas by hand


def test_phone_score_is_100_times_the_mean_of_all_answers() -> None:
    # 1 + 1 + 0.5 + 0 + 0.5 = 3 over 5 answers → 60.
    assert phone_score([S, S, B, U, B]) == 60
    # Two respondents × 5 aspects: (5 + 2.5) / 10 → 75 — every answer weighs the same.
    assert phone_score([S] * 5 + [B] * 5) == 75
    assert phone_score([B, B, U]) == F(100, 3)  # 33.33…, kept exact
    assert phone_score([]) is None  # no answers: null, not 0


def test_unreachable_and_pending_respondents_are_left_out() -> None:
    t = phone_tally(
        [("ANSWERED", 2), ("UNREACHABLE", 3), ("PENDING", 1)],
        # An answer row under an UNREACHABLE respondent (cannot happen through the API) is still ignored.
        [("ANSWERED", S, 7), ("ANSWERED", B, 2), ("ANSWERED", U, 1), ("UNREACHABLE", U, 5)],
    )
    assert (t.respondents, t.answered, t.unreachable, t.pending) == (6, 2, 3, 1)
    assert (t.answers, t.points) == (10, F(8))
    assert t.score == 80  # 100 × (7 + 1) / 10
    nobody = phone_tally([("UNREACHABLE", 4)], [])
    assert nobody.score is None and nobody.answers == 0


def test_field_score_is_the_mean_of_the_teams_totals() -> None:
    a = [parse_aspect_score(v, asp) for v, asp in zip((18, 17.5, 16, 19, 15.5), FieldAspect)]
    b = [parse_aspect_score(v, asp) for v, asp in zip((20, 20, 20, 20, 0), FieldAspect)]
    assert a == [180, 175, 160, 190, 155] and team_total(a) == 86 and team_total(b) == 80
    assert field_score([team_total(a), team_total(b)]) == 83
    assert field_score([team_total(a)]) == 86
    assert field_score([F(863, 10), F(80)]) == F(1663, 20)  # 83.15
    assert field_score([]) is None


@pytest.mark.parametrize("bad", [-1, -0.1, 20.1, 21, 17.25, "x", float("nan"), float("inf")])
def test_aspect_scores_are_0_to_20_with_one_decimal(bad: Any) -> None:
    with pytest.raises(BadUserInput):
        parse_aspect_score(bad, FieldAspect.SERVICES)
    assert parse_aspect_score(0, FieldAspect.SERVICES) == 0
    assert parse_aspect_score(20, FieldAspect.SERVICES) == 200
    assert parse_aspect_score(12.3, FieldAspect.SERVICES) == 123


def test_total_is_weighted_and_weights_sum_to_100() -> None:
    assert total_score(F(90), F(80), 50, 50) == 85
    assert total_score(F(90), F(80), 60, 40) == 86
    assert total_score(F(90), None, 100, 0) == 90  # a 0% part is not required
    assert total_score(None, F(80), 50, 50) is None
    validate_weights(30, 70)
    for wp, wf in ((50, 60), (101, -1), (40, 40)):
        with pytest.raises(BadUserInput):
            validate_weights(wp, wf)


def _cs(i: int, phone: Any, field: Any) -> CommunityScores:
    return CommunityScores(i, f"C{i:03d}", None if phone is None else F(phone), None if field is None else F(field))


def test_ties_share_a_rank_then_display_by_phone_then_code() -> None:
    rows = rank_communities([
        _cs(1, 80, 90),  # 85
        _cs(2, 90, 80),  # 85, higher phone → shown first
        _cs(3, 90, 80),  # 85, same phone → by code after C002
        _cs(4, 84, 84),  # 84
        _cs(5, 70, 70),  # 70
    ], reward_count=0, penalty_count=0)
    assert [(r.community_id, r.rank) for r in rows] == [(2, 1), (3, 1), (1, 1), (4, 4), (5, 5)]
    assert [r.rank_from_bottom for r in rows] == [3, 3, 3, 2, 1]
    assert [r.position for r in rows] == [1, 2, 3, 4, 5]
    # Exact values decide, not the 2-decimal display: 85.004 and 85.001 both show 85.00, different ranks.
    close = rank_communities([_cs(1, F(85004, 1000), 85), _cs(2, F(85001, 1000), 85)], reward_count=0, penalty_count=0)
    assert [(r.community_id, r.rank, shown(r.total)) for r in close] == [(1, 1, 85.0), (2, 2, 85.0)]


def test_top_and_bottom_10_include_ties_at_the_boundary() -> None:
    # 30 communities, totals 100, 99, ..., but ranks 9–11 share 92 and places 20–22 (9–11 from the bottom) share 80.
    totals = [100 - i for i in range(30)]
    totals[8] = totals[9] = totals[10] = 92
    totals[19] = totals[20] = totals[21] = 80
    rows = rank_communities([_cs(i + 1, t, t) for i, t in enumerate(totals)])
    rewarded = [r.community_id for r in rows if r.mark is Mark.REWARD]
    penalised = [r.community_id for r in rows if r.mark is Mark.PENALTY]
    assert sorted(rewarded) == list(range(1, 12))  # 11: the tie at rank 9 straddles the boundary
    assert sorted(penalised) == list(range(20, 31))  # 11 likewise from the bottom
    assert all(r.rank == 9 for r in rows if r.community_id in (9, 10, 11))
    # A tie just past the boundary is not pulled in: ranks 1–10 distinct, 11 and 12 tied.
    totals = [100 - i for i in range(30)]
    totals[10] = totals[11] = 85
    rows = rank_communities([_cs(i + 1, t, t) for i, t in enumerate(totals)])
    assert sorted(r.community_id for r in rows if r.mark is Mark.REWARD) == list(range(1, 11))


def test_fewer_than_20_ranked_reward_wins_over_penalty() -> None:
    rows = rank_communities([_cs(i + 1, 90 - i, 90 - i) for i in range(12)])
    assert [r.mark for r in rows] == [Mark.REWARD] * 10 + [Mark.PENALTY] * 2


def test_missing_scores_are_listed_last_unranked_and_unmarked() -> None:
    rows = rank_communities([_cs(1, None, 80), _cs(2, 60, 60), _cs(3, 90, None), _cs(4, None, None), _cs(5, 70, 70)],
                            reward_count=1, penalty_count=1)
    assert [r.community_id for r in rows] == [5, 2, 1, 3, 4]
    assert [(r.rank, r.mark) for r in rows[:2]] == [(1, Mark.REWARD), (2, Mark.PENALTY)]
    assert [(r.rank, r.total, r.mark, r.excluded_reason) for r in rows[2:]] == [
        (None, None, Mark.NONE, ExcludedReason.NO_PHONE_SCORE),
        (None, None, Mark.NONE, ExcludedReason.NO_FIELD_SCORE),
        (None, None, Mark.NONE, ExcludedReason.NO_SCORES),
    ]


def test_street_satisfaction_by_hand() -> None:
    item = street_satisfaction([F(90), F(80), None], 48, 143)
    assert item.mean_phone == 85 and item.scored == 2 and item.unscored == 1  # the unscored community is left out
    assert item.points == F(408, 10)  # 48 × 85 / 100 = 40.8
    assert item.street_total == F(48000, 143) and shown(item.street_total) == 335.66  # 48 / 0.143
    assert street_satisfaction([F(100), F(50)], 60, 200).points == 45  # configurable weight: 60 × 75 / 100
    assert street_satisfaction([None], 48, 143).points is None
    assert street_total(48, 143) * F(143, 1000) == 48


def test_shown_rounds_half_up_and_exact_text() -> None:
    assert shown(F(87125, 1000)) == 87.13 and shown(F(87124, 1000)) == 87.12 and shown(F(200, 3)) == 66.67
    assert exact_text(F(87125, 1000)) == "87.125" and exact_text(F(100, 3)) == "100/3" and exact_text(F(85)) == "85"


def test_sample_is_reproducible_from_the_seed() -> None:
    register = {1: list(range(100, 160)), 2: list(range(200, 203)), 3: []}
    a = draw_sample(7, register, 5)
    assert a == draw_sample(7, {k: list(reversed(v)) for k, v in reversed(register.items())}, 5)  # input order irrelevant
    assert len(a[1]) == 5 and len(set(a[1])) == 5 and set(a[1]) <= set(register[1])
    assert sorted(a[2]) == [200, 201, 202] and a[3] == []  # fewer residents than the sample: all of them
    assert draw_sample(8, register, 5)[1] != a[1]
    # One community's draw does not depend on the others.
    assert draw_sample(7, {1: register[1]}, 5)[1] == a[1]
    assert DEFAULT_SAMPLE_PER_COMMUNITY * 150 >= 10_000


# ================================================================ through the API


CAMPAIGN = "id year seed samplePerCommunity phoneWeightPercent fieldWeightPercent state version streetTotalPoints satisfactionShare"
RANK_ROW = ("position rank rankFromBottom mark excludedReason phoneScore phoneScoreExact phoneAnswers phonePoints respondents answered "
            "unreachable pending fieldScore fieldScoreExact fieldTeamCount total totalExact canDrillDown community { id name code } "
            "street { name }")


async def mutate(gql: Any, token: str, name: str, input: dict, fields: str) -> dict:
    type_name = name[0].upper() + name[1:] + "Input"
    return await gql.post(f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)


async def ok(gql: Any, token: str, name: str, input: dict, fields: str) -> dict:
    body = await mutate(gql, token, name, input, fields)
    assert "errors" not in body, (name, body.get("errors"))
    return body["data"][name]


async def err(gql: Any, token: str, name: str, input: dict, fields: str = "__typename") -> str:
    body = await mutate(gql, token, name, input, fields)
    assert "errors" in body, (name, "expected an error", body)
    return body["errors"][0]["extensions"]["code"]


async def query(gql: Any, token: str, q: str, variables: dict | None = None) -> dict:
    body = await gql.post(q, variables or {}, token=token)
    assert "errors" not in body, body.get("errors")
    return body["data"]


async def query_err(gql: Any, token: str, q: str, variables: dict | None = None) -> str:
    body = await gql.post(q, variables or {}, token=token)
    assert "errors" in body, body
    return body["errors"][0]["extensions"]["code"]


async def create_campaign(gql: Any, tokens: dict[str, str], year: int, **extra: Any) -> dict:
    return await ok(gql, tokens["admin"], "createSurveyCampaign", {"year": year, **extra}, f"drawnCount campaign {{ {CAMPAIGN} }}")


async def respondents(gql: Any, token: str, year: int, community_gid: str, status: str | None = None) -> list[dict]:
    q = """query($y: Int!, $f: SurveyRespondentFilter) { surveyRespondents(year: $y, filter: $f, first: 100) {
             totalCount edges { node { id position status version phone phoneView name answers { aspect rating value } } } } }"""
    data = await query(gql, token, q, {"y": year, "f": {"communityId": community_gid, **({"status": status} if status else {})}})
    return [e["node"] for e in data["surveyRespondents"]["edges"]]


async def ranking(gql: Any, token: str, year: int, street_gid: str | None = None, extra: str = "") -> dict:
    q = f"""query($y: Int!, $s: ID) {{ communityRanking(year: $y, streetId: $s) {{ published rankedCount excludedCount
             campaign {{ year phoneWeightPercent }} rows {{ {RANK_ROW} {extra} }} }} }}"""
    return (await query(gql, token, q, {"y": year, "s": street_gid}))["communityRanking"]


def five(*ratings: str) -> list[dict]:
    aspects = ["SOLVING_NEEDS", "CONTACT", "DAILY_DUTY", "WORK_STYLE", "SERVICE_ATTITUDE"]
    return [{"aspect": a, "rating": r} for a, r in zip(aspects, ratings)]


def field_input(team: str, community: str, scores: tuple, **extra: Any) -> dict:
    keys = ("governance", "services", "neighbourlyHelp", "teamBuilding", "innovation")
    return {"teamId": team, "communityId": community, **dict(zip(keys, scores)), **extra}


async def test_the_demo_year_is_complete_and_every_figure_traces_back(gql: Any, tokens: dict[str, str], db: Any) -> None:
    r = await ranking(gql, tokens["district"], 2025, extra="fieldScores { total } phoneAspects { aspect answers satisfied basic unsatisfied }")
    assert r["published"] and r["rankedCount"] == 150 and r["excludedCount"] == 0 and len(r["rows"]) == 150
    rows = r["rows"]
    assert [x["position"] for x in rows] == list(range(1, 151)) and rows[0]["rank"] == 1
    assert sum(x["mark"] == "REWARD" for x in rows) >= 10 and sum(x["mark"] == "PENALTY" for x in rows) >= 10
    totals = [F(x["totalExact"]) for x in rows]
    assert totals == sorted(totals, reverse=True)
    for x in rows:
        phone = F(x["phoneScoreExact"])
        assert phone == 100 * F(x["phonePoints"]) / x["phoneAnswers"]  # phone score from its answers
        assert x["phoneAnswers"] == 5 * x["answered"] and x["respondents"] == 20 and x["answered"] + x["unreachable"] == 20
        assert sum(a["answers"] for a in x["phoneAspects"]) == x["phoneAnswers"]
        points = sum(F(a["satisfied"]) + F(a["basic"], 2) for a in x["phoneAspects"])
        assert points == F(x["phonePoints"])
        teams = [F(str(t["total"])) for t in x["fieldScores"]]
        assert len(teams) == x["fieldTeamCount"] >= 1 and F(x["fieldScoreExact"]) == sum(teams) / len(teams)
        assert F(x["totalExact"]) == (phone + F(x["fieldScoreExact"])) / 2
        assert x["total"] == shown(F(x["totalExact"]))
        assert x["rank"] == 1 + sum(1 for t in totals if t > F(x["totalExact"]))
    # The street assessment: 48 × (mean of its communities' phone scores) / 100.
    q = """query { streetAssessment(year: 2025) { satisfactionWeight satisfactionShare streetTotalPoints
             rows { street { name } communityCount scoredCommunityCount meanPhoneScoreExact satisfactionPoints satisfactionPointsExact
                    communities { community { name } phoneScoreExact } } } }"""
    sa = (await query(gql, tokens["district"], q))["streetAssessment"]
    assert (sa["satisfactionWeight"], sa["satisfactionShare"], sa["streetTotalPoints"]) == (48, 0.143, 335.66)
    assert len(sa["rows"]) == 12 and sum(s["communityCount"] for s in sa["rows"]) == 150
    by_name = {x["community"]["name"]: F(x["phoneScoreExact"]) for x in rows}
    for s in sa["rows"]:
        scores = [by_name[c["community"]["name"]] for c in s["communities"]]
        assert F(s["meanPhoneScoreExact"]) == sum(scores) / len(scores)
        assert F(s["satisfactionPointsExact"]) == 48 * F(s["meanPhoneScoreExact"]) / 100
        assert s["satisfactionPoints"] == shown(F(s["satisfactionPointsExact"]))
    # Recomputing gives the same ranking.
    async with db.read() as conn:
        campaign = (await conn.execute(select(SurveyCampaign.__table__).where(SurveyCampaign.__table__.c.year == 2025))).first()
        assert (await compute_ranking(conn, campaign)).rows == (await compute_ranking(conn, campaign)).rows


async def test_the_demo_sample_is_the_draw_of_its_recorded_seed(gql: Any, tokens: dict[str, str], db: Any) -> None:
    c = (await query(gql, tokens["admin"], f"{{ surveyCampaign(year: 2025) {{ {CAMPAIGN} progress {{ respondents answered unreachable pending }} }} }}"))["surveyCampaign"]
    assert c["state"] == "PUBLISHED" and c["samplePerCommunity"] == 20 and c["progress"]["respondents"] == 3000
    assert c["progress"]["pending"] == 0 and c["progress"]["answered"] + c["progress"]["unreachable"] == 3000
    r = SurveyRespondent.__table__
    async with db.read() as conn:
        register = await residents_by_community(conn)
        drawn = (await conn.execute(select(r.c.community_id, r.c.resident_id).join(SurveyCampaign.__table__)
                                    .where(SurveyCampaign.__table__.c.year == 2025).order_by(r.c.community_id, r.c.position))).all()
    expected = draw_sample(c["seed"], register, 20)
    got: dict[int, list[int]] = {}
    for cid, rid in drawn:
        got.setdefault(cid, []).append(rid)
    assert got == expected


async def test_a_campaign_from_sample_to_published_ranking(gql: Any, tokens: dict[str, str], db: Any) -> None:
    year = 2031
    created = await create_campaign(gql, tokens, year, seed=42, samplePerCommunity=2)
    camp = created["campaign"]
    assert created["drawnCount"] == 300 and camp["seed"] == 42 and camp["state"] == "OPEN"
    assert (camp["phoneWeightPercent"], camp["fieldWeightPercent"]) == (50, 50)
    # The drawn sample is exactly draw_sample(seed) over the register ordered by id.
    r = SurveyRespondent.__table__
    async with db.read() as conn:
        register = await residents_by_community(conn)
        drawn = (await conn.execute(select(r.c.community_id, r.c.resident_id).where(r.c.campaign_id == from_global_id(camp["id"])[1])
                                    .order_by(r.c.community_id, r.c.position))).all()
    got: dict[int, list[int]] = {}
    for cid, rid in drawn:
        got.setdefault(cid, []).append(rid)
    assert got == draw_sample(42, register, 2)

    futai_pk = await community_pk(db, "福泰社区")
    futai = to_global_id("Community", futai_pk)
    pending = await respondents(gql, tokens["evaluator"], year, futai, "PENDING")
    assert len(pending) == 2
    first, second = pending
    # 1 + 1 + 0.5 + 0 + 1 = 3.5 of 5 → 70.
    answered = await ok(gql, tokens["evaluator"], "recordSurveyAnswers",
                        {"respondentId": first["id"], "answers": five(S, S, B, U, S), "version": first["version"]},
                        "respondent { status version phoneView answers { aspect value } }")
    assert answered["respondent"]["status"] == "ANSWERED" and answered["respondent"]["phoneView"] == "MASKED"
    assert sorted(a["value"] for a in answered["respondent"]["answers"]) == [0, 0.5, 1, 1, 1]
    await ok(gql, tokens["evaluator"], "markRespondentUnreachable", {"respondentId": second["id"], "note": "三次拨打无人接听"},
             "respondent { status note }")

    teams = []
    for name in ("第一组", "第二组"):
        t = await ok(gql, tokens["evaluator"], "createFieldTeam", {"campaignId": camp["id"], "name": name, "members": "区民政局、社工"},
                     "team { id name }")
        teams.append(t["team"]["id"])
    s1 = await ok(gql, tokens["evaluator"], "recordFieldEvaluation", field_input(teams[0], futai, (18, 17.5, 16, 19, 15.5), notes="治理规范"),
                  "score { id total version governance services }")
    assert s1["score"]["total"] == 86 and s1["score"]["services"] == 17.5
    await ok(gql, tokens["evaluator"], "recordFieldEvaluation", field_input(teams[1], futai, (20, 20, 20, 20, 0)), "score { total }")

    r = await ranking(gql, tokens["dispatcher"], year, extra="fieldScores { total team { name } } responses(first: 10) { totalCount edges { node { position status answers { aspect rating } } } }")
    assert r["rankedCount"] == 1 and r["excludedCount"] == 149 and not r["published"]
    top = r["rows"][0]
    assert top["community"]["name"] == "福泰社区" and top["rank"] == 1
    assert (top["phoneScore"], top["phoneAnswers"], top["phonePoints"], top["answered"], top["unreachable"]) == (70, 5, 3.5, 1, 1)
    assert (top["fieldScore"], top["fieldTeamCount"], top["total"], top["totalExact"]) == (83, 2, 76.5, "76.5")  # (70 + 83) / 2
    assert top["mark"] == "REWARD"  # rank 1 is also first from the bottom: REWARD wins
    assert sorted(s["total"] for s in top["fieldScores"]) == [80, 86]
    assert top["responses"]["totalCount"] == 2
    assert {e["node"]["status"] for e in top["responses"]["edges"]} == {"ANSWERED", "UNREACHABLE"}
    rest = r["rows"][1:]
    assert all(x["rank"] is None and x["mark"] == "NONE" and x["excludedReason"] == "NO_SCORES" for x in rest)
    assert [x["community"]["code"] for x in rest] == sorted(x["community"]["code"] for x in rest)

    # Configurable weights: 60 / 40 → 0.6 × 70 + 0.4 × 83 = 75.2.
    assert await err(gql, tokens["admin"], "updateSurveyCampaign", {"campaignId": camp["id"], "phoneWeightPercent": 60}) == "BAD_USER_INPUT"
    await ok(gql, tokens["admin"], "updateSurveyCampaign", {"campaignId": camp["id"], "phoneWeightPercent": 60, "fieldWeightPercent": 40},
             "campaign { version }")
    assert (await ranking(gql, tokens["admin"], year))["rows"][0]["totalExact"] == "75.2"

    # Publishing freezes everything.
    published = await ok(gql, tokens["admin"], "publishRanking", {"campaignId": camp["id"]}, "campaign { state version }")
    assert published["campaign"]["state"] == "PUBLISHED"
    q = 'query($y: Int!) { surveyRespondents(year: $y, filter: {status: PENDING}, first: 1) { edges { node { id } } } }'
    left = (await query(gql, tokens["evaluator"], q, {"y": year}))["surveyRespondents"]["edges"][0]["node"]["id"]
    assert await err(gql, tokens["evaluator"], "recordSurveyAnswers", {"respondentId": left, "answers": five(S)}) == "INVALID_TRANSITION"
    assert await err(gql, tokens["evaluator"], "recordFieldEvaluation", field_input(teams[0], futai, (1, 1, 1, 1, 1), version=1)) == "INVALID_TRANSITION"
    assert await err(gql, tokens["admin"], "updateSurveyCampaign", {"campaignId": camp["id"], "rewardCount": 5}) == "INVALID_TRANSITION"
    assert await err(gql, tokens["admin"], "publishRanking", {"campaignId": camp["id"]}) == "INVALID_TRANSITION"
    assert (await ranking(gql, tokens["admin"], year))["rows"][0]["totalExact"] == "75.2"


async def test_bad_input_and_recording_twice(gql: Any, tokens: dict[str, str], db: Any) -> None:
    year = 2032
    camp = (await create_campaign(gql, tokens, year, samplePerCommunity=3))["campaign"]
    futai = to_global_id("Community", await community_pk(db, "福泰社区"))
    one, two, three = await respondents(gql, tokens["evaluator"], year, futai)
    ev = tokens["evaluator"]

    async def answers_written() -> int:
        async with db.read() as conn:
            return (await conn.execute(select(func.count()).select_from(SurveyAnswer).join(SurveyRespondent)
                                       .where(SurveyRespondent.campaign_id == from_global_id(camp["id"])[1]))).scalar_one()

    assert await err(gql, ev, "recordSurveyAnswers", {"respondentId": one["id"], "answers": []}) == "BAD_USER_INPUT"
    dup = [{"aspect": "CONTACT", "rating": S}, {"aspect": "CONTACT", "rating": U}]
    assert await err(gql, ev, "recordSurveyAnswers", {"respondentId": one["id"], "answers": dup}) == "BAD_USER_INPUT"
    assert await err(gql, ev, "recordSurveyAnswers", {"respondentId": one["id"], "answers": [{"aspect": "CONTACT", "rating": "GREAT"}]}) == "BAD_USER_INPUT"
    assert await err(gql, ev, "recordSurveyAnswers", {"respondentId": one["id"], "answers": five(S), "version": 99}) == "CONFLICT"
    assert await answers_written() == 0
    # Partial answers are allowed: the respondent would not rate the other aspects.
    await ok(gql, ev, "recordSurveyAnswers", {"respondentId": one["id"], "answers": five(B, S)}, "respondent { status }")
    # Answers are recorded once: again, or marking unreachable afterwards, is a CONFLICT and changes nothing.
    assert await err(gql, ev, "recordSurveyAnswers", {"respondentId": one["id"], "answers": five(U, U, U, U, U)}) == "CONFLICT"
    assert await err(gql, ev, "markRespondentUnreachable", {"respondentId": one["id"]}) == "CONFLICT"
    await ok(gql, ev, "markRespondentUnreachable", {"respondentId": two["id"]}, "respondent { status }")
    assert await err(gql, ev, "recordSurveyAnswers", {"respondentId": two["id"], "answers": five(S)}) == "CONFLICT"
    assert await answers_written() == 2
    assert await err(gql, ev, "recordSurveyAnswers", {"respondentId": to_global_id("SurveyRespondent", 10**8), "answers": five(S)}) == "NOT_FOUND"

    team = (await ok(gql, ev, "createFieldTeam", {"campaignId": camp["id"], "name": "复核组"}, "team { id }"))["team"]["id"]
    assert await err(gql, ev, "createFieldTeam", {"campaignId": camp["id"], "name": "复核组"}) == "CONFLICT"
    assert await err(gql, ev, "createFieldTeam", {"campaignId": camp["id"], "name": "  "}) == "BAD_USER_INPUT"
    for bad in ((20.5, 1, 1, 1, 1), (1, -1, 1, 1, 1), (1, 1, 17.25, 1, 1), (1, 1, 1, 100, 1)):
        assert await err(gql, ev, "recordFieldEvaluation", field_input(team, futai, bad)) == "BAD_USER_INPUT"
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(FieldScore).where(FieldScore.team_id == from_global_id(team)[1]))).scalar_one() == 0
    first = (await ok(gql, ev, "recordFieldEvaluation", field_input(team, futai, (10, 10, 10, 10, 10)), "score { total version }"))["score"]
    assert first == {"total": 50, "version": 1}
    # Again without the version: CONFLICT; with it: a correction; with a stale one: CONFLICT.
    assert await err(gql, ev, "recordFieldEvaluation", field_input(team, futai, (12, 12, 12, 12, 12))) == "CONFLICT"
    fixed = (await ok(gql, ev, "recordFieldEvaluation", field_input(team, futai, (12, 12, 12, 12, 12.5), version=1), "score { total version }"))["score"]
    assert fixed == {"total": 60.5, "version": 2}
    assert await err(gql, ev, "recordFieldEvaluation", field_input(team, futai, (1, 1, 1, 1, 1), version=1)) == "CONFLICT"
    row = [x for x in (await ranking(gql, tokens["admin"], year))["rows"] if x["community"]["name"] == "福泰社区"][0]
    assert (row["phoneScore"], row["fieldScore"], row["total"]) == (75, 60.5, 67.75)  # (0.5 + 1) / 2 = 75

    # Campaign configuration errors.
    assert await err(gql, tokens["admin"], "createSurveyCampaign", {"year": year}) == "CONFLICT"
    assert await err(gql, tokens["admin"], "createSurveyCampaign", {"year": 1999}) == "BAD_USER_INPUT"
    assert await err(gql, tokens["admin"], "createSurveyCampaign", {"year": 2033, "phoneWeightPercent": 70}) == "BAD_USER_INPUT"
    assert await err(gql, tokens["admin"], "createSurveyCampaign", {"year": 2033, "samplePerCommunity": 0}) == "BAD_USER_INPUT"
    assert await err(gql, tokens["admin"], "createSurveyCampaign", {"year": 2033, "seed": -5}) == "BAD_USER_INPUT"
    assert await err(gql, tokens["admin"], "createSurveyCampaign", {"year": 2033, "satisfactionSharePermille": 0}) == "BAD_USER_INPUT"
    assert await err(gql, tokens["admin"], "updateSurveyCampaign", {"campaignId": camp["id"], "version": 42}) == "CONFLICT"
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(SurveyCampaign).where(SurveyCampaign.year == 2033))).scalar_one() == 0


async def test_the_evaluator_sees_the_phone_to_call_audited_everyone_else_masked(gql: Any, tokens: dict[str, str], db: Any) -> None:
    year = 2034
    await create_campaign(gql, tokens, year, samplePerCommunity=2)
    futai_pk = await community_pk(db, "福泰社区")
    futai = to_global_id("Community", futai_pk)
    r, res, a = SurveyRespondent.__table__, Resident.__table__, AuditEntry.__table__
    async with db.read() as conn:
        truth = {to_global_id("SurveyRespondent", rid): (phone, name) for rid, phone, name in (await conn.execute(
            select(r.c.id, res.c.phone, res.c.name).join(res, res.c.id == r.c.resident_id).join(SurveyCampaign.__table__)
            .where(SurveyCampaign.__table__.c.year == year, r.c.community_id == futai_pk))).all()}
        evaluator_id = (await conn.execute(select(User.id).where(User.username == "evaluator"))).scalar_one()
        before = (await conn.execute(select(func.coalesce(func.max(a.c.id), 0)))).scalar_one()
    seen = await respondents(gql, tokens["evaluator"], year, futai)
    assert len(seen) == 2
    for x in seen:
        phone, name = truth[x["id"]]
        assert x["phoneView"] == "WHOLE" and x["phone"] == phone and "*" not in x["phone"]
        assert x["name"] != name and x["name"].startswith(name[0]) and "*" in x["name"]
    async with db.read() as conn:
        audits = (await conn.execute(select(a.c.actor_user_id, a.c.action, a.c.target, a.c.detail).where(a.c.id > before, a.c.target == "SurveyRespondent"))).all()
    assert len(audits) == 1 and audits[0].actor_user_id == evaluator_id and audits[0].action == "READ_PERSONAL"
    assert sorted(int(i) for i in audits[0].detail.split(",")) == sorted(from_global_id(x["id"])[1] for x in seen)
    for role in ("district", "dispatcher", "admin"):
        for x in await respondents(gql, tokens[role], year, futai):
            assert x["phoneView"] == "MASKED" and x["phone"] == truth[x["id"]][0][:3] + "****" + truth[x["id"]][0][-4:]
    # Once the call is recorded, the evaluator too sees it masked.
    await ok(gql, tokens["evaluator"], "markRespondentUnreachable", {"respondentId": seen[0]["id"]}, "respondent { status }")
    again = {x["id"]: x for x in await respondents(gql, tokens["evaluator"], year, futai)}
    assert again[seen[0]["id"]]["phoneView"] == "MASKED" and "*" in again[seen[0]["id"]]["phone"]
    async with db.read() as conn:
        n = (await conn.execute(select(func.count()).select_from(AuditEntry).where(a.c.id > before, a.c.target == "SurveyRespondent", a.c.actor_user_id != evaluator_id))).scalar_one()
    assert n == 0  # masked reads are not personal-data reads
    for role in ("community", "street", "partner", "grid", "volunteer", "department"):
        q = "query($y: Int!) { surveyRespondents(year: $y) { totalCount } }"
        assert await query_err(gql, tokens[role], q, {"y": year}) == "FORBIDDEN", role
    assert await query_err(gql, tokens["admin"], "{ surveyRespondents(year: 2077) { totalCount } }") == "NOT_FOUND"


async def test_who_may_do_and_read_what(gql: Any, tokens: dict[str, str], db: Any) -> None:
    year = 2035
    for role in ("evaluator", "district", "street", "community", "partner"):
        assert await err(gql, tokens[role], "createSurveyCampaign", {"year": year}) == "FORBIDDEN", role
    camp = (await ok(gql, tokens["dispatcher"], "createSurveyCampaign", {"year": year, "samplePerCommunity": 1}, f"campaign {{ {CAMPAIGN} }}"))["campaign"]
    futai_pk = await community_pk(db, "福泰社区")
    futai = to_global_id("Community", futai_pk)
    one = (await respondents(gql, tokens["evaluator"], year, futai))[0]
    for role in ("admin", "dispatcher", "community", "district"):
        assert await err(gql, tokens[role], "recordSurveyAnswers", {"respondentId": one["id"], "answers": five(S)}) == "FORBIDDEN", role
        assert await err(gql, tokens[role], "createFieldTeam", {"campaignId": camp["id"], "name": "x"}) == "FORBIDDEN", role
    assert await err(gql, tokens["evaluator"], "publishRanking", {"campaignId": camp["id"]}) == "FORBIDDEN"
    # Every community gets a phone and a field score, so all 150 are ranked.
    team = (await ok(gql, tokens["evaluator"], "createFieldTeam", {"campaignId": camp["id"], "name": "全区组"}, "team { id }"))["team"]["id"]
    async with db.read() as conn:
        communities = (await conn.execute(select(Community.id, Community.street_id).order_by(Community.id))).all()
        xingfu = (await conn.execute(select(Street.id).where(Street.name == "幸福街道"))).scalar_one()
    q = """query($y: Int!, $after: String) { surveyRespondents(year: $y, first: 100, after: $after) {
             pageInfo { hasNextPage endCursor } edges { node { id } } } }"""
    ids, after = [], None
    while True:
        page = (await query(gql, tokens["evaluator"], q, {"y": year, "after": after}))["surveyRespondents"]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(ids) == 150
    for i, rid in enumerate(ids):
        await ok(gql, tokens["evaluator"], "recordSurveyAnswers", {"respondentId": rid, "answers": five(*([S, B, U][i % 3],) * 5)}, "respondent { status }")
    for i, (cid, _) in enumerate(communities):
        await ok(gql, tokens["evaluator"], "recordFieldEvaluation", field_input(team, to_global_id("Community", cid), (i % 21,) * 5), "score { total }")

    # Unpublished: district-wide readers all rows; a street officer its street's; a community worker its own.
    for role in ("admin", "dispatcher", "district", "evaluator"):
        r = await ranking(gql, tokens[role], year)
        assert len(r["rows"]) == 150 and r["rankedCount"] == 150 and all(x["canDrillDown"] for x in r["rows"]), role
    street_rows = (await ranking(gql, tokens["street"], year))["rows"]
    assert {x["street"]["name"] for x in street_rows} == {"幸福街道"}
    assert len(street_rows) == sum(1 for _, s in communities if s == xingfu)
    other_street = to_global_id("Street", next(s for _, s in communities if s != xingfu))
    assert await query_err(gql, tokens["street"], "query($y: Int!, $s: ID) { communityRanking(year: $y, streetId: $s) { rankedCount } }",
                           {"y": year, "s": other_street}) == "FORBIDDEN"
    own = (await ranking(gql, tokens["community"], year, extra="fieldScores { total }"))["rows"]
    assert [x["community"]["name"] for x in own] == ["福泰社区"] and own[0]["canDrillDown"] and len(own[0]["fieldScores"]) == 1
    for role in ("partner", "grid", "volunteer", "department", "leader", "fieldhead"):
        assert await query_err(gql, tokens[role], "query($y: Int!) { communityRanking(year: $y) { rankedCount } }", {"y": year}) == "FORBIDDEN", role
        assert await query_err(gql, tokens[role], "query($y: Int!) { streetAssessment(year: $y) { satisfactionWeight } }", {"y": year}) == "FORBIDDEN", role
    # Street assessment: a street officer its own street only; community workers none.
    sa = (await query(gql, tokens["street"], "query($y: Int!) { streetAssessment(year: $y) { rows { street { name } } } }", {"y": year}))["streetAssessment"]
    assert [x["street"]["name"] for x in sa["rows"]] == ["幸福街道"]
    assert await query_err(gql, tokens["community"], "query($y: Int!) { streetAssessment(year: $y) { satisfactionWeight } }", {"y": year}) == "FORBIDDEN"

    # Published: the table is public to street officers and community workers; drill-down stays their own.
    await ok(gql, tokens["dispatcher"], "publishRanking", {"campaignId": camp["id"], "version": camp["version"]}, "campaign { state }")
    public = (await ranking(gql, tokens["community"], year))["rows"]
    assert len(public) == 150 and [x["community"]["name"] for x in public if x["canDrillDown"]] == ["福泰社区"]
    q = "query($y: Int!) { communityRanking(year: $y) { rows { community { name } fieldScores { total } } } }"
    body = await gql.post(q, {"y": year}, token=tokens["community"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A fresh worker of another community sees its own drill-down, not 福泰's.
    other = await user_with_scope(db, gql, "COMMUNITY_WORKER", "COMMUNITY", communities[0][0], "另一社区工作站")
    mine = [x for x in (await ranking(gql, other, year))["rows"] if x["canDrillDown"]]
    assert [x["community"]["id"] for x in mine] == [to_global_id("Community", communities[0][0])]
    # node(id:) follows the same rules.
    node_q = "query($id: ID!) { node(id: $id) { id ... on SurveyCampaign { year } } }"
    assert (await query(gql, tokens["community"], node_q, {"id": camp["id"]}))["node"]["year"] == year
    assert (await query(gql, tokens["partner"], node_q, {"id": camp["id"]}))["node"] is None
    assert (await query(gql, tokens["district"], "query($id: ID!) { node(id: $id) { id } }", {"id": ids[0]}))["node"]["id"] == ids[0]
    assert (await query(gql, tokens["community"], "query($id: ID!) { node(id: $id) { id } }", {"id": ids[0]}))["node"] is None


async def test_no_campaign_for_the_year_is_null(gql: Any, tokens: dict[str, str]) -> None:
    data = await query(gql, tokens["admin"], "{ surveyCampaign(year: 2090) { id } communityRanking(year: 2090) { rankedCount } streetAssessment(year: 2090) { satisfactionWeight } }")
    assert data == {"surveyCampaign": None, "communityRanking": None, "streetAssessment": None}
    campaigns = (await query(gql, tokens["district"], "{ surveyCampaigns(first: 5) { totalCount edges { node { year } } } }"))["surveyCampaigns"]
    years = [e["node"]["year"] for e in campaigns["edges"]]
    assert 2025 in [e["node"]["year"] for e in (await query(gql, tokens["district"], "{ surveyCampaigns(first: 100) { edges { node { year } } } }"))["surveyCampaigns"]["edges"]]
    assert years == sorted(years, reverse=True)


async def test_two_evaluators_calling_the_same_respondent_one_wins(gql: Any, tokens: dict[str, str], db: Any) -> None:
    import asyncio

    year = 2036
    await create_campaign(gql, tokens, year, samplePerCommunity=1)
    futai = to_global_id("Community", await community_pk(db, "福泰社区"))
    (one,) = await respondents(gql, tokens["evaluator"], year, futai)
    second = await user_with_scope(db, gql, "EVALUATOR", "COMMUNITY", 1, "第二测评员")  # the scope is ignored: evaluators are district-wide
    bodies = await asyncio.gather(
        mutate(gql, tokens["evaluator"], "recordSurveyAnswers", {"respondentId": one["id"], "answers": five(S, S, S, S, S)}, "respondent { status }"),
        mutate(gql, second, "recordSurveyAnswers", {"respondentId": one["id"], "answers": five(U, U, U, U, U)}, "respondent { status }"),
        mutate(gql, second, "markRespondentUnreachable", {"respondentId": one["id"]}, "respondent { status }"),
    )
    codes = sorted("OK" if "errors" not in b else b["errors"][0]["extensions"]["code"] for b in bodies)
    assert codes == ["CONFLICT", "CONFLICT", "OK"]
    async with db.read() as conn:
        ratings = (await conn.execute(select(SurveyAnswer.rating).join(SurveyRespondent)
                                      .where(SurveyRespondent.id == from_global_id(one["id"])[1]))).scalars().all()
    winner = next(b for b in bodies if "errors" not in b)
    status = next(iter(winner["data"].values()))["respondent"]["status"]
    assert (status, sorted(ratings)) in (("ANSWERED", [S] * 5), ("ANSWERED", [U] * 5), ("UNREACHABLE", []))
