"""Configurable KPI rules (SPEC §7 "configurable"; resolvers/kpi/rules.py): the points per failure,
the base score and whether co-handlers are measured, as versions in effect from a date on.

First the formulas under other rules on plain facts; then one small world in March 2012 (Asia/
Shanghai; a month no other test uses) computed through the API under the rules then in force
(rows written directly: the API refuses to define rules for the past) and under the defaults;
then the ADMIN mutation, with a date years ahead so that no other test's period is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import pytest_asyncio
from sqlalchemy import func, select

from db.models import AuditEntry, Community, Department, KpiRuleVersion
from resolvers.calendar import local_today
from resolvers.kpi.formulas import AssignmentFact, EventFact, unit_kpi
from resolvers.kpi.rules import DEFAULT_RULES, KpiRules, check_rules, rules_on
from resolvers.reports import monthly_supervision
from resolvers.reports.cadence import add_league_tables
from schema.ids import to_global_id
from tests.kpi_helpers import History, code_prefix


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


MARCH_2012 = (utc(2012, 2, 29, 16), utc(2012, 3, 31, 16))
AFTER = utc(2013, 1, 1)
STRICT = dict(base_score=120, late_response_points=3, refused_resolution_points=2, unsatisfied_rating_points=0,
              co_handlers_measured=False)


# ---------------------------------------------------------------------------------------------
# Plain functions.


def test_the_version_in_effect_on_a_day() -> None:
    a = KpiRules(version=1, effective_from=date(2024, 1, 1), base_score=110)
    b = KpiRules(version=2, effective_from=date(2024, 7, 1), late_response_points=2)
    assert rules_on([a, b], date(2023, 12, 31)) is DEFAULT_RULES
    assert rules_on([b, a], date(2024, 1, 1)) is a
    assert rules_on([a, b], date(2024, 6, 30)) is a
    assert rules_on([a, b], date(2024, 7, 1)) is b
    assert rules_on([], date(2030, 1, 1)) is DEFAULT_RULES
    assert (DEFAULT_RULES.base_score, DEFAULT_RULES.points("LATE_RESPONSE"), DEFAULT_RULES.co_handlers_measured) == (100, 1, True)


def test_proposed_rules_are_checked() -> None:
    today = date(2026, 11, 26)
    ok = dict(base_score=100, late_response_points=1, refused_resolution_points=1, unsatisfied_rating_points=1)
    assert check_rules(effective_from=today, today=today, **ok) == {}
    assert set(check_rules(effective_from=date(2026, 11, 25), today=today, **ok)) == {"effectiveFrom"}
    bad = check_rules(effective_from=today, today=today, base_score=0, late_response_points=-1, refused_resolution_points=101,
                      unsatisfied_rating_points=0)
    assert set(bad) == {"baseScore", "lateResponsePoints", "refusedResolutionPoints"}


def _fact(aid: int, role: str, status: str, due: datetime, responded: datetime | None, resolve_due: datetime | None = None,
          resolved: datetime | None = None) -> AssignmentFact:
    return AssignmentFact(aid, 100 + aid, f"T{aid}", "DEPARTMENT", 1, role, 1, due.replace(hour=0), status, due, responded,
                          resolve_due, None, resolved, False)


def test_points_base_and_co_handlers_follow_the_rules() -> None:
    late_lead = _fact(1, "LEAD", "DONE", utc(2012, 3, 2, 3), utc(2012, 3, 2, 6), utc(2012, 3, 9), utc(2012, 3, 5))
    late_co = _fact(2, "CO", "ACCEPTED", utc(2012, 3, 3, 3), utc(2012, 3, 3, 9))
    unsatisfied = EventFact("RATED", 101, "T1", 1, utc(2012, 3, 6), score=Fraction(0))
    refused = EventFact("REOPENED", 101, "T1", 1, utc(2012, 3, 7), by="CENTER")
    facts, evs = [late_lead, late_co], [unsatisfied, refused]

    default = unit_kpi("DEPARTMENT", 1, facts, evs, *MARCH_2012, AFTER)
    assert sorted((d.reason, d.points) for d in default.deductions) == [
        ("LATE_RESPONSE", 1), ("LATE_RESPONSE", 1), ("REFUSED_RESOLUTION", 1), ("UNSATISFIED_RATING", 1)]
    assert (default.response.denominator, default.deducted, default.score) == (2, 4, 96)

    strict = unit_kpi("DEPARTMENT", 1, facts, evs, *MARCH_2012, AFTER, KpiRules(version=9, effective_from=date(2012, 1, 1), **STRICT))
    # The co-handler is not measured (out of the denominator, no deduction); an unsatisfied rating is worth 0: not listed.
    assert [i.assignment_id for i in strict.response.items] == [1]
    assert sorted((d.reason, d.points) for d in strict.deductions) == [("LATE_RESPONSE", 3), ("REFUSED_RESOLUTION", 2)]
    assert (strict.deducted, strict.score, strict.rules.version) == (5, 115, 9)
    # The satisfaction rate is an indicator, not a deduction: it still counts the rating.
    assert (strict.satisfaction.numerator, strict.satisfaction.denominator) == (0, 1)


# ---------------------------------------------------------------------------------------------
# March 2012 through the API.


@dataclass
class World:
    d: int
    codes: dict[str, str] = field(default_factory=dict)
    versions: tuple[int, int] = (0, 0)


async def _seed(db: Any) -> World:
    c = Community.__table__
    async with db.read() as conn:
        comm = (await conn.execute(select(c.c.id, c.c.street_id).order_by(c.c.id.desc()).offset(2).limit(1))).one()
        d = (await conn.execute(select(Department.id).where(Department.name == "区住房和城乡建设局"))).scalar_one()
        other = (await conn.execute(select(Department.id).where(Department.name == "区市场监督管理局"))).scalar_one()
    w = World(d)
    async with db.write() as session:
        # The rules in force that month (and the defaults again from April): what the district had decided then.
        strict = KpiRuleVersion(effective_from=date(2012, 3, 1), note="2012年3月试行", **STRICT)
        back = KpiRuleVersion(effective_from=date(2012, 4, 1), base_score=100, late_response_points=1, refused_resolution_points=1,
                              unsatisfied_rating_points=1, co_handlers_measured=True, note="恢复默认")
        session.add_all([strict, back])

        h = History(session, comm, code_prefix("KR"), "规则测试")
        request, assign, log = h.request, h.assign, h.log
        w.codes = h.codes

        # X1: answered 3 h late, resolved in time, rated unsatisfied (which reopened it).
        x1 = await request("X1", utc(2012, 3, 4))
        assign(x1, d, utc(2012, 3, 4, 1), "DONE", response_due=utc(2012, 3, 4, 3), responded=utc(2012, 3, 4, 6), resolve_due=utc(2012, 3, 11))
        log(x1, ("RESOLVED", utc(2012, 3, 6), {}), ("RATED", utc(2012, 3, 7), {"rating": "UNSATISFIED", "score": 0.0}),
            ("REOPENED", utc(2012, 3, 7), {"by": "RESIDENT"}))
        # X2: answered in time; the center refused the resolution.
        x2 = await request("X2", utc(2012, 3, 5))
        assign(x2, d, utc(2012, 3, 5, 1), "DONE", response_due=utc(2012, 3, 5, 3), responded=utc(2012, 3, 5, 2), resolve_due=utc(2012, 3, 25))
        log(x2, ("RESOLVED", utc(2012, 3, 8), {}), ("REOPENED", utc(2012, 3, 9), {"by": "CENTER"}), ("RESOLVED", utc(2012, 3, 12), {}))
        # X3: led by another department, D a co-handler answering late.
        x3 = await request("X3", utc(2012, 3, 6))
        assign(x3, other, utc(2012, 3, 6, 1), "DONE", response_due=utc(2012, 3, 6, 3), responded=utc(2012, 3, 6, 2), resolve_due=utc(2012, 3, 13))
        assign(x3, d, utc(2012, 3, 6, 1), "ACCEPTED", role="CO", response_due=utc(2012, 3, 6, 3), responded=utc(2012, 3, 6, 7))
        # X4: never answered.
        x4 = await request("X4", utc(2012, 3, 7))
        assign(x4, d, utc(2012, 3, 7, 1), "PENDING", response_due=utc(2012, 3, 7, 3), resolve_due=utc(2012, 3, 14))
        await h.done()
        await session.flush()
        w.versions = (strict.id, back.id)
    return w


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(db: Any) -> World:
    return await _seed(db)


Q = """query($f: Date!, $t: Date!, $d: ID) { departmentKpis(from: $f, to: $t, departmentId: $d) {
  responseRate lateResponses refusedResolutions unsatisfiedRatings deducted score
  response { numerator denominator items { trackingCode role } }
  deductions { reason points trackingCode role }
  rules { version effectiveFrom baseScore lateResponsePoints refusedResolutionPoints unsatisfiedRatingPoints coHandlersMeasured note } } }"""


async def test_a_period_uses_the_rules_in_force_on_its_first_day(gql: Any, tokens: dict[str, str], world: World) -> None:
    w = world
    names = {code: name for name, code in w.codes.items()}
    gid = to_global_id("Department", w.d)
    k = (await gql.ok(Q, {"f": "2012-03-01", "t": "2012-03-31", "d": gid}, token=tokens["dispatcher"]))["departmentKpis"][0]
    assert k["rules"] == {"version": w.versions[0], "effectiveFrom": "2012-03-01", "baseScore": 120, "lateResponsePoints": 3,
                          "refusedResolutionPoints": 2, "unsatisfiedRatingPoints": 0, "coHandlersMeasured": False,
                          "note": "2012年3月试行"}
    # Response: X1 late, X2 on time, X4 no answer (X3, a co-handling, not measured) → 1/3.
    assert sorted(names[i["trackingCode"]] for i in k["response"]["items"]) == ["X1", "X2", "X4"]
    assert (k["response"]["numerator"], k["response"]["denominator"]) == (1, 3)
    # 3 + 3 (late X1, X4) + 2 (refused X2); X1's unsatisfied rating is worth 0 → 8; 120 − 8 = 112.
    assert sorted((names[d["trackingCode"]], d["reason"], d["points"]) for d in k["deductions"]) == [
        ("X1", "LATE_RESPONSE", 3), ("X2", "REFUSED_RESOLUTION", 2), ("X4", "LATE_RESPONSE", 3)]
    assert (k["lateResponses"], k["refusedResolutions"], k["unsatisfiedRatings"], k["deducted"], k["score"]) == (2, 1, 0, 8, 112)

    # The same data over a period starting the day before: the defaults were in force then.
    k0 = (await gql.ok(Q, {"f": "2012-02-29", "t": "2012-03-31", "d": gid}, token=tokens["dispatcher"]))["departmentKpis"][0]
    assert (k0["rules"]["version"], k0["rules"]["baseScore"]) == (0, 100)
    assert sorted((names[d["trackingCode"]], d["reason"], d["role"], d["points"]) for d in k0["deductions"]) == [
        ("X1", "LATE_RESPONSE", "LEAD", 1), ("X1", "UNSATISFIED_RATING", "LEAD", 1), ("X2", "REFUSED_RESOLUTION", "LEAD", 1),
        ("X3", "LATE_RESPONSE", "CO", 1), ("X4", "LATE_RESPONSE", "LEAD", 1)]
    assert (k0["response"]["denominator"], k0["deducted"], k0["score"]) == (4, 5, 95)


async def test_trend_and_league_table_follow_the_rules_of_each_month(gql: Any, tokens: dict[str, str], db: Any, world: World) -> None:
    w = world
    q = """query($d: ID!) { kpiTrend(departmentId: $d, year: 2012) { periodFrom deducted score rules { version baseScore } } }"""
    months = (await gql.ok(q, {"d": to_global_id("Department", w.d)}, token=tokens["district"]))["kpiTrend"]
    assert [(m["rules"]["version"], m["score"]) for m in months[1:4]] == [(0, 100), (w.versions[0], 112), (w.versions[1], 100)]
    async with db.read() as conn:
        report = await add_league_tables(conn, await monthly_supervision(conn, 2012, 3, scope=None), scope=None, now=AFTER)
    league = {t.key: t for t in report.tables}["league"].rows
    row = next(r for r in league if r["unit"] == "区住房和城乡建设局")
    assert (row["deducted"], row["score"]) == (8, 112)


# ---------------------------------------------------------------------------------------------
# Defining a version (ADMIN).

DEFINE = """mutation($i: DefineKpiRulesInput!) { defineKpiRules(input: $i) { rules { version effectiveFrom baseScore
  lateResponsePoints refusedResolutionPoints unsatisfiedRatingPoints coHandlersMeasured note } } }"""


async def _versions(db: Any) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(KpiRuleVersion))).scalar_one()


async def test_admin_defines_a_version_for_a_future_date(gql: Any, tokens: dict[str, str], db: Any, world: World) -> None:
    year = local_today().year + 3
    day = date(year, 7, 1).isoformat()
    new = {"effectiveFrom": day, "baseScore": 150, "lateResponsePoints": 2, "refusedResolutionPoints": 5,
           "unsatisfiedRatingPoints": 1, "coHandlersMeasured": False, "note": "区考核办〔%d〕1号" % year}
    before = await _versions(db)
    # Not an admin, anonymous, the past, out of range: refused, nothing written.
    for token, variables, code in (
        (tokens["dispatcher"], new, "FORBIDDEN"),
        (None, new, "UNAUTHENTICATED"),
        (tokens["admin"], {**new, "effectiveFrom": "2020-01-01"}, "BAD_USER_INPUT"),
        (tokens["admin"], {**new, "baseScore": 0}, "BAD_USER_INPUT"),
        (tokens["admin"], {**new, "lateResponsePoints": 101}, "BAD_USER_INPUT"),
    ):
        body = await gql.post(DEFINE, {"i": variables}, token=token)
        assert body["errors"][0]["extensions"]["code"] == code, body
    assert await _versions(db) == before

    rules = (await gql.ok(DEFINE, {"i": new}, token=tokens["admin"]))["defineKpiRules"]["rules"]
    assert {k: rules[k] for k in new} == new and rules["version"] > 0
    assert await _versions(db) == before + 1
    # One version per date.
    body = await gql.post(DEFINE, {"i": {**new, "baseScore": 90}}, token=tokens["admin"])
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT" and await _versions(db) == before + 1
    # Audited with its actor.
    async with db.read() as conn:
        audit = (await conn.execute(select(AuditEntry.action, AuditEntry.target, AuditEntry.actor_user_id)
                                    .where(AuditEntry.target == f"KpiRuleVersion:{rules['version']}"))).all()
    assert [a.action for a in audit] == ["KPI_RULES_DEFINED"] and audit[0].actor_user_id is not None

    # Everyone signed in can read the versions: the defaults first, then by date.
    listed = (await gql.ok("query { kpiRules { version effectiveFrom baseScore } }", token=tokens["department"]))["kpiRules"]
    assert listed[0] == {"version": 0, "effectiveFrom": "2000-01-01", "baseScore": 100}
    assert listed[-1] == {"version": rules["version"], "effectiveFrom": day, "baseScore": 150}
    assert [v["effectiveFrom"] for v in listed] == sorted(v["effectiveFrom"] for v in listed)

    # Months of that year from July on are computed with it.
    q = """query($d: ID!, $y: Int!) { kpiTrend(departmentId: $d, year: $y) { score rules { version } } }"""
    months = (await gql.ok(q, {"d": to_global_id("Department", world.d), "y": year}, token=tokens["dispatcher"]))["kpiTrend"]
    assert [m["rules"]["version"] == rules["version"] for m in months] == [False] * 6 + [True] * 6
    assert {m["score"] for m in months[6:]} == {150} and {m["score"] for m in months[:6]} == {100}
