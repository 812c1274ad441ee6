"""Department KPIs with deductions (SPEC §7, issue #7 items 5, 6): each formula by hand on small
fixed data — first on plain facts (resolvers.kpi.formulas), then on rows in the database read
through the API (departmentKpis, unitKpis, kpiTrend), then one request driven through the real
resolvers, and the league tables of the cadence reports.

The database world lives in March 2015 (Asia/Shanghai), a month no other test uses; its requests
are CLOSED and carry no current deadline, so no other report or list sees them. Times are UTC;
comments give the local wall time where it matters. March 2015 local = [02-28 16:00Z, 03-31 16:00Z).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
import pytest_asyncio
from openpyxl import load_workbook
from sqlalchemy import select

from db.models import Assignment, Community, Department, Request
from resolvers.kpi.formulas import (
    AssignmentFact,
    EventFact,
    LeagueEntry,
    acceptance_rate,
    completion_rate,
    league_ranks,
    response_rate,
    satisfaction_rate,
    shown,
    unit_kpi,
)
from resolvers.reports import ReportScope, monthly_supervision, to_xlsx
from resolvers.reports.cadence import add_league_tables
from schema.ids import to_global_id
from tests.kpi_helpers import History, code_prefix
from tests.loop_helpers import DISPATCH, STEP, Loop, dept, qr_token_in, sub


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


MARCH = (utc(2015, 2, 28, 16), utc(2015, 3, 31, 16))
AFTER = utc(2016, 1, 1)  # "now" long after the period


def fact(aid: int, *, role: str = "LEAD", status: str = "ACCEPTED", round_: int = 1, unit: int = 1, assigned: datetime,
         response_due: datetime | None = None, responded: datetime | None = None, resolve_due: datetime | None = None,
         outcome: str | None = None, resolved: datetime | None = None, reopened: bool = False) -> AssignmentFact:
    return AssignmentFact(aid, 1000 + aid, f"T{aid}", "DEPARTMENT", unit, role, round_, assigned, status, response_due, responded,
                          resolve_due, outcome, resolved, reopened)


# ---------------------------------------------------------------------------------------------
# The formulas on plain facts.


def test_no_assignments_means_no_rate_and_full_score() -> None:
    k = unit_kpi("DEPARTMENT", 1, [], [], *MARCH, AFTER)
    assert [r.value for r in (k.response, k.acceptance, k.completion, k.satisfaction)] == [None] * 4
    assert [r.denominator for r in (k.response, k.acceptance, k.completion, k.satisfaction)] == [0] * 4
    assert k.deductions == () and k.score == 100


def test_deductions_go_below_zero() -> None:
    # 103 assignments, none answered: 103 late responses, 100 − 103 = −3; no floor.
    facts = [fact(i, status="PENDING", assigned=utc(2015, 3, 2), response_due=utc(2015, 3, 2, 2)) for i in range(103)]
    k = unit_kpi("DEPARTMENT", 1, facts, [], *MARCH, AFTER)
    assert k.response.value == 0 and k.response.denominator == 103
    assert k.deducted == 103 and k.score == -3
    assert {d.reason for d in k.deductions} == {"LATE_RESPONSE"}


def test_response_rate_counts_lead_and_co_and_boundaries() -> None:
    start, end = MARCH
    facts = [
        fact(1, assigned=start - timedelta(hours=2), response_due=start, responded=start),  # due at the first instant: in, on time (≤)
        fact(2, assigned=end - timedelta(hours=3), response_due=end),  # due at the end instant: next month
        fact(3, role="CO", status="ACCEPTED", assigned=utc(2015, 3, 5), response_due=utc(2015, 3, 5, 2), responded=utc(2015, 3, 5, 3)),
        fact(4, status="DISPUTED", assigned=utc(2015, 3, 6), response_due=utc(2015, 3, 6, 2), responded=utc(2015, 3, 6, 1), outcome="AGAINST"),
        fact(5, status="DISPUTED", assigned=utc(2015, 3, 7), response_due=utc(2015, 3, 7, 2), responded=utc(2015, 3, 7, 9), outcome="UPHELD"),
    ]
    r = response_rate(facts, start, end, AFTER)
    assert (r.numerator, r.denominator) == (2, 3)  # 1 and 4 on time, CO 3 late; 2 next month; 5 upheld → left out
    assert shown(r.value) == 0.6667
    assert {i.assignment_id: i.reason for i in r.items} == {1: "ON_TIME", 3: "LATE", 4: "ON_TIME", 5: "DISPUTE_UPHELD"}
    k = unit_kpi("DEPARTMENT", 1, facts, [], start, end, AFTER)
    assert [(d.reason, d.assignment_id, d.role) for d in k.deductions] == [("LATE_RESPONSE", 3, "CO")]


def test_inside_deadline_at_the_period_end_is_left_out() -> None:
    start, end = MARCH
    now = utc(2015, 3, 10)  # the month is still running
    facts = [
        fact(1, status="PENDING", assigned=utc(2015, 3, 9, 23), response_due=utc(2015, 3, 10, 1), resolve_due=utc(2015, 3, 17)),
        fact(2, status="PENDING", assigned=utc(2015, 3, 9), response_due=utc(2015, 3, 9, 2), resolve_due=utc(2015, 3, 9, 20)),
    ]
    k = unit_kpi("DEPARTMENT", 1, facts, [], start, end, now)
    assert (k.response.numerator, k.response.denominator) == (0, 1)
    assert [i.reason for i in k.response.left_out] == ["INSIDE_DEADLINE"]
    assert (k.acceptance.numerator, k.acceptance.denominator) == (0, 1)  # 2 not accepted; 1 still inside
    assert {i.assignment_id: i.reason for i in k.acceptance.items} == {1: "INSIDE_DEADLINE", 2: "NOT_ACCEPTED"}
    assert (k.completion.numerator, k.completion.denominator) == (0, 1)
    assert {i.assignment_id: i.reason for i in k.completion.items} == {1: "INSIDE_DEADLINE", 2: "UNRESOLVED"}
    assert k.score == 99  # only 2's response is late


def test_acceptance_counts_disputes_decided_against_and_leaves_out_upheld_and_pending() -> None:
    start, end = MARCH
    facts = [
        fact(1, assigned=utc(2015, 3, 2)),
        fact(2, status="DONE", assigned=utc(2015, 3, 2)),
        fact(3, status="DISPUTED", assigned=utc(2015, 3, 3), outcome="AGAINST"),
        fact(4, status="DISPUTED", assigned=utc(2015, 3, 3), outcome="UPHELD"),
        fact(5, status="DISPUTED", assigned=utc(2015, 3, 3), outcome="PENDING"),
        fact(6, status="PENDING", assigned=utc(2015, 3, 4), response_due=utc(2015, 3, 4, 2)),
        fact(7, role="CO", status="PENDING", assigned=utc(2015, 3, 4), response_due=utc(2015, 3, 4, 2)),  # co: not measured
    ]
    a = acceptance_rate(facts, start, end, AFTER)
    assert (a.numerator, a.denominator) == (3, 4) and shown(a.value) == 0.75
    assert {i.assignment_id: i.reason for i in a.items} == {
        1: "ACCEPTED", 2: "ACCEPTED", 3: "DISPUTE_REJECTED", 4: "DISPUTE_UPHELD", 5: "DISPUTE_PENDING", 6: "NOT_ACCEPTED"}


def test_completion_needs_on_time_and_never_reopened() -> None:
    start, end = MARCH
    due = utc(2015, 3, 20)
    facts = [
        fact(1, status="DONE", assigned=utc(2015, 3, 2), resolve_due=due, resolved=due),  # exactly at the deadline: on time
        fact(2, status="DONE", assigned=utc(2015, 3, 2), resolve_due=due, resolved=due + timedelta(seconds=1)),
        fact(3, status="DONE", assigned=utc(2015, 3, 2), resolve_due=due, resolved=utc(2015, 3, 18), reopened=True),
        fact(4, assigned=utc(2015, 3, 2), resolve_due=due),
        fact(5, status="DISPUTED", assigned=utc(2015, 3, 2), resolve_due=due, outcome="AGAINST"),
        fact(6, role="CO", status="ACCEPTED", assigned=utc(2015, 3, 2), resolve_due=due),
    ]
    c = completion_rate(facts, start, end, AFTER)
    assert (c.numerator, c.denominator) == (1, 4) and shown(c.value) == 0.25
    assert {i.assignment_id: i.reason for i in c.items} == {
        1: "RESOLVED_ON_TIME", 2: "RESOLVED_LATE", 3: "REOPENED", 4: "UNRESOLVED", 5: "DISPUTED"}


def test_an_unsatisfied_rating_that_reopens_is_one_deduction() -> None:
    start, end = MARCH
    lead = fact(1, status="DONE", assigned=utc(2015, 3, 2))
    co = fact(2, role="CO", assigned=utc(2015, 3, 2))
    evs = [
        EventFact("RATED", 1001, "T1", 1, utc(2015, 3, 5), score=Fraction(0)),
        EventFact("REOPENED", 1001, "T1", 1, utc(2015, 3, 5), by="RESIDENT"),
        EventFact("RATED", 1001, "T1", 1, utc(2015, 3, 8), score=Fraction(1, 2)),
        EventFact("REOPENED", 1001, "T1", 1, utc(2015, 3, 9), by="CENTER"),
        EventFact("RATED", 1001, "T1", 1, end, score=Fraction(0)),  # the first instant of April
        EventFact("RATED", 1002, "T2", 2, utc(2015, 3, 5), score=Fraction(0)),  # charged to a co-handler's id: ignored
    ]
    k = unit_kpi("DEPARTMENT", 1, [lead, co], evs, start, end, AFTER)
    assert [d.reason for d in k.deductions] == ["UNSATISFIED_RATING", "REFUSED_RESOLUTION"]
    assert k.score == 98
    s = satisfaction_rate(evs, {1: lead}, start, end)
    assert (s.numerator, s.denominator) == (Fraction(1, 2), 2) and shown(s.value) == 0.25


def test_shown_rounds_half_even_and_league_ties_share_a_rank() -> None:
    assert shown(Fraction(1, 3)) == 0.3333 and shown(Fraction(2, 3)) == 0.6667
    assert shown(Fraction(1, 20000)) == 0.0 and shown(Fraction(3, 20000)) == 0.0002  # 0.00005 → 0.0000, 0.00015 → 0.0002 (half-even)
    assert shown(Fraction(1, 16)) == 0.0625 and shown(None) is None
    ranked = league_ranks([
        LeagueEntry("b", "乙局", 98, 1), LeagueEntry("a", "甲局", 98, 1), LeagueEntry("c", "丙局", 100, 3),
        LeagueEntry("d", "丁局", 98, 0), LeagueEntry("e", "戊局", -2, 0),
    ])
    # Higher score first; on 98 each, fewer overdue items first; 乙局 and 甲局 equal on both share rank 3
    # (listed by name, code point order); the next rank is 5.
    assert [(e.key, e.rank) for e in ranked] == [("c", 1), ("d", 2), ("b", 3), ("a", 3), ("e", 5)]


# ---------------------------------------------------------------------------------------------
# The same through the database and the API.


@dataclass
class World:
    d: int  # 区城市管理局 (the demo `department` login)
    d2: int  # 公安芝罘分局
    street_id: int
    codes: dict[str, str] = field(default_factory=dict)


async def _seed(db: Any) -> World:
    c = Community.__table__
    async with db.read() as conn:
        comm = (await conn.execute(select(c.c.id, c.c.street_id).order_by(c.c.id.desc()).limit(1))).one()
        deps = dict((await conn.execute(select(Department.name, Department.id).where(Department.name.in_(["区城市管理局", "公安芝罘分局"])))).all())
    w = World(deps["区城市管理局"], deps["公安芝罘分局"], comm.street_id)
    async with db.write() as session:
        h = History(session, comm, code_prefix("KP"), "考核测试")
        request, assign, log = h.request, h.assign, h.log
        w.codes = h.codes

        D, D2 = w.d, w.d2
        # R1: on time all the way, rated satisfied.
        r1 = await request("R1", utc(2015, 3, 2))
        assign(r1, D, utc(2015, 3, 2, 1), "DONE", response_due=utc(2015, 3, 2, 3), responded=utc(2015, 3, 2, 2), resolve_due=utc(2015, 3, 9, 1))
        log(r1, ("RESOLVED", utc(2015, 3, 5), {}), ("RATED", utc(2015, 3, 6), {"rating": "SATISFIED", "score": 1.0}))
        # R2: late response; resolved, rated unsatisfied → reopened by the resident (its deadline restarted to 3/20),
        # resolved again, rated basic.
        r2 = await request("R2", utc(2015, 3, 3))
        assign(r2, D, utc(2015, 3, 3, 1), "DONE", response_due=utc(2015, 3, 3, 3), responded=utc(2015, 3, 3, 6), resolve_due=utc(2015, 3, 20))
        log(r2, ("RESOLVED", utc(2015, 3, 8), {}), ("RATED", utc(2015, 3, 9), {"rating": "UNSATISFIED", "score": 0.0}),
            ("REOPENED", utc(2015, 3, 9), {"by": "RESIDENT"}), ("RESOLVED", utc(2015, 3, 12), {}),
            ("RATED", utc(2015, 3, 13), {"rating": "BASIC", "score": 0.5}))
        # R3: never answered, never resolved.
        r3 = await request("R3", utc(2015, 3, 4))
        assign(r3, D, utc(2015, 3, 4, 1), "PENDING", response_due=utc(2015, 3, 4, 3), resolve_due=utc(2015, 3, 11))
        log(r3, ("OVERDUE", utc(2015, 3, 4, 3, 5), {"dueKind": "RESPONSE"}), ("OVERDUE", utc(2015, 3, 11, 0, 5), {"dueKind": "RESOLVE"}))
        # R4: D disputes late; the street sends it to D2 — upheld: nothing counts against D.
        r4 = await request("R4", utc(2015, 3, 5))
        assign(r4, D, utc(2015, 3, 5, 1), "DISPUTED", response_due=utc(2015, 3, 5, 3), responded=utc(2015, 3, 5, 8), resolve_due=utc(2015, 3, 12))
        assign(r4, D2, utc(2015, 3, 5, 10), "ACCEPTED", round_=2, response_due=utc(2015, 3, 5, 12), responded=utc(2015, 3, 5, 11),
               resolve_due=utc(2015, 4, 20))
        # R5: D disputes in time, the street sends it back to D (decided against D); D resolves, the center refuses the
        # resolution (deadline restarted to 3/25), D resolves again.
        r5 = await request("R5", utc(2015, 3, 6))
        assign(r5, D, utc(2015, 3, 6, 1), "DISPUTED", response_due=utc(2015, 3, 6, 3), responded=utc(2015, 3, 6, 2), resolve_due=utc(2015, 3, 12))
        assign(r5, D, utc(2015, 3, 6, 5), "DONE", round_=2, response_due=utc(2015, 3, 6, 7), responded=utc(2015, 3, 6, 6), resolve_due=utc(2015, 3, 25))
        log(r5, ("RESOLVED", utc(2015, 3, 12), {}), ("REOPENED", utc(2015, 3, 14), {"by": "CENTER"}), ("RESOLVED", utc(2015, 3, 20), {}))
        # R6: led by D2; D a co-handler answering late. The unsatisfied rating is D2's, not D's.
        r6 = await request("R6", utc(2015, 3, 7))
        assign(r6, D2, utc(2015, 3, 7, 1), "DONE", response_due=utc(2015, 3, 7, 3), responded=utc(2015, 3, 7, 2), resolve_due=utc(2015, 3, 14))
        assign(r6, D, utc(2015, 3, 7, 1), "ACCEPTED", role="CO", response_due=utc(2015, 3, 7, 3), responded=utc(2015, 3, 7, 4), resolve_due=utc(2015, 3, 14))
        log(r6, ("RESOLVED", utc(2015, 3, 10), {}), ("RATED", utc(2015, 3, 10, 1), {"rating": "UNSATISFIED", "score": 0.0}),
            ("REOPENED", utc(2015, 3, 10, 1), {"by": "RESIDENT"}))
        # R7: dispatched 3/31 20:00 local, response due 4/1 02:00 local — still inside its deadline at March's end.
        r7 = await request("R7", utc(2015, 3, 31, 12))
        assign(r7, D, utc(2015, 3, 31, 12), "PENDING", response_due=utc(2015, 3, 31, 18), resolve_due=utc(2015, 4, 7))
        # R8: dispatched 2/28 23:00 local (February); response due 3/1 00:00 local (March's first instant), answered then;
        # resolution due 4/1 00:00 local (April's first instant), never resolved.
        r8 = await request("R8", utc(2015, 2, 28, 15))
        assign(r8, D, utc(2015, 2, 28, 15), "ACCEPTED", response_due=MARCH[0], responded=MARCH[0], resolve_due=MARCH[1])
        # R9: led by the street itself, answered 3 h late, resolved in time.
        r9 = await request("R9", utc(2015, 3, 8))
        assign(r9, w.street_id, utc(2015, 3, 8), "DONE", kind="STREET", response_due=utc(2015, 3, 8, 2), responded=utc(2015, 3, 8, 5),
               resolve_due=utc(2015, 3, 15))
        log(r9, ("RESOLVED", utc(2015, 3, 14), {}))
        await h.done()
    return w


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(db: Any) -> World:
    return await _seed(db)


Q = """query($f: Date!, $t: Date!, $d: ID) { departmentKpis(from: $f, to: $t, departmentId: $d) {
  unitKind unitId unitName periodFrom periodTo asOf responseRate acceptanceRate completionRate satisfactionRate
  lateResponses refusedResolutions unsatisfiedRatings deducted score
  response { rate numerator denominator items { trackingCode role assignmentRound value counted reason } }
  acceptance { rate numerator denominator items { trackingCode role assignmentRound value counted reason } }
  completion { rate numerator denominator items { trackingCode role assignmentRound value counted reason } }
  satisfaction { rate numerator denominator items { trackingCode value reason } }
  deductions { reason points trackingCode role at } } }"""


def _reasons(rate: dict, w: World) -> dict[tuple[str, int], str]:
    names = {code: name for name, code in w.codes.items()}
    return {(names[i["trackingCode"]], i["assignmentRound"]): i["reason"] for i in rate["items"]}


async def test_march_by_hand(gql: Any, tokens: dict[str, str], world: World) -> None:
    w = world
    rows = (await gql.ok(Q, {"f": "2015-03-01", "t": "2015-03-31", "d": to_global_id("Department", w.d)}, token=tokens["dispatcher"]))["departmentKpis"]
    assert len(rows) == 1
    k = rows[0]
    assert k["unitName"] == "区城市管理局" and k["periodFrom"] == "2015-03-01" and k["periodTo"] == "2015-03-31"
    # 响应率: due in March R1 R2 R3 R5 R5' R6(co) R8 (R4 upheld, R7 due in April) → on time R1 R5 R5' R8 = 4/7.
    assert (k["response"]["numerator"], k["response"]["denominator"], k["responseRate"]) == (4, 7, 0.5714)
    assert _reasons(k["response"], w) == {
        ("R1", 1): "ON_TIME", ("R2", 1): "LATE", ("R3", 1): "NO_RESPONSE", ("R4", 1): "DISPUTE_UPHELD", ("R5", 1): "ON_TIME",
        ("R5", 2): "ON_TIME", ("R6", 1): "LATE", ("R8", 1): "ON_TIME"}
    # 承办率: dispatched in March (lead) R1 R2 R3 R5 R5' (R4 upheld, R7 inside its deadline; R8 in February)
    # → accepted R1 R2 R5' + R5 decided against D = 4/5.
    assert (k["acceptance"]["numerator"], k["acceptance"]["denominator"], k["acceptanceRate"]) == (4, 5, 0.8)
    assert _reasons(k["acceptance"], w) == {
        ("R1", 1): "ACCEPTED", ("R2", 1): "ACCEPTED", ("R3", 1): "NOT_ACCEPTED", ("R4", 1): "DISPUTE_UPHELD",
        ("R5", 1): "DISPUTE_REJECTED", ("R5", 2): "ACCEPTED", ("R7", 1): "INSIDE_DEADLINE"}
    # 办结率: resolution due in March R1 R2 R3 R5' (R4 and R5 disputed; R8 due on April's first instant) → R1 = 1/4.
    assert (k["completion"]["numerator"], k["completion"]["denominator"], k["completionRate"]) == (1, 4, 0.25)
    assert _reasons(k["completion"], w) == {
        ("R1", 1): "RESOLVED_ON_TIME", ("R2", 1): "REOPENED", ("R3", 1): "UNRESOLVED", ("R4", 1): "DISPUTE_UPHELD",
        ("R5", 1): "DISPUTED", ("R5", 2): "REOPENED"}
    # 满意率: R1 1 + R2 0 + R2 0.5 over 3 ratings = 0.5 (R6's rating is D2's).
    assert (k["satisfaction"]["numerator"], k["satisfaction"]["denominator"], k["satisfactionRate"]) == (1.5, 3, 0.5)
    # 扣分: late R2 R3 R6(co) + refused R5 + unsatisfied R2 (its reopen not again) = 5 → 95.
    assert (k["lateResponses"], k["refusedResolutions"], k["unsatisfiedRatings"], k["deducted"], k["score"]) == (3, 1, 1, 5, 95)
    names = {code: name for name, code in w.codes.items()}
    assert sorted((names[d["trackingCode"]], d["reason"], d["role"]) for d in k["deductions"]) == [
        ("R2", "LATE_RESPONSE", "LEAD"), ("R2", "UNSATISFIED_RATING", "LEAD"), ("R3", "LATE_RESPONSE", "LEAD"),
        ("R5", "REFUSED_RESOLUTION", "LEAD"), ("R6", "LATE_RESPONSE", "CO")]
    assert all(d["points"] == 1 for d in k["deductions"])


async def test_the_other_department_and_one_without_requests(gql: Any, tokens: dict[str, str], world: World) -> None:
    w = world
    rows = (await gql.ok(Q, {"f": "2015-03-01", "t": "2015-03-31"}, token=tokens["district"]))["departmentKpis"]
    by_name = {r["unitName"]: r for r in rows}
    assert len(rows) >= 60 and "区城市管理局" in by_name
    d2 = by_name["公安芝罘分局"]
    # D2: R6 lead (on time, unsatisfied), R4 round 2 (on time; resolution due in April).
    assert (d2["response"]["numerator"], d2["response"]["denominator"]) == (2, 2)
    assert (d2["unsatisfiedRatings"], d2["score"]) == (1, 99)
    assert d2["completion"]["denominator"] == 1 and d2["completionRate"] == 0.0  # R6 reopened
    idle = [r for r in rows if r["unitName"] not in ("区城市管理局", "公安芝罘分局")][0]
    assert [idle[k] for k in ("responseRate", "acceptanceRate", "completionRate", "satisfactionRate")] == [None] * 4
    assert (idle["deducted"], idle["score"], idle["response"]["denominator"]) == (0, 100, 0)


async def test_trend_per_month(gql: Any, tokens: dict[str, str], world: World) -> None:
    w = world
    q = """query($d: ID!, $y: Int!) { kpiTrend(departmentId: $d, year: $y) { periodFrom periodTo responseRate acceptanceRate
           completionRate deducted score response { denominator } completion { denominator items { reason } } } }"""
    months = (await gql.ok(q, {"d": to_global_id("Department", w.d), "y": 2015}, token=tokens["department"]))["kpiTrend"]
    assert [m["periodFrom"] for m in months] == [f"2015-{i:02d}-01" for i in range(1, 13)]
    assert months[1]["periodTo"] == "2015-02-28"
    jan, feb, mar, apr = months[:4]
    assert jan["responseRate"] is None and jan["score"] == 100
    assert (feb["acceptanceRate"], feb["responseRate"], feb["score"]) == (1.0, None, 100)  # R8 dispatched in February
    assert (mar["deducted"], mar["score"]) == (5, 95)
    # April: R7's response (due 4/1 02:00) missed; R7 and R8 unresolved by their April deadlines.
    assert (apr["response"]["denominator"], apr["responseRate"], apr["deducted"], apr["score"]) == (1, 0.0, 1, 99)
    assert sorted(i["reason"] for i in apr["completion"]["items"]) == ["UNRESOLVED", "UNRESOLVED"]


async def test_who_may_see_which_unit(gql: Any, tokens: dict[str, str], world: World) -> None:
    w = world
    own = (await gql.ok(Q, {"f": "2015-03-01", "t": "2015-03-31"}, token=tokens["department"]))["departmentKpis"]
    assert [r["unitName"] for r in own] == ["区城市管理局"] and own[0]["score"] == 95
    other = {"f": "2015-03-01", "t": "2015-03-31", "d": to_global_id("Department", w.d2)}
    assert (await gql.post(Q, other, token=tokens["department"]))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for role in ("street", "community", "grid", "leader", "fieldhead", "partner", "volunteer", "evaluator"):
        body = await gql.post(Q, {"f": "2015-03-01", "t": "2015-03-31"}, token=tokens[role])
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
    assert (await gql.post(Q, {"f": "2015-03-01", "t": "2015-03-31"}))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for role in ("admin", "dispatcher", "district"):
        assert len((await gql.ok(Q, {"f": "2015-03-01", "t": "2015-03-31"}, token=tokens[role]))["departmentKpis"]) >= 60
    # A street officer sees its own street and its sections.
    qs = """query($k: KpiUnitKind!) { unitKpis(unitKind: $k, from: "2015-03-01", to: "2015-03-31") { unitKind unitName score } }"""
    streets = (await gql.ok(qs, {"k": "STREET"}, token=tokens["street"]))["unitKpis"]
    assert [s["unitName"] for s in streets] == ["幸福街道"]
    sections = (await gql.ok(qs, {"k": "SECTION"}, token=tokens["street"]))["unitKpis"]
    assert sections and all(s["unitKind"] == "SECTION" for s in sections)
    assert len((await gql.ok(qs, {"k": "STREET"}, token=tokens["dispatcher"]))["unitKpis"]) == 12
    assert (await gql.post(qs, {"k": "STREET"}, token=tokens["department"]))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_street_as_lead(gql: Any, tokens: dict[str, str], world: World) -> None:
    q = """query($u: ID) { unitKpis(unitKind: STREET, unitId: $u, from: "2015-03-01", to: "2015-03-31") {
           unitName responseRate acceptanceRate completionRate satisfactionRate deducted score deductions { reason trackingCode } } }"""
    rows = (await gql.ok(q, {"u": to_global_id("Street", world.street_id)}, token=tokens["dispatcher"]))["unitKpis"]
    assert len(rows) == 1
    k = rows[0]
    assert (k["responseRate"], k["acceptanceRate"], k["completionRate"], k["satisfactionRate"]) == (0.0, 1.0, 1.0, None)
    assert (k["deducted"], k["score"]) == (1, 99)
    assert k["deductions"] == [{"reason": "LATE_RESPONSE", "trackingCode": world.codes["R9"]}]


async def test_bad_input_is_refused(gql: Any, tokens: dict[str, str], world: World) -> None:
    body = await gql.post(Q, {"f": "2015-03-31", "t": "2015-03-01"}, token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql.post(Q, {"f": "2015-03-01", "t": "2015-03-31", "d": to_global_id("Street", world.street_id)}, token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql.post(Q, {"f": "2015-03-01", "t": "2015-03-31", "d": to_global_id("Department", 999999)}, token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


# ---------------------------------------------------------------------------------------------
# One request through the real resolvers: an unsatisfied rating that reopens deducts once.


async def test_real_loop_unsatisfied_rating_deducts_once(gql: Any, tokens: dict[str, str], db: Any, world: World) -> None:
    loop = Loop(gql, tokens)
    c = Community.__table__
    async with db.read() as conn:  # a generated community no other test names (the demo ones are counted elsewhere)
        place = (await conn.execute(select(c.c.name).order_by(c.c.id.desc()).offset(1).limit(1))).scalar_one()
    r = (await loop.submit(None, qrToken=await qr_token_in(db, place, 0), text="考核:路灯不亮,夜里很黑"))["request"]
    r = await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "噪音扰民")})
    r = await loop.ok("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    await loop.ok("department", "acceptRequest", {"id": r["id"]}, STEP)
    await loop.ok("department", "resolveRequest", {"id": r["id"], "resolution": "已修复路灯"})
    reopened = await loop.ok(None, "rateRequest", {"trackingCode": r["trackingCode"], "rating": "UNSATISFIED", "comment": "还是不亮"})
    assert reopened["state"] == "REOPENED"
    from resolvers.calendar import LOCAL_TZ

    today = datetime.now(LOCAL_TZ).date().isoformat()
    rows = (await gql.ok(Q, {"f": today, "t": today, "d": await dept(db, "区城市管理局")}, token=tokens["dispatcher"]))["departmentKpis"]
    k = rows[0]
    mine = [d["reason"] for d in k["deductions"] if d["trackingCode"] == r["trackingCode"]]
    assert mine == ["UNSATISFIED_RATING"]  # the reopen it caused is not a second deduction
    rated = [i for i in k["satisfaction"]["items"] if i["trackingCode"] == r["trackingCode"]]
    assert [(i["value"], i["reason"]) for i in rated] == [(0.0, "UNSATISFIED")]
    accepted = [i["reason"] for i in k["acceptance"]["items"] if i["trackingCode"] == r["trackingCode"]]
    assert accepted == ["ACCEPTED"]
    # The response deadline (hours ahead) and the restarted resolution deadline are still running: left out.
    for rate in ("response", "completion"):
        assert all(not i["counted"] for i in k[rate]["items"] if i["trackingCode"] == r["trackingCode"])


# ---------------------------------------------------------------------------------------------
# League tables of the cadence reports.


async def test_monthly_report_gains_league_table_and_overdue_per_unit(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        report = await monthly_supervision(conn, 2015, 3, scope=None)
        report = await add_league_tables(conn, report, scope=None, now=AFTER)
        dept_only = await add_league_tables(conn, await monthly_supervision(conn, 2015, 3, scope=ReportScope(department_ids={w.d2})),
                                            scope=ReportScope(department_ids={w.d2}), now=AFTER)
        community = await add_league_tables(conn, await monthly_supervision(conn, 2015, 3, scope=ReportScope(community_ids={1})),
                                            scope=ReportScope(community_ids={1}), now=AFTER)
    league = {t.key: t for t in report.tables}["league"]
    top = [(r["unit"], r["rank"], r["score"]) for r in league.rows if r["unit_kind"] == "DEPARTMENT"]
    assert ("公安芝罘分局", 1, 99) in top and ("区城市管理局", 3, 95) in top
    # The street (R9: one late response, 99) ties with 公安芝罘分局 on score and overdue items: both rank 1.
    assert [(r["rank"], r["score"], r["overdue_items"]) for r in league.rows] == [(1, 99, 0), (1, 99, 0), (3, 95, 1)]
    assert {r["unit_kind"] for r in league.rows[:2]} == {"DEPARTMENT", "STREET"}
    row = next(r for r in league.rows if r["unit"] == "区城市管理局")
    assert (row["response_rate"], row["acceptance_rate"], row["completion_rate"], row["satisfaction_rate"]) == (0.5714, 0.8, 0.25, 0.5)
    assert (row["late_responses"], row["refused_resolutions"], row["unsatisfied_ratings"], row["deducted"]) == (3, 1, 1, 5)
    assert row["overdue_items"] == 1
    # 挂牌督办 per unit: R3 overdue twice in March (response, then resolution), charged to 区城市管理局.
    overdue = {t.key: t for t in report.tables}["overdue_by_unit"].rows
    assert [(o["unit"], o["tracking_code"], o["due_kind"], o["times"]) for o in overdue] == [("区城市管理局", w.codes["R3"], "RESPONSE", 2)]
    assert overdue[0]["overdue_at"].replace(tzinfo=None) == datetime(2015, 3, 4, 11, 5)  # local time
    assert [r["unit"] for r in {t.key: t for t in dept_only.tables}["league"].rows] == ["公安芝罘分局"]
    assert {t.key: t for t in dept_only.tables}["overdue_by_unit"].rows == []
    assert {t.key: t for t in community.tables}["league"].rows == []
    # The Excel download carries the report and one sheet per table, with the same numbers.
    wb = load_workbook(io.BytesIO(to_xlsx(report)))
    assert len(wb.sheetnames) == 3 and wb.sheetnames[0] == report.sheet_name
    ws = wb[wb.sheetnames[1]]
    assert [c.value for c in ws[2]][:4] == ["名次", "单位类型", "单位", "考核得分"]
    cells = {r[2]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert cells["区城市管理局"][0] == 3 and cells["区城市管理局"][3] == 95 and cells["区城市管理局"][8] == pytest.approx(0.5714)


async def test_report_api_lists_the_tables(gql: Any, tokens: dict[str, str], db: Any) -> None:
    q = """query { cadenceReport(kind: MONTHLY_SUPERVISION) { tables { key title columns { key label } rows } } }"""
    tables = (await gql.ok(q, token=tokens["dispatcher"]))["cadenceReport"]["tables"]
    assert [t["key"] for t in tables] == ["league", "overdue_by_unit"]
    assert tables[0]["columns"][0]["label"] == "名次"
    mine = (await gql.ok(q, token=tokens["department"]))["cadenceReport"]["tables"]
    assert all(row[2] == "区城市管理局" for row in mine[0]["rows"])


async def test_daily_report_lists_overdue_items_per_unit(db: Any, world: World) -> None:
    """Inside a transaction that is rolled back: an open request overdue now, led by 区城市管理局."""
    from resolvers.reports import daily_followup

    class Rollback(Exception):
        pass

    c = Community.__table__
    try:
        async with db.write() as session:
            conn = await session.connection()
            place = (await conn.execute(select(c.c.id, c.c.street_id).order_by(c.c.id.desc()).offset(2).limit(1))).one()
            req = Request(tracking_code="KPDAILY01", channel="HOTLINE", title="考核日报测试", text="x", occurred_at=utc(2015, 6, 1),
                          created_at=utc(2015, 6, 1), updated_at=utc(2015, 6, 1), community_id=place.id, street_id=place.street_id,
                          state="ACCEPTED", scope="MAJOR", version=1, due_at=utc(2015, 6, 3), due_kind="RESOLVE")
            session.add(req)
            await session.flush()
            session.add(Assignment(request_id=req.id, unit_kind="DEPARTMENT", unit_id=world.d, role="LEAD", round=1, status="ACCEPTED",
                                   active=True, assigned_at=utc(2015, 6, 1, 1), resolve_due_at=utc(2015, 6, 3)))
            await session.flush()
            scope = ReportScope(community_ids={place.id})
            report = await daily_followup(conn, date(2015, 6, 4), now=utc(2015, 6, 4, 2), scope=scope)
            report = await add_league_tables(conn, report, scope=scope, now=utc(2015, 6, 4, 2))
            raise Rollback
    except Rollback:
        pass
    tables = {t.key: t for t in report.tables}
    assert [(o["unit"], o["tracking_code"], o["due_kind"]) for o in tables["overdue_by_unit"].rows] == [("区城市管理局", "KPDAILY01", "RESOLVE")]
    assert tables["league"].rows == []  # a community's scope ranks no department
    async with db.read() as conn:
        assert (await conn.execute(select(Request.id).where(Request.tracking_code == "KPDAILY01"))).first() is None
