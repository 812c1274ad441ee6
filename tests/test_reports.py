"""Follow-up cadence reports (SPEC §5.5): 一天一跟进、一周一调度、一月一督考、一季一总结, and their
CSV / Excel exports.

The data lives in 2024, which no other test uses, in one generated community; every report is
restricted to that community (or to one of our departments) and the figures are worked out by
hand below. All times are written in UTC; the comment gives the Asia/Shanghai wall time.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import pytest_asyncio
from openpyxl import load_workbook
from sqlalchemy import select

from db.models import Assignment, Category, Community, Department, Request, Street
from resolvers import events
from resolvers.reports import (
    ReportScope,
    daily_followup,
    monthly_supervision,
    quarterly_summary,
    to_csv,
    to_xlsx,
    weekly_dispatch,
)
from resolvers.reports.export import csv_rows


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class World:
    community_id: int
    community: str
    street_id: int
    street: str
    d1: int  # 区城市管理局
    d2: int  # 公安芝罘分局
    codes: dict[str, str] = field(default_factory=dict)  # our name ("R1") → tracking code
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def scope(self) -> ReportScope:
        return ReportScope(community_ids={self.community_id})


async def _seed(db: Any) -> World:
    c, s = Community.__table__, Street.__table__
    async with db.read() as conn:
        comm = (await conn.execute(select(c.c.id, c.c.name, c.c.street_id).order_by(c.c.id.desc()).limit(1))).one()
        street = (await conn.execute(select(s.c.name).where(s.c.id == comm.street_id))).scalar_one()
        deps = dict((await conn.execute(select(Department.name, Department.id).where(Department.name.in_(["区城市管理局", "公安芝罘分局"])))).all())
        cats = (await conn.execute(select(Category.id).order_by(Category.position).limit(2))).scalars().all()
    w = World(comm.id, comm.name, comm.street_id, street, deps["区城市管理局"], deps["公安芝罘分局"])
    cat_a, cat_b = cats  # 居住环境, 城建住房
    prefix = "RP" + "".join(secrets.choice("ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(5))

    async with db.write() as session:
        async def request(name: str, created: datetime, state: str, *, channel: str = "HOTLINE", scope: str | None = None,
                          category: int | None = None, title: str | None = None, **extra: Any) -> Request:
            req = Request(
                tracking_code=f"{prefix}{name}", channel=channel, title=title or f"测试诉求{name}", text="报表测试",
                occurred_at=created, created_at=created, updated_at=created, community_id=w.community_id,
                street_id=w.street_id, state=state, scope=scope, category_id=category, version=1, **extra,
            )
            session.add(req)
            await session.flush()
            w.codes[name], w.ids[name] = req.tracking_code, req.id
            return req

        def assign(req: Request, kind: str, unit_id: int, at: datetime, status: str, *, role: str = "LEAD", round_: int = 1,
                   active: bool = True, label: str = "", response_due: datetime | None = None,
                   responded: datetime | None = None, resolve_due: datetime | None = None) -> None:
            session.add(Assignment(
                request_id=req.id, unit_kind=kind, unit_id=unit_id, assignee_label=label, role=role, round=round_,
                status=status, active=active, assigned_at=at, response_due_at=response_due, responded_at=responded,
                resolve_due_at=resolve_due,
            ))

        def log(req: Request, *steps: tuple[str, datetime, str]) -> None:
            for kind, at, to_state in steps:
                events.stage(session, SimpleNamespace(id=req.id, state=to_state, version=1, street_id=req.street_id,
                                                      community_id=req.community_id), kind, None, at=at, actor_label="测试")

        # R1 MAJOR, 区城市管理局 accepts, resolves Wed, rated satisfied, closed.
        r1 = await request("R1", utc(2024, 3, 4, 1), "CLOSED", scope="MAJOR", category=cat_a,  # Mon 09:00
                           resolved_at=utc(2024, 3, 6, 2), resolve_due_at=utc(2024, 3, 11, 2), rating=1.0,
                           closed_at=utc(2024, 3, 7))
        assign(r1, "DEPARTMENT", w.d1, utc(2024, 3, 4, 2), "DONE", response_due=utc(2024, 3, 4, 4),
               responded=utc(2024, 3, 4, 3), resolve_due=utc(2024, 3, 11, 2))
        log(r1, ("SUBMITTED", utc(2024, 3, 4, 1), "SUBMITTED"), ("DISPATCHED", utc(2024, 3, 4, 2), "DISPATCHED"),
            ("ACCEPTED", utc(2024, 3, 4, 3), "ACCEPTED"), ("RESOLVED", utc(2024, 3, 6, 2), "RESOLVED"),
            ("RATED", utc(2024, 3, 7), "RESOLVED"), ("CLOSED", utc(2024, 3, 7), "CLOSED"))

        # R2 MAJOR, disputed by 区城市管理局 (a co-handler too), second dispatch to 公安芝罘分局, overdue.
        r2 = await request("R2", utc(2024, 3, 5), "IN_PROGRESS", scope="MAJOR", category=cat_a,
                           due_at=utc(2024, 3, 8, 10), due_kind="RESOLVE", resolve_due_at=utc(2024, 3, 8, 10))
        assign(r2, "DEPARTMENT", w.d1, utc(2024, 3, 5, 1), "DISPUTED", active=False, response_due=utc(2024, 3, 5, 3),
               responded=utc(2024, 3, 5, 2), resolve_due=utc(2024, 3, 12, 1))
        assign(r2, "STREET", w.street_id, utc(2024, 3, 5, 1), "PENDING", role="CO", active=False)
        assign(r2, "DEPARTMENT", w.d2, utc(2024, 3, 5, 10), "ACCEPTED", round_=2, response_due=utc(2024, 3, 5, 12),
               responded=utc(2024, 3, 5, 11), resolve_due=utc(2024, 3, 8, 10))
        log(r2, ("SUBMITTED", utc(2024, 3, 5), "SUBMITTED"), ("DISPATCHED", utc(2024, 3, 5, 1), "DISPATCHED"),
            ("DISPUTED", utc(2024, 3, 5, 2), "DISPUTED"), ("REDISPATCHED", utc(2024, 3, 5, 10), "REDISPATCHED"),
            ("ACCEPTED", utc(2024, 3, 5, 11), "ACCEPTED"), ("PROGRESS", utc(2024, 3, 6, 6), "IN_PROGRESS"),
            ("OVERDUE", utc(2024, 3, 8, 10, 5), "IN_PROGRESS"))

        # R3 MAJOR to 公安芝罘分局, never answered: overdue twice in March. Title needs CSV quoting.
        r3 = await request("R3", utc(2024, 3, 7), "DISPATCHED", channel="GRID_WORKER", scope="MAJOR", category=cat_b,
                           title='占道经营, "夜市"扰民', due_at=utc(2024, 3, 7, 3), due_kind="RESPONSE",
                           resolve_due_at=utc(2024, 3, 14, 1))
        assign(r3, "DEPARTMENT", w.d2, utc(2024, 3, 7, 1), "PENDING", response_due=utc(2024, 3, 7, 3),
               resolve_due=utc(2024, 3, 14, 1))
        log(r3, ("SUBMITTED", utc(2024, 3, 7), "SUBMITTED"), ("DISPATCHED", utc(2024, 3, 7, 1), "DISPATCHED"),
            ("OVERDUE", utc(2024, 3, 7, 3, 5), "DISPATCHED"), ("OVERDUE", utc(2024, 3, 14, 1, 5), "DISPATCHED"))

        # R4 MINOR tier A by the community; overdue Sat, resolved only the Tuesday after the week.
        r4 = await request("R4", utc(2024, 3, 8), "RESOLVED", channel="GRID_WORKER", scope="MINOR", category=cat_a, tier="A",
                           resolved_at=utc(2024, 3, 12, 2), resolve_due_at=utc(2024, 3, 9, 1))
        assign(r4, "COMMUNITY", w.community_id, utc(2024, 3, 8, 1), "DONE", responded=utc(2024, 3, 8, 1))
        log(r4, ("SUBMITTED", utc(2024, 3, 8), "SUBMITTED"), ("TRIAGED", utc(2024, 3, 8, 0, 30), "TRIAGED"),
            ("CLASSIFIED", utc(2024, 3, 8, 1), "ACCEPTED"), ("OVERDUE", utc(2024, 3, 9, 1, 5), "ACCEPTED"),
            ("RESOLVED", utc(2024, 3, 12, 2), "RESOLVED"))

        # R5 created Sunday 23:00, dispatched Monday 00:30 local: the next week's assignment.
        r5 = await request("R5", utc(2024, 3, 10, 15), "DISPATCHED", channel="SNAPSHOT", scope="MAJOR", category=cat_b,
                           due_at=utc(2024, 3, 10, 18, 30), due_kind="RESPONSE", resolve_due_at=utc(2024, 3, 17, 16, 30))
        assign(r5, "DEPARTMENT", w.d1, utc(2024, 3, 10, 16, 30), "PENDING", response_due=utc(2024, 3, 10, 18, 30))
        log(r5, ("SUBMITTED", utc(2024, 3, 10, 15), "SUBMITTED"), ("DISPATCHED", utc(2024, 3, 10, 16, 30), "DISPATCHED"))

        # R6 QR code, never triaged (the center's lapse). Its title would be a formula in Excel.
        r6 = await request("R6", utc(2024, 3, 8, 2), "SUBMITTED", channel="QR_CODE", title='=HYPERLINK("http://x","y")',
                           due_at=utc(2024, 3, 8, 2, 30), due_kind="TRIAGE")
        log(r6, ("SUBMITTED", utc(2024, 3, 8, 2), "SUBMITTED"), ("OVERDUE", utc(2024, 3, 8, 2, 35), "SUBMITTED"))

        # R7 QR code, overdue for triage then merged (a stale due_at must not list it).
        r7 = await request("R7", utc(2024, 3, 8, 2, 10), "MERGED", channel="QR_CODE",
                           due_at=utc(2024, 3, 8, 2, 40), due_kind="TRIAGE")
        log(r7, ("SUBMITTED", utc(2024, 3, 8, 2, 10), "SUBMITTED"), ("OVERDUE", utc(2024, 3, 8, 2, 45), "SUBMITTED"),
            ("MERGED", utc(2024, 3, 8, 3), "MERGED"))

        # R8 MINOR tier B with a named handler, due Friday 20:00 local.
        r8 = await request("R8", utc(2024, 3, 1), "ACCEPTED", scope="MINOR", category=cat_a, tier="B",
                           due_at=utc(2024, 3, 8, 12), due_kind="RESOLVE", resolve_due_at=utc(2024, 3, 8, 12))
        assign(r8, "COMMUNITY", w.community_id, utc(2024, 3, 1, 1), "ACCEPTED", label="张建国", responded=utc(2024, 3, 1, 1))
        log(r8, ("SUBMITTED", utc(2024, 3, 1), "SUBMITTED"), ("CLASSIFIED", utc(2024, 3, 1, 1), "ACCEPTED"))

        # R9 2024-03-31 20:00 local: Q1 and March. Disputed; the street lets the redispatch lapse.
        r9 = await request("R9", utc(2024, 3, 31, 12), "DISPUTED", scope="MAJOR", category=cat_b,
                           due_at=utc(2024, 4, 1, 12, 20), due_kind="REDISPATCH", resolve_due_at=utc(2024, 4, 8, 12, 10))
        assign(r9, "DEPARTMENT", w.d1, utc(2024, 3, 31, 12, 10), "DISPUTED", response_due=utc(2024, 3, 31, 14, 10),
               responded=utc(2024, 3, 31, 12, 20))
        log(r9, ("SUBMITTED", utc(2024, 3, 31, 12), "SUBMITTED"), ("DISPATCHED", utc(2024, 3, 31, 12, 10), "DISPATCHED"),
            ("DISPUTED", utc(2024, 3, 31, 12, 20), "DISPUTED"), ("OVERDUE", utc(2024, 3, 31, 15, 59), "DISPUTED"))

        # R10 2024-04-01 00:30 local = 2024-03-31 16:30 UTC: Q2 and April.
        r10 = await request("R10", utc(2024, 3, 31, 16, 30), "SUBMITTED", channel="MAILBOX",
                            due_at=utc(2024, 3, 31, 17), due_kind="TRIAGE")
        log(r10, ("SUBMITTED", utc(2024, 3, 31, 16, 30), "SUBMITTED"), ("OVERDUE", utc(2024, 3, 31, 17, 5), "SUBMITTED"))

        # R0 2023-12-31 23:59 local: Q4 2023. R11 2024-01-01 00:00 local: Q1, resolved late, rated basic.
        await request("R0", utc(2023, 12, 31, 15, 59), "CLOSED", scope="MINOR", category=cat_a)
        await request("R11", utc(2023, 12, 31, 16), "CLOSED", channel="QR_CODE", scope="MINOR", category=cat_a,
                      resolved_at=utc(2024, 1, 3, 16), resolve_due_at=utc(2024, 1, 2, 16), rating=0.5)
        # R12 resolved in 11 hours, on time, rated unsatisfied after the window.
        await request("R12", utc(2024, 2, 1), "CLOSED", scope="MINOR", category=cat_a,
                      resolved_at=utc(2024, 2, 1, 11), resolve_due_at=utc(2024, 2, 2), rating=0.0)

        # 21 items overdue for triage in July, all rejected since: the codes column stops at 20.
        for i in range(21):
            at = utc(2024, 7, 10, 1, i)
            rj = await request(f"J{i:02d}", at, "REJECTED", channel="MAILBOX", reject_reason="测试")
            log(rj, ("SUBMITTED", at, "SUBMITTED"), ("OVERDUE", utc(2024, 7, 10, 2, i), "SUBMITTED"),
                ("REJECTED", utc(2024, 7, 10, 3, i), "REJECTED"))

        await events.flush_events(session)
    return w


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(db: Any) -> World:
    return await _seed(db)


def _by_code(report: Any, w: World) -> dict[str, dict]:
    names = {code: name for name, code in w.codes.items()}
    return {names[r["tracking_code"]]: r for r in report.rows if r["tracking_code"] in names}


# ---------------------------------------------------------------------------------------------
# 一天一跟进


async def test_daily_followup_lists_overdue_and_due_today(db: Any, world: World) -> None:
    w = world
    now = utc(2024, 3, 8, 4)  # Fri 12:00 local
    async with db.read() as conn:
        report = await daily_followup(conn, date(2024, 3, 8), now=now, scope=w.scope)
    assert report.period_start == utc(2024, 3, 7, 16) and report.period_end == utc(2024, 3, 8, 16)
    assert report.as_of == now
    assert [r["tracking_code"] for r in report.rows] == [w.codes[n] for n in ("R3", "R6", "R2", "R8")]
    rows = _by_code(report, w)
    r3 = rows["R3"]
    assert r3["title"] == '占道经营, "夜市"扰民'
    assert (r3["state"], r3["scope"], r3["due_kind"]) == ("DISPATCHED", "MAJOR", "RESPONSE")
    assert r3["lead_unit"] == "公安芝罘分局"
    assert (r3["street"], r3["community"]) == (w.street, w.community)
    assert r3["due_at"].replace(tzinfo=None) == datetime(2024, 3, 7, 11, 0)  # local wall time
    assert r3["due_at"].utcoffset().total_seconds() == 8 * 3600
    assert r3["overdue_hours"] == 25.0
    assert rows["R6"]["overdue_hours"] == 1.5 and rows["R6"]["lead_unit"] == ""
    assert rows["R2"]["overdue_hours"] == 0.0 and rows["R2"]["lead_unit"] == "公安芝罘分局"
    assert rows["R8"]["lead_unit"] == f"{w.community}(张建国)"
    assert rows["R8"]["due_at"].replace(tzinfo=None) == datetime(2024, 3, 8, 20, 0)


async def test_daily_followup_of_an_earlier_day_lists_everything_overdue_now(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        report = await daily_followup(conn, date(2024, 3, 7), now=utc(2024, 3, 8, 4), scope=w.scope)
    assert [r["tracking_code"] for r in report.rows] == [w.codes["R3"], w.codes["R6"]]


async def test_daily_followup_scopes(db: Any, world: World) -> None:
    w = world
    now = utc(2024, 3, 8, 4)
    async with db.read() as conn:
        dept = await daily_followup(conn, date(2024, 3, 8), now=now, scope=ReportScope(department_ids={w.d2}))
        street = await daily_followup(conn, date(2024, 3, 8), now=now, scope=ReportScope(street_ids={w.street_id}))
        nobody = await daily_followup(conn, date(2024, 3, 8), now=now, scope=ReportScope())
        district = await daily_followup(conn, date(2024, 3, 8), now=now)
    assert set(_by_code(dept, w)) == {"R2", "R3"}
    assert set(_by_code(street, w)) == {"R2", "R3", "R6", "R8"}
    assert nobody.rows == []
    assert set(_by_code(district, w)) == {"R2", "R3", "R6", "R8"}


# ---------------------------------------------------------------------------------------------
# 一周一调度


def _weekly_rows(report: Any) -> dict[str, dict]:
    return {r["unit"]: {k: r[k] for k in ("dispatched", "accepted", "disputed", "resolved", "open", "overdue")} for r in report.rows}


async def test_weekly_dispatch_of_a_past_week(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        # Any day of the week will do: Wednesday 2024-03-06 → the week Mon 03-04 … Sun 03-10.
        report = await weekly_dispatch(conn, date(2024, 3, 6), scope=w.scope, now=utc(2024, 11, 1))
    assert report.period_start == utc(2024, 3, 3, 16) and report.period_end == utc(2024, 3, 10, 16)
    assert report.as_of == report.period_end
    assert report.period_label == "2024-03-04 至 2024-03-10"
    assert [r["unit"] for r in report.rows] == ["公安芝罘分局", "区城市管理局", w.community]
    assert [r["unit_kind"] for r in report.rows] == ["DEPARTMENT", "DEPARTMENT", "COMMUNITY"]
    assert _weekly_rows(report) == {
        # R2 (second dispatch) accepted, overdue at the week's end; R3 never answered.
        "公安芝罘分局": {"dispatched": 2, "accepted": 1, "disputed": 0, "resolved": 0, "open": 2, "overdue": 2},
        # R1 accepted and resolved in the week; R2 disputed. R5's Monday-00:30 dispatch is next week's.
        "区城市管理局": {"dispatched": 2, "accepted": 1, "disputed": 1, "resolved": 1, "open": 0, "overdue": 0},
        # R4: resolved only on the Tuesday after, so at the week's end still open and overdue.
        w.community: {"dispatched": 1, "accepted": 1, "disputed": 0, "resolved": 0, "open": 1, "overdue": 1},
    }
    assert report.totals == {"unit_kind": "", "unit": "合计", "dispatched": 5, "accepted": 3, "disputed": 1,
                             "resolved": 1, "open": 3, "overdue": 3}


async def test_weekly_dispatch_while_the_week_runs(db: Any, world: World) -> None:
    w = world
    now = utc(2024, 3, 6)  # Wed 08:00 local
    async with db.read() as conn:
        report = await weekly_dispatch(conn, date(2024, 3, 4), scope=w.scope, now=now)
    assert report.as_of == now
    assert _weekly_rows(report) == {
        # R1 accepted, not yet resolved (that happens at 10:00 local); R2 already disputed.
        "区城市管理局": {"dispatched": 2, "accepted": 1, "disputed": 1, "resolved": 0, "open": 1, "overdue": 0},
        "公安芝罘分局": {"dispatched": 1, "accepted": 1, "disputed": 0, "resolved": 0, "open": 1, "overdue": 0},
    }


async def test_weekly_dispatch_for_a_department_shows_only_its_row(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        report = await weekly_dispatch(conn, date(2024, 3, 4), scope=ReportScope(department_ids={w.d1}), now=utc(2024, 11, 1))
        following = await weekly_dispatch(conn, date(2024, 3, 11), scope=ReportScope(department_ids={w.d1}), now=utc(2024, 11, 1))
    assert _weekly_rows(report) == {
        "区城市管理局": {"dispatched": 2, "accepted": 1, "disputed": 1, "resolved": 1, "open": 0, "overdue": 0},
    }
    # R5, dispatched Monday 2024-03-11 00:30 local, never answered.
    assert _weekly_rows(following) == {
        "区城市管理局": {"dispatched": 1, "accepted": 0, "disputed": 0, "resolved": 0, "open": 1, "overdue": 1},
    }


# ---------------------------------------------------------------------------------------------
# 一月一督考


async def test_monthly_supervision_charges_each_lapse_to_its_unit(db: Any, world: World) -> None:
    w = world
    c = w.codes
    async with db.read() as conn:
        march = await monthly_supervision(conn, 2024, 3, scope=w.scope)
        april = await monthly_supervision(conn, 2024, 4, scope=w.scope)
    assert march.period_start == utc(2024, 2, 29, 16) and march.period_end == utc(2024, 3, 31, 16)
    rows = {r["unit"]: r for r in march.rows}
    assert set(rows) == {"公安芝罘分局", "区基层治理智慧呼应中心", w.community, w.street}
    assert [r["unit"] for r in march.rows[:2]] == ["公安芝罘分局", "区基层治理智慧呼应中心"]
    d2 = rows["公安芝罘分局"]
    assert (d2["items"], d2["overdue_events"], d2["resolved"], d2["open"], d2["ended"]) == (2, 3, 0, 2, 0)
    assert d2["tracking_codes"] == ", ".join(sorted([c["R2"], c["R3"]]))
    center = rows["区基层治理智慧呼应中心"]
    assert (center["unit_kind"], center["items"], center["overdue_events"], center["open"], center["ended"]) == ("CENTER", 2, 2, 1, 1)
    community = rows[w.community]
    assert (community["items"], community["resolved"], community["open"]) == (1, 1, 0)
    # R9's redispatch lapsed at 23:59 local on 31 March: the street's, in March.
    street = rows[w.street]
    assert (street["unit_kind"], street["items"], street["open"], street["tracking_codes"]) == ("STREET", 1, 1, c["R9"])
    assert {k: march.totals[k] for k in ("items", "overdue_events", "resolved", "open", "ended")} == {
        "items": 6, "overdue_events": 7, "resolved": 1, "open": 4, "ended": 1}
    # R10's lapse at 01:05 local on 1 April belongs to April.
    assert [(r["unit"], r["items"], r["tracking_codes"]) for r in april.rows] == [("区基层治理智慧呼应中心", 1, c["R10"])]


async def test_monthly_supervision_scope_and_code_cap(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        dept = await monthly_supervision(conn, 2024, 3, scope=ReportScope(department_ids={w.d2}))
        july = await monthly_supervision(conn, 2024, 7, scope=w.scope)
    assert [(r["unit"], r["items"]) for r in dept.rows] == [("公安芝罘分局", 2)]
    assert dept.totals["items"] == 2
    (row,) = july.rows
    assert (row["items"], row["ended"]) == (21, 21)
    codes = row["tracking_codes"].split(", ")
    assert len(codes) == 21 and codes[-1] == "…"
    assert codes[:20] == sorted(w.codes[f"J{i:02d}"] for i in range(21))[:20]
    assert len(row["request_ids"]) == 21


# ---------------------------------------------------------------------------------------------
# 一季一总结


def _figures(row: dict) -> tuple:
    return tuple(row[k] for k in ("count", "valid", "resolved", "resolution_rate", "timed", "on_time", "on_time_rate",
                                  "avg_resolve_hours", "rated", "satisfaction_rate"))


async def test_quarterly_summary(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        q1 = await quarterly_summary(conn, 2024, 1, scope=w.scope)
        q2 = await quarterly_summary(conn, 2024, 2, scope=w.scope)
        q4 = await quarterly_summary(conn, 2023, 4, scope=w.scope)
    assert q1.period_start == utc(2023, 12, 31, 16) and q1.period_end == utc(2024, 3, 31, 16)
    rows = {(r["dimension"], r["key"]): r for r in q1.rows}
    assert q1.rows[0]["dimension"] == "TOTAL"
    # R1–R9, R11, R12 (R0 is Q4 2023, R10 is Q2). Valid: all but R7 (merged). Resolved: R1, R4,
    # R11, R12, all with a deadline; on time R1 (49 h), R12 (11 h); late R4 (98 h), R11 (72 h).
    # Ratings 1, 0.5, 0.
    assert _figures(rows[("TOTAL", "")]) == (11, 10, 4, 0.4, 4, 2, 0.5, 57.5, 3, 0.5)
    assert _figures(rows[("CHANNEL", "HOTLINE")]) == (5, 5, 2, 0.4, 2, 2, 1.0, 30.0, 2, 0.5)  # R1 R2 R8 R9 R12
    assert _figures(rows[("CHANNEL", "GRID_WORKER")]) == (2, 2, 1, 0.5, 1, 0, 0.0, 98.0, 0, None)  # R3 R4
    assert _figures(rows[("CHANNEL", "SNAPSHOT")]) == (1, 1, 0, 0.0, 0, 0, None, None, 0, None)  # R5
    assert _figures(rows[("CHANNEL", "QR_CODE")]) == (3, 2, 1, 0.5, 1, 0, 0.0, 72.0, 1, 0.5)  # R6 R7 R11
    assert _figures(rows[("SCOPE", "MAJOR")]) == (5, 5, 1, 0.2, 1, 1, 1.0, 49.0, 1, 1.0)
    assert _figures(rows[("SCOPE", "MINOR")]) == (4, 4, 3, 0.75, 3, 1, 0.3333, 60.3, 2, 0.25)
    assert rows[("SCOPE", "")]["label"] == "未分类" and rows[("SCOPE", "")]["count"] == 2
    category_rows = [r for r in q1.rows if r["dimension"] == "CATEGORY"]
    assert [(r["label"], r["count"], r["resolution_rate"]) for r in category_rows] == [
        ("居住环境", 6, 0.6667), ("城建住房", 3, 0.0), ("未分类", 2, 0.0)]
    assert [(r["label"], r["count"]) for r in q1.rows if r["dimension"] == "STREET"] == [(w.street, 11)]
    assert [r["key"] for r in q1.rows if r["dimension"] == "CHANNEL"] == ["GRID_WORKER", "SNAPSHOT", "HOTLINE", "QR_CODE"]
    # The quarter boundary in Asia/Shanghai.
    assert q2.rows[0]["count"] == 1 and [r["key"] for r in q2.rows if r["dimension"] == "CHANNEL"] == ["MAILBOX"]
    assert q4.rows[0]["count"] == 1


# ---------------------------------------------------------------------------------------------
# Exports


async def test_csv_export(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        report = await daily_followup(conn, date(2024, 3, 8), now=utc(2024, 3, 8, 4), scope=w.scope)
    data = to_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    body = data[3:]
    assert b"\r\n" in body and body.count(b"\n") == body.count(b"\r\n")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed == csv_rows(report)
    assert parsed[0] == ["查询码", "诉求标题", "状态", "分流类型", "牵头单位", "街道", "社区", "时限", "时限类型", "超期小时数"]
    assert parsed[1] == [w.codes["R3"], '占道经营, "夜市"扰民', "已派单", "大事", "公安芝罘分局", w.street, w.community,
                         "2024-03-07 11:00", "响应", "25.0"]
    assert '"占道经营, ""夜市""扰民"' in data.decode("utf-8-sig")  # quoted, quotes doubled
    assert parsed[2][1] == "'" + '=HYPERLINK("http://x","y")'  # no formula injection
    assert len(parsed) == 1 + 4  # header + rows, no title line


async def test_csv_export_of_rates_and_totals(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        weekly = await weekly_dispatch(conn, date(2024, 3, 4), scope=w.scope, now=utc(2024, 11, 1))
        q1 = await quarterly_summary(conn, 2024, 1, scope=w.scope)
    weekly_rows = list(csv.reader(io.StringIO(to_csv(weekly).decode("utf-8-sig"), newline="")))
    assert weekly_rows[0] == ["单位类型", "牵头单位", "派单数", "已受理", "提出异议", "本周办结", "仍在办理", "超期"]
    assert weekly_rows[1] == ["区直部门", "公安芝罘分局", "2", "1", "0", "0", "2", "2"]
    assert weekly_rows[-1] == ["", "合计", "5", "3", "1", "1", "3", "3"]
    q1_rows = list(csv.reader(io.StringIO(to_csv(q1).decode("utf-8-sig"), newline="")))
    assert q1_rows[1] == ["合计", "", "全部诉求", "11", "10", "4", "40.0%", "4", "2", "50.0%", "57.5", "3", "50.0%"]


async def test_xlsx_export(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        report = await daily_followup(conn, date(2024, 3, 8), now=utc(2024, 3, 8, 4), scope=w.scope)
    wb = load_workbook(io.BytesIO(to_xlsx(report)))
    ws = wb[report.sheet_name]
    assert report.sheet_name == "每日跟进 2024-03-08" and len(wb.sheetnames) == 1
    assert "2024-03-08" in ws["A1"].value and ws["A1"].font.bold
    assert [c.value for c in ws[2]] == ["查询码", "诉求标题", "状态", "分流类型", "牵头单位", "街道", "社区", "时限", "时限类型", "超期小时数"]
    assert all(c.font.bold for c in ws[2]) and ws["A2"].fill.fill_type == "solid"
    assert ws.freeze_panes == "A3"
    assert ws["A3"].value == w.codes["R3"]
    assert ws["C3"].value == "已派单"
    due = ws["H3"]
    assert due.is_date and due.value == datetime(2024, 3, 7, 11, 0) and due.value.tzinfo is None
    hours = ws["J3"]
    assert hours.data_type == "n" and hours.value == 25.0
    formula_like = ws["B4"]
    assert formula_like.data_type == "s" and formula_like.value == '=HYPERLINK("http://x","y")'
    # CJK columns are wider than the ASCII ones.
    assert ws.column_dimensions["B"].width > ws.column_dimensions["J"].width >= 6
    assert ws.max_row == 2 + 4


async def test_xlsx_export_with_totals_and_percentages(db: Any, world: World) -> None:
    w = world
    async with db.read() as conn:
        weekly = await weekly_dispatch(conn, date(2024, 3, 4), scope=w.scope, now=utc(2024, 11, 1))
        q1 = await quarterly_summary(conn, 2024, 1, scope=w.scope)
    ws = load_workbook(io.BytesIO(to_xlsx(weekly))).active
    assert ws.title == "每周调度 2024-03-04"
    last = ws.max_row
    assert last == 2 + 3 + 1
    assert ws.cell(last, 2).value == "合计" and ws.cell(last, 2).font.bold
    assert ws.cell(last, 3).value == 5 and ws.cell(last, 3).data_type == "n"
    assert ws.cell(3, 1).value == "区直部门" and ws.cell(3, 3).value == 2
    ws = load_workbook(io.BytesIO(to_xlsx(q1))).active
    rate = ws.cell(3, 7)
    assert rate.value == 0.4 and rate.number_format == "0.0%" and rate.data_type == "n"
    assert ws.cell(3, 11).value == 57.5
    assert ws.cell(2, 7).value == "办结率"


@pytest.mark.parametrize("title,expected", [("a/b:c*d?[e]", "a-b-c-d--e-"), ("很长" * 20, "很长" * 15 + "很")])
def test_sheet_names_are_valid(title: str, expected: str) -> None:
    from resolvers.reports import Report

    report = Report(kind="x", title=title, title_en="x", period_start=utc(2024, 1, 1), period_end=utc(2024, 1, 2),
                    columns=[], rows=[])
    assert report.sheet_name == expected and len(report.sheet_name) <= 31


def test_scope_for_actor() -> None:
    from resolvers.actor import Actor
    from resolvers.roles import Role, ScopeKind

    def actor(role: Role, **scopes: set[int]) -> Actor:
        return Actor(user_id=1, username="u", display_name="u", role=role,
                     scopes={ScopeKind[k.upper()]: frozenset(v) for k, v in scopes.items()})

    assert ReportScope.for_actor(actor(Role.CENTER_DISPATCHER)) is None
    assert ReportScope.for_actor(actor(Role.DISTRICT_LEADER)) is None
    assert ReportScope.for_actor(actor(Role.STREET_OFFICER, street={3}, section={7})) == ReportScope(street_ids={3}, section_ids={7})
    assert ReportScope.for_actor(actor(Role.COMMUNITY_WORKER, community={5})) == ReportScope(community_ids={5})
    assert ReportScope.for_actor(actor(Role.DEPARTMENT_HANDLER, department={2})) == ReportScope(department_ids={2})
    assert ReportScope.for_actor(actor(Role.PARTNER, partner={1})) == ReportScope()
